//! Shared parts of the CKAN and CSW harvest benchmarks: run one source
//! through the real pipeline into an empty store and print the results.

#![allow(dead_code)]

pub mod dcat;

use catalog_server::config::Config;
use catalog_server::harvest::{Harvesting, SourceReport};
use catalog_server::store::CatalogStore;
use std::sync::Arc;
use std::time::Instant;

/// VmHWM of this process in MiB.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

/// Resets VmHWM to the current RSS (Linux `clear_refs` 5); false when not possible.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Bytes this process caused to be written to storage (`write_bytes` of
/// /proc/self/io; includes RocksDB compactions and the redb archive).
pub fn disk_write_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("write_bytes:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

pub fn dir_size(path: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            let p = e.path();
            total += if p.is_dir() {
                dir_size(&p)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            };
        }
    }
    total
}

/// The positional arguments (cargo bench passes `--bench`).
pub fn args() -> Vec<String> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect()
}

pub struct PipelineRun {
    pub report: SourceReport,
    pub seconds: f64,
    pub data_bytes: u64,
    pub peak_rss_mib: f64,
    pub rss_reset: bool,
    pub census: Census,
    pub floor: Option<StoreFloor>,
    /// CPU time (user + system, all threads) of the harvest; steadier from
    /// run to run than the wall time.
    pub cpu_seconds: f64,
}

/// Harvests the one source of `source_toml` (a `[[sources]]` table) into an
/// empty store in a temporary data dir, with `peak RSS` measured from the
/// start of the run.
/// The validation profile of the benchmark source: `$BENCH_PROFILE`, default
/// `dcat-ap-de-3` (the product default); `none` measures without validation.
pub fn bench_profile() -> String {
    std::env::var("BENCH_PROFILE").unwrap_or_else(|_| "dcat-ap-de-3".to_owned())
}

