//! Harvest benchmark: a synthetic DCAT-AP.de catalog (default 100,000
//! datasets, ~10 properties and 2 distributions each) served Hydra-paged from
//! a loopback HTTP server, harvested into an empty store; then the same source
//! re-harvested unchanged. Also measures the floor: parsing the same bytes.
//!
//! Run: `cargo bench -p catalog-server --bench harvest -- [DATASETS] [PER_PAGE]`

mod common;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use catalog_server::config::Config;
use catalog_server::harvest::Harvesting;
use catalog_server::store::CatalogStore;
use std::sync::Arc;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    catalog_server::tune_allocator();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let total: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let per_page: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let pages_n = total.div_ceil(per_page);
        eprintln!("generating {total} datasets in {pages_n} pages of {per_page}…");
        let pages: Arc<Vec<String>> = Arc::new((1..=pages_n).map(|n| common::dcat::page(n, per_page, total, &base)).collect());
        let bytes: usize = pages.iter().map(String::len).sum();

        // The floor: parsing the same bytes.
        let started = Instant::now();
        let mut triples = 0usize;
        for p in pages.iter() {
            for q in oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle).for_slice(p.as_bytes()) {
                q?;
                triples += 1;
            }
        }
        let parse_floor = started.elapsed().as_secs_f64();

        let served = pages.clone();
        let etags = std::env::var_os("BENCH_ETAG").is_some();
        if etags {
            eprintln!("pages carry ETags: re-harvests use conditional requests");
        }
        let app = axum::Router::new()
            .route(
                "/catalog",
                axum::routing::get(
                    move |State(p): State<Arc<Vec<String>>>,
                     q: axum::extract::Query<std::collections::HashMap<String, String>>,
                     headers: axum::http::HeaderMap| async move {
                        let n: usize = q.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
                        let body = p.get(n - 1).cloned().unwrap_or_default();
                        if !etags {
                            return ([(header::CONTENT_TYPE, "text/turtle")], body).into_response();
                        }
                        // BENCH_ETAG=1: an ETag per page, 304 when it matches.
                        let tag = format!("\"p{n}-{}\"", body.len());
                        if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(tag.as_str()) {
                            return (axum::http::StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
                        }
                        ([(header::CONTENT_TYPE, "text/turtle".to_owned()), (header::ETAG, tag)], body).into_response()
                    },
                ),
            )
            .with_state(served);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });

        let dir = std::env::temp_dir().join(format!("catalog-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let config_path = dir.join("catalog.toml");
        // The product default validates every record; BENCH_PROFILE=none does not.
        let profile = std::env::var("BENCH_PROFILE").unwrap_or_else(|_| "dcat-ap-de-3".to_owned());
        eprintln!("validation profile: {profile}");
        std::fs::write(
            &config_path,
            format!(
                "data_dir = \"data\"\nbase_iri = \"http://bench.example/\"\n[[sources]]\nid = \"bench\"\ntitle = \"Bench\"\nkind = \"dcat\"\nurl = \"{base}/catalog?page=1\"\nprofile = \"{profile}\"\n"
            ),
        )?;
        let config = Arc::new(Config::load(&config_path)?);
        let store = Arc::new(CatalogStore::open(&config.data_dir)?);
        let harvesting = Harvesting::new(config.clone(), store.clone())?;
        let source = config.sources[0].clone();

        let written_before = common::disk_write_bytes();
        let started = Instant::now();
        let cpu_before = common::cpu_seconds();
        let first = harvesting.run_source(&source, catalog_server::store::Trigger::Cli, None).await;
        let first_secs = started.elapsed().as_secs_f64();
        let first_cpu = common::cpu_seconds() - cpu_before;
        store.flush()?;
        let size_after_first = common::dir_size(&config.data_dir);
        // Let RocksDB's background flushes and compactions of the first
        // harvest settle, so the re-harvest is measured alone.
        let mut settled = common::disk_write_bytes();
        let mut quiet = 0;
        while quiet < 3 {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            let now = common::disk_write_bytes();
            quiet = if now == settled { quiet + 1 } else { 0 };
            settled = now;
        }
        let written_first = settled - written_before;
        let started = Instant::now();
        let cpu_before = common::cpu_seconds();
        let second = harvesting.run_source(&source, catalog_server::store::Trigger::Cli, None).await;
        let second_secs = started.elapsed().as_secs_f64();
        let second_cpu = common::cpu_seconds() - cpu_before;
        store.flush()?;
        let size_after_second = common::dir_size(&config.data_dir);
        let written_second = common::disk_write_bytes() - written_before - written_first;
        // Once more: by now the first harvest's compactions are long done, so
        // this shows what an unchanged run itself writes.
        let before_third = common::disk_write_bytes();
        let started = Instant::now();
        let third = harvesting.run_source(&source, catalog_server::store::Trigger::Cli, None).await;
        let third_secs = started.elapsed().as_secs_f64();
        store.flush()?;
        let written_third = common::disk_write_bytes() - before_third;

        println!("## Harvest benchmark ({total} datasets, {pages_n} Turtle pages of {per_page}, {:.1} MB, {triples} triples)", bytes as f64 / 1e6);
        println!();
        println!("| measure | value |");
        println!("|---|---|");
        println!("| parse only (floor) | {parse_floor:.2} s, {:.0} datasets/s |", total as f64 / parse_floor);
        println!(
            "| first harvest into empty store | {first_secs:.2} s, **{:.0} datasets/s** (status {:?}, added {}, failed {}) |",
            total as f64 / first_secs,
            first.status,
            first.added,
            first.failed + first.pages_failed
        );
        println!(
            "| validation ({profile}) | {} records validated: {} with violations, {} with warnings |",
            first.validation.validated, first.validation.with_violations, first.validation.with_warnings
        );
        println!(
            "| CPU time of the first harvest (user+system, all threads) | {first_cpu:.2} s, {:.0} µs per dataset |",
            first_cpu * 1e6 / total as f64
        );
        println!(
            "| time split (summed per stage; stages overlap) | fetch {:.2} s, parse+split {:.2} s, canonicalize+hash+compress+validate {:.2} s, store {:.2} s |",
            first.timings.fetch, first.timings.parse_split, first.timings.prepare, first.timings.store
        );
        println!(
            "| unchanged re-harvest | {second_secs:.2} s, {:.0} datasets/s (unchanged {}; pages answered 304: {}) |",
            total as f64 / second_secs,
            second.unchanged,
            second.pages_not_modified
        );
        println!(
            "| CPU time of the unchanged re-harvest | {second_cpu:.2} s, {:.0} µs per dataset |",
            second_cpu * 1e6 / total as f64
        );
        println!(
            "| data dir after first / second harvest | {:.1} MB / {:.1} MB |",
            size_after_first as f64 / 1e6,
            size_after_second as f64 / 1e6
        );
        println!(
            "| bytes written to disk, first / unchanged re-harvest (/proc/self/io) | {:.1} MB / {:.2} MB ({:.2}%) |",
            written_first as f64 / 1e6,
            written_second as f64 / 1e6,
            100.0 * written_second as f64 / written_first.max(1) as f64
        );
        println!(
            "| second unchanged re-harvest | {third_secs:.2} s, {:.0} datasets/s (unchanged {}), {:.2} MB written |",
            total as f64 / third_secs,
            third.unchanged,
            written_third as f64 / 1e6
        );
        println!(
            "| unchanged re-harvest status | {:?}, withdrawn {}, run record {} |",
            second.status, second.withdrawn, second.run_id
        );
        println!("| peak RSS (whole process, incl. generated pages) | {:.0} MiB |", common::peak_rss_mib());
        let (census, floor) = common::census_and_floor(&store, total)?;
        common::print_census(&census, total);
        if let Some(floor) = &floor {
            common::print_floor(floor, total, "datasets");
        }
        let _ = std::fs::remove_dir_all(&dir);
        anyhow::Ok(())
    })
}
