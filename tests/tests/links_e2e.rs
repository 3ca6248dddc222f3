//! The link checker end to end with the binary: a catalog served from a
//! loopback server whose distributions link to the same server's answers
//! (200, 301 → 200, 404, 500, HEAD refused, a link shared by twelve
//! distributions, a link whose status the test switches). Checked once per
//! URL; results in `urn:dcat-catalog:links` with the re-check schedule;
//! rescoring after a link turns bad (the score drops by the metric's
//! points, the SHACL report untouched, API and SPARQL agree); the harvest
//! scoring with known statuses; offline mode (`check_links = false`).
//! The score reaches search (the `quality` facet, `sort=quality`, each
//! hit's score) after a harvest, after `check-links` (the index is
//! repaired at the next start) and after `serve`'s background check (at
//! once), and the dataset and source pages show it with the trend over
//! runs.

use catalog_tests::links::LinkServer;
use catalog_tests::*;
use std::path::Path;
use std::time::{Duration, SystemTime};

const PREFIXES: &str = "PREFIX dcat: <http://www.w3.org/ns/dcat#> \
    PREFIX dqv: <http://www.w3.org/ns/dqv#> \
    PREFIX pv: <https://piveau.eu/ns/voc#> \
    PREFIX foaf: <http://xmlns.com/foaf/0.1/> \
    PREFIX sh: <http://www.w3.org/ns/shacl#> \
    PREFIX cat: <urn:dcat-catalog:vocab#> ";

const DS: &str = "https://links.test/dataset/";

/// A catalog whose datasets `name` link to `path` on the server.
fn catalog(server: &LinkServer, datasets: &[(&str, &str)]) -> String {
    let mut out = String::from(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n\
         @prefix dct: <http://purl.org/dc/terms/> .\n\
         <https://links.test/catalog> a dcat:Catalog ; dct:title \"Links\"@de .\n",
    );
    for (name, path) in datasets {
        out.push_str(&format!(
            "<https://links.test/catalog> dcat:dataset <{DS}{name}> .\n\
             <{DS}{name}> a dcat:Dataset ; dct:title \"Datensatz {name}\"@de ;\n\
               dct:description \"Beschreibung {name}\"@de ; dcat:keyword \"links\" ;\n\
               dcat:distribution <https://links.test/distribution/{name}> .\n\
             <https://links.test/distribution/{name}> a dcat:Distribution ;\n\
               dcat:accessURL <{}> ;\n\
               dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> .\n",
            server.url(path)
        ));
    }
    out
}

fn datasets() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = (1..=12)
        .map(|i| (format!("shared-{i}"), "/ok/shared".to_owned()))
        .collect();
    for (n, p) in [
        ("flip", "/status/flip"),
        ("missing", "/missing"),
        ("error", "/error"),
        ("no-head", "/no-head"),
        ("moved", "/moved"),
    ] {
        out.push((n.to_owned(), p.to_owned()));
    }
    out
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

