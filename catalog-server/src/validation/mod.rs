//! SHACL validation of records against validation profiles.
//!
//! A profile is a shapes graph plus a read-only vocabulary graph (the EU and
//! DCAT-AP.de code lists), both loaded once and shared by every record: the
//! shipped profiles come from `shapes/profiles.toml` and the files under
//! `shapes/` and `vocabularies/` (embedded in the binary, so validation works
//! offline from any directory); `[validation.profiles.NAME]` in the config
//! adds or replaces files (operators may load the official files).
//!
//! A vocabulary check is a `sh:node` to one of the per-scheme node shapes
//! `urn:dcat-catalog:shapes:vocabulary:…` (`shapes/common/`), which requires
//! `skos:inScheme <scheme>` on the value. When no loaded vocabulary describes
//! that scheme, the node shape is deactivated and the profile carries one
//! note saying which checks are skipped: a missing vocabulary is one warning,
//! never a violation on every record.

use crate::config::{CustomProfile, ValidationConfig};
use include_dir::{include_dir, Dir};
use oxrdf::vocab::rdf;
use oxrdf::{
    BlankNode, BlankNodeRef, Graph, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, TermRef,
    Triple, TripleRef,
};
use oxrdfio::{RdfFormat, RdfParser};
use sha2::{Digest, Sha256};
use shacl::{Severity, Shapes, ValidationReport};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod document;
pub mod quality;
pub mod references;
mod report;

pub use document::{media_type_for_path, parse_rdf};
pub use report::{
    preferred_message, preferred_message_of, report_turtle, MessageView, ReportFormat, ReportView,
    ResultView,
};

static SHAPES_DIR: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../shapes");
static VOCABULARIES_DIR: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../vocabularies");

/// A shipped vocabulary file by its path under `vocabularies/` (the web
/// pages read labels of themes and licences from them).
pub fn vocabulary_file(path: &str) -> Option<&'static [u8]> {
    VOCABULARIES_DIR.get_file(path).map(|f| f.contents())
}

const SKOS_IN_SCHEME: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#inScheme");
const SKOS_CONCEPT_SCHEME: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#ConceptScheme");
const SH_PROPERTY: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#property");
const SH_PATH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#path");
const SH_HAS_VALUE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#hasValue");
const SH_NODE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#node");
const SH_DEACTIVATED: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#deactivated");
const VOCABULARY_SHAPE_PREFIX: &str = "urn:dcat-catalog:shapes:vocabulary:";

/// Why a profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown validation profile {name:?}; known profiles: {known}")]
    Unknown { name: String, known: String },
    #[error("validation profile {profile}: {file}: {reason}")]
    File {
        profile: String,
        file: String,
        reason: String,
    },
    #[error("validation profile {profile}: shape {shape}: {reason}")]
    Shape {
        profile: String,
        shape: String,
        reason: String,
    },
    #[error("shapes/profiles.toml: {0}")]
    Index(String),
}

/// A compiled profile: shapes, the vocabulary graph, and notes about what
/// could not be checked.
pub struct LoadedProfile {
    pub name: String,
    pub title: String,
    pub shapes: Shapes,
    pub vocabulary: Graph,
    /// SHA-256 (hex, 16 chars) of all shape and vocabulary bytes: a record
    /// validated under another fingerprint is validated again.
    pub fingerprint: String,
    /// Missing vocabularies and the checks skipped because of them; shapes
    /// warnings (e.g. dangling references).
    pub notes: Vec<String>,
}

impl std::fmt::Debug for LoadedProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedProfile")
            .field("name", &self.name)
            .field("shapes", &self.shapes.len())
            .field("vocabulary", &self.vocabulary.len())
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

/// A record's validation: counts by severity and the report.
#[derive(Debug, Clone)]
pub struct Checked {
    pub profile: String,
    pub fingerprint: String,
    pub violations: usize,
    pub warnings: usize,
    pub infos: usize,
    pub report: ValidationReport,
}

/// A file of a profile: shipped (embedded) or on disk.
#[derive(Debug, Clone)]
enum Source {
    Shipped(&'static Dir<'static>, String),
    Disk(PathBuf),
}

