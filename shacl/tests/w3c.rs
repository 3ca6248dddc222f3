//! W3C SHACL test suite (<https://w3c.github.io/data-shapes/data-shapes-test-suite/>).
//!
//! Reads the suite in place from
//! `${SHACL_TESTS_DIR:-${CATALOG_FIXTURES:-<workspace>/../shared/fixtures}/w3c-shacl-tests/tests}`,
//! follows `mf:include` from the root `manifest.ttl` down to every `sht:Validate`
//! entry, validates, and compares the produced report with the expected one by
//! graph isomorphism (RDFC-1.0 canonicalization) restricted to the triples the
//! suite specifies: `sh:conforms` and, per result, `rdf:type`, `sh:focusNode`,
//! `sh:resultPath` (with its path structure), `sh:resultSeverity`,
//! `sh:sourceConstraintComponent`, `sh:sourceShape`, `sh:value`,
//! `sh:sourceConstraint`, and `sh:resultMessage` only for tests whose expected
//! report mentions `sh:resultMessage` (as the suite's `message-001` test asks).
//! Blank-node focus nodes, values and source shapes are compared as anonymous
//! blank nodes (their descriptions are not part of the report).
//!
//! If the fixtures are missing the test prints a message and passes, unless
//! `CI=true`, in which case it panics.

use oxrdf::dataset::{CanonicalizationAlgorithm, CanonicalizationHashAlgorithm};
use oxrdf::vocab::rdf;
use oxrdf::{Graph, NamedNodeRef, NamedOrBlankNodeRef, TermRef, TripleRef};
use oxttl::TurtleParser;
use shacl::Shapes;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Tests we skip, with the precise reason. Currently none.
const SKIPPED: &[(&str, &str)] = &[];

const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
const SHT: &str = "http://www.w3.org/ns/shacl-test#";
const SH: &str = "http://www.w3.org/ns/shacl#";

fn mf(local: &str) -> oxrdf::NamedNode {
    oxrdf::NamedNode::new_unchecked(format!("{MF}{local}"))
}
fn sht(local: &str) -> oxrdf::NamedNode {
    oxrdf::NamedNode::new_unchecked(format!("{SHT}{local}"))
}
fn sh(local: &str) -> oxrdf::NamedNode {
    oxrdf::NamedNode::new_unchecked(format!("{SH}{local}"))
}

fn tests_dir() -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = match std::env::var_os("SHACL_TESTS_DIR") {
        Some(d) => PathBuf::from(d),
        None => std::env::var_os("CATALOG_FIXTURES")
            .map_or_else(|| workspace.join("../shared/fixtures"), PathBuf::from)
            .join("w3c-shacl-tests/tests"),
    };
    if dir.join("manifest.ttl").is_file() {
        return Some(dir);
    }
    let message = format!("W3C SHACL test suite not found at {}", dir.display());
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{message} (CI=true)"
    );
    println!("{message}: skipping");
    None
}

struct Suite {
    root: PathBuf,
    graphs: HashMap<PathBuf, Graph>,
}

impl Suite {
    fn url(path: &Path) -> String {
        format!("file://{}", path.display())
    }

    fn path_of(iri: &str) -> PathBuf {
        PathBuf::from(
            iri.strip_prefix("file://")
                .unwrap_or(iri)
                .split('#')
                .next()
                .unwrap_or(""),
        )
    }

    fn load(&mut self, path: &Path) -> Graph {
        if let Some(g) = self.graphs.get(path) {
            return g.clone();
        }
        let bytes =
            std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let triples: Vec<oxrdf::Triple> = TurtleParser::new()
            .with_base_iri(Self::url(path))
            .expect("valid base IRI")
            .for_slice(&bytes)
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()));
        let graph: Graph = triples.into_iter().collect();
        self.graphs.insert(path.to_owned(), graph.clone());
        graph
    }

    /// Collects (entry IRI, manifest graph) for all entries, following mf:include.
    fn entries(
        &mut self,
        manifest: &Path,
        out: &mut Vec<(String, PathBuf)>,
        seen: &mut HashSet<PathBuf>,
    ) {
        if !seen.insert(manifest.to_owned()) {
            return;
        }
        let graph = self.load(manifest);
        let url = Self::url(manifest);
        let me = oxrdf::NamedNode::new_unchecked(url);
        for include in graph.objects_for_subject_predicate(&me, &mf("include")) {
            if let TermRef::NamedNode(n) = include {
                self.entries(&Self::path_of(n.as_str()), out, seen);
            }
        }
        for list in graph.objects_for_subject_predicate(&me, &mf("entries")) {
            let mut current = list;
            while let Some(node) = as_subject(current) {
                if let Some(TermRef::NamedNode(n)) =
                    graph.object_for_subject_predicate(node, rdf::FIRST)
                {
                    out.push((n.as_str().to_owned(), manifest.to_owned()));
                }
                match graph.object_for_subject_predicate(node, rdf::REST) {
                    Some(rest) => current = rest,
                    None => break,
                }
            }
        }
    }
}

