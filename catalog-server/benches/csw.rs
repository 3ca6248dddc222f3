//! CSW harvest benchmark: generated ISO 19139 dataset records (default
//! 100,000, ~8 KB each: contacts, citation dates and identifier, GEMET and
//! INSPIRE keywords, licence constraints, bounding box, temporal extent, three
//! online resources, lineage) served by the loopback CSW portal of the
//! end-to-end tests (`catalog_tests::portals::CswPortal`, GetRecords POST,
//! default 100 per page), first read by the harvester alone (fetch + XML
//! parse + mapping, records dropped), then harvested through the real
//! pipeline into an empty store.
//!
//! Run: `cargo bench -p catalog-server --bench csw -- [RECORDS] [PAGE_SIZE] [alone]`

mod common;

use catalog_tests::portals::{generated_iso_record, CswPortal};
use harvester::{FetchLimits, Fetcher, HarvestEvent, SourceDefaults};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args = common::args();
    let total: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let page_size: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let portal = CswPortal::start(Vec::new(), None);
    portal.with(|s| s.generated = total);
    let endpoint = url::Url::parse(&portal.endpoint())?;
    let sample: usize = (0..100)
        .map(|i| generated_iso_record(i).len())
        .sum::<usize>()
        / 100;
    // `alone` as third argument: only the harvester pass (for profiling).
    let alone_only = args.get(2).is_some_and(|a| a == "alone");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        // 1. The harvester alone: fetch, parse and map; records are dropped.
        let defaults = SourceDefaults {
            source_id: "bench".into(),
            mint_base: "http://bench.example/id/dataset/".into(),
            ..Default::default()
        };
        let mut spec = harvester::csw::CswSource::new(endpoint.clone(), defaults);
        spec.page_size = page_size;
        spec.max_pages = 1_000_000;
        let fetcher = Fetcher::new(FetchLimits::default(), None)?;
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let started = Instant::now();
        let task = tokio::spawn(async move { harvester::csw::harvest(&spec, &fetcher, tx).await });
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
        anyhow::ensure!(records == total, "harvester alone read {records} of {total} records");

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
            "csw",
            &format!(
                "[harvest]\nmax_pages = 1000000\n[[sources]]\nid = \"bench\"\ntitle = \"Bench\"\nkind = \"csw\"\nurl = \"{endpoint}\"\npage_size = {page_size}\n"
            ),
        )
        .await?;

        println!(
            "## CSW harvest benchmark ({total} generated ISO 19139 records of ~{:.1} KB, {} GetRecords pages of {page_size}, {:.1} MB of XML, {triples} triples)",
            sample as f64 / 1e3,
            total.div_ceil(page_size),
            bytes as f64 / 1e6
        );
        println!();
        println!("| measure | value |");
        println!("|---|---|");
        println!(
            "| harvester alone (fetch + parse + map, records dropped) | {alone:.2} s, {:.0} records/s (fetch incl. stub {fetch:.2} s, parse+map {parse:.2} s = {:.0} records/s) |",
            total as f64 / alone,
            total as f64 / parse
        );
        common::print_pipeline(total, "records", &run);
        anyhow::ensure!(run.report.added == total, "pipeline stored {} of {total}", run.report.added);
        anyhow::Ok(())
    })
}