impl Source {
    fn name(&self) -> String {
        match self {
            Source::Shipped(dir, p) => {
                if std::ptr::eq(*dir, &SHAPES_DIR) {
                    format!("shapes/{p}")
                } else {
                    format!("vocabularies/{p}")
                }
            }
            Source::Disk(p) => p.display().to_string(),
        }
    }

    fn read(&self) -> Result<Vec<u8>, String> {
        match self {
            Source::Shipped(dir, p) => dir
                .get_file(p)
                .map(|f| f.contents().to_vec())
                .ok_or_else(|| "not shipped with this build".to_owned()),
            Source::Disk(p) => std::fs::read(p).map_err(|e| e.to_string()),
        }
    }

    fn extension(&self) -> String {
        let p = match self {
            Source::Shipped(_, p) => Path::new(p),
            Source::Disk(p) => p.as_path(),
        };
        p.extension()
            .and_then(|e| e.to_str())
            .unwrap_or("ttl")
            .to_ascii_lowercase()
    }
}

#[derive(serde::Deserialize)]
struct ProfileIndex {
    profiles: BTreeMap<String, ShippedProfile>,
}

#[derive(serde::Deserialize)]
struct ShippedProfile {
    title: String,
    shapes: Vec<String>,
    vocabularies: Vec<String>,
}

fn shipped_index() -> Result<ProfileIndex, ProfileError> {
    let text = SHAPES_DIR
        .get_file("profiles.toml")
        .and_then(|f| f.contents_utf8())
        .ok_or_else(|| ProfileError::Index("missing from this build".into()))?;
    toml::from_str(text).map_err(|e| ProfileError::Index(e.to_string()))
}

/// The names of the shipped profiles.
pub fn shipped_profiles() -> Vec<String> {
    shipped_index()
        .map(|i| i.profiles.into_keys().collect())
        .unwrap_or_default()
}

/// The profiles of an installation, compiled on first use and cached.
pub struct Profiles {
    custom: BTreeMap<String, CustomProfile>,
    cache: Mutex<HashMap<String, Arc<LoadedProfile>>>,
}

