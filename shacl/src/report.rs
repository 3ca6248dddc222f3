//! Validation reports and their RDF serialization.

use crate::path::Path;
use crate::vocab as sh;
use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, Graph, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};
use std::fmt;
use std::sync::Arc;

/// The severity of a validation result.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Severity {
    /// `sh:Violation` (the default).
    Violation,
    /// `sh:Warning`.
    Warning,
    /// `sh:Info`.
    Info,
    /// A custom severity IRI.
    Other(NamedNode),
}

impl Severity {
    /// The severity IRI.
    pub fn iri(&self) -> NamedNodeRef<'_> {
        match self {
            Self::Violation => sh::Violation,
            Self::Warning => sh::Warning,
            Self::Info => sh::Info,
            Self::Other(n) => n.as_ref(),
        }
    }

    pub(crate) fn from_iri(iri: NamedNodeRef<'_>) -> Self {
        if iri == sh::Violation {
            Self::Violation
        } else if iri == sh::Warning {
            Self::Warning
        } else if iri == sh::Info {
            Self::Info
        } else {
            Self::Other(iri.into_owned())
        }
    }
}

/// The result of validating a data graph: `sh:ValidationReport`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValidationReport {
    /// `sh:conforms`: true iff there are no results (of any severity).
    pub conforms: bool,
    /// `sh:result`s.
    pub results: Vec<ValidationResult>,
}

/// One `sh:ValidationResult`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationResult {
    /// `sh:focusNode`.
    pub focus_node: Term,
    /// `sh:resultPath` (the path of the property shape, or the offending predicate for `sh:closed`).
    pub result_path: Option<Arc<Path>>,
    /// `sh:value`.
    pub value: Option<Term>,
    /// `sh:sourceShape`.
    pub source_shape: NamedOrBlankNode,
    /// `sh:sourceConstraintComponent`.
    pub source_constraint_component: NamedNode,
    /// `sh:sourceConstraint` (the `sh:sparql` node for SPARQL-based constraints).
    pub source_constraint: Option<Term>,
    /// `sh:resultSeverity`.
    pub severity: Severity,
    /// `sh:resultMessage`s, from `sh:message` of the shape / SPARQL constraint / validator,
    /// with `{?var}` templates substituted. Language tags are preserved.
    /// Empty if the shapes define no message: see [`ValidationResult::default_message`].
    pub messages: Vec<Literal>,
    /// `sh:detail`: nested results (currently always empty).
    pub details: Vec<ValidationResult>,
}

impl ValidationResult {
    /// A generated English message describing the result (used when the shapes give no `sh:message`).
    pub fn default_message(&self) -> String {
        let component = self.source_constraint_component.as_str();
        let name = component
            .strip_prefix(sh::NAMESPACE)
            .unwrap_or(component)
            .trim_end_matches("ConstraintComponent");
        let mut msg = format!(
            "{name} constraint of shape {} not satisfied",
            self.source_shape
        );
        if let Some(path) = &self.result_path {
            msg.push_str(&format!(" on path {path}"));
        }
        if let Some(value) = &self.value {
            msg.push_str(&format!(" by value {value}"));
        }
        msg
    }

    fn write(&self, node: &BlankNode, default_messages: bool, triples: &mut Vec<Triple>) {
        let mut add = |p: NamedNodeRef<'_>, o: Term| {
            triples.push(Triple::new(node.clone(), p.into_owned(), o));
        };
        add(rdf::TYPE, sh::ValidationResult.into_owned().into());
        add(sh::focusNode, self.focus_node.clone());
        add(sh::resultSeverity, self.severity.iri().into_owned().into());
        add(
            sh::sourceConstraintComponent,
            self.source_constraint_component.clone().into(),
        );
        add(sh::sourceShape, self.source_shape.clone().into());
        if let Some(v) = &self.value {
            add(sh::value, v.clone());
        }
        if let Some(c) = &self.source_constraint {
            add(sh::sourceConstraint, c.clone());
        }
        for m in &self.messages {
            add(sh::resultMessage, m.clone().into());
        }
        if self.messages.is_empty() && default_messages {
            add(
                sh::resultMessage,
                Literal::new_language_tagged_literal_unchecked(self.default_message(), "en").into(),
            );
        }
        if let Some(path) = &self.result_path {
            let mut path_triples = Vec::new();
            let root = path.to_rdf(&mut path_triples);
            triples.push(Triple::new(node.clone(), sh::resultPath.into_owned(), root));
            triples.extend(path_triples);
        }
        for d in &self.details {
            let dn = BlankNode::default();
            triples.push(Triple::new(
                node.clone(),
                sh::detail.into_owned(),
                dn.clone(),
            ));
            d.write(&dn, default_messages, triples);
        }
    }
}

impl ValidationReport {
    /// The report as standard SHACL RDF (`sh:ValidationReport` with `sh:result`s).
    ///
    /// Results get `sh:resultMessage` only from the shapes' `sh:message`s.
    pub fn to_graph(&self) -> Graph {
        self.build_graph(false)
    }

    /// Like [`ValidationReport::to_graph`], but results without `sh:message`
    /// get a generated English `sh:resultMessage`.
    pub fn to_graph_with_default_messages(&self) -> Graph {
        self.build_graph(true)
    }

    fn build_graph(&self, default_messages: bool) -> Graph {
        let mut triples = Vec::new();
        let report = BlankNode::default();
        triples.push(Triple::new(
            report.clone(),
            rdf::TYPE.into_owned(),
            sh::ValidationReport.into_owned(),
        ));
        triples.push(Triple::new(
            report.clone(),
            sh::conforms.into_owned(),
            Literal::new_typed_literal(if self.conforms { "true" } else { "false" }, xsd::BOOLEAN),
        ));
        for r in &self.results {
            let node = BlankNode::default();
            triples.push(Triple::new(
                report.clone(),
                sh::result.into_owned(),
                node.clone(),
            ));
            r.write(&node, default_messages, &mut triples);
        }
        triples.into_iter().collect()
    }
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "conforms: {} ({} results)",
            self.conforms,
            self.results.len()
        )?;
        for r in &self.results {
            let message = r
                .messages
                .first()
                .map_or_else(|| r.default_message(), |m| m.value().to_owned());
            writeln!(f, "- [{}] {}: {}", r.severity.iri(), r.focus_node, message)?;
        }
        Ok(())
    }
}
