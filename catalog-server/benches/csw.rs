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
use harvester::{FetchLimits, Fetcher, SourceDefaults};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    catalog_server::tune_allocator();
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
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let started = Instant::now();
        let task = tokio::spawn(async move { harvester::csw::harvest(&spec, &fetcher, tx).await });
        let alone = common::Alone::drain(started, rx, task).await?;
        anyhow::ensure!(
            alone.records == total,
            "harvester alone read {} of {total} records",
            alone.records
        );
        if alone_only {
            alone.print_line(total);
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
            "## CSW harvest benchmark ({total} generated ISO 19139 records of ~{:.1} KB, {} GetRecords pages of {page_size}, {:.1} MB of XML, {} triples)",
            sample as f64 / 1e3,
            total.div_ceil(page_size),
            alone.bytes as f64 / 1e6,
            alone.triples
        );
        println!();
        println!("| measure | value |");
        println!("|---|---|");
        alone.print_row(total, "records");
        common::print_pipeline(total, "records", &run);
        anyhow::ensure!(run.report.added == total, "pipeline stored {} of {total}", run.report.added);
        anyhow::Ok(())
    })
}