impl Profiles {
    pub fn new(config: &ValidationConfig) -> Self {
        Self {
            custom: config.profiles.clone(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The profile `name` (`None` for `none`: no validation).
    pub fn get(&self, name: &str) -> Result<Option<Arc<LoadedProfile>>, ProfileError> {
        if name == "none" {
            return Ok(None);
        }
        if let Some(p) = self.cache.lock().ok().and_then(|c| c.get(name).cloned()) {
            return Ok(Some(p));
        }
        let loaded = Arc::new(self.load(name)?);
        for note in &loaded.notes {
            tracing::warn!(profile = name, "{note}");
        }
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(name.to_owned(), loaded.clone());
        }
        Ok(Some(loaded))
    }

    fn load(&self, name: &str) -> Result<LoadedProfile, ProfileError> {
        let index = shipped_index()?;
        let custom = self.custom.get(name);
        let base_name = match custom {
            Some(c) => c.base.clone(),
            None => Some(name.to_owned()),
        };
        let base = match &base_name {
            Some(b) => Some(index.profiles.get(b).ok_or_else(|| {
                let mut known: Vec<String> = index.profiles.keys().cloned().collect();
                known.extend(self.custom.keys().cloned());
                known.push("none".into());
                ProfileError::Unknown {
                    name: b.clone(),
                    known: known.join(", "),
                }
            })?),
            None => None,
        };
        let mut shapes: Vec<Source> = Vec::new();
        let mut vocabularies: Vec<Source> = Vec::new();
        if let Some(b) = base {
            if !custom.is_some_and(|c| c.replace_shapes) {
                shapes.extend(
                    b.shapes
                        .iter()
                        .map(|f| Source::Shipped(&SHAPES_DIR, f.clone())),
                );
            }
            if !custom.is_some_and(|c| c.replace_vocabularies) {
                vocabularies.extend(
                    b.vocabularies
                        .iter()
                        .map(|f| Source::Shipped(&VOCABULARIES_DIR, f.clone())),
                );
            }
        }
        if let Some(c) = custom {
            shapes.extend(c.shapes.iter().cloned().map(Source::Disk));
            vocabularies.extend(c.vocabularies.iter().cloned().map(Source::Disk));
        }
        let title = base
            .map(|b| b.title.clone())
            .unwrap_or_else(|| name.to_owned());
        compile(name, &title, &shapes, &vocabularies)
    }
}

/// Compiles a profile from shape and vocabulary files on disk (the
/// `validate --shapes` command line).
pub fn profile_from_files(
    shapes: &[PathBuf],
    vocabularies: &[PathBuf],
) -> Result<LoadedProfile, ProfileError> {
    let s: Vec<Source> = shapes.iter().cloned().map(Source::Disk).collect();
    let v: Vec<Source> = vocabularies.iter().cloned().map(Source::Disk).collect();
    compile("(command line)", "shapes from the command line", &s, &v)
}

fn compile(
    name: &str,
    title: &str,
    shape_files: &[Source],
    vocabulary_files: &[Source],
) -> Result<LoadedProfile, ProfileError> {
    let mut hasher = Sha256::new();
    let mut notes = Vec::new();
    let mut shapes_graph = Graph::new();
    for f in shape_files {
        let bytes = f.read().map_err(|reason| ProfileError::File {
            profile: name.to_owned(),
            file: f.name(),
            reason,
        })?;
        hasher.update(&bytes);
        parse_into(&bytes, f, &mut shapes_graph).map_err(|reason| ProfileError::File {
            profile: name.to_owned(),
            file: f.name(),
            reason,
        })?;
    }
    let mut vocabulary = Graph::new();
    for f in vocabulary_files {
        let bytes = match f.read() {
            Ok(b) => b,
            Err(reason) => {
                notes.push(format!(
                    "vocabulary {} could not be read ({reason}); the checks that need it are skipped",
                    f.name()
                ));
                continue;
            }
        };
        hasher.update(&bytes);
        parse_into(&bytes, f, &mut vocabulary).map_err(|reason| ProfileError::File {
            profile: name.to_owned(),
            file: f.name(),
            reason,
        })?;
    }
    notes.extend(deactivate_unbacked_vocabulary_shapes(
        &mut shapes_graph,
        &vocabulary,
    ));
    let shapes = Shapes::from_graph(&shapes_graph).map_err(|e| ProfileError::Shape {
        profile: name.to_owned(),
        shape: e.shape().to_owned(),
        reason: e.reason().to_owned(),
    })?;
    notes.extend(shapes.warnings().iter().cloned());
    // The quality score is computed with validation and stored with the
    // report: new scoring rules or lists count as a new profile version,
    // so every record is validated and scored again at the next run.
    hasher.update(quality::rules_fingerprint());
    let fingerprint = hex::encode(&hasher.finalize()[..8]);
    Ok(LoadedProfile {
        name: name.to_owned(),
        title: title.to_owned(),
        shapes,
        vocabulary,
        fingerprint,
        notes,
    })
}

/// Parses an RDF document (syntax from the extension; Turtle by default)
/// into `graph` (quads' graph names are dropped).
fn parse_into(bytes: &[u8], f: &Source, graph: &mut Graph) -> Result<(), String> {
    let ext = f.extension();
    let format = RdfFormat::from_extension(&ext).unwrap_or(RdfFormat::Turtle);
    let base = match f {
        Source::Shipped(_, p) => format!("urn:dcat-catalog:file:{p}"),
        Source::Disk(p) => url::Url::from_file_path(p)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| "file:///".to_owned()),
    };
    let parser = RdfParser::from_format(format)
        .with_base_iri(base)
        .map_err(|e| e.to_string())?;
    for quad in parser.for_slice(bytes) {
        let quad = quad.map_err(|e| e.to_string())?;
        graph.insert(TripleRef::new(&quad.subject, &quad.predicate, &quad.object));
    }
    Ok(())
}

/// Deactivates the per-scheme vocabulary node shapes whose scheme no loaded
/// vocabulary describes, and says so once per scheme.
fn deactivate_unbacked_vocabulary_shapes(shapes: &mut Graph, vocabulary: &Graph) -> Vec<String> {
    let mut schemes: BTreeSet<String> = BTreeSet::new();
    for t in vocabulary.triples_for_predicate(SKOS_IN_SCHEME) {
        if let TermRef::NamedNode(n) = t.object {
            schemes.insert(n.as_str().to_owned());
        }
    }
    for s in vocabulary.subjects_for_predicate_object(rdf::TYPE, SKOS_CONCEPT_SCHEME) {
        if let oxrdf::NamedOrBlankNodeRef::NamedNode(n) = s {
            schemes.insert(n.as_str().to_owned());
        }
    }
    // node shape -> the scheme its skos:inScheme property requires
    let mut missing: BTreeMap<String, Vec<NamedOrBlankNode>> = BTreeMap::new();
    let mut candidates: Vec<NamedOrBlankNode> = shapes
        .triples_for_predicate(SH_PROPERTY)
        .map(|t| t.subject.into_owned())
        .filter(|s| matches!(s, NamedOrBlankNode::NamedNode(n) if n.as_str().starts_with(VOCABULARY_SHAPE_PREFIX)))
        .collect();
    // Only the node shapes some check points to (`sh:node`) matter.
    let referenced: BTreeSet<String> = shapes
        .triples_for_predicate(SH_NODE)
        .map(|t| t.object.to_string())
        .collect();
    candidates.retain(|s| referenced.contains(&s.to_string()));
    candidates.sort_by_key(|s| s.to_string());
    candidates.dedup();
    for shape in candidates {
        let mut required = None;
        for p in shapes.objects_for_subject_predicate(&shape, SH_PROPERTY) {
            let p = match p {
                TermRef::NamedNode(n) => NamedOrBlankNode::from(n.into_owned()),
                TermRef::BlankNode(b) => NamedOrBlankNode::from(b.into_owned()),
                _ => continue,
            };
            let on_scheme = shapes
                .object_for_subject_predicate(&p, SH_PATH)
                .is_some_and(|o| o == TermRef::NamedNode(SKOS_IN_SCHEME));
            if !on_scheme {
                continue;
            }
            if let Some(TermRef::NamedNode(v)) =
                shapes.object_for_subject_predicate(&p, SH_HAS_VALUE)
            {
                required = Some(v.as_str().to_owned());
            }
        }
        if let Some(scheme) = required {
            if !schemes.contains(&scheme) {
                missing.entry(scheme).or_default().push(shape);
            }
        }
    }
    let mut notes = Vec::new();
    for (scheme, shapes_of) in missing {
        for s in &shapes_of {
            shapes.insert(TripleRef::new(
                s,
                SH_DEACTIVATED,
                &oxrdf::Literal::from(true),
            ));
        }
        notes.push(format!(
            "no vocabulary describing <{scheme}> is loaded: values are not checked against it"
        ));
    }
    notes
}

impl LoadedProfile {
    /// Validates one record (its exact triples: nothing normalized) against
    /// the shapes, with the vocabulary graph consulted but not copied.
    /// Only nodes of the record are focus nodes.
    pub fn check(&self, triples: &[Triple]) -> Result<Checked, String> {
        self.check_in(triples, &Graph::new())
    }

