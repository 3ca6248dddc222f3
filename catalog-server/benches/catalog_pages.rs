//! Paging the catalog endpoint as GovData's harvester does: harvest the
//! synthetic DCAT-AP.de catalog of the harvest benchmark (default 100,000
//! datasets, no validation) into an empty store, then follow `hydra:next`
//! through `/catalog.nt`, `/catalog.ttl` and `/catalog.rdf` from the first
//! page to the last, one request at a time over one connection, and print
//! datasets/s and the latency per page.
//!
//! `cargo bench -p catalog-server --bench catalog_pages -- [DATASETS] [PAGE_SIZE]`

mod common;

use axum::extract::State;
use axum::http::header;
use catalog_server::config::Config;
use catalog_server::harvest::Harvesting;
use catalog_server::http::{router, AppState};
use catalog_server::store::CatalogStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

const NEXT: &str = "<http://www.w3.org/ns/hydra/core#next> <";

fn main() -> anyhow::Result<()> {
    catalog_server::tune_allocator();
    let args = common::args();
    let total: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let page_size: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let source_pages = total.div_ceil(1_000);
        let pages: Arc<Vec<String>> = Arc::new(
            (1..=source_pages)
                .map(|n| common::dcat::page(n, 1_000, total, &format!("{base}/src")))
                .collect(),
        );
        let dir = common::bench_dir("pages")?;
        let config_path = dir.join("catalog.toml");
        std::fs::write(
            &config_path,
            format!(
                "data_dir = \"data\"\nbase_iri = \"{base}/\"\n[catalog]\npage_size = {page_size}\n\
                 [[sources]]\nid = \"bench\"\ntitle = \"Bench\"\nkind = \"dcat\"\n\
                 url = \"{base}/src/catalog?page=1\"\nprofile = \"none\"\n"
            ),
        )?;
        let config = Arc::new(Config::load(&config_path)?);
        let store = Arc::new(CatalogStore::open(&config.data_dir)?);
        let harvesting = Arc::new(Harvesting::new(config.clone(), store.clone())?);
        let state = Arc::new(AppState {
            store: store.clone(),
            current: catalog_server::harvest::Current::new(harvesting.clone()),
            search: Arc::new(
                catalog_search::SearchIndex::open(
                    &dir.join("search"),
                    catalog_search::WriterOptions {
                        threads: 1,
                        memory: 64 * 1024 * 1024,
                    },
                )?
                .0,
            ),
            sparql: Arc::new(catalog_server::sparql::Executor::new(1, 1)),
            limits: Default::default(),
            catalog_view: Default::default(),
        });
        let source_app = axum::Router::new()
            .route(
                "/src/catalog",
                axum::routing::get(
                    |State(p): State<Arc<Vec<String>>>,
                     q: axum::extract::Query<std::collections::HashMap<String, String>>| async move {
                        let n: usize = q.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
                        let body = p.get(n.saturating_sub(1)).cloned().unwrap_or_default();
                        ([(header::CONTENT_TYPE, "text/turtle")], body)
                    },
                ),
            )
            .with_state(pages);
        let app = router(state).merge(source_app);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        eprintln!("harvesting {total} synthetic datasets…");
        let started = Instant::now();
        let report = harvesting
            .run_source(&config.sources[0], catalog_server::store::Trigger::Cli, None)
            .await;
        anyhow::ensure!(report.added == total, "harvested {} of {total}", report.added);
        eprintln!("harvested in {:.1} s", started.elapsed().as_secs_f64());
        store.flush()?;

        // The parts of a page alone: reading the view, and the records' graphs.
        let t = Instant::now();
        let view = catalog_server::export::pages::View::read(&store)?;
        let view_secs = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let page: Vec<_> = view.entries.iter().take(page_size).map(|e| &e.record).collect();
        store.exact_graphs(&page)?;
        let graphs_secs = t.elapsed().as_secs_f64();
        eprintln!(
            "view read: {:.0} ms; exact graphs of one page: {:.0} ms",
            view_secs * 1e3,
            graphs_secs * 1e3
        );
        println!("## Catalog endpoint benchmark ({total} datasets, pages of {page_size})\n");
        println!("| syntax | first page | whole paging | datasets/s | page p50 | page p99 | page max | CPU per dataset (server + client) | MB |");
        println!("|---|---|---|---|---|---|---|---|---|");
        let client = reqwest::Client::builder().no_gzip().build()?;
        for ext in ["nt", "ttl", "rdf", "nt"] {
            let mut url = Some(format!("{base}/catalog.{ext}"));
            let mut latencies: Vec<Duration> = Vec::new();
            let mut datasets = 0usize;
            let mut bytes = 0usize;
            let started = Instant::now();
            let cpu_before = common::cpu_seconds();
            while let Some(u) = url.take() {
                let t = Instant::now();
                let body = client.get(&u).send().await?.error_for_status()?.text().await?;
                latencies.push(t.elapsed());
                bytes += body.len();
                datasets += match ext {
                    "nt" => body
                        .lines()
                        .filter(|l| l.ends_with("<http://www.w3.org/ns/dcat#Dataset> ."))
                        .count(),
                    "rdf" => {
                        body.matches("<rdf:type rdf:resource=\"http://www.w3.org/ns/dcat#Dataset\"/>")
                            .count()
                            + body.matches("<dcat:Dataset ").count()
                    }
                    _ => body.matches(" dcat:Dataset").count(),
                };
                url = next_link(&body, ext);
            }
            let secs = started.elapsed().as_secs_f64();
            let cpu = common::cpu_seconds() - cpu_before;
            anyhow::ensure!(datasets == total, "paged {datasets} of {total} datasets");
            let first = latencies[0];
            let mut sorted = latencies.clone();
            sorted.sort();
            let pct = |p: f64| sorted[((sorted.len() as f64 - 1.0) * p).round() as usize];
            println!(
                "| {ext} | {:.0} ms | {secs:.1} s ({} pages) | **{:.0}** | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} µs | {:.0} |",
                first.as_secs_f64() * 1e3,
                latencies.len(),
                total as f64 / secs,
                pct(0.5).as_secs_f64() * 1e3,
                pct(0.99).as_secs_f64() * 1e3,
                sorted[sorted.len() - 1].as_secs_f64() * 1e3,
                cpu / total as f64 * 1e6,
                bytes as f64 / 1e6,
            );
        }
        drop(harvesting);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    })
}

/// The `hydra:next` link of a page (N-Triples: the object of the `next`
/// line; Turtle: the `hydra:next <…>` of the paging block; RDF/XML: the
/// `rdf:resource` of `hydra:next`).
fn next_link(body: &str, ext: &str) -> Option<String> {
    if ext == "rdf" {
        let marker = "<hydra:next rdf:resource=\"";
        let start = body.find(marker)? + marker.len();
        let end = body[start..].find('"')? + start;
        return Some(body[start..end].replace("&amp;", "&"));
    }
    let (marker, line) = if ext == "nt" {
        (NEXT, body.lines().find(|l| l.contains(NEXT))?)
    } else {
        (
            "hydra:next <",
            body.lines()
                .find(|l| l.trim_start().starts_with("hydra:next <"))?,
        )
    };
    let start = line.find(marker)? + marker.len();
    let end = line[start..].find('>')? + start;
    Some(line[start..end].to_owned())
}
