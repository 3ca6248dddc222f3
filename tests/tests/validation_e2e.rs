//! SHACL validation end to end: reports stored with the records of a real
//! catalog, the `reject` policy, re-validation after a profile change, the
//! `validate` command and `POST /api/validate`.

use catalog_tests::*;
use serde_json::Value;
use std::path::Path;

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const CAT: &str = "urn:dcat-catalog:vocab#";
const SH: &str = "http://www.w3.org/ns/shacl#";

/// A source reading a file, with extra source keys.
fn file_source(id: &str, file: &Path, extra: &str) -> SourceSpec {
    let mut s = SourceSpec::new(id, &file.display().to_string());
    s.extra = extra.to_owned();
    s
}

/// Replaces `from` by `to` in a config file.
fn edit_config(cfg: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(cfg)
        .expect("read")
        .replace(from, to);
    std::fs::write(cfg, text).expect("write");
}

fn sum(served: &Served, query: &str) -> u64 {
    served
        .select(query)
        .first()
        .and_then(|r| r.get("n"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The Brandenburg catalog (real, as GovData's dashboard tests use it) harvested
/// with `dcat-ap-de-3`: every record has a report graph whose results agree
/// with the counts in its meta and in the run report; an unchanged
/// re-harvest validates nothing again.
#[test]
fn harvested_records_carry_their_validation_reports() {
    let Some(dir) = fixtures("dcat/govdata-shacl-testcases/dashboard") else {
        return;
    };
    let file = dir.join("brandenburg-catalog-original-input.ttl");
    let tmp = TempDir::new("validation-brandenburg");
    let cfg = write_config(tmp.path(), &[file_source("brandenburg", &file, "")], "");
    let (out, reports) = harvest(&cfg, &[]);
    let report = report_of(&reports, "brandenburg");
    assert!(
        out.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let added = report["added"].as_u64().unwrap_or(0);
    assert!(added > 10, "{report}");
    let v = &report["validation"];
    assert_eq!(v["profile"], "dcat-ap-de-3");
    assert_eq!(v["validated"].as_u64(), Some(added), "{report}");
    // Real portal data is never perfect.
    assert!(v["warnings"].as_u64().unwrap_or(0) > 0, "{report}");

    let served = Served::start(&cfg);
    let validated = served.count(&format!(
        "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH ?m {{ ?r <{CAT}validatedWith> ?w ; <{CAT}validation> ?g }} \
         FILTER(STRSTARTS(?w, \"dcat-ap-de-3@\")) }}"
    ));
    assert_eq!(validated as u64, added);
    for (severity, key) in [("Violation", "violations"), ("Warning", "warnings")] {
        let in_graphs = served.count(&format!(
            "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?rep <{SH}result> ?x . ?x <{SH}resultSeverity> <{SH}{severity}> }} \
             FILTER(STRSTARTS(STR(?g), \"urn:dcat-catalog:validation:\")) }}"
        ));
        let in_meta = sum(
            &served,
            &format!(
                "SELECT (SUM(?c) AS ?n) WHERE {{ GRAPH ?m {{ ?r <{CAT}{key}> ?c }} \
                 FILTER(STRSTARTS(STR(?m), \"urn:dcat-catalog:meta:\")) }}"
            ),
        );
        assert_eq!(in_graphs as u64, in_meta, "{severity}");
        assert_eq!(v[key].as_u64(), Some(in_meta), "{severity}: {report}");
    }
    // Focus nodes of the stored reports are nodes of the stored records.
    let dangling = served.count(&format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?x <{SH}focusNode> ?f }} \
         FILTER(STRSTARTS(STR(?g), \"urn:dcat-catalog:validation:\")) \
         FILTER NOT EXISTS {{ GRAPH ?rg {{ ?f ?p ?o }} FILTER(STRSTARTS(STR(?rg), \"urn:dcat-catalog:record:\")) }} }}"
    ));
    assert_eq!(dangling, 0);

    // The stored report of one record over HTTP, JSON and Turtle.
    let row = served.select(&format!(
        "SELECT ?r ?d ?w WHERE {{ GRAPH ?m {{ ?r <{CAT}warnings> ?w ; <http://xmlns.com/foaf/0.1/primaryTopic> ?d }} \
         FILTER(?w > 0) }} ORDER BY ?r LIMIT 1"
    ));
    let rid = row[0]["r"]
        .trim_start_matches("urn:dcat-catalog:record:")
        .to_owned();
    let (status, body) = blocking_get(
        &format!("{}/api/datasets/{rid}/validation", served.base),
        "application/json",
    )
    .expect("GET report");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let json: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(json["dataset"], row[0]["d"].as_str());
    assert_eq!(json["source"], "brandenburg");
    assert_eq!(
        json["warnings"].as_u64().map(|w| w.to_string()),
        Some(row[0]["w"].clone())
    );
    let results = json["results"].as_array().cloned().unwrap_or_default();
    assert!(!results.is_empty());
    assert!(results
        .iter()
        .all(|r| r["message"].as_str().is_some_and(|m| !m.is_empty())));
    let (status, ttl) = blocking_get(
        &format!("{}/api/datasets/{rid}/validation", served.base),
        "text/turtle",
    )
    .expect("GET report");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&ttl).contains("sh:ValidationReport"));
    let (status, _) = blocking_get(
        &format!(
            "{}/api/datasets/00000000000000000000/validation",
            served.base
        ),
        "application/json",
    )
    .expect("GET report");
    assert_eq!(status, 404);
    let (status, body) = blocking_get(
        &format!("{}/api/datasets/not-an-id/validation", served.base),
        "application/json",
    )
    .expect("GET report");
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("not-an-id"));
    drop(served);

    // Unchanged: nothing validated again.
    let (out, reports) = harvest(&cfg, &[]);
    assert!(out.status.success());
    let report = report_of(&reports, "brandenburg");
    assert_eq!(report["unchanged"].as_u64(), Some(added), "{report}");
    assert_eq!(report["validation"]["validated"], 0, "{report}");
}

const V1: &str = r#"@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<http://stadt.example/catalog> a dcat:Catalog ; dct:title "Stadt"@de ; dcat:dataset <http://stadt.example/d/1> .
<http://stadt.example/d/1> a dcat:Dataset ; dct:title "Bäume"@de ; dct:description "Straßenbäume der Stadt"@de .
"#;

/// d1 loses its (mandatory) title, d2 arrives without a description.
const V2: &str = r#"@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<http://stadt.example/catalog> a dcat:Catalog ; dct:title "Stadt"@de ;
    dcat:dataset <http://stadt.example/d/1>, <http://stadt.example/d/2>, <http://stadt.example/d/3> .
<http://stadt.example/d/1> a dcat:Dataset ; dct:description "Straßenbäume der Stadt"@de .
<http://stadt.example/d/2> a dcat:Dataset ; dct:title "Parkplätze"@de .
<http://stadt.example/d/3> a dcat:Dataset ; dct:title "Haltestellen"@de ; dct:description "Alle Haltestellen"@de .
"#;

/// `validation = "reject"`: records with violations are not published, the
/// earlier version of a now-invalid record stays, and the run says why.
#[test]
fn reject_policy_keeps_earlier_versions_and_reports_why() {
    let tmp = TempDir::new("validation-reject");
    let file = tmp.path().join("catalog.ttl");
    std::fs::write(&file, V1).expect("write");
    let cfg = write_config(
        tmp.path(),
        &[file_source("stadt", &file, "validation = \"reject\"")],
        "",
    );
    // write_config sets dcat-ap-de-3; this test wants plain DCAT-AP 3.
    edit_config(
        &cfg,
        "profile = \"dcat-ap-de-3\"",
        "profile = \"dcat-ap-3\"",
    );
    let (out, reports) = harvest(&cfg, &[]);
    let report = report_of(&reports, "stadt");
    assert!(out.status.success(), "{report}");
    assert_eq!(report["added"], 1);
    assert_eq!(report["validation"]["with_violations"], 0, "{report}");

    std::fs::write(&file, V2).expect("write");
    let (out, reports) = harvest(&cfg, &[]);
    let report = report_of(&reports, "stadt");
    assert!(!out.status.success());
    assert_eq!(report["status"], "partial", "{report}");
    assert_eq!(report["added"], 1, "d3: {report}");
    assert_eq!(report["validation"]["rejected"], 2, "{report}");
    assert_eq!(report["withdrawn"], 0, "{report}");
    let errors = report["errors"].to_string();
    assert!(
        errors.contains("http://stadt.example/d/1") && errors.contains("http://stadt.example/d/2"),
        "{errors}"
    );
    assert!(
        errors.contains("rejected") && errors.contains(&format!("{DCT}title")),
        "{errors}"
    );

    let served = Served::start(&cfg);
    let titles = served.select(&format!(
        "SELECT ?d ?t WHERE {{ GRAPH ?g {{ ?d a <{DCAT}Dataset> ; <{DCT}title> ?t }} \
         FILTER(STRSTARTS(STR(?g), \"urn:dcat-catalog:record:\")) }} ORDER BY ?d"
    ));
    let got: Vec<(String, String)> = titles
        .iter()
        .map(|r| (r["d"].clone(), r["t"].clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("http://stadt.example/d/1".to_owned(), "Bäume".to_owned()),
            (
                "http://stadt.example/d/3".to_owned(),
                "Haltestellen".to_owned()
            ),
        ]
    );
    let published = served.count(&format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?m {{ ?r <{CAT}status> \"published\" }} }}"
    ));
    assert_eq!(published, 2);
}

/// Changing a source's profile validates its unchanged records again.
#[test]
fn a_new_profile_validates_unchanged_records_again() {
    let tmp = TempDir::new("validation-profile-change");
    let file = tmp.path().join("catalog.ttl");
    std::fs::write(&file, V2).expect("write");
    let cfg = write_config(tmp.path(), &[file_source("stadt", &file, "")], "");
    let set_profile = |p: &str| {
        let text = std::fs::read_to_string(&cfg).expect("read");
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        for l in lines.iter_mut() {
            if l.starts_with("profile = ") {
                *l = format!("profile = \"{p}\"");
            }
        }
        std::fs::write(&cfg, lines.join("\n")).expect("write");
    };
    set_profile("dcat-ap-3");
    let (_, reports) = harvest(&cfg, &[]);
    assert_eq!(report_of(&reports, "stadt")["validation"]["validated"], 3);
    let (_, reports) = harvest(&cfg, &[]);
    assert_eq!(report_of(&reports, "stadt")["validation"]["validated"], 0);
    set_profile("dcat-ap-de-3");
    let (_, reports) = harvest(&cfg, &[]);
    let report = report_of(&reports, "stadt");
    assert_eq!(report["validation"]["validated"], 3, "{report}");
    let served = Served::start(&cfg);
    let with = served.select(&format!(
        "SELECT DISTINCT ?w WHERE {{ GRAPH ?m {{ ?r <{CAT}validatedWith> ?w }} }}"
    ));
    assert_eq!(with.len(), 1, "{with:?}");
    assert!(with[0]["w"].starts_with("dcat-ap-de-3@"), "{with:?}");
    drop(served);
    set_profile("none");
    let (_, reports) = harvest(&cfg, &[]);
    let report = report_of(&reports, "stadt");
    assert_eq!(report["validation"]["validated"], 0, "{report}");
    assert_eq!(report["validation"]["profile"], Value::Null, "{report}");
}

/// `catalog-server validate`: text grouped by focus node with German
/// messages, JSON, Turtle; exit code 1 on violations, 0 without, 2 on errors.
#[test]
fn validate_command_reports_and_exit_codes() {
    let tmp = TempDir::new("validation-cli");
    let bad = tmp.path().join("bad.ttl");
    std::fs::write(&bad, V2).expect("write");
    let good = tmp.path().join("good.jsonld");
    std::fs::write(
        &good,
        r#"{"@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"},
            "@id": "http://stadt.example/d/9", "@type": "dcat:Dataset",
            "dct:title": {"@value": "Bäume", "@language": "de"},
            "dct:description": {"@value": "Alle Bäume", "@language": "de"}}"#,
    )
    .expect("write");
    // No config file: shipped profiles only.
    let cfg = tmp.path().join("absent.toml");
    let run = |args: &[&str]| run_catalog(&cfg, args);

    let out = run(&[
        "validate",
        "--profile",
        "dcat-ap-3",
        bad.to_str().unwrap_or_default(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("does not conform"), "{text}");
    assert!(
        text.contains("http://stadt.example/d/1") && text.contains("http://stadt.example/d/2"),
        "{text}"
    );
    // The whole document is validated: the catalog lacks its mandatory
    // description and publisher, d1 its title, d2 its description.
    assert!(text.contains("4 violation(s)"), "{text}");

    let out = run(&[
        "validate",
        "--profile",
        "dcat-ap-3",
        good.to_str().unwrap_or_default(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = run(&[
        "validate",
        "--profile",
        "dcat-ap-3",
        "--format",
        "json",
        bad.to_str().unwrap_or_default(),
    ]);
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(json["conforms"], false);
    assert_eq!(json["violations"], 4, "{json}");
    assert!(json["results"].as_array().is_some_and(|r| r
        .iter()
        .any(|r| r["path"].as_str() == Some(&format!("<{DCT}title>")))));

    let out = run(&[
        "validate",
        "--profile",
        "dcat-ap-3",
        "--format",
        "turtle",
        bad.to_str().unwrap_or_default(),
    ]);
    let ttl = String::from_utf8_lossy(&out.stdout);
    assert!(
        ttl.contains("sh:ValidationReport") && ttl.contains("sh:Violation"),
        "{ttl}"
    );

    // dcat-ap-de-3 messages are German.
    let out = run(&["validate", bad.to_str().unwrap_or_default()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("dcat-ap-de-3"), "{text}");
    assert!(
        ["MUSS", "fehlt", "Pflicht"]
            .iter()
            .any(|w| text.contains(w)),
        "German messages: {text}"
    );

    // Errors: a broken file, an unknown profile, a bad shape.
    let broken = tmp.path().join("broken.ttl");
    std::fs::write(&broken, "<a> <b> .").expect("write");
    let out = run(&["validate", broken.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.ttl"));
    let out = run(&[
        "validate",
        "--profile",
        "dcat-ap-9",
        bad.to_str().unwrap_or_default(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dcat-ap-9"));
    let shape = tmp.path().join("shape.ttl");
    std::fs::write(
        &shape,
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<urn:my:TitleShape> a sh:NodeShape ; \
         sh:targetClass <http://www.w3.org/ns/dcat#Dataset> ; sh:property [ sh:path <http://purl.org/dc/terms/title> ; sh:minCont 1 ] .",
    )
    .expect("write");
    let out = run(&[
        "validate",
        "--shapes",
        shape.to_str().unwrap_or_default(),
        "--",
        bad.to_str().unwrap_or_default(),
    ]);
    // A term SHACL does not define checks nothing: the shapes still load,
    // and the report notes the term with its shape (as pySHACL warns).
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note:") && err.contains("urn:my:TitleShape") && err.contains("sh:minCont"),
        "{err}"
    );
}

/// `POST /api/validate` for data stewards.
#[test]
fn validate_endpoint_answers_json_and_turtle_and_rejects_bad_requests() {
    let tmp = TempDir::new("validation-api");
    let cfg = write_config(tmp.path(), &[], "");
    let served = Served::start(&cfg);
    let url = |q: &str| format!("{}/api/validate{q}", served.base);
    let post = |q: &str, ct: &str, body: &str, accept: &str| {
        request(
            reqwest::Method::POST,
            &url(q),
            accept,
            Some((ct, body.as_bytes().to_vec())),
        )
        .expect("POST")
    };
    let (status, body) = post("?profile=dcat-ap-3", "text/turtle", V2, "application/json");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let json: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(json["violations"], 4, "{json}");
    // A wrong content type: sniffed.
    let (status, body) = post(
        "?profile=dcat-ap-3&format=turtle",
        "application/octet-stream",
        V2,
        "*/*",
    );
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("sh:ValidationReport"));
    for (q, ct, body, expected) in [
        ("?profile=dcat-ap-9", "text/turtle", V2, "dcat-ap-9"),
        ("", "text/turtle", "", "empty"),
        ("", "text/turtle", "<a> <b> .", "request body"),
        ("?format=xml", "text/turtle", V2, "format"),
        ("?shape=x", "text/turtle", V2, "shape"),
    ] {
        let (status, answer) = post(q, ct, body, "application/json");
        assert_eq!(status, 400, "{q}");
        assert!(
            String::from_utf8_lossy(&answer).contains(expected),
            "{q}: {}",
            String::from_utf8_lossy(&answer)
        );
    }
}

/// Page 1 of a paged catalog: a service serving a dataset of page 2 and
/// one that exists nowhere, a dataset in a series of page 2, a version of
/// a dataset of page 2.
fn linked_page_1(base: &str) -> String {
    format!(
        r#"@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<{base}/catalog?page=1> a hydra:PartialCollectionView ; hydra:next <{base}/catalog?page=2> .
<http://geo.example/catalog> a dcat:Catalog ; dct:title "Geoportal"@de ; dct:description "Geodaten"@de ;
    dcat:service <http://geo.example/service/wms> ; dcat:dataset <http://geo.example/d/1> .
<http://geo.example/service/wms> a dcat:DataService ; dct:title "WMS Bäume"@de ;
    dcat:endpointURL <http://geo.example/wms> ;
    dcat:servesDataset <http://geo.example/d/2>, <http://geo.example/d/missing> .
<http://geo.example/d/1> a dcat:Dataset ; dct:title "Bäume 2024"@de ; dct:description "Bäume"@de ;
    dcat:inSeries <http://geo.example/series/baeume> ; dct:isVersionOf <http://geo.example/d/2> .
"#
    )
}

fn linked_page_2(base: &str) -> String {
    format!(
        r#"@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<{base}/catalog?page=2> a hydra:PartialCollectionView ; hydra:previous <{base}/catalog?page=1> .
<http://geo.example/catalog> a dcat:Catalog ; dcat:dataset <http://geo.example/d/2>, <http://geo.example/series/baeume> .
<http://geo.example/d/2> a dcat:Dataset ; dct:title "Bäume"@de ; dct:description "Alle Bäume"@de .
<http://geo.example/series/baeume> a dcat:DatasetSeries ; dct:title "Bäume, jährlich"@de ;
    dct:description "Die Baumkataster der Jahre"@de .
"#
    )
}

/// Stored class-range results on the link properties the test's records
/// use: (path, value).
fn link_results(served: &Served) -> Vec<std::collections::HashMap<String, String>> {
    served.select(&format!(
        "SELECT ?path ?value WHERE {{ GRAPH ?g {{ ?x <{SH}resultPath> ?path ; <{SH}value> ?value ; \
         <{SH}sourceConstraintComponent> <{SH}ClassConstraintComponent> }} \
         FILTER(STRSTARTS(STR(?g), \"urn:dcat-catalog:validation:\")) \
         FILTER(?path IN (<{DCAT}servesDataset>, <{DCAT}inSeries>, <{DCT}isVersionOf>)) }}"
    ))
}

/// Range checks of links to other records (`sh:class` on
/// `dcat:servesDataset`, `dcat:inSeries`, `dct:isVersionOf`) see the linked
/// records' types: from later pages of the same run (the record is held
/// back to the end of the run, so even `reject` keeps it), and from the
/// store (another source). A link to a record that exists nowhere stays a
/// violation.
#[test]
fn links_to_other_records_are_checked_against_their_types() {
    let tmp = TempDir::new("validation-links");
    let stub = StubServer::start();
    let base = stub.url("").trim_end_matches('/').to_owned();
    stub.serve_bytes(
        "/catalog?page=1",
        linked_page_1(&base).into_bytes(),
        "text/turtle",
    );
    stub.serve_bytes(
        "/catalog?page=2",
        linked_page_2(&base).into_bytes(),
        "text/turtle",
    );
    let land = tmp.path().join("land.ttl");
    std::fs::write(
        &land,
        r#"@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<http://land.example/catalog> a dcat:Catalog ; dct:title "Land"@de ; dct:description "Land"@de ;
    dcat:service <http://land.example/service/atom> .
<http://land.example/service/atom> a dcat:DataService ; dct:title "Atom-Feed Bäume"@de ;
    dcat:endpointURL <http://land.example/atom> ; dcat:servesDataset <http://geo.example/d/2> .
"#,
    )
    .expect("write");
    let mut geo = SourceSpec::new("geo", &stub.url("/catalog?page=1"));
    geo.extra = "validation = \"reject\"".to_owned();
    let cfg = write_config(tmp.path(), &[geo, file_source("land", &land, "")], "");
    edit_config(
        &cfg,
        "profile = \"dcat-ap-de-3\"",
        "profile = \"dcat-ap-3\"",
    );

    let (_, reports) = harvest(&cfg, &["--source", "geo"]);
    let report = report_of(&reports, "geo");
    assert_eq!(report["pages"], 2, "{report}");
    // The service still links to a dataset that exists nowhere: rejected,
    // for that link alone. Everything else is published.
    assert_eq!(report["validation"]["rejected"], 1, "{report}");
    assert_eq!(report["added"], 3, "{report}");
    let errors = report["errors"].to_string();
    assert!(
        errors.contains("http://geo.example/service/wms") && errors.contains("servesDataset"),
        "{errors}"
    );
    let (_, reports) = harvest(&cfg, &["--source", "land"]);
    let report = report_of(&reports, "land");
    assert_eq!(report["added"], 1, "{report}");

    let served = Served::start(&cfg);
    let found = link_results(&served);
    assert!(found.is_empty(), "{found:?}");
    // Each stored record was validated (the held one too).
    let validated = served.count(&format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?m {{ ?r <{CAT}validatedWith> ?w }} }}"
    ));
    assert_eq!(validated, 4);
    drop(served);

    // Without `reject`, the service is stored with exactly one violation on
    // its links: the missing dataset.
    edit_config(&cfg, "validation = \"reject\"", "");
    let (_, reports) = harvest(&cfg, &["--source", "geo"]);
    let report = report_of(&reports, "geo");
    assert_eq!(report["added"], 1, "{report}");
    let served = Served::start(&cfg);
    let found = link_results(&served);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["path"], format!("{DCAT}servesDataset"));
    assert_eq!(found[0]["value"], "http://geo.example/d/missing");
}