    /// [`LoadedProfile::check`] with a context: statements about other
    /// records (their types, see [`references`]) that the constraints
    /// consult like the vocabularies, never focus nodes.
    pub fn check_in(&self, triples: &[Triple], context: &Graph) -> Result<Checked, String> {
        let graph: Graph = triples.iter().collect();
        let report = if context.is_empty() {
            self.shapes.validate_record(&graph, &self.vocabulary)
        } else {
            self.shapes.validate_with_targets(
                &graph,
                &shacl::UnionGraph::new(&shacl::UnionGraph::new(&graph, context), &self.vocabulary),
            )
        }
        .map_err(|e| format!("validation against profile {} failed: {e}", self.name))?;
        let (mut violations, mut warnings, mut infos) = (0, 0, 0);
        for r in &report.results {
            match r.severity {
                Severity::Violation => violations += 1,
                Severity::Warning => warnings += 1,
                Severity::Info | Severity::Other(_) => infos += 1,
            }
        }
        Ok(Checked {
            profile: self.name.clone(),
            fingerprint: self.fingerprint.clone(),
            violations,
            warnings,
            infos,
            report,
        })
    }
}

impl Checked {
    /// The report as RDF, its own blank nodes labelled `r{rid}v{n}` (unique
    /// in the store, stable for the same report); the record's blank nodes
    /// (focus nodes, values) are kept as they are.
    pub fn report_triples(&self, rid: &str, record: &[Triple]) -> Vec<Triple> {
        let mut record_nodes: BTreeSet<&str> = BTreeSet::new();
        for t in record {
            if let NamedOrBlankNode::BlankNode(b) = &t.subject {
                record_nodes.insert(b.as_str());
            }
            if let Term::BlankNode(b) = &t.object {
                record_nodes.insert(b.as_str());
            }
        }
        // The report's own blank nodes (one per result, and path nodes) are
        // fresh on every validation: the graph is put in canonical form so
        // that the same report gets the same labels `r{rid}v{n}` every time,
        // and a re-validated record rewrites only the results that changed.
        // The record's blank nodes (focus nodes, values) keep their labels:
        // they stand in as IRIs while the labels are chosen.
        const RECORD_NODE: &str = "urn:dcat-catalog:record-node:";
        let as_iri = |b: BlankNodeRef<'_>| -> Option<NamedNode> {
            record_nodes
                .contains(b.as_str())
                .then(|| NamedNode::new_unchecked(format!("{RECORD_NODE}{}", b.as_str())))
        };
        let report: Vec<Triple> = self
            .report
            .to_graph_with_default_messages()
            .iter()
            .map(|t| {
                let subject: NamedOrBlankNode = match t.subject {
                    oxrdf::NamedOrBlankNodeRef::BlankNode(b) => match as_iri(b) {
                        Some(n) => n.into(),
                        None => b.into_owned().into(),
                    },
                    s => s.into_owned(),
                };
                let object: Term = match t.object {
                    TermRef::BlankNode(b) => match as_iri(b) {
                        Some(n) => n.into(),
                        None => b.into_owned().into(),
                    },
                    o => o.into_owned(),
                };
                Triple::new(subject, t.predicate.into_owned(), object)
            })
            .collect();
        let (_, canonical) = harvester::canonical_form(&report);
        let back = |n: &NamedNode| -> Option<BlankNode> {
            n.as_str()
                .strip_prefix(RECORD_NODE)
                .map(BlankNode::new_unchecked)
        };
        let label = |b: &BlankNode| -> BlankNode {
            let n = b.as_str().trim_start_matches("c14n");
            BlankNode::new_unchecked(format!("r{rid}v{n}"))
        };
        canonical
            .into_iter()
            .map(|t| {
                let subject: NamedOrBlankNode = match t.subject {
                    NamedOrBlankNode::BlankNode(b) => label(&b).into(),
                    NamedOrBlankNode::NamedNode(n) => match back(&n) {
                        Some(b) => b.into(),
                        None => n.into(),
                    },
                };
                let object: Term = match t.object {
                    Term::BlankNode(b) => label(&b).into(),
                    Term::NamedNode(n) => match back(&n) {
                        Some(b) => b.into(),
                        None => n.into(),
                    },
                    o => o,
                };
                Triple::new(subject, t.predicate, object)
            })
            .collect()
    }
}

