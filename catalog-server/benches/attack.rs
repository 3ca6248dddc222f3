//! What an attack on the public SPARQL endpoint costs the other users.
//!
//! A loopback portal (in this process) serves a synthetic DCAT-AP.de
//! catalog of RECORDS datasets (default 100,000); `catalog-server harvest`
//! loads it, then `catalog-server serve` (a child process, the release or
//! dev binary of this build) serves it. Paced "citizens" (4 clients, each
//! a search and a `/health` request every 100 ms) measure latency in four
//! phases of SECONDS each (default 20):
//!
//! 1. alone;
//! 2. while 32 clients send heavy SPARQL queries back to back (full scans,
//!    a regular expression over every literal, a sort of every quad, an
//!    unbounded join), each reading its answer before sending the next;
//! 3. while a harvest of a second source (HARVEST datasets, default
//!    30,000, new records: the write-heavy case) runs, started through the
//!    admin API;
//! 4. the attack and the harvest together.
//!
//! Printed: p50/p99 of `/api/search` and `/health` per phase, the answers
//! the attackers got, and search p99 under attack against alone (target:
//! at most 3×).
//!
//! Run: `cargo bench -p catalog-server --bench attack -- [RECORDS] [SECONDS] [HARVEST]`
//! (`--profile dev` reuses the test build; `BENCH_PROFILE=none` skips
//! validation while loading).

mod common;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "attack-bench-admin-token-0123456789abcdef";
const ATTACKERS: usize = 32;
const CITIZENS: usize = 4;
const PACE: Duration = Duration::from_millis(100);

/// What citizens type (words of the synthetic titles, some with typos).
const QUERIES: &[&str] = &[
    "straßenbäume kiel",
    "haushaltsplan",
    "radverkehrszählung lübeck",
    "bebauungsplaene",
    "wahlergebnisse flensburg",
    "kindertagesstaetten",
    "luftqualitat",
    "parkplätze wedel",
    "bevölkerungsstatistik",
    "badegewässer elmshorn",
];

