//! CKAN harvest benchmark: generated CKAN packages (default 100,000; title,
//! notes, 3 tags, a group, organization, maintainer, licence, 4 extras and 2
//! resources each) served by the loopback CKAN portal of the end-to-end tests
//! (`catalog_tests::portals::CkanPortal`, `rows` per page, default 1000),
//! first read by the harvester alone (fetch + JSON parse + mapping, records
//! dropped), then harvested through the real pipeline into an empty store.
//! The stub keeps the pages it made in the first pass and serves them again
//! as they are in the second: the portal's work of making them is not part
//! of the harvest's time or CPU.
//!
//! Run: `cargo bench -p catalog-server --bench ckan -- [PACKAGES] [ROWS] [alone]`

mod common;

use catalog_tests::portals::CkanPortal;
use harvester::{FetchLimits, Fetcher};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    catalog_server::tune_allocator();
    let args = common::args();
    let total: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let rows: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let portal = CkanPortal::start(Vec::new());
    // The stub keeps each page it made: the harvester alone (first pass)
    // asks for the same pages as the pipeline, which then gets them without
    // the stub generating JSON again, as from a real portal's cache.
    portal.with(|s| {
        s.generated = total;
        s.cache_pages = true;
    });
    let base = url::Url::parse(&portal.base_url())?;
    // `alone` as third argument: only the harvester pass (for profiling).
    let alone_only = args.get(2).is_some_and(|a| a == "alone");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        // 1. The harvester alone: fetch, parse and map; records are dropped.
        let mut spec = harvester::ckan::CkanSource::new(base.clone());
        spec.rows = rows;
        spec.max_pages = 1_000_000;
        let fetcher = Fetcher::new(FetchLimits::default(), None)?;
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let started = Instant::now();
        let task = tokio::spawn(async move { harvester::ckan::harvest(&spec, &fetcher, tx).await });
        let alone = common::Alone::drain(started, rx, task).await?;
        anyhow::ensure!(
            alone.records == total,
            "harvester alone read {} of {total} packages",
            alone.records
        );
        if alone_only {
            alone.print_line(total);
            return anyhow::Ok(());
        }
        // 2. The pipeline into an empty store.
        let run = common::run_pipeline(
            "ckan",
            &format!(
                "[harvest]\nmax_pages = 1000000\n[[sources]]\nid = \"bench\"\ntitle = \"Bench\"\nkind = \"ckan\"\nurl = \"{base}\"\nrows = {rows}\n"
            ),
        )
        .await?;

        println!(
            "## CKAN harvest benchmark ({total} generated packages, {} pages of {rows}, {:.1} MB of JSON, {} triples)",
            total.div_ceil(rows),
            alone.bytes as f64 / 1e6,
            alone.triples
        );
        println!();
        println!("| measure | value |");
        println!("|---|---|");
        alone.print_row(total, "packages");
        common::print_pipeline(total, "packages", &run);
        anyhow::ensure!(run.report.added == total, "pipeline stored {} of {total}", run.report.added);
        anyhow::Ok(())
    })
}