impl LoadedProfile {
    /// Validates a whole document (every node in it can be a focus node).
    pub fn check_document(&self, triples: &[Triple]) -> Result<ValidationReport, String> {
        self.check(triples).map(|c| c.report)
    }

    /// A report in the requested format. The text and JSON reports list
    /// the document's `repairs` too; Turtle is the SHACL report alone.
    pub fn render(
        &self,
        report: &ValidationReport,
        title: &str,
        format: ReportFormat,
        repairs: &[harvester::iri::Repair],
    ) -> Result<String, String> {
        let view = || {
            let mut view = ReportView::new(&self.name, &self.notes, report);
            view.repairs = repairs.iter().map(report::RepairView::new).collect();
            view
        };
        match format {
            ReportFormat::Text => Ok(view().to_text(title)),
            ReportFormat::Json => serde_json::to_string_pretty(&view()).map_err(|e| e.to_string()),
            ReportFormat::Turtle => report_turtle(&report.to_graph_with_default_messages()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::report::term_text;
    use super::*;

    fn triples(ttl: &str) -> Vec<Triple> {
        RdfParser::from_format(RdfFormat::Turtle)
            .for_slice(ttl.as_bytes())
            .map(|q| q.map(|q| Triple::new(q.subject, q.predicate, q.object)))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A profile that must load (tests only).
    fn loaded(config: &ValidationConfig, name: &str) -> Arc<LoadedProfile> {
        Profiles::new(config)
            .get(name)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("{name} validates nothing"))
    }

    #[test]
    fn every_shipped_profile_compiles_without_notes() {
        let profiles = Profiles::new(&ValidationConfig::default());
        let names = shipped_profiles();
        assert!(names.len() >= 5, "{names:?}");
        for name in names {
            let p = profiles
                .get(&name)
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("{name}"));
            assert!(p.shapes.len() > 50, "{name}: {}", p.shapes.len());
            assert!(p.vocabulary.len() > 1000, "{name}: {}", p.vocabulary.len());
            // The EU corporate-body table (publishers in DCAT-AP 2.1.1) is
            // not shipped: one note, no false violations.
            let unexpected: Vec<&String> = p
                .notes
                .iter()
                .filter(|n| !n.contains("authority/corporate-body>"))
                .collect();
            assert!(unexpected.is_empty(), "{name}: {unexpected:?}");
            if name == "dcat-ap-de-3" {
                assert!(p.notes.is_empty(), "{:?}", p.notes);
            }
        }
        assert!(profiles
            .get("none")
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none());
        let e = profiles
            .get("dcat-ap-9")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("dcat-ap-9") && e.contains("dcat-ap-de-3"), "{e}");
    }

    const RECORD: &str = r#"
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        <https://x.example/d1> a dcat:Dataset ;
            dct:title "Bäume"@de ; dct:description "Straßenbäume"@de ;
            dcat:theme <http://publications.europa.eu/resource/authority/data-theme/ENVI>,
                       <http://publications.europa.eu/resource/authority/data-theme/NOPE> ;
            dcat:contactPoint [ a <http://www.w3.org/2006/vcard#Kind> ] .
    "#;

    /// The types of linked records come from the context: they satisfy the
    /// range checks, but the linked records are not validated with the
    /// record (no focus node of the dataset shapes).
    #[test]
    fn links_to_other_records_are_checked_against_the_context() {
        let p = loaded(&ValidationConfig::default(), "dcat-ap-3");
        let record = triples(
            r#"@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
            @prefix foaf: <http://xmlns.com/foaf/0.1/> .
            <https://x.example/s> a dcat:DataService ; dct:title "WMS"@de ;
                dcat:endpointURL <https://x.example/wms> ;
                dcat:servesDataset <https://x.example/d1>, <https://x.example/d2> .
            <https://x.example/r> a dcat:CatalogRecord ; foaf:primaryTopic <https://x.example/s> ;
                dct:modified "2026-01-01"^^<http://www.w3.org/2001/XMLSchema#date> ."#,
        );
        let on_links = |c: &Checked| -> Vec<String> {
            c.report
                .results
                .iter()
                .filter(|r| {
                    r.result_path.as_ref().is_some_and(|p| {
                        p.to_string().contains("servesDataset")
                            || p.to_string().contains("primaryTopic")
                    })
                })
                .filter_map(|r| r.value.as_ref().map(term_text))
                .collect::<std::collections::BTreeSet<String>>()
                .into_iter()
                .collect()
        };
        let alone = p.check(&record).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            on_links(&alone),
            vec!["https://x.example/d1", "https://x.example/d2"],
            "{}",
            alone.report
        );
        let mut known = references::KnownTypes::default();
        known.add(
            NamedNode::new_unchecked("https://x.example/d1"),
            harvester::vocab::dcat::DATASET.into_owned(),
        );
        let (context, unknown) = known.context(&references::outside_links(&record));
        assert_eq!(unknown.len(), 1);
        let linked = p
            .check_in(&record, &context)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            on_links(&linked),
            vec!["https://x.example/d2"],
            "{}",
            linked.report
        );
        assert!(references::violation_on(&linked.report, &unknown));
        // d1 has no title, but it is context, not validated here.
        assert!(linked.report.results.iter().all(
            |r| !matches!(&r.focus_node, Term::NamedNode(n) if n.as_str() == "https://x.example/d1")
        ));
        assert_eq!(linked.violations + 1, alone.violations);
    }