/// Heavy queries the endpoint accepts (the refused shapes cost nothing).
const HEAVY: &[&str] = &[
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?s ?o WHERE { GRAPH ?g { ?s ?p ?o FILTER(REGEX(STR(?o), \"z.*y.*x.*w\", \"i\")) } }",
    "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY DESC(STR(?o)) LIMIT 10",
    "SELECT ?a ?b WHERE { GRAPH ?g { ?a <http://purl.org/dc/terms/title> ?t } GRAPH ?h { ?b <http://purl.org/dc/terms/title> ?t2 } FILTER(STRLEN(?t) = STRLEN(?t2) + 1000) }",
];

fn main() -> anyhow::Result<()> {
    let args = common::args();
    let num = |i: usize, default: usize| -> usize {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let records = num(0, 100_000);
    let seconds = num(1, 20) as u64;
    let harvest = num(2, 30_000);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(records, Duration::from_secs(seconds), harvest))
}

/// Serves `/land/catalog?page=N` (the loaded catalog) and
/// `/load/catalog?page=N` (the catalog harvested during phases 3 and 4,
/// by two sources: each harvest writes new records).
async fn portal(records: usize, harvest: usize) -> anyhow::Result<String> {
    let per_page = 1000;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let mut pages: HashMap<String, Vec<String>> = HashMap::new();
    for (name, total) in [("land", records), ("load", harvest)] {
        let at = format!("{base}/{name}");
        pages.insert(
            name.to_owned(),
            (1..=total.div_ceil(per_page))
                .map(|n| common::dcat::page(n, per_page, total, &at))
                .collect(),
        );
    }
    let app = axum::Router::new()
        .route(
            "/{name}/catalog",
            axum::routing::get(
                |State(p): State<Arc<HashMap<String, Vec<String>>>>,
                 axum::extract::Path(name): axum::extract::Path<String>,
                 q: axum::extract::Query<HashMap<String, String>>| async move {
                    let n: usize = q.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
                    let body = p
                        .get(&name)
                        .and_then(|pages| pages.get(n.saturating_sub(1)))
                        .cloned()
                        .unwrap_or_default();
                    ([(header::CONTENT_TYPE, "text/turtle")], body).into_response()
                },
            ),
        )
        .with_state(Arc::new(pages));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(base)
}

/// Kills the server when the bench ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn run(records: usize, phase: Duration, harvest: usize) -> anyhow::Result<()> {
    let base = portal(records, harvest).await?;
    let (dir, _) = common::bench_config(
        "attack",
        &format!(
            "[[sources]]\nid = \"land\"\ntitle = \"Land\"\nkind = \"dcat\"\nurl = \"{base}/land/catalog?page=1\"\nprofile = \"{p}\"\n\n\
             [[sources]]\nid = \"load\"\ntitle = \"Load\"\nkind = \"dcat\"\nenabled = false\nurl = \"{base}/load/catalog?page=1\"\nprofile = \"{p}\"\n\n\
             [[sources]]\nid = \"load2\"\ntitle = \"Load 2\"\nkind = \"dcat\"\nenabled = false\nurl = \"{base}/load/catalog?page=1&source=2\"",
            p = common::bench_profile()
        ),
    )?;
    let config = dir.join("catalog.toml");
    let binary = env!("CARGO_BIN_EXE_catalog-server");
    println!(
        "## Search and /health under attack ({records} datasets, phases of {} s)",
        phase.as_secs()
    );
    println!();
    let started = Instant::now();
    let status = Command::new(binary)
        .arg("--config")
        .arg(&config)
        .args(["harvest", "--source", "land"])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "loading the catalog failed: {status}");
    println!(
        "loaded {records} datasets in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let server = format!("http://127.0.0.1:{port}");
    let _child = Server(
        Command::new(binary)
            .arg("--config")
            .arg(&config)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("CATALOG_ADMIN_TOKEN", TOKEN)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()?,
    );
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(300);
    while client
        .get(format!("{server}/health"))
        .send()
        .await
        .map(|r| r.status().is_success())
        .ok()
        != Some(true)
    {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the server did not become healthy"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Warm the search index's caches as a running portal has them.
    for q in QUERIES {
        let _ = client
            .get(format!("{server}/api/search?q={}", q.replace(' ', "+")))
            .send()
            .await;
    }

    println!();
    println!("| phase | search p50 | search p99 | /health p50 | /health p99 | citizen requests (failed) | SPARQL answers |");
    println!("|---|---|---|---|---|---|---|");
    let alone = measure(&server, phase, false, None).await;
    alone.print("alone");
    let attacked = measure(&server, phase, true, None).await;
    attacked.print(&format!("{ATTACKERS} SPARQL attackers"));
    let harvesting = measure(&server, phase, false, Some("load")).await;
    harvesting.print(&format!("harvest of {harvest} new datasets"));
    // Another source with the same pages: new records again.
    let both = measure(&server, phase, true, Some("load2")).await;
    both.print("attackers and a harvest");
    println!();
    let ratio = attacked.search.p(0.99) / alone.search.p(0.99).max(1e-9);
    println!(
        "search p99 under attack: {:.1}× alone (target ≤ 3×): {}",
        ratio,
        if ratio <= 3.0 { "met" } else { "not met" }
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[derive(Default)]
struct Latencies(Vec<f64>);

impl Latencies {
    fn p(&self, q: f64) -> f64 {
        let mut v = self.0.clone();
        if v.is_empty() {
            return f64::NAN;
        }
        v.sort_by(f64::total_cmp);
        v[((v.len() as f64 - 1.0) * q).round() as usize]
    }
}

#[derive(Default)]
struct Phase {
    search: Latencies,
    health: Latencies,
    failed: usize,
    sparql: HashMap<String, usize>,
    harvest: Option<String>,
}

impl Phase {
    fn print(&self, name: &str) {
        let ms = |v: f64| format!("{:.1} ms", v * 1000.0);
        let mut answers: Vec<_> = self.sparql.iter().collect();
        answers.sort();
        let answers = answers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let name = match &self.harvest {
            Some(h) => format!("{name} ({h})"),
            None => name.to_owned(),
        };
        println!(
            "| {name} | {} | {} | {} | {} | {} ({}) | {} |",
            ms(self.search.p(0.5)),
            ms(self.search.p(0.99)),
            ms(self.health.p(0.5)),
            ms(self.health.p(0.99)),
            self.search.0.len() + self.health.0.len(),
            self.failed,
            if answers.is_empty() {
                "—".to_owned()
            } else {
                answers
            }
        );
    }
}

/// One phase: citizens for `length`, with attackers and/or a harvest.
async fn measure(server: &str, length: Duration, attack: bool, harvest: Option<&str>) -> Phase {
    let stop = Arc::new(AtomicBool::new(false));
    let result = Arc::new(Mutex::new(Phase::default()));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap_or_default();
    if let Some(source) = harvest {
        let answer = client
            .post(format!("{server}/api/sources/{source}/harvest"))
            .bearer_auth(TOKEN)
            .send()
            .await;
        let said = match answer {
            Ok(r) => format!("harvest request: {}", r.status()),
            Err(e) => format!("harvest request failed: {e}"),
        };
        result.lock().map(|mut r| r.harvest = Some(said)).ok();
    }
    let shared = Shared {
        stop: stop.clone(),
        result: result.clone(),
        client: client.clone(),
        server: server.to_owned(),
    };
    let mut tasks = Vec::new();
    if attack {
        for k in 0..ATTACKERS {
            tasks.push(tokio::spawn(attacker(shared.clone(), k)));
        }
    }
    for k in 0..CITIZENS {
        tasks.push(tokio::spawn(citizen(shared.clone(), k)));
    }
    tokio::time::sleep(length).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    // Wait for a started harvest to end, so that phases do not overlap.
    if let Some(source) = harvest {
        let deadline = Instant::now() + Duration::from_secs(900);
        let mut ended = String::new();
        while Instant::now() < deadline {
            let body = match client.get(format!("{server}/api/sources")).send().await {
                Ok(r) => r.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let s = v["sources"]
                .as_array()
                .and_then(|a| a.iter().find(|s| s["id"] == source))
                .cloned()
                .unwrap_or_default();
            if s["state"] == "idle" {
                let run = &s["last_run"];
                ended = format!(
                    "run {}: {} added, {} updated in {}–{}",
                    run["status"].as_str().unwrap_or("?"),
                    run["counts"]["added"],
                    run["counts"]["updated"],
                    run["started"].as_str().unwrap_or("?"),
                    run["ended"].as_str().unwrap_or("?")
                );
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        if let Ok(mut r) = result.lock() {
            r.harvest = Some(ended);
        }
    }
    // Drain stragglers (queued SPARQL evaluations end with the timeout).
    tokio::time::sleep(Duration::from_secs(2)).await;
    // The clients have ended; `shared` still holds a handle.
    drop(shared);
    let taken = result.lock().map(|mut r| std::mem::take(&mut *r));
    taken.unwrap_or_default()
}

/// What the clients of a phase share.
#[derive(Clone)]
struct Shared {
    stop: Arc<AtomicBool>,
    result: Arc<Mutex<Phase>>,
    client: reqwest::Client,
    server: String,
}

/// Sends heavy queries back to back, reading each answer.
async fn attacker(s: Shared, k: usize) {
    let mut n = k;
    while !s.stop.load(Ordering::Relaxed) {
        let query = HEAVY[n % HEAVY.len()];
        n += 1;
        let answer = s
            .client
            .get(format!("{}/sparql", s.server))
            .query(&[("query", query)])
            .header(header::ACCEPT, "application/sparql-results+json")
            .send()
            .await;
        let key = match answer {
            Ok(r) => {
                let status = r.status().as_u16();
                let _ = r.bytes().await;
                status.to_string()
            }
            Err(_) => "error".to_owned(),
        };
        if let Ok(mut r) = s.result.lock() {
            *r.sparql.entry(key).or_default() += 1;
        }
        // What a client needs to send the next request; an attacker does
        // not wait for Retry-After.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A search and a `/health` request every [`PACE`].
async fn citizen(s: Shared, k: usize) {
    let mut n = k;
    while !s.stop.load(Ordering::Relaxed) {
        let next = Instant::now() + PACE;
        let q = QUERIES[n % QUERIES.len()];
        n += 1;
        for (url, search) in [
            (
                format!("{}/api/search?q={}", s.server, q.replace(' ', "+")),
                true,
            ),
            (format!("{}/health", s.server), false),
        ] {
            let started = Instant::now();
            let ok = match s.client.get(&url).send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            let took = started.elapsed().as_secs_f64();
            if let Ok(mut r) = s.result.lock() {
                if !ok {
                    r.failed += 1;
                }
                if search {
                    r.search.0.push(took);
                } else {
                    r.health.0.push(took);
                }
            }
        }
        tokio::time::sleep_until(next.into()).await;
    }
}
