//! The SPARQL endpoint under attack, through the real binary: queries that
//! build huge strings, nest a thousand deep, are enormous, call other
//! endpoints, or multiply the store under DISTINCT; and a flood of heavy
//! queries. Each attacker gets a clear 4xx/5xx naming the limit, the server
//! stays up with bounded memory, and `/health` and `/api/search` keep
//! answering quickly meanwhile.

use catalog_tests::stadt::serve_catalog;
use catalog_tests::*;
use std::time::{Duration, Instant};

/// Every pair of nodes that share a predicate (rdf:type alone pairs ~9,000
/// nodes with each other), kept distinct and sorted: gigabytes if nothing
/// stops it.
const HEAVY: &str = "SELECT DISTINCT ?a ?x ?b ?y WHERE { ?a ?p ?x . ?b ?p ?y } ORDER BY ?a ?b";

fn sparql(base: &str, query: &str) -> HttpAnswer {
    call(
        reqwest::Method::GET,
        &format!("{base}/sparql?query={}", url_encode(query)),
        &[("Accept", "application/sparql-results+json")],
    )
}

/// A query as the body of `POST application/sparql-query`.
fn post_query(base: &str, query: &str) -> HttpAnswer {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{base}/sparql"))
            .header("Content-Type", "application/sparql-query")
            .body(query.to_owned())
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let body = r.bytes().await.expect("body").to_vec();
        HttpAnswer {
            status,
            headers: Default::default(),
            body,
        }
    })
}

fn text(a: &HttpAnswer) -> String {
    String::from_utf8_lossy(&a.body).into_owned()
}

/// A served catalog of 3,000 datasets with tight SPARQL limits.
fn setup(name: &str) -> (TempDir, StubServer, Served) {
    let dir = TempDir::new(name);
    let stub = StubServer::start();
    let config = write_config(
        dir.path(),
        &[SourceSpec::new("stadt", &stub.url("/catalog?page=1"))],
        "[sparql]\ntimeout = \"4s\"\nmax_concurrent = 2\nmax_queued = 2\nmax_memory = \"96 MiB\"\n",
    );
    let ids: Vec<usize> = (1..=3000).collect();
    serve_catalog(&stub, &ids, 500, &|_| 1);
    harvest_ok(&config, &[]);
    let served = Served::start(&config);
    (dir, stub, served)
}