fn as_subject(t: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match t {
        TermRef::NamedNode(n) => Some(n.into()),
        TermRef::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

/// Extracts the comparable part of the report rooted at `report`.
fn extract(graph: &Graph, report: NamedOrBlankNodeRef<'_>, with_messages: bool) -> Graph {
    let mut out = Graph::new();
    let keep = [
        rdf::TYPE.into_owned(),
        sh("focusNode"),
        sh("resultSeverity"),
        sh("sourceConstraintComponent"),
        sh("sourceShape"),
        sh("value"),
        sh("sourceConstraint"),
    ];
    for t in graph.triples_for_subject(report) {
        if t.predicate == rdf::TYPE || t.predicate == sh("conforms").as_ref() {
            out.insert(t);
        }
    }
    for r in graph.objects_for_subject_predicate(report, &sh("result")) {
        out.insert(TripleRef::new(report, &sh("result"), r));
        let Some(r) = as_subject(r) else { continue };
        for t in graph.triples_for_subject(r) {
            if keep.iter().any(|k| k.as_ref() == t.predicate)
                || (with_messages && t.predicate == sh("resultMessage").as_ref())
            {
                out.insert(t);
            } else if t.predicate == sh("resultPath").as_ref() {
                out.insert(t);
                copy_structure(graph, t.object, &mut out, 0);
            }
        }
    }
    out
}

fn copy_structure(graph: &Graph, node: TermRef<'_>, out: &mut Graph, depth: usize) {
    let TermRef::BlankNode(b) = node else { return };
    if depth > 100 {
        return;
    }
    for t in graph.triples_for_subject(b) {
        if out.insert(t) {
            copy_structure(graph, t.object, out, depth + 1);
        }
    }
}

fn canonical(mut g: Graph) -> BTreeSet<String> {
    g.canonicalize(CanonicalizationAlgorithm::Rdfc10 {
        hash_algorithm: CanonicalizationHashAlgorithm::Sha256,
    });
    g.iter().map(|t| t.to_string()).collect()
}

enum Outcome {
    Pass,
    Fail(String),
}

fn run_entry(suite: &mut Suite, entry: &str, manifest: &Path) -> Outcome {
    let graph = suite.load(manifest);
    let entry_node = oxrdf::NamedNode::new_unchecked(entry);
    let Some(action) = graph
        .object_for_subject_predicate(&entry_node, &mf("action"))
        .and_then(as_subject)
    else {
        return Outcome::Fail("no mf:action".into());
    };
    let file = |p: &str| -> Option<PathBuf> {
        match graph.object_for_subject_predicate(action, &sht(p)) {
            Some(TermRef::NamedNode(n)) => Some(Suite::path_of(n.as_str())),
            _ => None,
        }
    };
    let (Some(data_path), Some(shapes_path)) = (file("dataGraph"), file("shapesGraph")) else {
        return Outcome::Fail("missing sht:dataGraph or sht:shapesGraph".into());
    };
    let data = suite.load(&data_path);
    let shapes_graph = suite.load(&shapes_path);
    let expected = graph.object_for_subject_predicate(&entry_node, &mf("result"));
    let expect_failure = expected == Some(sht("Failure").as_ref().into());

    let report = Shapes::from_graph(&shapes_graph)
        .map_err(|e| e.to_string())
        .and_then(|shapes| shapes.validate(&data).map_err(|e| e.to_string()));
    let report = match (report, expect_failure) {
        (Err(_), true) => return Outcome::Pass,
        (Ok(_), true) => {
            return Outcome::Fail("expected a failure, but validation succeeded".into())
        }
        (Err(e), false) => return Outcome::Fail(format!("unexpected error: {e}")),
        (Ok(r), false) => r,
    };
    let Some(expected_node) = expected.and_then(as_subject) else {
        return Outcome::Fail("mf:result is neither sht:Failure nor a report".into());
    };
    let with_messages = graph
        .triples_for_predicate(&sh("resultMessage"))
        .next()
        .is_some();
    let expected = canonical(extract(&graph, expected_node, with_messages));
    let produced_graph = report.to_graph();
    let Some(produced_node) = produced_graph
        .subjects_for_predicate_object(rdf::TYPE, &sh("ValidationReport"))
        .next()
    else {
        return Outcome::Fail("produced report has no sh:ValidationReport".into());
    };
    let produced = canonical(extract(&produced_graph, produced_node, with_messages));
    if expected == produced {
        return Outcome::Pass;
    }
    let mut diff = String::new();
    for t in expected.difference(&produced) {
        diff.push_str(&format!("    missing:    {t}\n"));
    }
    for t in produced.difference(&expected) {
        diff.push_str(&format!("    unexpected: {t}\n"));
    }
    Outcome::Fail(format!(
        "report mismatch:\n{diff}    report:\n{}",
        indent(&report.to_string())
    ))
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("      {l}\n")).collect()
}

#[test]
fn w3c_shacl_test_suite() {
    let Some(dir) = tests_dir() else { return };
    let dir = dir.canonicalize().expect("canonical tests dir");
    let mut suite = Suite {
        root: dir.clone(),
        graphs: HashMap::new(),
    };
    let mut entries = Vec::new();
    suite.entries(&dir.join("manifest.ttl"), &mut entries, &mut HashSet::new());
    // Some manifests are included twice (e.g. sparql-001 in two folders): run each entry once.
    let mut seen = HashSet::new();
    entries.retain(|(e, _)| seen.insert(e.clone()));
    // Test files that no manifest includes (upstream omissions, e.g.
    // sparql/component/nodeValidator-001.ttl) are run too, and reported as such.
    let listed: HashSet<PathBuf> = entries.iter().map(|(_, m)| m.clone()).collect();
    let mut unlisted = Vec::new();
    let mut dirs = vec![dir.clone()];
    while let Some(d) = dirs.pop() {
        let Ok(read) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "ttl")
                && !listed.contains(&p)
                && p.file_name().is_some_and(|n| n != "manifest.ttl")
            {
                let mut found = Vec::new();
                suite.entries(&p, &mut found, &mut HashSet::new());
                for (entry, manifest) in found {
                    if seen.insert(entry.clone()) {
                        unlisted.push(entry.clone());
                        entries.push((entry, manifest));
                    }
                }
            }
        }
    }

    let root_url = Suite::url(&suite.root);
    let mut stats: HashMap<&str, (usize, usize, usize)> = HashMap::new();
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    for (entry, manifest) in &entries {
        let graph = suite.load(manifest);
        let is_validate = graph.object_for_subject_predicate(
            &oxrdf::NamedNode::new_unchecked(entry.as_str()),
            rdf::TYPE,
        ) == Some(NamedNodeRef::from(&sht("Validate")).into());
        if !is_validate {
            continue;
        }
        let id = entry
            .strip_prefix(&root_url)
            .unwrap_or(entry)
            .trim_start_matches('/')
            .to_owned();
        let mut category = if id.starts_with("core/") {
            "core"
        } else {
            "sparql"
        };
        if unlisted.contains(entry) {
            category = if category == "core" {
                "core (not in any manifest)"
            } else {
                "sparql (not in any manifest)"
            };
        }
        let stat = stats.entry(category).or_default();
        if let Some((_, reason)) = SKIPPED.iter().find(|(s, _)| id.ends_with(s)) {
            stat.2 += 1;
            skipped.push(format!("{id}: {reason}"));
            continue;
        }
        match run_entry(&mut suite, entry, manifest) {
            Outcome::Pass => stat.0 += 1,
            Outcome::Fail(why) => {
                stat.1 += 1;
                failures.push(format!("{id}: {why}"));
            }
        }
    }
    let mut categories: Vec<_> = stats.iter().collect();
    categories.sort();
    for (category, (pass, fail, skip)) in categories {
        println!("W3C SHACL {category}: {pass} passed, {fail} failed, {skip} skipped");
    }
    println!(
        "skipped tests: {}",
        if skipped.is_empty() {
            "none".to_owned()
        } else {
            String::new()
        }
    );
    for s in &skipped {
        println!("  {s}");
    }
    assert!(!entries.is_empty(), "no test entries found");
    assert!(
        failures.is_empty(),
        "{} W3C SHACL tests failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
