//! Deduplication across sources end to end: three small generated
//! catalogs on loopback share datasets (by `dct:identifier` and by dataset
//! IRI); the catalog endpoint and search show one record per dataset, the
//! winner's `/api/datasets/{id}` lists the others, stewards find the
//! duplicates in the admin API, the run report and SPARQL; a changed,
//! withdrawn and purged winner hands over to the next record. SPARQL's
//! default graph holds the published records (duplicates too), never a
//! withdrawn one, which `GRAPH`, `FROM` and `named-graph-uri` still reach.
//! `export` writes what the endpoint serves.

use catalog_tests::*;
use reqwest::Method;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const TOKEN: &str = "dedup-e2e-test-token-0123456789abcdefghij";

/// One dataset of a generated catalog.
struct Ds {
    iri: String,
    identifier: String,
    modified: Option<&'static str>,
}

fn ds(iri: &str, identifier: &str, modified: Option<&'static str>) -> Ds {
    Ds {
        iri: iri.to_owned(),
        identifier: identifier.to_owned(),
        modified,
    }
}

/// A one-page DCAT catalog in Turtle.
fn catalog(source: &str, datasets: &[Ds]) -> Vec<u8> {
    let mut s = format!(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n\
         @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\
         <https://{source}.example/catalog> a dcat:Catalog ; dct:title \"{source}\"@de .\n"
    );
    for d in datasets {
        let _ = write!(
            s,
            "<https://{source}.example/catalog> dcat:dataset <{iri}> .\n\
             <{iri}> a dcat:Dataset ; dct:identifier \"{id}\" ;\n\
               dct:title \"Datensatz {id} bei {source}\"@de ;\n\
               dct:description \"Beschreibung des Datensatzes {id}.\"@de",
            iri = d.iri,
            id = d.identifier,
        );
        if let Some(m) = d.modified {
            let _ = write!(s, " ;\n  dct:modified \"{m}\"^^xsd:date");
        }
        s.push_str(" .\n");
    }
    s.into_bytes()
}

/// The record id of a dataset of a source (as the store makes it).
fn rid(source: &str, iri: &str) -> String {
    catalog_server::store::record_id(source, iri)
}

/// What the catalog endpoint serves over all its pages: each dataset IRI
/// it links (`dcat:dataset`) with the `dct:identifier` values its graphs
/// give it.
fn endpoint(base: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut identifiers: Vec<(String, String)> = Vec::new();
    let mut url = Some(format!("{base}/catalog.nt"));
    while let Some(u) = url.take() {
        let r = call(Method::GET, &u, &[("Accept", "application/n-triples")]);
        assert_eq!(r.status, 200, "{u}: {}", r.text());
        for t in oxrdfio::RdfParser::from_format(oxrdfio::RdfFormat::NTriples).for_slice(&r.body) {
            let t = t.expect("N-Triples");
            match (t.predicate.as_str(), &t.object) {
                ("http://www.w3.org/ns/dcat#dataset", oxrdf::Term::NamedNode(o)) => {
                    out.entry(o.as_str().to_owned()).or_default();
                }
                ("http://www.w3.org/ns/hydra/core#next", oxrdf::Term::NamedNode(o)) => {
                    url = Some(o.as_str().to_owned())
                }
                ("http://purl.org/dc/terms/identifier", oxrdf::Term::Literal(l)) => {
                    let subject = t.subject.to_string();
                    let iri = subject.trim_start_matches('<').trim_end_matches('>');
                    identifiers.push((iri.to_owned(), l.value().to_owned()));
                }
                _ => {}
            }
        }
    }
    for (iri, id) in identifiers {
        if let Some(ids) = out.get_mut(&iri) {
            ids.insert(id);
        }
    }
    out
}

/// The endpoint's expected answer: (dataset IRI, identifier) pairs.
fn expected(pairs: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
    pairs
        .iter()
        .map(|(iri, id)| ((*iri).to_owned(), [(*id).to_owned()].into_iter().collect()))
        .collect()
}

