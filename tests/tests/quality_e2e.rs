//! The metadata quality score (data.europa.eu's MQA) end to end: real
//! catalogs harvested by the binary under `dcat-ap-de-3`, and every stored
//! measurement compared, metric by metric, with an independent computation
//! written as SPARQL from the table of the steward guide (not from the
//! scoring code); then the score in `/api/datasets/{id}` and the source's
//! summary in `/api/sources/{id}/quality`.

use catalog_tests::*;
use oxrdfio::{RdfFormat, RdfParser};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const PREFIXES: &str = "PREFIX dcat: <http://www.w3.org/ns/dcat#> \
    PREFIX dct: <http://purl.org/dc/terms/> \
    PREFIX foaf: <http://xmlns.com/foaf/0.1/> \
    PREFIX dqv: <http://www.w3.org/ns/dqv#> \
    PREFIX pv: <https://piveau.eu/ns/voc#> \
    PREFIX cat: <urn:dcat-catalog:vocab#> ";

const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";

/// The concepts (`a skos:Concept`) of a shipped vocabulary file, as a
/// SPARQL `VALUES` list.
fn concepts(files: &[&str]) -> String {
    let mut out = BTreeSet::new();
    for f in files {
        let bytes =
            std::fs::read(workspace().join("vocabularies").join(f)).expect("shipped vocabulary");
        for q in RdfParser::from_format(RdfFormat::Turtle).for_slice(&bytes) {
            let q = q.expect("shipped vocabulary parses");
            if q.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
                && q.object.to_string() == "<http://www.w3.org/2004/02/skos/core#Concept>"
            {
                out.insert(q.subject.to_string());
            }
        }
    }
    assert!(!out.is_empty(), "{files:?}");
    out.into_iter().collect::<Vec<_>>().join(" ")
}