/// A fresh, empty folder `catalog-bench-{name}-{pid}` in the temporary
/// directory.
pub fn bench_dir(name: &str) -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("catalog-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A fresh folder `catalog-bench-{name}-{pid}` in the temporary directory
/// with a config of one source (`source_toml`, a `[[sources]]` table and
/// any sections before it) validated with [`bench_profile`]; returns the
/// folder and the loaded config.
pub fn bench_config(
    name: &str,
    source_toml: &str,
) -> anyhow::Result<(std::path::PathBuf, Arc<Config>)> {
    let dir = bench_dir(name)?;
    let config_path = dir.join("catalog.toml");
    std::fs::write(
        &config_path,
        format!(
            "data_dir = \"data\"\nbase_iri = \"http://bench.example/\"\n{}\nprofile = \"{}\"\n",
            source_toml.trim_end(),
            bench_profile()
        ),
    )?;
    let config = Arc::new(Config::load(&config_path)?);
    Ok((dir, config))
}

pub async fn run_pipeline(name: &str, source_toml: &str) -> anyhow::Result<PipelineRun> {
    let (dir, config) = bench_config(name, source_toml)?;
    let store = Arc::new(CatalogStore::open(&config.data_dir)?);
    let harvesting = Harvesting::new(config.clone(), store.clone())?;
    let source = config.sources[0].clone();
    let rss_reset = reset_peak_rss();
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let report = harvesting
        .run_source(&source, catalog_server::store::Trigger::Cli, None)
        .await;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    store.flush()?;
    let peak = peak_rss_mib();
    let data_bytes = dir_size(&config.data_dir);
    let (census, floor) = census_and_floor(&store, report.added)?;
    drop(harvesting);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(PipelineRun {
        report,
        seconds,
        cpu_seconds: cpu,
        data_bytes,
        peak_rss_mib: peak,
        rss_reset,
        census,
        floor,
    })
}

/// Prints the pipeline part of the results table.
pub fn print_pipeline(total: usize, unit: &str, run: &PipelineRun) {
    let r = &run.report;
    println!(
        "| harvest into empty store | {:.2} s, **{:.0} {unit}/s** (status {:?}, added {}, failed {}) |",
        run.seconds,
        total as f64 / run.seconds,
        r.status,
        r.added,
        r.failed + r.pages_failed
    );
    println!(
        "| CPU time of the harvest (user+system, all threads, incl. the in-process stub) | {:.2} s, {:.0} µs per {}, {:.2} cores busy on average |",
        run.cpu_seconds,
        run.cpu_seconds * 1e6 / total.max(1) as f64,
        unit.trim_end_matches('s'),
        run.cpu_seconds / run.seconds.max(1e-9)
    );
    println!(
        "| time split (summed per stage; stages overlap) | fetch {:.2} s, parse+map {:.2} s, prepare (canonicalize+hash+compress) {:.2} s, store write {:.2} s |",
        r.timings.fetch, r.timings.parse_split, r.timings.prepare, r.timings.store
    );
    println!(
        "| data dir after the harvest | {:.1} MB |",
        run.data_bytes as f64 / 1e6
    );
    print_census(&run.census, r.added);
    if let Some(floor) = &run.floor {
        print_floor(floor, r.added, unit);
    }
    println!(
        "| peak RSS during the harvest{} | {:.0} MiB |",
        if run.rss_reset {
            " (VmHWM reset before the run; includes the in-process stub)"
        } else {
            " (whole process)"
        },
        run.peak_rss_mib
    );
}

/// Quads in the store by graph kind (the part of the graph name after
/// `urn:dcat-catalog:` up to the next `:`), largest first.
pub fn quad_census(quads: &[oxigraph::model::Quad]) -> Census {
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for quad in quads {
        let kind = match &quad.graph_name {
            oxigraph::model::GraphName::NamedNode(n) => n
                .as_str()
                .strip_prefix("urn:dcat-catalog:")
                .and_then(|rest| rest.split(':').next())
                .unwrap_or("other")
                .to_owned(),
            _ => "default".to_owned(),
        };
        *counts.entry(kind).or_default() += 1;
    }
    let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
}

/// Quads per graph kind, as counted by [`quad_census`].
pub type Census = Vec<(String, u64)>;

/// One read of everything the harvest stored: its census, and its store
/// floor unless `BENCH_NO_FLOOR` is set.
pub fn census_and_floor(
    store: &CatalogStore,
    records: usize,
) -> anyhow::Result<(Census, Option<StoreFloor>)> {
    // `BENCH_QUICK=1`: only the harvest's own numbers (the census reads every
    // stored quad back, ~30 s at 100,000 records).
    if std::env::var_os("BENCH_QUICK").is_some() {
        return Ok((Census::new(), None));
    }
    let quads: Vec<oxigraph::model::Quad> = store.oxigraph().iter().collect::<Result<_, _>>()?;
    let census = quad_census(&quads);
    let floor = if std::env::var_os("BENCH_NO_FLOOR").is_none() {
        Some(store_floor(&quads, records)?)
    } else {
        None
    };
    Ok((census, floor))
}

/// The store floor: the quads a harvest stored, bulk-loaded again into an
/// empty Oxigraph store in chunks of `harvest::WRITE_BATCH` records' worth, with the store's bulk-loader settings and
/// nothing else running. No harvest into Oxigraph can be faster than this.
pub struct StoreFloor {
    pub seconds: f64,
    pub cpu_seconds: f64,
    pub quads: usize,
}

pub fn store_floor(quads: &[oxigraph::model::Quad], records: usize) -> anyhow::Result<StoreFloor> {
    let per_write = catalog_server::harvest::WRITE_BATCH;
    let chunk = (quads.len() * per_write / records.max(1)).max(1);
    let dir = std::env::temp_dir().join(format!("catalog-bench-floor-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let floor = oxigraph::store::Store::open(&dir)?;
    let started = Instant::now();
    let cpu = cpu_seconds();
    for part in quads.chunks(chunk) {
        let mut loader = catalog_server::store::bulk_loader(&floor);
        loader.load_quads(part.iter().cloned())?;
        loader.commit()?;
    }
    let result = StoreFloor {
        seconds: started.elapsed().as_secs_f64(),
        cpu_seconds: cpu_seconds() - cpu,
        quads: quads.len(),
    };
    drop(floor);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(result)
}

pub fn print_floor(floor: &StoreFloor, records: usize, unit: &str) {
    println!(
        "| store floor (the same {} quads bulk-loaded alone into an empty Oxigraph, {} records per commit) | {:.2} s, **{:.0} {unit}/s**, {:.0} µs CPU per record, {:.2} µs CPU per quad |",
        floor.quads,
        catalog_server::harvest::WRITE_BATCH,
        floor.seconds,
        records as f64 / floor.seconds,
        floor.cpu_seconds * 1e6 / records.max(1) as f64,
        floor.cpu_seconds * 1e6 / floor.quads.max(1) as f64
    );
}

/// The census as one table row, per record.
pub fn print_census(census: &[(String, u64)], records: usize) {
    if census.is_empty() {
        return;
    }
    let total: u64 = census.iter().map(|c| c.1).sum();
    let parts: Vec<String> = census
        .iter()
        .map(|(kind, n)| format!("{kind} {:.1}", *n as f64 / records.max(1) as f64))
        .collect();
    println!(
        "| quads stored per record, by graph kind | {:.1} in all: {} |",
        total as f64 / records.max(1) as f64,
        parts.join(", ")
    );
}

/// What the harvester alone read (records dropped).
pub struct Alone {
    pub seconds: f64,
    pub records: usize,
    pub triples: usize,
    pub bytes: u64,
    pub fetch: f64,
    pub parse: f64,
}

impl Alone {
    /// Consumes a harvest's events until the harvester `task` ends.
    pub async fn drain(
        started: Instant,
        mut rx: tokio::sync::mpsc::Receiver<harvester::HarvestEvent>,
        task: tokio::task::JoinHandle<()>,
    ) -> anyhow::Result<Self> {
        let mut a = Alone {
            seconds: 0.0,
            records: 0,
            triples: 0,
            bytes: 0,
            fetch: 0.0,
            parse: 0.0,
        };
        while let Some(ev) = rx.recv().await {
            if let harvester::HarvestEvent::Page(p) = ev {
                a.records += p.records.len();
                a.triples += p.records.iter().map(|r| r.triples.len()).sum::<usize>();
                a.bytes += p.bytes;
                a.fetch += p.fetch_time.as_secs_f64();
                a.parse += p.parse_time.as_secs_f64();
            }
        }
        task.await?;
        a.seconds = started.elapsed().as_secs_f64();
        Ok(a)
    }

    /// The one-line summary printed with `alone`.
    pub fn print_line(&self, total: usize) {
        println!(
            "harvester alone: {total} in {:.2} s = {:.0}/s; fetch {:.2} s, parse+map {:.2} s = {:.0}/s, {:.1} MB, {} triples",
            self.seconds,
            total as f64 / self.seconds,
            self.fetch,
            self.parse,
            total as f64 / self.parse,
            self.bytes as f64 / 1e6,
            self.triples
        );
    }

    /// The table row.
    pub fn print_row(&self, total: usize, unit: &str) {
        println!(
            "| harvester alone (fetch + parse + map, records dropped) | {:.2} s, {:.0} {unit}/s (fetch incl. stub {:.2} s, parse+map {:.2} s = {:.0} {unit}/s) |",
            self.seconds,
            total as f64 / self.seconds,
            self.fetch,
            self.parse,
            total as f64 / self.parse
        );
    }
}

/// CPU time (user + system) of this process so far, in seconds: unlike wall
/// time, it hardly changes when other programs share the machine.
pub fn cpu_seconds() -> f64 {
    stat_cpu_seconds(11)
}

/// CPU time (user + system) of this process's children that have ended and
/// been waited for, in seconds.
pub fn children_cpu_seconds() -> f64 {
    stat_cpu_seconds(13)
}

/// Two consecutive clock-tick fields of `/proc/self/stat`, counted after the
/// parenthesized command name (11: utime/stime, 13: cutime/cstime), summed.
fn stat_cpu_seconds(first: usize) -> f64 {
    let ticks_per_second = 100.0; // USER_HZ on Linux
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: f64 = fields.get(first)?.parse().ok()?;
            let system: f64 = fields.get(first + 1)?.parse().ok()?;
            Some((user + system) / ticks_per_second)
        })
        .unwrap_or(0.0)
}