#[test]
fn hostile_queries_get_clear_refusals_and_the_server_stays_small() {
    let (_dir, _stub, served) = setup("sparql-attacks");
    let base = served.base.clone();
    // Ordinary queries are answered.
    let a = sparql(
        &base,
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?d a <http://www.w3.org/ns/dcat#Dataset> } }",
    );
    assert_eq!(a.status, 200, "{}", text(&a));
    assert!(text(&a).contains("3000"), "{}", text(&a));
    // Exponential strings: each BIND doubles.
    let mut q = String::from("SELECT ?x30 WHERE { ?s ?p ?x0 ");
    for i in 0..30 {
        q.push_str(&format!("BIND(CONCAT(?x{i}, ?x{i}) AS ?x{}) ", i + 1));
    }
    q.push_str("} LIMIT 1");
    let a = sparql(&base, &q);
    assert_eq!(a.status, 400, "{}", text(&a));
    assert!(text(&a).contains("sparql.max_growth"), "{}", text(&a));
    // A thousand parentheses deep.
    let deep = format!(
        "SELECT * WHERE {{ ?s ?p ?o FILTER({}?o{}) }}",
        "(".repeat(1000),
        ")".repeat(1000)
    );
    let a = call(
        reqwest::Method::POST,
        &format!("{base}/sparql"),
        &[("Content-Type", "application/sparql-query")],
    );
    // (The POST above has no body: a missing query is a plain 400.)
    assert_eq!(a.status, 400);
    let a = sparql(&base, &deep);
    assert_eq!(a.status, 400, "{}", text(&a));
    assert!(text(&a).contains("sparql.max_nesting"), "{}", text(&a));
    // An enormous query.
    let huge = format!(
        "SELECT * WHERE {{ ?s ?p ?o FILTER(?o IN ({})) }}",
        vec!["\"xxxxxxxxxxxxxxxx\""; 5000].join(",")
    );
    let a = post_query(&base, &huge);
    assert_eq!(
        a.status,
        400,
        "{}",
        text(&a).chars().take(300).collect::<String>()
    );
    assert!(text(&a).contains("sparql.max_query_bytes"), "{}", text(&a));
    // Another endpoint.
    let a = sparql(
        &base,
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    );
    assert_eq!(a.status, 400, "{}", text(&a));
    assert!(text(&a).contains("SERVICE"), "{}", text(&a));
    // The store multiplied under DISTINCT: refused before it runs.
    let a = sparql(
        &base,
        "SELECT DISTINCT ?a ?b ?c ?d WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z . ?d ?t ?w }",
    );
    assert_eq!(a.status, 400, "{}", text(&a));
    assert!(text(&a).contains("Cartesian"), "{}", text(&a));
    // A connected join that multiplies the store under DISTINCT: stopped
    // by memory or time.
    let started = Instant::now();
    let a = sparql(&base, HEAVY);
    assert!(
        a.status == 422 || a.status == 503,
        "{}: {}",
        a.status,
        text(&a)
    );
    assert!(
        text(&a).contains("sparql.max_memory") || text(&a).contains("sparql.timeout"),
        "{}",
        text(&a)
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    // The server is up and stayed small. (An evaluation stopped by its time
    // limit may go on in the background until its next read of the store,
    // holding its slot: ordinary queries were asked before the attacks.)
    let a = call(reqwest::Method::GET, &format!("{base}/health"), &[]);
    assert_eq!(a.status, 200);
    let health = a.json();
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["archived_graphs"], 3000, "{health}");
    assert!(
        health["free_disk_bytes"].as_u64().unwrap_or(0) > 0,
        "{health}"
    );
    assert_eq!(health["problems"], serde_json::json!([]), "{health}");
    let peak_mib = vm_hwm_kib(served.child.id()).unwrap_or(0) / 1024;
    assert!(peak_mib < 1024, "the server's peak RSS was {peak_mib} MiB");
}

#[test]
fn a_flood_of_heavy_queries_is_bounded_and_others_keep_answering() {
    let (_dir, _stub, served) = setup("sparql-flood");
    let base = served.base.clone();
    let heavy = HEAVY;
    let attackers: Vec<_> = (0..12)
        .map(|_| {
            let base = base.clone();
            std::thread::spawn(move || {
                let a = sparql(&base, heavy);
                (a.status, a.headers.get("retry-after").cloned(), text(&a))
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // Meanwhile: health and search answer quickly.
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        for path in ["/health", "/api/search?q=datensatz"] {
            let started = Instant::now();
            let a = call(reqwest::Method::GET, &format!("{base}{path}"), &[]);
            assert_eq!(a.status, 200, "{path}: {}", text(&a));
            slowest = slowest.max(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        slowest < Duration::from_millis(1500),
        "health/search took {slowest:?} during the flood"
    );
    let answers: Vec<_> = attackers.into_iter().map(|t| t.join().unwrap()).collect();
    let busy: Vec<_> = answers
        .iter()
        .filter(|a| a.0 == 503 && a.1.is_some())
        .collect();
    assert!(
        !busy.is_empty(),
        "no attacker was turned away: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(
        busy.iter().all(|a| a.2.contains("sparql.max_concurrent")),
        "{busy:?}"
    );
    for a in &answers {
        assert!(
            [200, 422, 503].contains(&a.0),
            "unexpected answer {}: {}",
            a.0,
            a.2
        );
    }
    let a = call(reqwest::Method::GET, &format!("{base}/health"), &[]);
    assert_eq!(a.status, 200);
}
