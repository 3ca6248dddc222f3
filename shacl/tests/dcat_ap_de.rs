//! Real-world checks with the DCAT-AP.de shapes, vocabularies and test records
//! from the shared fixtures (read in place).
//!
//! Fixtures: `${CATALOG_FIXTURES:-<workspace>/../shared/fixtures}`. When they are
//! missing, the tests print a message and pass, unless `CI=true`.

use oxrdf::vocab::rdf;
use oxrdf::{Graph, NamedNodeRef, TermRef};
use oxrdfio::{RdfFormat, RdfParser};
use shacl::Shapes;
use std::path::{Path, PathBuf};

fn fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("CATALOG_FIXTURES").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
        PathBuf::from,
    );
    if dir.join("shapes/dcat-ap-de-2.0").is_dir() {
        return Some(dir);
    }
    let message = format!("DCAT-AP.de fixtures not found at {}", dir.display());
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{message} (CI=true)"
    );
    println!("{message}: skipping");
    None
}

fn load(files: &[PathBuf]) -> Graph {
    let mut graph = Graph::new();
    for file in files {
        let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("ttl");
        let format = RdfFormat::from_extension(extension).expect("known RDF format");
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let base = format!("file://{}", file.display());
        for quad in RdfParser::from_format(format)
            .with_base_iri(base)
            .expect("valid base IRI")
            .for_slice(&bytes)
        {
            let quad = quad.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            graph.insert(oxrdf::TripleRef::new(
                &quad.subject,
                &quad.predicate,
                &quad.object,
            ));
        }
    }
    graph
}

const DCATAP: &str = "http://data.europa.eu/r5r#";

fn shape_results(report: &shacl::ValidationReport, shape: &str) -> usize {
    report
        .results
        .iter()
        .filter(|r| r.source_shape.to_string() == format!("<{DCATAP}{shape}>"))
        .count()
}

/// `dcat-ap-spec-german-additions.ttl` deactivates property and node shapes of the
/// DCAT-AP 2.1.1 shapes file (`... sh:deactivated true .`): the union must honour it.
#[test]
fn german_additions_deactivate_dcat_ap_shapes() {
    let Some(fixtures) = fixtures() else { return };
    let profile = fixtures.join("shapes/dcat-ap-de-2.0");
    let base = load(&[profile.join("dcat-ap_2.1.1_shacl_shapes.init-fork.ttl")]);
    let full = load(&[
        profile.join("dcat-ap_2.1.1_shacl_shapes.init-fork.ttl"),
        profile.join("dcat-ap-de-imports.ttl"),
        profile.join("dcat-ap-spec-german-messages.ttl"),
        profile.join("dcat-ap-spec-german-additions.ttl"),
        profile.join("dcat-ap-de-deprecated.ttl"),
    ]);
    let mut data = load(&[fixtures.join("dcat/govdata-shacl-testcases/distribution-checksum.ttl")]);
    // A concept scheme, which DCAT-AP's CategoryScheme_Shape targets.
    let scheme = NamedNodeRef::new_unchecked("http://example.com/scheme");
    data.insert(oxrdf::TripleRef::new(
        scheme,
        rdf::TYPE,
        NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#ConceptScheme"),
    ));

    let report = Shapes::from_graph(&base).unwrap().validate(&data).unwrap();
    // spdx:algorithm must be sha1 in DCAT-AP 2.1.1: both records violate it.
    assert_eq!(
        shape_results(&report, "Checksum_Property_spdx_algorithm"),
        2,
        "{report}"
    );
    assert_eq!(
        shape_results(&report, "CategoryScheme_Property_dct_title"),
        1,
        "{report}"
    );

    let report = Shapes::from_graph(&full).unwrap().validate(&data).unwrap();
    assert_eq!(
        shape_results(&report, "Checksum_Property_spdx_algorithm"),
        0,
        "{report}"
    );
    assert_eq!(
        shape_results(&report, "CategoryScheme_Property_dct_title"),
        0,
        "{report}"
    );
}

/// The DCAT-AP.de 3.0 specification profile (DCAT-AP 3.0.0 + German files, as in
/// `itb-validator-config.properties`) on the GovData test records, with the EU and
/// DCAT-AP.de vocabularies as a shared graph: compiles, validates, and reports only
/// focus nodes of the record.
#[test]
fn dcat_ap_de_3_profile_on_govdata_test_records() {
    let Some(fixtures) = fixtures() else { return };
    let de = fixtures.join("shapes/dcat-ap-de-3.0");
    let shapes = Shapes::from_graph(&load(&[
        fixtures.join("shapes/dcat-ap-3.0.0/dcat-ap-SHACL.ttl"),
        de.join("dcat-ap-de-imports.ttl"),
        de.join("dcat-ap-SHACL-DE.ttl"),
        de.join("dcat-ap-de-deprecated.ttl"),
        de.join("dcat-ap-spec-german-additions.ttl"),
        de.join("dcat-ap-de-controlledvocabularies.ttl"),
    ]))
    .unwrap();
    let vocabulary = load(&[
        fixtures.join("vocabularies/eu-authority-tables/piveau/data-theme-skos.rdf"),
        fixtures.join("vocabularies/eu-authority-tables/piveau/filetypes-skos.rdf"),
        fixtures.join("vocabularies/eu-authority-tables/piveau/licences-skos.rdf"),
        fixtures.join("vocabularies/dcat-ap-de/govdata-shacl-validation/dcat-ap-de-lists.ttl"),
    ]);
    assert!(vocabulary.len() > 10_000);
    let mut records: Vec<PathBuf> =
        std::fs::read_dir(fixtures.join("dcat/govdata-shacl-testcases"))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "ttl"))
            .collect();
    records.sort();
    assert!(!records.is_empty());
    let mut total = 0;
    for file in &records {
        let record = load(std::slice::from_ref(file));
        let report = shapes.validate_record(&record, &vocabulary).unwrap();
        for r in &report.results {
            let focus = r.focus_node.as_ref();
            let in_record = match focus {
                TermRef::NamedNode(n) => record.triples_for_subject(n).next().is_some(),
                TermRef::BlankNode(b) => record.triples_for_subject(b).next().is_some(),
                TermRef::Literal(_) => false,
            } || record.triples_for_object(focus).next().is_some();
            assert!(
                in_record,
                "{}: focus node {focus} is not in the record",
                file.display()
            );
        }
        total += report.results.len();
    }
    assert!(total > 0);
}

/// SEMIC's DCAT-AP 3.0.1 shapes of the HTML specification use `sh:shape`, a
/// term SHACL does not define: the shapes load with a warning naming it
/// (as pySHACL and TopBraid go on), and the other constraints still apply.
#[test]
fn semic_html_shapes_with_an_unknown_shacl_term_load_with_a_warning() {
    let Some(fixtures) = fixtures() else { return };
    let shapes = Shapes::from_graph(&load(&[
        fixtures.join("shapes/dcat-ap-3.0.1/html-shacl/shapes.ttl")
    ]))
    .expect("the shapes load");
    let warnings = shapes.warnings().join("\n");
    assert!(
        warnings.contains("sh:shape is not a SHACL term"),
        "{warnings}"
    );
    let data = load(&[fixtures.join("dcat/govdata-shacl-testcases/distribution-checksum.ttl")]);
    let report = shapes.validate(&data).expect("validates");
    assert!(!report.results.is_empty(), "{report}");
}
