//! CKAN harvest benchmark: generated CKAN packages (default 100,000; title,
//! notes, 3 tags, a group, organization, maintainer, licence, 4 extras and 2
//! resources each) served by the loopback CKAN portal of the end-to-end tests
//! (`catalog_tests::portals::CkanPortal`, `rows` per page, default 1000),
//! first read by the harvester alone (fetch + JSON parse + mapping, records
//! dropped), then harvested through the real pipeline into an empty store.
//!
//! Run: `cargo bench -p catalog-server --bench ckan -- [PACKAGES] [ROWS] [alone]`

mod common;

use catalog_tests::portals::CkanPortal;
use harvester::{FetchLimits, Fetcher, HarvestEvent};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args = common::args();
    let total: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let rows: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let portal = CkanPortal::start(Vec::new());
    portal.with(|s| s.generated = total);
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
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let started = Instant::now();
        let task = tokio::spawn(async move { harvester::ckan::harvest(&spec, &fetcher, tx).await });
        let (mut records, mut triples, mut bytes, mut fetch, mut parse) = (0usize, 0usize, 0u64, 0f64, 0f64);
        while let Some(ev) = rx.recv().await {
            if let HarvestEvent::Page(p) = ev {
                records += p.records.len();
                triples += p.records.iter().map(|r| r.triples.len()).sum::<usize>();
                bytes += p.bytes;
                fetch += p.fetch_time.as_secs_f64();
                parse += p.parse_time.as_secs_f64();
            }
        }
        task.await?;
        let alone = started.elapsed().as_secs_f64();
        anyhow::ensure!(records == total, "harvester alone read {records} of {total} packages");

        if alone_only {
            println!(
                "harvester alone: {total} in {alone:.2} s = {:.0}/s; fetch {fetch:.2} s, parse+map {parse:.2} s = {:.0}/s, {:.1} MB, {triples} triples",
                total as f64 / alone,
                total as f64 / parse,
                bytes as f64 / 1e6
            );
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
            "## CKAN harvest benchmark ({total} generated packages, {} pages of {rows}, {:.1} MB of JSON, {triples} triples)",
            total.div_ceil(rows),
            bytes as f64 / 1e6
        );
        println!();
        println!("| measure | value |");
        println!("|---|---|");
        println!(
            "| harvester alone (fetch + parse + map, records dropped) | {alone:.2} s, {:.0} packages/s (fetch incl. stub {fetch:.2} s, parse+map {parse:.2} s = {:.0} packages/s) |",
            total as f64 / alone,
            total as f64 / parse
        );
        common::print_pipeline(total, "packages", &run);
        anyhow::ensure!(run.report.added == total, "pipeline stored {} of {total}", run.report.added);
        anyhow::Ok(())
    })
}