    #[test]
    fn vocabulary_checks_use_the_shared_graph_and_german_messages_come_first() {
        let p = loaded(&ValidationConfig::default(), "dcat-ap-de-3");
        let record = triples(RECORD);
        let checked = p.check(&record).unwrap_or_else(|e| panic!("{e}"));
        let themes: Vec<&shacl::ValidationResult> = checked
            .report
            .results
            .iter()
            .filter(|r| {
                r.result_path
                    .as_ref()
                    .is_some_and(|p| p.to_string().contains("theme"))
            })
            .collect();
        assert_eq!(themes.len(), 1, "{}", checked.report);
        assert_eq!(
            themes[0].value.as_ref().map(term_text).as_deref(),
            Some("http://publications.europa.eu/resource/authority/data-theme/NOPE")
        );
        let view = ReportView::new("dcat-ap-de-3", &p.notes, &checked.report);
        let r = view
            .results
            .iter()
            .find(|r| r.value.as_deref().is_some_and(|v| v.ends_with("NOPE")))
            .unwrap_or_else(|| panic!("result"));
        assert!(
            r.message.contains("Vokabular") || r.message.contains("Begriff"),
            "{}",
            r.message
        );
        assert!(checked.violations + checked.warnings > 0);
        let text = view.to_text("record.ttl");
        assert!(
            text.contains("https://x.example/d1") && text.contains("NOPE"),
            "{text}"
        );
    }

