//! Validation reports for people and programs: result views (JSON), the
//! text report, the preferred (German) message of a result, Turtle.

use oxrdf::{Graph, Term};
use oxrdfio::RdfFormat;
use serde::Serialize;
use shacl::{Severity, ValidationReport};

/// One result, for JSON reports and the text view.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    pub focus_node: String,
    pub path: Option<String>,
    pub value: Option<String>,
    pub severity: String,
    pub source_shape: String,
    pub constraint_component: String,
    /// The message to show: German where the shapes have it, else English,
    /// else any, else a generated English text.
    pub message: String,
    pub messages: Vec<MessageView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    pub text: String,
    pub language: Option<String>,
}

/// A report for people and programs.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub profile: String,
    pub conforms: bool,
    pub violations: usize,
    pub warnings: usize,
    pub infos: usize,
    pub notes: Vec<String>,
    /// Invalid IRIs and language tags of the document that were repaired
    /// (or their statement left out) before validation, as a harvest
    /// repairs them: the steward should fix them at the source.
    pub repairs: Vec<RepairView>,
    pub results: Vec<ResultView>,
}

/// One repaired term: the subject and property it was found in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RepairView {
    pub focus_node: String,
    pub path: String,
    pub message: String,
}

impl RepairView {
    pub fn new(r: &harvester::iri::Repair) -> Self {
        Self {
            focus_node: match &r.subject {
                oxrdf::NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
                oxrdf::NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
            },
            path: r.predicate.clone(),
            message: r.describe(),
        }
    }
}

fn severity_name(s: &Severity) -> String {
    match s {
        Severity::Violation => "Violation".into(),
        Severity::Warning => "Warning".into(),
        Severity::Info => "Info".into(),
        Severity::Other(n) => n.as_str().to_owned(),
    }
}

pub(crate) fn term_text(t: &Term) -> String {
    match t {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::BlankNode(b) => format!("_:{}", b.as_str()),
        Term::Literal(l) => l.to_string(),
    }
}

/// Picks the message in the preferred language (`de`, then `en`, then any).
pub fn preferred_message_of(messages: &[oxrdf::Literal]) -> Option<String> {
    for lang in ["de", "en"] {
        if let Some(m) = messages.iter().find(|m| {
            m.language()
                .is_some_and(|l| l.eq_ignore_ascii_case(lang) || l.starts_with(&format!("{lang}-")))
        }) {
            return Some(m.value().to_owned());
        }
    }
    messages.first().map(|m| m.value().to_owned())
}

/// The message to show for a result (a generated English text when the
/// shapes have none).
pub fn preferred_message(r: &shacl::ValidationResult) -> String {
    preferred_message_of(&r.messages).unwrap_or_else(|| r.default_message())
}

impl ReportView {
    pub fn new(profile: &str, notes: &[String], report: &ValidationReport) -> Self {
        let results: Vec<ResultView> = report
            .results
            .iter()
            .map(|r| ResultView {
                focus_node: term_text(&r.focus_node),
                path: r.result_path.as_ref().map(|p| p.to_string()),
                value: r.value.as_ref().map(term_text),
                severity: severity_name(&r.severity),
                source_shape: r.source_shape.to_string(),
                constraint_component: r.source_constraint_component.as_str().to_owned(),
                message: preferred_message(r),
                messages: r
                    .messages
                    .iter()
                    .map(|m| MessageView {
                        text: m.value().to_owned(),
                        language: m.language().map(str::to_owned),
                    })
                    .collect(),
            })
            .collect();
        let mut view = Self::from_results(profile, report.conforms, results);
        view.notes = notes.to_vec();
        view
    }

    /// A view of results (sorted by focus node, severity, path, shape).
    pub fn from_results(profile: &str, conforms: bool, mut results: Vec<ResultView>) -> Self {
        results.sort_by(|a, b| {
            (
                &a.focus_node,
                severity_rank(&a.severity),
                &a.path,
                &a.source_shape,
            )
                .cmp(&(
                    &b.focus_node,
                    severity_rank(&b.severity),
                    &b.path,
                    &b.source_shape,
                ))
        });
        let count = |s: &str| results.iter().filter(|r| r.severity == s).count();
        let violations = count("Violation");
        let warnings = count("Warning");
        Self {
            profile: profile.to_owned(),
            conforms,
            violations,
            warnings,
            infos: results.len() - violations - warnings,
            notes: Vec::new(),
            repairs: Vec::new(),
            results,
        }
    }

    /// A readable report grouped by focus node.
    pub fn to_text(&self, title: &str) -> String {
        let mut out = format!(
            "{title}: {} against {} ({} violation(s), {} warning(s), {} info(s))\n",
            if self.conforms {
                "conforms"
            } else {
                "does not conform"
            },
            self.profile,
            self.violations,
            self.warnings,
            self.infos
        );
        for n in &self.notes {
            out.push_str(&format!("  note: {n}\n"));
        }
        for r in &self.repairs {
            out.push_str(&format!("  repaired: {}: {}\n", r.focus_node, r.message));
        }
        let mut current: Option<&str> = None;
        for r in &self.results {
            if current != Some(r.focus_node.as_str()) {
                out.push_str(&format!("\n  {}\n", r.focus_node));
                current = Some(r.focus_node.as_str());
            }
            out.push_str(&format!(
                "    {:<9} {}\n",
                r.severity,
                r.path.as_deref().unwrap_or("(node)")
            ));
            out.push_str(&format!("              {}\n", r.message));
            if let Some(v) = &r.value {
                out.push_str(&format!("              value: {v}\n"));
            }
            out.push_str(&format!("              shape: {}\n", r.source_shape));
        }
        out
    }
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "Violation" => 0,
        "Warning" => 1,
        "Info" => 2,
        _ => 3,
    }
}

/// Output of a validation report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Turtle,
    Json,
}

impl std::str::FromStr for ReportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "text" | "txt" => Ok(Self::Text),
            "turtle" | "ttl" => Ok(Self::Turtle),
            "json" => Ok(Self::Json),
            other => Err(format!(
                "unknown report format {other:?} (text, turtle or json)"
            )),
        }
    }
}

/// A report graph as Turtle with the usual prefixes.
pub fn report_turtle(graph: &Graph) -> Result<String, String> {
    let mut serializer = oxrdfio::RdfSerializer::from_format(RdfFormat::Turtle);
    for (prefix, iri) in [
        ("sh", "http://www.w3.org/ns/shacl#"),
        ("dcat", "http://www.w3.org/ns/dcat#"),
        ("dct", "http://purl.org/dc/terms/"),
        ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ] {
        serializer = serializer
            .with_prefix(prefix, iri)
            .map_err(|e| e.to_string())?;
    }
    let mut w = serializer.for_writer(Vec::new());
    for t in graph {
        w.serialize_triple(t).map_err(|e| e.to_string())?;
    }
    let bytes = w.finish().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}
