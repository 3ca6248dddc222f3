//! The link checker's throughput: distinct URLs on a loopback server
//! checked with politeness off (no per-host delay, as many connections to
//! the host as checks in flight), then their results written to a store
//! as `check-links` writes them; then a whole round of `check-links` over
//! as many harvested, validated and scored records, each naming one of
//! the URLs (checks, stored results, every record scored again). Prints
//! URLs per second of each.
//!
//! `cargo bench -p catalog-server --bench links --profile dev -- [URLS] [CONCURRENCY]`

use catalog_server::config::{Config, QualityConfig};
use catalog_server::harvest::Harvesting;
use catalog_server::links::{next_check, passes, LinkChecker};
use catalog_server::store::{xsd_time, CatalogStore, LinkResult};
use catalog_tests::links::LinkServer;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

fn main() -> anyhow::Result<()> {
    catalog_server::alloc::tune_allocator();
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with('-'));
    let urls: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let server = LinkServer::start_with_threads(1);
    server.set_logging(false);
    let dir = std::env::temp_dir().join(format!("bench-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Arc::new(CatalogStore::open(&dir)?);
    let config = QualityConfig {
        link_concurrency: concurrency,
        link_host_connections: concurrency,
        link_host_delay: Duration::ZERO,
        link_timeout: Duration::from_secs(10),
        ..QualityConfig::default()
    };
    let checker = LinkChecker::new(store.clone(), &config, None)?;
    let list: Vec<String> = (0..urls).map(|i| server.url(&format!("/ok/{i}"))).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let now = SystemTime::now();
    let mut results = Vec::with_capacity(urls);
    let started = Instant::now();
    runtime.block_on(checker.check_urls(list, |url, a| {
        let ok = passes(a.status);
        results.push(LinkResult {
            url,
            status: a.status,
            ok,
            error: a.error,
            content_type: a.content_type,
            final_url: a.final_url,
            millis: a.elapsed.as_millis() as u64,
            checked: xsd_time(now),
            next_check: xsd_time(next_check(now, ok, u32::from(ok), u32::from(!ok), &config)),
            successes: u32::from(ok),
            failures: u32::from(!ok),
        });
    }));
    let checked = started.elapsed();
    let good = results.iter().filter(|r| r.ok).count();
    let started = Instant::now();
    store.write_link_results(&results)?;
    let written = started.elapsed();
    let rate = |d: Duration| urls as f64 / d.as_secs_f64();
    println!(
        "links: {urls} distinct URLs, {concurrency} in flight, politeness off: checked in {:.2} s ({:.0} URLs/s, {good} answered 2xx, {} requests), results written in {:.2} s ({:.0} URLs/s); together {:.0} URLs/s",
        checked.as_secs_f64(),
        rate(checked),
        server.request_count(),
        written.as_secs_f64(),
        rate(written),
        rate(checked + written),
    );
    anyhow::ensure!(good == urls, "{} of {urls} checks failed", urls - good);
    drop(checker);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    round(&server, urls, &config, &runtime)
}

/// A whole `check-links` round over `urls` harvested records, each with a
/// distribution naming a distinct URL.
fn round(
    server: &LinkServer,
    urls: usize,
    quality: &QualityConfig,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("bench-links-round-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut ttl = String::from(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n",
    );
    for i in 0..urls {
        ttl.push_str(&format!(
            "<http://bench.example/d/{i}> a dcat:Dataset ; dct:title \"Datensatz {i}\"@de ; \
             dct:description \"Beschreibung {i}\"@de ; dcat:keyword \"bench\" ; \
             dcat:distribution <http://bench.example/d/{i}/csv> .\n\
             <http://bench.example/d/{i}/csv> a dcat:Distribution ; dcat:accessURL <{}> ; \
             dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> .\n",
            server.url(&format!("/ok/round/{i}"))
        ));
    }
    std::fs::write(dir.join("catalog.ttl"), ttl)?;
    let config_path = dir.join("catalog.toml");
    std::fs::write(
        &config_path,
        "data_dir = \"data\"\nbase_iri = \"http://bench.example/\"\n[[sources]]\nid = \"bench\"\ntitle = \"Bench\"\nkind = \"dcat\"\nurl = \"catalog.ttl\"\nprofile = \"dcat-ap-de-3\"\n",
    )?;
    let config = Arc::new(Config::load(&config_path)?);
    let store = Arc::new(CatalogStore::open(&config.data_dir)?);
    let harvesting = Harvesting::new(config.clone(), store.clone())?;
    let source = config.sources[0].clone();
    let started = Instant::now();
    let report =
        runtime.block_on(harvesting.run_source(&source, catalog_server::store::Trigger::Cli, None));
    let harvested = started.elapsed();
    anyhow::ensure!(report.added == urls, "harvested {} of {urls}", report.added);
    let checker = LinkChecker::new(store.clone(), quality, None)?;
    let started = Instant::now();
    let summary = runtime.block_on(checker.run(None, false, &|_, _| {}))?;
    let took = started.elapsed();
    println!(
        "links round: {urls} records harvested and scored in {:.1} s; check-links: {} links checked, {} records scored again in {:.2} s ({:.0} URLs/s)",
        harvested.as_secs_f64(),
        summary.checked,
        summary.rescored,
        took.as_secs_f64(),
        summary.checked as f64 / took.as_secs_f64(),
    );
    anyhow::ensure!(
        summary.checked == urls && summary.ok == urls && summary.rescored == urls,
        "{summary:?}"
    );
    drop(checker);
    drop(harvesting);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
