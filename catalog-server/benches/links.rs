//! The link checker's throughput: distinct URLs on a loopback server
//! checked with politeness off (no per-host delay, as many connections to
//! the host as checks in flight), then their results written to a store
//! as `check-links` writes them. Prints URLs per second of each.
//!
//! `cargo bench -p catalog-server --bench links --profile dev -- [URLS] [CONCURRENCY]`

use catalog_server::config::QualityConfig;
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
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
