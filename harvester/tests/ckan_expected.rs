//! CKAN packages of three portal shapes (GovData with ckanext-dcatde extras,
//! Schleswig-Holstein's portal, DKAN's CKAN-compatible API) mapped with
//! `harvester::ckan::map::map_package` and compared with expected graphs
//! written by hand from ckanext-dcat's documented mapping
//! (`tests/data/ckan-expected/*.ttl`). The comparison is graph equality up to
//! blank-node renaming: every triple of the mapped record must be expected
//! and every expected triple must be mapped.

use harvester::ckan::map::{map_package, MapContext};
use harvester::{canonical_ntriples, SourceDefaults};
use oxrdf::Triple;
use oxrdfio::{RdfFormat, RdfParser};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use url::Url;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ckan-expected")
}

fn context(portal_base: &str) -> MapContext {
    MapContext {
        portal_base: Url::parse(portal_base).expect("a valid portal URL"),
        defaults: SourceDefaults {
            source_id: "ckan-expected".into(),
            mint_base: "https://land.example/id/dataset/".into(),
            publisher_name: None,
            publisher_iri: None,
            contributor_id: None,
            geocoding: None,
        },
        page_url: format!("{portal_base}api/3/action/package_search"),
        max_record_triples: 5_000,
    }
}

/// A package file: a `package_show` envelope (its `result`: the package, or
/// a list of one package as DKAN answers) or the package.
fn read_package(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is no JSON: {e}", path.display()));
    match json.get("result") {
        Some(Value::Array(list)) if list.len() == 1 => list[0].clone(),
        Some(result) if result.is_object() => result.clone(),
        _ => json,
    }
}

fn read_turtle(path: &Path) -> Vec<Triple> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(&text)
        .map(|q| Triple::from(q.unwrap_or_else(|e| panic!("{}: {e}", path.display()))))
        .collect()
}

fn lines(canonical: &str) -> BTreeSet<&str> {
    canonical.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// The triples of `want` that `got` lacks and the triples of `got` that
/// `want` lacks, in canonical N-Triples; `None` when the graphs are equal up
/// to blank-node renaming.
fn graph_diff(got: &[Triple], want: &[Triple]) -> Option<(Vec<String>, Vec<String>)> {
    let got_nt = canonical_ntriples(got);
    let want_nt = canonical_ntriples(want);
    if got_nt == want_nt {
        return None;
    }
    let (got, want) = (lines(&got_nt), lines(&want_nt));
    let missing = want.difference(&got).map(|l| (*l).to_owned()).collect();
    let extra = got.difference(&want).map(|l| (*l).to_owned()).collect();
    Some((missing, extra))
}

/// Maps `package` and compares the record with the graph in `expected`
/// (a Turtle file in `tests/data/ckan-expected`): equal up to blank-node
/// renaming, else a failure listing the missing and the extra triples in
/// canonical N-Triples, one per line.
fn assert_maps_to(package: &Value, ctx: &MapContext, expected: &str) {
    let record = map_package(package, ctx).expect("the package maps");
    let want = read_turtle(&data_dir().join(expected));
    let Some((missing, extra)) = graph_diff(&record.triples, &want) else {
        return;
    };
    panic!(
        "{} does not map to {expected}\n\
         (blank nodes are canonical labels; a differing blank-node subgraph shows up in both lists)\n\
         missing ({}):\n{}\nextra ({}):\n{}\n",
        record.dataset,
        missing.len(),
        missing.join("\n"),
        extra.len(),
        extra.join("\n"),
    );
}

fn parse_turtle(text: &str) -> Vec<Triple> {
    RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(text)
        .map(|q| Triple::from(q.expect("valid Turtle")))
        .collect()
}

#[test]
fn comparator_is_equality_up_to_blank_node_renaming() {
    let prefix = "@prefix dct: <http://purl.org/dc/terms/> . \
                  @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .";
    let base = parse_turtle(&format!(
        "{prefix} <http://e.org/d> dct:title \"T\" ; dct:temporal [ dct:issued \"2020-01-01\"^^xsd:date ] ."
    ));
    let renamed = parse_turtle(&format!(
        "{prefix} _:other dct:issued \"2020-01-01\"^^xsd:date . <http://e.org/d> dct:temporal _:other ; dct:title \"T\" ."
    ));
    assert_eq!(graph_diff(&base, &renamed), None);
    // A subset is not equal: the triple only one side has is reported.
    let subset = parse_turtle(&format!("{prefix} <http://e.org/d> dct:title \"T\" ."));
    let (missing, extra) = graph_diff(&base, &subset).expect("a superset differs");
    assert!(missing.is_empty(), "{missing:?}");
    assert_eq!(extra.len(), 2, "{extra:?}");
    let (missing, extra) = graph_diff(&subset, &base).expect("a subset differs");
    assert_eq!((missing.len(), extra.len()), (2, 0));
    // The datatype counts.
    let typed = parse_turtle(&format!(
        "{prefix} <http://e.org/d> dct:title \"T\" ; dct:temporal [ dct:issued \"2020-01-01\" ] ."
    ));
    let (missing, extra) = graph_diff(&typed, &base).expect("the datatype differs");
    assert!(
        missing.iter().any(|l| l.contains("XMLSchema#date")),
        "{missing:?}"
    );
    assert!(
        extra.iter().any(|l| l.contains("\"2020-01-01\" .")),
        "{extra:?}"
    );
}

#[test]
fn govdata_package_maps_to_expected_graph() {
    let package = read_package(&data_dir().join("govdata-luftqualitaet-bonn.json"));
    assert_maps_to(
        &package,
        &context("https://ckan.govdata.de/"),
        "govdata-luftqualitaet-bonn.ttl",
    );
}

#[test]
fn schleswig_holstein_package_maps_to_expected_graph() {
    let Some(fx) = catalog_tests::fixtures("ckan") else {
        return;
    };
    let package = read_package(&fx.join(
        "schleswig-holstein-package-show/\
         package_show__testungen-in-der-schule-mit-einem-positiven-testergebnis.json",
    ));
    assert_maps_to(
        &package,
        &context("https://opendata.schleswig-holstein.de/"),
        "schleswig-holstein-testungen.ttl",
    );
}

#[test]
fn schleswig_holstein_collection_maps_to_expected_graph() {
    let Some(fx) = catalog_tests::fixtures("ckan") else {
        return;
    };
    let package = read_package(
        &fx.join("schleswig-holstein-package-show/package_show__kindertagesstaetten.json"),
    );
    assert_maps_to(
        &package,
        &context("https://opendata.schleswig-holstein.de/"),
        "schleswig-holstein-kindertagesstaetten.ttl",
    );
}

#[test]
fn dkan_package_maps_to_expected_graph() {
    let package = read_package(&data_dir().join("dkan-haushaltsplan.json"));
    assert_maps_to(
        &package,
        &context("https://opendata.stadt.example/"),
        "dkan-haushaltsplan.ttl",
    );
}