fn check_links(config: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["check-links", "--json"];
    all.extend_from_slice(args);
    let out = run_catalog(config, &all);
    assert!(
        out.status.success(),
        "check-links failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("check-links --json prints JSON")
}

/// Score, accessUrlStatusCode value and SHACL result count of a dataset, by
/// SPARQL.
fn stored(served: &Served, name: &str) -> (String, u64, Option<String>, usize) {
    let rows = served.select(&format!(
        "{PREFIXES} SELECT ?r ?s ?v WHERE {{ \
           GRAPH ?m {{ ?r foaf:primaryTopic <{DS}{name}> ; cat:qualityScore ?s ; cat:validation ?vg }} \
           OPTIONAL {{ GRAPH ?vg {{ ?x dqv:isMeasurementOf pv:accessUrlStatusCode . OPTIONAL {{ ?x dqv:value ?v }} }} }} }}"
    ));
    assert_eq!(rows.len(), 1, "{name}: {rows:?}");
    let rid = rows[0]["r"]
        .trim_start_matches("urn:dcat-catalog:record:")
        .to_owned();
    let results = served.count(&format!(
        "{PREFIXES} SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <urn:dcat-catalog:validation:{rid}> {{ ?rep sh:result ?x }} }}"
    ));
    (
        rid,
        rows[0]["s"].parse().expect("score"),
        rows[0].get("v").cloned(),
        results,
    )
}

/// The quality of a dataset's hit in `/api/search` (`q` finds it alone).
fn hit_quality(served: &Served, name: &str) -> Option<u64> {
    let v = served.get_json(&format!(
        "/api/search?q={}&size=100",
        url_encode(&format!("\"Datensatz {name}\""))
    ));
    let hits = v["hits"].as_array().expect("hits");
    let hit = hits
        .iter()
        .find(|h| h["dataset"] == format!("{DS}{name}"))
        .unwrap_or_else(|| panic!("{name} not found: {v}"));
    assert_eq!(
        hit["quality"]["band"].as_str(),
        hit["quality"]["score"].as_u64().map(|s| match s {
            351.. => "Excellent",
            221..=350 => "Good",
            121..=220 => "Sufficient",
            _ => "Bad",
        }),
        "{hit}"
    );
    hit["quality"]["score"].as_u64()
}

fn time(s: &str) -> SystemTime {
    humantime::parse_rfc3339_weak(s.trim_end_matches('Z')).expect("xsd:dateTime")
}

#[test]
fn links_checked_once_stored_rescored_and_served() {
    let server = LinkServer::start();
    let tmp = TempDir::new("links-e2e");
    let mut all = datasets();
    server.serve_catalog(&catalog(&server, &as_refs(&all)));
    let quality = "[quality]\nlink_host_delay = \"0s\"\nlink_timeout = \"3s\"\n";
    let cfg = write_config(
        tmp.path(),
        &[SourceSpec::new("links", &server.url("/catalog.ttl"))],
        quality,
    );
    let reports = harvest_ok(&cfg, &[]);
    assert_eq!(
        report_of(&reports, "links")["added"].as_u64(),
        Some(all.len() as u64)
    );
    {
        // Not checked yet: no value, no points.
        let served = Served::start(&cfg);
        let (_, _, value, _) = stored(&served, "flip");
        assert_eq!(value, None);
    }
    server.clear_log();

    // One round: every distinct link once, however many distributions
    // share it; every record scored again (first checks).
    let s = check_links(&cfg, &[]);
    assert_eq!(s["urls"], 6, "{s}");
    assert_eq!(s["checked"], 6, "{s}");
    assert_eq!(s["ok"], 4, "{s}");
    assert_eq!(s["broken"], 2, "{s}");
    assert_eq!(s["changed"], 6, "{s}");
    assert_eq!(s["rescored"].as_u64(), Some(all.len() as u64), "{s}");
    assert_eq!(server.requests_for("/ok/shared").len(), 1);

    let served = Served::start(&cfg);
    let (flip_rid, before, value, shacl_before) = stored(&served, "flip");
    assert_eq!(value.as_deref(), Some("200"));
    // The schedule: a good link again in a week, a failed one in a day.
    let schedule = served.select(&format!(
        "{PREFIXES} SELECT ?u ?c ?n WHERE {{ GRAPH <urn:dcat-catalog:links> {{ ?u cat:checkedAt ?c ; cat:nextCheck ?n }} }}"
    ));
    assert_eq!(schedule.len(), 6);
    for row in &schedule {
        let wait = time(&row["n"])
            .duration_since(time(&row["c"]))
            .expect("next after checked");
        let days = wait.as_secs() / (24 * 3600);
        let expected = if row["u"].ends_with("/missing") || row["u"].ends_with("/error") {
            1
        } else {
            7
        };
        assert_eq!(days, expected, "{row:?}");
    }
    drop(served);

    // Nothing is due now.
    let s = check_links(&cfg, &[]);
    assert_eq!(
        (s["due"].as_u64(), s["checked"].as_u64()),
        (Some(0), Some(0))
    );

    // The link turns bad: only its record is scored again, 50 points less.
    server.set_status("flip", 404);
    let s = check_links(&cfg, &["--all"]);
    assert_eq!(s["checked"], 6, "{s}");
    assert_eq!(
        (s["changed"].as_u64(), s["rescored"].as_u64()),
        (Some(1), Some(1)),
        "{s}"
    );

    let served = Served::start(&cfg);
    let (rid, after, value, shacl_after) = stored(&served, "flip");
    assert_eq!(rid, flip_rid);
    // Search has the new score (the index was repaired at the start), and
    // the facet and sort agree with the store.
    assert_eq!(hit_quality(&served, "flip"), Some(after));
    let scores = served.select(&format!(
        "{PREFIXES} SELECT ?s WHERE {{ GRAPH ?m {{ ?r cat:qualityScore ?s ; cat:status \"published\" }} }}"
    ));
    let mut expected_bands = std::collections::BTreeMap::new();
    let mut expected_order: Vec<u64> = Vec::new();
    for row in &scores {
        let s: u64 = row["s"].parse().expect("score");
        expected_order.push(s);
        let band = match s {
            351.. => "Excellent",
            221..=350 => "Good",
            121..=220 => "Sufficient",
            _ => "Bad",
        };
        *expected_bands.entry(band.to_owned()).or_insert(0u64) += 1;
    }
    assert_eq!(served.facet("", "quality"), expected_bands);
    expected_order.sort_by(|a, b| b.cmp(a));
    let sorted = served.get_json("/api/search?sort=quality&size=100");
    let got: Vec<u64> = sorted["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|h| h["quality"]["score"].as_u64())
        .collect();
    assert_eq!(got, expected_order, "sort=quality: best first");
    let flip_band = match after {
        351.. => "Excellent",
        221..=350 => "Good",
        121..=220 => "Sufficient",
        _ => "Bad",
    };
    let filtered = served.get_json(&format!("/api/search?quality={flip_band}&size=100"));
    assert_eq!(
        filtered["total"].as_u64(),
        expected_bands.get(flip_band).copied(),
        "{filtered}"
    );
    // The dataset page: the score and what to fix, the link's failure.
    let html = served
        .get_html(&format!("/datasets/{rid}"))
        .replace("&#x2f;", "/");
    assert!(
        html.contains(&format!(
            "<span data-field=\"quality-score\">{after}</span>"
        )),
        "{html}"
    );
    assert!(
        html.contains("data-metric=\"accessUrlStatusCode\"><strong>+50</strong>"),
        "{html}"
    );
    assert!(
        html.contains("nicht erreichbar</strong> (HTTP 404)"),
        "{html}"
    );
    // The steward's page: the mean, the bands, the broken links, the trend.
    // (minijinja escapes the slashes of attribute values and text)
    let html = served.get_html("/sources/links").replace("&#x2f;", "/");
    assert!(html.contains("data-field=\"quality-mean\""), "{html}");
    assert!(html.contains(&server.url("/status/flip")), "{html}");
    assert!(html.contains("class=\"quality-trend\""), "{html}");
    assert_eq!(
        after + 50,
        before,
        "accessUrlStatusCode's 50 points are gone"
    );
    assert_eq!(value.as_deref(), Some("404"));
    assert_eq!(shacl_after, shacl_before, "the SHACL report is untouched");
    let link = served.select(&format!(
        "{PREFIXES} SELECT ?s ?ok WHERE {{ GRAPH <urn:dcat-catalog:links> {{ <{}> cat:httpStatus ?s ; cat:linkOk ?ok }} }}",
        server.url("/status/flip")
    ));
    assert_eq!(link[0]["s"], "404");
    assert_eq!(link[0]["ok"], "false");

    // The API agrees with SPARQL.
    let v = served.get_json(&format!("/api/datasets/{rid}"));
    let q = &v["quality"];
    assert_eq!(q["score"].as_u64(), Some(after), "{q}");
    assert_eq!(q["metrics"]["accessUrlStatusCode"]["points"], 0);
    assert_eq!(q["metrics"]["accessUrlStatusCode"]["value"], 404);
    let links = q["links"].as_array().expect("links");
    assert_eq!(links.len(), 1, "{q}");
    assert_eq!(links[0]["url"], server.url("/status/flip"));
    assert_eq!(links[0]["property"], "accessURL");
    assert_eq!(links[0]["status"], 404);
    assert_eq!(links[0]["ok"], false);
    assert!(links[0]["checked"].is_string());

    let s = served.get_json("/api/sources/links/quality");
    // One harvest so far: one point of the trend, with every record scored
    // (before any link was checked).
    let trend = s["trend"].as_array().expect("trend");
    assert_eq!(trend.len(), 1, "{s}");
    assert_eq!(trend[0]["scored"].as_u64(), Some(all.len() as u64), "{s}");
    assert!(trend[0]["mean_score"].as_f64().is_some(), "{s}");
    assert!(trend[0]["ended"].is_string(), "{s}");
    assert_eq!(s["links"]["urls"], 6, "{s}");
    assert_eq!(s["links"]["broken"], 3, "{s}");
    assert_eq!(s["links"]["ok"], 3, "{s}");
    let broken: Vec<&str> = s["broken_links"]
        .as_array()
        .expect("broken_links")
        .iter()
        .filter_map(|b| b["url"].as_str())
        .collect();
    for p in ["/status/flip", "/missing", "/error"] {
        assert!(broken.contains(&server.url(p).as_str()), "{p}: {s}");
    }
    let flip = s["broken_links"]
        .as_array()
        .and_then(|a| a.iter().find(|b| b["url"] == server.url("/status/flip")))
        .expect("flip listed");
    assert_eq!(flip["datasets"], serde_json::json!([format!("{DS}flip")]));
    assert_eq!(flip["status"], 404);
    drop(served);

    // A harvest scores new records with the known statuses.
    all.push(("late".into(), "/moved".into()));
    server.serve_catalog(&catalog(&server, &as_refs(&all)));
    harvest_ok(&cfg, &[]);
    {
        let served = Served::start(&cfg);
        assert_eq!(stored(&served, "late").2.as_deref(), Some("200"));
    }

    // `serve` checks due links in the background (every check_interval).
    all.push(("background".into(), "/ok/background".into()));
    server.serve_catalog(&catalog(&server, &as_refs(&all)));
    harvest_ok(&cfg, &[]);
    let cfg_bg = write_config(
        tmp.path(),
        &[SourceSpec::new("links", &server.url("/catalog.ttl"))],
        &format!("{quality}check_interval = \"1s\"\n"),
    );
    {
        let served = Served::start(&cfg_bg);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if stored(&served, "background").2.as_deref() == Some("200") {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the background checker did not check the new link"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        assert_eq!(server.requests_for("/ok/background").len(), 1);
        // The rescored record reached search at once (no restart).
        let (_, score, _, _) = stored(&served, "background");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while hit_quality(&served, "background") != Some(score) {
            assert!(
                std::time::Instant::now() < deadline,
                "search still has the score from before the background check"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // Three harvests: three points of the trend, oldest first.
        let s = served.get_json("/api/sources/links/quality");
        let trend = s["trend"].as_array().expect("trend");
        assert_eq!(trend.len(), 3, "{s}");
        assert_eq!(trend[2]["scored"].as_u64(), Some(all.len() as u64), "{s}");
        assert!(trend[0]["run"].as_str() < trend[2]["run"].as_str(), "{s}");
    }

    // Offline: nothing is checked and new scores say "not checked".
    let cfg = write_config(
        tmp.path(),
        &[SourceSpec::new("links", &server.url("/catalog.ttl"))],
        &format!("{quality}check_links = false\n"),
    );
    let out = run_catalog(&cfg, &["check-links"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("check_links = false"));
    all.push(("offline".into(), "/ok/shared".into()));
    server.serve_catalog(&catalog(&server, &as_refs(&all)));
    server.clear_log();
    harvest_ok(&cfg, &[]);
    assert!(server.requests_for("/ok/shared").is_empty());
    let served = Served::start(&cfg);
    let (rid, _, value, _) = stored(&served, "offline");
    assert_eq!(value, None);
    let v = served.get_json(&format!("/api/datasets/{rid}"));
    assert_eq!(
        v["quality"]["metrics"]["accessUrlStatusCode"]["note"],
        "not checked"
    );
}