/// The record ids search finds for `Datensatz`.
fn search_ids(base: &str) -> BTreeSet<String> {
    let r = call(
        Method::GET,
        &format!("{base}/api/search?q=Datensatz&size=100"),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let ids: BTreeSet<String> = v["hits"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| h["id"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(v["total"].as_u64(), Some(ids.len() as u64), "{v}");
    ids
}

fn dataset_view(base: &str, id: &str) -> Value {
    let r = call(Method::GET, &format!("{base}/api/datasets/{id}"), &[]);
    assert_eq!(r.status, 200, "{id}: {}", r.text());
    r.json()
}

/// An admin API request with the token.
fn admin(method: Method, url: &str) -> HttpAnswer {
    call(
        method,
        url,
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    )
}

/// `(duplicate, winner)` pairs of a source from the admin API.
fn duplicates(base: &str, source: &str) -> BTreeSet<(String, String)> {
    let r = admin(
        Method::GET,
        &format!("{base}/api/sources/{source}/duplicates"),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["duplicates"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    (
                        d["id"].as_str().unwrap_or("").to_owned(),
                        d["duplicate_of"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Harvests a source through the admin API and waits for its run's end;
/// returns the run record.
fn harvest_served(base: &str, source: &str) -> Value {
    let started = admin(
        Method::POST,
        &format!("{base}/api/sources/{source}/harvest"),
    );
    assert_eq!(started.status, 202, "{}", started.text());
    let run = started.json()["run"].as_str().expect("run").to_owned();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let r = admin(Method::GET, &format!("{base}{run}")).json();
        let status = r["status"].as_str().unwrap_or_default().to_owned();
        if status != "running" && status != "queued" && !status.is_empty() {
            assert_eq!(status, "success", "{r}");
            return r;
        }
        assert!(Instant::now() < deadline, "run {run} does not end: {r}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn duplicates_across_sources_show_once_and_hand_over() {
    let stub = StubServer::start();
    let dir = TempDir::new("dedup-e2e");
    let a1 = "https://a.example/ds/1";
    let b1 = "https://b.example/ds/1";
    let a2 = "https://a.example/ds/2";
    let b2 = "https://b.example/ds/2";
    let a3 = "https://a.example/ds/3";
    let c3 = "https://c.example/ds/3";
    let shared = "https://shared.example/ds/4";
    let a_datasets = vec![
        // 1: a is newer than b (b's priority does not matter).
        ds(a1, "eins", Some("2026-01-05")),
        // 2: equal dates; b has the higher priority.
        ds(a2, "zwei", Some("2026-01-01")),
        // 3: c has no date and never displaces a.
        ds(a3, "drei", Some("2026-01-01")),
        // 4: the same IRI in a and c, equal dates and priorities: a was
        // harvested first.
        ds(shared, "vier-a", Some("2026-01-01")),
        ds("https://a.example/ds/9", "nur-a", None),
    ];
    let b_datasets = |b1_modified: &'static str, with_b2: bool| {
        let mut v = vec![ds(b1, "eins", Some(b1_modified))];
        if with_b2 {
            v.push(ds(b2, "zwei", Some("2026-01-01")));
        }
        v.push(ds("https://b.example/ds/9", "nur-b", None));
        v
    };
    let c_datasets = vec![
        ds(c3, "drei", None),
        ds(shared, "vier-c", Some("2026-01-01")),
    ];
    stub.serve_bytes("/a", catalog("a", &a_datasets), "text/turtle");
    stub.serve_bytes(
        "/b",
        catalog("b", &b_datasets("2026-01-01", true)),
        "text/turtle",
    );
    stub.serve_bytes("/c", catalog("c", &c_datasets), "text/turtle");
    let mut b = SourceSpec::new("b", &stub.url("/b"));
    b.extra = "priority = 1\nmax_withdraw_share = 1.0".into();
    let sources = [
        SourceSpec::new("a", &stub.url("/a")),
        b,
        SourceSpec::new("c", &stub.url("/c")),
    ];
    let config = write_config(
        dir.path(),
        &sources,
        "[catalog]\ntitle = \"Land\"\n[harvest]\npurge_after = \"1s\"\n",
    );
    harvest_ok(&config, &["--source", "a"]);
    // "Harvested first" is the first harvest's time, in seconds.
    std::thread::sleep(Duration::from_millis(1_100));
    harvest_ok(&config, &["--source", "b"]);
    let (out, reports) = harvest(&config, &["--source", "c"]);
    assert_eq!(out.status.code(), Some(0));
    // The run report counts the source's duplicates, the summary says so.
    assert_eq!(report_of(&reports, "c")["duplicates"], 2, "{reports}");
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("c: 2 record(s) are duplicates of another source's record"),
        "{summary}"
    );

    let served = Served::start_with(&config, &[], &[("CATALOG_ADMIN_TOKEN", TOKEN)]);
    let base = served.base.clone();
    let winners: BTreeSet<String> = [
        rid("a", a1),
        rid("b", b2),
        rid("a", a3),
        rid("a", shared),
        rid("a", "https://a.example/ds/9"),
        rid("b", "https://b.example/ds/9"),
    ]
    .into_iter()
    .collect();
    // The shared IRI is served once, as a's record.
    assert_eq!(
        endpoint(&base),
        expected(&[
            (a1, "eins"),
            (b2, "zwei"),
            (a3, "drei"),
            (shared, "vier-a"),
            ("https://a.example/ds/9", "nur-a"),
            ("https://b.example/ds/9", "nur-b"),
        ])
    );
    assert_eq!(search_ids(&base), winners);
    // Stewards see every duplicate with its winner.
    assert_eq!(
        duplicates(&base, "a"),
        [(rid("a", a2), rid("b", b2))].into_iter().collect()
    );
    assert_eq!(
        duplicates(&base, "b"),
        [(rid("b", b1), rid("a", a1))].into_iter().collect()
    );
    assert_eq!(
        duplicates(&base, "c"),
        [
            (rid("c", c3), rid("a", a3)),
            (rid("c", shared), rid("a", shared))
        ]
        .into_iter()
        .collect()
    );
    // ... and in SPARQL, in the records' provenance graphs.
    let marked = served.count(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?r <urn:dcat-catalog:vocab#duplicateOf> ?w } }",
    );
    assert_eq!(marked, 4);
    // The winner lists where else the dataset is published; the duplicate
    // names its winner.
    let view = dataset_view(&base, &rid("a", a3));
    assert_eq!(view["duplicate_of"], Value::Null, "{view}");
    assert_eq!(view["also_published"][0]["id"], rid("c", c3), "{view}");
    assert_eq!(view["also_published"][0]["source"], "c", "{view}");
    assert_eq!(view["also_published"][0]["dataset"], c3, "{view}");
    assert_eq!(
        view["also_published"][0]["duplicate_of"],
        rid("a", a3),
        "{view}"
    );
    let view = dataset_view(&base, &rid("c", c3));
    assert_eq!(view["duplicate_of"], rid("a", a3), "{view}");

    // b's record 1 changes to a newer date: it wins, a's leaves the
    // endpoint and search. b's record 2 leaves b's listing: withdrawn, so
    // a's record 2 shows.
    stub.serve_bytes(
        "/b",
        catalog("b", &b_datasets("2026-02-01", false)),
        "text/turtle",
    );
    let run = harvest_served(&base, "b");
    assert_eq!(run["counts"]["withdrawn"], 1, "{run}");
    let winners: BTreeSet<String> = [
        rid("b", b1),
        rid("a", a2),
        rid("a", a3),
        rid("a", shared),
        rid("a", "https://a.example/ds/9"),
        rid("b", "https://b.example/ds/9"),
    ]
    .into_iter()
    .collect();
    let served_now = expected(&[
        (b1, "eins"),
        (a2, "zwei"),
        (a3, "drei"),
        (shared, "vier-a"),
        ("https://a.example/ds/9", "nur-a"),
        ("https://b.example/ds/9", "nur-b"),
    ]);
    assert_eq!(endpoint(&base), served_now);
    assert_eq!(search_ids(&base), winners);
    assert_eq!(
        duplicates(&base, "a"),
        [(rid("a", a1), rid("b", b1))].into_iter().collect()
    );
    assert!(duplicates(&base, "b").is_empty());
    let view = dataset_view(&base, &rid("a", a2));
    assert_eq!(view["duplicate_of"], Value::Null, "{view}");
    // The withdrawn record is not listed as published elsewhere.
    assert_eq!(view["also_published"], serde_json::json!([]), "{view}");

    // SPARQL's default graph holds the published records' graphs: the
    // withdrawn record is out of it, duplicates (published in their
    // source) and winners are in, provenance is not; GRAPH, FROM and
    // named-graph-uri still reach everything.
    let ask = |q: &str| served.count(&format!("SELECT (COUNT(*) AS ?n) WHERE {{ {q} }}"));
    assert_eq!(ask(&format!("<{b2}> ?p ?o")), 0);
    assert!(ask(&format!("GRAPH ?g {{ <{b2}> ?p ?o }}")) > 0);
    assert!(ask(&format!("<{a2}> ?p ?o")) > 0);
    assert!(
        ask(&format!("<{a1}> ?p ?o")) > 0,
        "a duplicate stays in SPARQL"
    );
    assert_eq!(ask("?r <urn:dcat-catalog:vocab#status> ?s"), 0);
    assert!(ask("GRAPH ?m { ?r <urn:dcat-catalog:vocab#status> \"withdrawn\" }") > 0);
    let b2_graph = format!("urn:dcat-catalog:record:{}", rid("b", b2));
    let from = served.count(&format!(
        "SELECT (COUNT(*) AS ?n) FROM <{b2_graph}> WHERE {{ <{b2}> ?p ?o }}"
    ));
    assert!(from > 0);
    let named = call(
        Method::GET,
        &format!(
            "{base}/sparql?query={}&named-graph-uri={}",
            url_encode(&format!(
                "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{b2}> ?p ?o }} }}"
            )),
            url_encode(&b2_graph)
        ),
        &[("Accept", "application/sparql-results+json")],
    );
    assert_eq!(named.status, 200, "{}", named.text());
    assert_ne!(
        named.json()["results"]["bindings"][0]["n"]["value"],
        "0",
        "{}",
        named.text()
    );

    // The withdrawn record purged: the index forgets it, nothing else moves.
    std::thread::sleep(Duration::from_millis(1_100));
    let run = harvest_served(&base, "b");
    assert_eq!(run["counts"]["purged"], 1, "{run}");
    assert_eq!(endpoint(&base), served_now);
    assert_eq!(search_ids(&base), winners);
    let gone = call(
        Method::GET,
        &format!("{base}/api/datasets/{}", rid("b", b2)),
        &[],
    );
    assert_eq!(gone.status, 404, "{}", gone.text());

    // Restarted, the search index (repaired from the store) agrees.
    drop(served);
    let served = Served::start_with(&config, &[], &[("CATALOG_ADMIN_TOKEN", TOKEN)]);
    assert_eq!(search_ids(&served.base), winners);
    assert_eq!(endpoint(&served.base), served_now);

    // `export` writes exactly what the endpoint serves (its one page here,
    // without the paging block); `--all` every stored record.
    let page = call(
        Method::GET,
        &format!("{}/catalog.nt", served.base),
        &[("Accept", "application/n-triples")],
    );
    assert_eq!(page.status, 200);
    drop(served);
    let lines = |text: &str| -> BTreeSet<String> {
        text.lines()
            .filter(|l| !l.trim().is_empty() && !l.contains("http://www.w3.org/ns/hydra/core#"))
            .map(str::to_owned)
            .collect()
    };
    let served_lines = lines(&page.text());
    let export = |args: &[&str]| {
        let out = run_catalog(&config, &[&["export", "--format", "nt"], args].concat());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    assert_eq!(lines(&export(&[])), served_lines);
    let everything = export(&["--all"]);
    assert!(
        everything.contains(&format!("<{c3}>")),
        "the duplicate is in --all"
    );
    assert!(!served_lines
        .iter()
        .any(|l| l.starts_with(&format!("<{c3}>"))));
}