/// A shipped format list (codes, one a line) as a `VALUES` list.
fn codes(file: &str) -> String {
    let text = std::fs::read_to_string(workspace().join("vocabularies/mqa").join(file))
        .expect("shipped list");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|c| format!("<{FILE_TYPE}{c}>"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The table: metric, points, and the SPARQL pattern that makes it pass
/// (`?d` the dataset, `?dist` a distribution, evaluated in the record's
/// graph). Scope: "dataset", "distribution" (the best one) or "any".
fn table() -> Vec<(&'static str, u32, &'static str, String)> {
    let top = "('application', 'audio', 'example', 'font', 'haptics', 'image', 'message', 'model', 'multipart', 'text', 'video')";
    let token = "[A-Za-z0-9!#$&^_.+-]+$";
    let iana = format!(
        "{{ ?dist dcat:mediaType ?mt FILTER(isIRI(?mt) \
              && REGEX(STR(?mt), \"^https?://www[.]iana[.]org/assignments/media-types/[^/]+/{token}\") \
              && LCASE(STRBEFORE(STRAFTER(STR(?mt), \"media-types/\"), \"/\")) IN {top}) }} \
         UNION {{ ?dist dcat:mediaType ?mt FILTER(isLiteral(?mt) && REGEX(STR(?mt), \"^[^/]+/{token}\") \
              && LCASE(STRBEFORE(STR(?mt), \"/\")) IN {top}) }}"
    );
    let file_types = concepts(&["eu/file-type.ttl"]);
    vec![
        (
            "keywordAvailability",
            30,
            "dataset",
            "?d dcat:keyword ?v".into(),
        ),
        (
            "categoryAvailability",
            30,
            "dataset",
            "?d dcat:theme ?v".into(),
        ),
        (
            "spatialAvailability",
            20,
            "dataset",
            "?d dct:spatial ?v".into(),
        ),
        (
            "temporalAvailability",
            20,
            "dataset",
            "?d dct:temporal ?v".into(),
        ),
        // Links are not checked in this test: the status codes score 0.
        (
            "accessUrlStatusCode",
            50,
            "distribution",
            "FILTER(false)".into(),
        ),
        (
            "downloadUrlAvailability",
            20,
            "distribution",
            "?dist dcat:downloadURL ?v".into(),
        ),
        (
            "downloadUrlStatusCode",
            30,
            "distribution",
            "FILTER(false)".into(),
        ),
        (
            "formatAvailability",
            20,
            "distribution",
            "?dist dct:format ?v".into(),
        ),
        (
            "mediaTypeAvailability",
            10,
            "distribution",
            "?dist dcat:mediaType ?v".into(),
        ),
        (
            "formatMediaTypeVocabularyAlignment",
            10,
            "distribution",
            format!("{{ ?dist dct:format ?f VALUES ?f {{ {file_types} }} }} UNION {iana}"),
        ),
        (
            "formatMediaTypeNonProprietary",
            20,
            "distribution",
            format!(
                "?dist dct:format ?f VALUES ?f {{ {} }}",
                codes("non-proprietary-formats.txt")
            ),
        ),
        (
            "formatMediaTypeMachineInterpretable",
            20,
            "distribution",
            format!(
                "?dist dct:format ?f VALUES ?f {{ {} }}",
                codes("machine-readable-formats.txt")
            ),
        ),
        (
            "licenceAvailability",
            20,
            "distribution",
            "?dist dct:license ?v".into(),
        ),
        (
            "knownLicence",
            10,
            "distribution",
            format!(
                "?dist dct:license ?l VALUES ?l {{ {} }}",
                concepts(&["eu/licence.ttl", "dcat-ap-de/licenses.ttl"])
            ),
        ),
        (
            "accessRightsAvailability",
            10,
            "dataset",
            "?d dct:accessRights ?v".into(),
        ),
        (
            "accessRightsVocabularyAlignment",
            5,
            "dataset",
            format!(
                "?d dct:accessRights ?a VALUES ?a {{ {} }}",
                concepts(&["eu/access-right.ttl"])
            ),
        ),
        (
            "contactPointAvailability",
            20,
            "dataset",
            "?d dcat:contactPoint ?v".into(),
        ),
        (
            "publisherAvailability",
            10,
            "dataset",
            "?d dct:publisher ?v".into(),
        ),
        (
            "rightsAvailability",
            5,
            "distribution",
            "?dist dct:rights ?v".into(),
        ),
        (
            "byteSizeAvailability",
            5,
            "distribution",
            "?dist dcat:byteSize ?v".into(),
        ),
        (
            "dateIssuedAvailability",
            5,
            "any",
            "{ ?d dct:issued ?v } UNION { ?d dcat:distribution ?y . ?y dct:issued ?v }".into(),
        ),
        (
            "dateModifiedAvailability",
            5,
            "any",
            "{ ?d dct:modified ?v } UNION { ?d dcat:distribution ?y . ?y dct:modified ?v }".into(),
        ),
    ]
}

fn file_source(id: &str, file: &Path) -> SourceSpec {
    SourceSpec::new(id, &file.display().to_string())
}

fn by_record(served: &Served, query: &str, var: &str) -> BTreeMap<String, u64> {
    served
        .select(&format!("{PREFIXES}{query}"))
        .into_iter()
        .filter_map(|row| Some((row.get("r")?.clone(), row.get(var)?.parse().ok()?)))
        .collect()
}

/// The points a stored measurement `?meas` stands for, bound to `?p`:
/// `weight` when its `dqv:value` is true or a 2xx/3xx status, else 0 (no
/// value: the metric was not measured, as links that were not checked).
fn stored_points(weight: &str) -> String {
    format!(
        "OPTIONAL {{ ?meas dqv:value ?val }} \
         BIND(IF(BOUND(?val) && ((datatype(?val) = <http://www.w3.org/2001/XMLSchema#boolean> && ?val) \
              || (datatype(?val) = <http://www.w3.org/2001/XMLSchema#integer> && ?val >= 200 && ?val < 400)), {weight}, 0) AS ?p)"
    )
}

/// Every metric's weight from the table (and dcatApCompliance), as a
/// SPARQL `VALUES (?metric ?w)` block, optionally only of one scope.
fn weights(scope: Option<&str>) -> String {
    let mut rows: Vec<String> = table()
        .iter()
        .filter(|t| scope.is_none_or(|s| s == t.2))
        .map(|t| format!("(pv:{} {})", t.0, t.1))
        .collect();
    if scope.is_none() {
        rows.push("(pv:dcatApCompliance 30)".into());
    }
    format!("VALUES (?metric ?w) {{ {} }}", rows.join(" "))
}

#[test]
fn scores_of_real_catalogs_agree_with_sparql_metric_by_metric() {
    let Some(dashboard) = fixtures("dcat/govdata-shacl-testcases/dashboard") else {
        return;
    };
    let Some(sh) = fixtures("dcat/schleswig-holstein-catalog") else {
        return;
    };
    let tmp = TempDir::new("quality-real");
    let sources = [
        file_source(
            "brandenburg",
            &dashboard.join("brandenburg-catalog-original-input.ttl"),
        ),
        file_source(
            "rostock",
            &dashboard.join("rostock-catalog-original-input.rdf"),
        ),
        file_source("sh", &sh.join("catalog.xml")),
    ];
    let cfg = write_config(tmp.path(), &sources, "");
    // Rostock has one record that fails to map (a partial run): the others
    // are stored and scored.
    let (_, reports) = harvest(&cfg, &[]);
    let mut added = 0;
    for s in ["brandenburg", "rostock", "sh"] {
        added += report_of(&reports, s)["added"].as_u64().unwrap_or(0);
    }
    assert!(added > 50, "{reports}");

    let served = Served::start(&cfg);
    let records = served.count(&format!(
        "{PREFIXES} SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH ?m {{ ?r cat:qualityScore ?s ; cat:qualityBand ?b ; cat:validation ?vg }} }}"
    ));
    assert_eq!(records as u64, added, "every validated record is scored");

    let table = table();
    // With dcatApCompliance (30, checked below from the meta) the table is 405.
    assert_eq!(table.iter().map(|t| t.1).sum::<u32>() + 30, 405);
    for (name, points, scope, pattern) in &table {
        let expected = match *scope {
            "distribution" => format!(
                "IF(EXISTS {{ GRAPH ?r {{ ?d dcat:distribution ?on . {} }} }}, {points}, 0)",
                pattern.replace("?dist", "?on")
            ),
            _ => format!("IF(EXISTS {{ GRAPH ?r {{ {pattern} }} }}, {points}, 0)"),
        };
        let rows = served.select(&format!(
            "{PREFIXES} SELECT ?r ?stored ?expected WHERE {{ \
               GRAPH ?m {{ ?r foaf:primaryTopic ?d ; cat:validation ?vg }} \
               GRAPH ?vg {{ ?meas dqv:isMeasurementOf pv:{name} ; dqv:computedOn ?on {} }} \
               BIND(?p AS ?stored) BIND({expected} AS ?expected) }}",
            stored_points(&points.to_string())
        ));
        assert_eq!(rows.len(), records, "{name}: one measurement per record");
        let wrong: Vec<_> = rows
            .iter()
            .filter(|r| r.get("stored") != r.get("expected"))
            .collect();
        assert!(
            wrong.is_empty(),
            "{name}: {} of {} differ, e.g. {:?}",
            wrong.len(),
            rows.len(),
            &wrong[..wrong.len().min(3)]
        );
        if name.ends_with("StatusCode") {
            let notes = served.count(&format!(
                "{PREFIXES} SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?vg {{ ?meas dqv:isMeasurementOf pv:{name} FILTER NOT EXISTS {{ ?meas dqv:value ?v }} }} }}"
            ));
            // Records without distributions say "no distribution" instead.
            assert!(notes > 0 && notes <= records, "{name}: {notes}");
        }
    }

    // The best distribution: the measured one has the most distribution
    // points of all the dataset's distributions.
    let sum: Vec<String> = table
        .iter()
        .filter(|t| t.2 == "distribution")
        .map(|(_, points, _, pattern)| {
            format!("IF(EXISTS {{ GRAPH ?r {{ {pattern} }} }}, {points}, 0)")
        })
        .collect();
    let best = by_record(
        &served,
        &format!(
            "SELECT ?r (MAX(?sum) AS ?best) WHERE {{ GRAPH ?m {{ ?r foaf:primaryTopic ?d ; cat:validation ?vg }} \
               GRAPH ?r {{ ?d dcat:distribution ?dist }} BIND(({}) AS ?sum) }} GROUP BY ?r",
            sum.join(" + ")
        ),
        "best",
    );
    let stored = by_record(
        &served,
        &format!(
            "SELECT ?r (SUM(?p) AS ?s) WHERE {{ GRAPH ?m {{ ?r cat:validation ?vg }} \
               GRAPH ?vg {{ {} ?meas dqv:isMeasurementOf ?metric {} }} }} GROUP BY ?r",
            weights(Some("distribution")),
            stored_points("?w")
        ),
        "s",
    );
    assert_eq!(stored.len(), records);
    let mut with_distributions = 0;
    for (r, s) in &stored {
        with_distributions += usize::from(best.contains_key(r));
        assert_eq!(
            *s,
            best.get(r).copied().unwrap_or(0),
            "{r}: best distribution"
        );
    }
    assert!(
        with_distributions > records / 2,
        "{with_distributions} of {records}"
    );

    // dcatApCompliance: no violation under the source's profile.
    let compliance = served.select(&format!(
        "{PREFIXES} SELECT ?r ?stored ?v WHERE {{ GRAPH ?m {{ ?r cat:violations ?v ; cat:validation ?vg }} \
           GRAPH ?vg {{ ?meas dqv:isMeasurementOf pv:dcatApCompliance {} }} BIND(?p AS ?stored) }}",
        stored_points("30")
    ));
    assert_eq!(compliance.len(), records);
    for row in &compliance {
        let want = if row["v"] == "0" { "30" } else { "0" };
        assert_eq!(row["stored"], want, "{row:?}");
    }

    // The total and band in the meta are the sum of the measurements and
    // the published ranges.
    let wrong = served.count(&format!(
        "{PREFIXES} SELECT (COUNT(*) AS ?n) WHERE {{ \
           {{ SELECT ?r (SUM(?p) AS ?sum) WHERE {{ GRAPH ?m {{ ?r cat:validation ?vg }} \
              GRAPH ?vg {{ {} ?meas dqv:isMeasurementOf ?metric {} }} }} GROUP BY ?r }} \
           GRAPH ?m {{ ?r cat:qualityScore ?score ; cat:qualityBand ?band }} \
           BIND(IF(?sum > 350, \"Excellent\", IF(?sum > 220, \"Good\", IF(?sum > 120, \"Sufficient\", \"Bad\"))) AS ?want) \
           FILTER(?score != ?sum || ?band != ?want) }}",
        weights(None),
        stored_points("?w")
    ));
    assert_eq!(wrong, 0);
    let bands = served.count(&format!(
        "{PREFIXES} SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE {{ GRAPH ?m {{ ?r cat:qualityBand ?b }} }}"
    ));
    assert!(bands >= 2, "real catalogs differ in quality");

    // The API: one dataset's breakdown, and the source summary.
    let row = served.select(&format!(
        "{PREFIXES} SELECT ?r ?s ?b WHERE {{ GRAPH <urn:dcat-catalog:meta:brandenburg> {{ ?r cat:qualityScore ?s ; cat:qualityBand ?b }} }} ORDER BY ?r LIMIT 1"
    ));
    let rid = row[0]["r"]
        .trim_start_matches("urn:dcat-catalog:record:")
        .to_owned();
    let v = served.get_json(&format!("/api/datasets/{rid}"));
    let q = &v["quality"];
    assert_eq!(q["score"].to_string(), row[0]["s"], "{q}");
    assert_eq!(q["band"], row[0]["b"].as_str());
    let metrics = q["metrics"].as_object().expect("metrics");
    assert_eq!(metrics.len(), 23);
    let total: u64 = metrics
        .values()
        .map(|m| m["points"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(q["score"].as_u64(), Some(total));
    assert_eq!(metrics["accessUrlStatusCode"]["max"], 50);
    assert!(metrics["accessUrlStatusCode"]["note"].is_string(), "{q}");

    let s = served.get_json("/api/sources/brandenburg/quality");
    let n = report_of(&reports, "brandenburg")["added"]
        .as_u64()
        .unwrap_or(0);
    assert_eq!(s["scored"].as_u64(), Some(n), "{s}");
    let band_total: u64 = s["bands"]
        .as_object()
        .expect("bands")
        .values()
        .filter_map(|c| c.as_u64())
        .sum();
    assert_eq!(band_total, n);
    let mean = served.select(&format!(
        "{PREFIXES} SELECT (AVG(?s) AS ?mean) WHERE {{ GRAPH <urn:dcat-catalog:meta:brandenburg> {{ ?r cat:qualityScore ?s ; cat:status \"published\" }} }}"
    ));
    let mean: f64 = mean[0]["mean"].parse().expect("mean");
    assert!(
        (s["mean_score"].as_f64().unwrap_or(-1.0) - mean).abs() < 0.06,
        "{s} vs {mean}"
    );
    let keywords = served.count(&format!(
        "{PREFIXES} SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <urn:dcat-catalog:meta:brandenburg> {{ ?r cat:validation ?vg }} \
           GRAPH ?vg {{ ?meas dqv:isMeasurementOf pv:keywordAvailability ; dqv:value true }} }}"
    ));
    assert_eq!(
        s["metrics"]["keywordAvailability"]["passed"].as_u64(),
        Some(keywords as u64)
    );
    let unknown = call(
        reqwest::Method::GET,
        &format!("{}/api/sources/nosuch/quality", served.base),
        &[],
    );
    assert_eq!(unknown.status, 404);

    // Per publisher, over the datasets in search: the same numbers as the
    // search's hits (their scores) and the datasets' own breakdowns.
    let p = served.get_json("/api/quality/publishers");
    let publishers = p["publishers"].as_array().expect("publishers");
    assert!(publishers.len() >= 3, "{p}");
    let facet = served.facet("", "publisher");
    let listed: BTreeMap<String, u64> = publishers
        .iter()
        .map(|x| {
            (
                x["publisher"].as_str().unwrap_or("").to_owned(),
                x["datasets"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(listed, facet, "every publisher of the facet with its count");
    for x in publishers.iter().take(4) {
        let name = x["publisher"].as_str().unwrap_or("");
        let hits = served.get_json(&format!(
            "/api/search?publisher={}&size=100&sort=quality",
            url_encode(name)
        ));
        let hits = hits["hits"].as_array().expect("hits");
        let scores: Vec<u64> = hits
            .iter()
            .filter_map(|h| h["quality"]["score"].as_u64())
            .collect();
        assert_eq!(x["scored"].as_u64(), Some(scores.len() as u64), "{name}");
        if scores.is_empty() {
            continue;
        }
        let mean = scores.iter().sum::<u64>() as f64 / scores.len() as f64;
        assert!(
            (x["mean_score"].as_f64().unwrap_or(-1.0) - mean).abs() < 0.06,
            "{name}: {x} vs {mean}"
        );
        let mut keywords = 0;
        for h in hits {
            let d = served.get_json(&format!("/api/datasets/{}", h["id"].as_str().unwrap_or("")));
            let m = &d["quality"]["metrics"]["keywordAvailability"];
            keywords += u64::from(m["points"] == m["max"]);
        }
        assert_eq!(
            x["metrics"]["keywordAvailability"]["passed"].as_u64(),
            Some(keywords),
            "{name}"
        );
    }
    let one = served.get_json("/api/quality/publishers?source=brandenburg");
    let total: u64 = one["publishers"]
        .as_array()
        .expect("publishers")
        .iter()
        .filter_map(|x| x["datasets"].as_u64())
        .sum();
    let expected: u64 = served
        .facet("source=brandenburg", "publisher")
        .values()
        .sum();
    assert_eq!(total, expected, "one source's publishers");
    let bad = call(
        reqwest::Method::GET,
        &format!("{}/api/quality/publishers?sauce=x", served.base),
        &[],
    );
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("'sauce'"), "{}", bad.text());
    // The page lists them.
    let html = served.get_html("/quality");
    for name in listed.keys().take(3) {
        let shown = name
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('/', "&#x2f;");
        assert!(
            html.contains(&format!("data-publisher=\"{shown}\"")),
            "{name}"
        );
    }
}

const STADT_V1: &str = r#"@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<http://stadt.example/catalog> a dcat:Catalog ; dct:title "Stadt"@de ; dcat:dataset <http://stadt.example/d/1> .
<http://stadt.example/d/1> a dcat:Dataset ; dct:title "Bäume"@de ; dct:description "Straßenbäume der Stadt"@de .
"#;

/// The same dataset with a keyword and a CSV distribution.
const STADT_V2: &str = r#"@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<http://stadt.example/catalog> a dcat:Catalog ; dct:title "Stadt"@de ; dcat:dataset <http://stadt.example/d/1> .
<http://stadt.example/d/1> a dcat:Dataset ; dct:title "Bäume"@de ; dct:description "Straßenbäume der Stadt"@de ;
    dcat:keyword "Bäume"@de ; dcat:distribution <http://stadt.example/d/1/csv> .
<http://stadt.example/d/1/csv> a dcat:Distribution ; dcat:accessURL <http://stadt.example/files/> ;
    dcat:downloadURL <http://stadt.example/files/baeume.csv> ;
    dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> .
"#;

/// The stored score of the one record, and its points by metric (the
/// score's own measurement as `score`), read from the DQV measurements;
/// the points in the record's meta must say the same.
fn stored_quality(cfg: &Path) -> (u64, BTreeMap<String, u64>, u64) {
    let served = Served::start(cfg);
    let rows = served.select(&format!(
        "{PREFIXES} SELECT ?score ?v ?metric ?p ?meta WHERE {{ \
           GRAPH ?m {{ ?r cat:qualityScore ?score ; cat:qualityPoints ?meta ; cat:violations ?v ; cat:validation ?vg }} \
           {{ GRAPH ?vg {{ {} ?meas dqv:isMeasurementOf ?metric {} }} }} \
           UNION {{ GRAPH ?vg {{ ?meas dqv:isMeasurementOf ?metric ; dqv:value ?p FILTER(?metric = pv:score) }} }} }}",
        weights(None),
        stored_points("?w")
    ));
    assert_eq!(rows.len(), 24, "{rows:?}");
    let score = rows[0]["score"].parse().expect("score");
    let violations = rows[0]["v"].parse().expect("violations");
    let points: BTreeMap<String, u64> = rows
        .iter()
        .map(|r| {
            (
                r["metric"]
                    .trim_start_matches("https://piveau.eu/ns/voc#")
                    .to_owned(),
                r["p"].parse().expect("points"),
            )
        })
        .collect();
    let meta: Vec<u64> = rows[0]["meta"]
        .split(' ')
        .map(|p| p.parse().expect("meta points"))
        .collect();
    let mut from_dqv: Vec<u64> = points
        .iter()
        .filter(|(m, _)| *m != "score")
        .map(|(_, p)| *p)
        .collect();
    let mut meta_sorted = meta.clone();
    from_dqv.sort_unstable();
    meta_sorted.sort_unstable();
    assert_eq!(meta_sorted, from_dqv, "meta points and DQV agree");
    assert_eq!(meta.iter().sum::<u64>(), score);
    (score, points, violations)
}

/// A record is scored again when it changes and when its source's profile
/// changes (re-validation); an unchanged re-harvest leaves the score alone.
#[test]
fn records_are_rescored_after_a_change_and_a_profile_change() {
    let tmp = TempDir::new("quality-rescore");
    let file = tmp.path().join("catalog.ttl");
    std::fs::write(&file, STADT_V1).expect("write");
    let cfg = write_config(tmp.path(), &[file_source("stadt", &file)], "");
    let set_profile = |p: &str| {
        let text = std::fs::read_to_string(&cfg).expect("read");
        let text: Vec<String> = text
            .lines()
            .map(|l| {
                if l.starts_with("profile = ") {
                    format!("profile = \"{p}\"")
                } else {
                    l.to_owned()
                }
            })
            .collect();
        std::fs::write(&cfg, text.join("\n")).expect("write");
    };
    set_profile("dcat-ap-3");
    harvest_ok(&cfg, &[]);
    let (score, points, violations) = stored_quality(&cfg);
    assert_eq!(violations, 0);
    assert_eq!(points["dcatApCompliance"], 30);
    assert_eq!(points["keywordAvailability"], 0);
    assert_eq!(points["downloadUrlAvailability"], 0);
    assert_eq!(score, 30, "{points:?}");

    // DCAT-AP.de 3 asks for more (dcatde:contributorID and others): the
    // unchanged record is validated again and loses dcatApCompliance.
    set_profile("dcat-ap-de-3");
    harvest(&cfg, &[]);
    let (score, points, violations) = stored_quality(&cfg);
    assert!(violations > 0);
    assert_eq!(points["dcatApCompliance"], 0);
    assert_eq!(score, 0, "{points:?}");

    // The record changes: a keyword and a CSV distribution.
    std::fs::write(&file, STADT_V2).expect("write");
    let (_, report) = harvest(&cfg, &[]);
    assert_eq!(report_of(&report, "stadt")["updated"], 1, "{report}");
    let (score, points, violations) = stored_quality(&cfg);
    assert!(violations > 0);
    assert_eq!(points["keywordAvailability"], 30);
    assert_eq!(points["downloadUrlAvailability"], 20);
    assert_eq!(points["formatAvailability"], 20);
    assert_eq!(points["formatMediaTypeVocabularyAlignment"], 10);
    assert_eq!(points["formatMediaTypeNonProprietary"], 20);
    assert_eq!(points["formatMediaTypeMachineInterpretable"], 20);
    assert_eq!(points["mediaTypeAvailability"], 0);
    assert_eq!(
        score,
        points
            .iter()
            .filter(|(m, _)| *m != "score")
            .map(|(_, p)| p)
            .sum::<u64>()
    );
    assert_eq!((score, points["score"]), (120, 120));

    // Unchanged: not scored again.
    let (_, report) = harvest(&cfg, &[]);
    assert_eq!(report_of(&report, "stadt")["unchanged"], 1, "{report}");
    assert_eq!(
        report_of(&report, "stadt")["validation"]["validated"],
        0,
        "{report}"
    );
    assert_eq!(stored_quality(&cfg).0, 120);
}