    #[test]
    fn report_blank_nodes_are_stable_and_record_nodes_kept() {
        let p = loaded(&ValidationConfig::default(), "dcat-ap-3");
        let record = triples(RECORD);
        let checked = p.check(&record).unwrap_or_else(|e| panic!("{e}"));
        let a = checked.report_triples("abc", &record);
        let record_bnodes: BTreeSet<String> = record
            .iter()
            .filter_map(|t| match &t.object {
                Term::BlankNode(b) => Some(b.as_str().to_owned()),
                _ => None,
            })
            .collect();
        for t in &a {
            if let NamedOrBlankNode::BlankNode(b) = &t.subject {
                assert!(b.as_str().starts_with("rabcv"), "{t}");
            }
            if let Term::BlankNode(b) = &t.object {
                assert!(
                    b.as_str().starts_with("rabcv") || record_bnodes.contains(b.as_str()),
                    "{t}"
                );
            }
        }
        assert!(a
            .iter()
            .any(|t| t.predicate.as_str().ends_with("#conforms")));
    }

    #[test]
    fn a_missing_vocabulary_is_one_note_not_a_violation_per_value() {
        let dir = std::env::temp_dir().join(format!("vocab-missing-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let mut config = ValidationConfig::default();
        config.profiles.insert(
            "no-themes".into(),
            CustomProfile {
                base: Some("dcat-ap-de-3".into()),
                shapes: vec![],
                replace_shapes: false,
                vocabularies: vec![dir.join("data-theme-not-here.rdf")],
                replace_vocabularies: true,
            },
        );
        let p = loaded(&config, "no-themes");
        assert!(
            p.notes.iter().any(|n| n.contains("data-theme-not-here")),
            "{:?}",
            p.notes
        );
        assert!(
            p.notes.iter().any(|n| n.contains("authority/data-theme>")),
            "{:?}",
            p.notes
        );
        let checked = p.check(&triples(RECORD)).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !checked.report.results.iter().any(|r| r
                .value
                .as_ref()
                .is_some_and(|v| term_text(v).contains("data-theme"))),
            "{}",
            checked.report
        );
    }

    #[test]
    fn bad_shapes_name_the_file_or_the_shape() {
        let dir = std::env::temp_dir().join(format!("bad-shapes-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let syntax = dir.join("syntax.ttl");
        let _ = std::fs::write(
            &syntax,
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<urn:s> a sh:NodeShape ; sh:name \"unterminated .",
        );
        let e = profile_from_files(std::slice::from_ref(&syntax), &[])
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("syntax.ttl"), "{e}");
        let cycle = dir.join("cycle.ttl");
        let _ = std::fs::write(
            &cycle,
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n\
             <urn:shape:S> a sh:NodeShape ; sh:targetNode <urn:x> ; sh:property [ sh:path _:p ; sh:minCount 1 ] .\n\
             _:p sh:inversePath _:p .",
        );
        let e = profile_from_files(&[cycle], &[])
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("shape") && e.contains("urn:shape:S"), "{e}");
    }
}
