//! Shared parts of the CKAN and CSW harvest benchmarks: run one source
//! through the real pipeline into an empty store and print the results.

#![allow(dead_code)]

use catalog_server::config::Config;
use catalog_server::pipeline::{Harvesting, SourceReport};
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
}

/// Harvests the one source of `source_toml` (a `[[sources]]` table) into an
/// empty store in a temporary data dir, with `peak RSS` measured from the
/// start of the run.
/// The validation profile of the benchmark source: `$BENCH_PROFILE`, default
/// `dcat-ap-de-3` (the product default); `none` measures without validation.
pub fn bench_profile() -> String {
    std::env::var("BENCH_PROFILE").unwrap_or_else(|_| "dcat-ap-de-3".to_owned())
}

pub async fn run_pipeline(name: &str, source_toml: &str) -> anyhow::Result<PipelineRun> {
    let dir = std::env::temp_dir().join(format!("catalog-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let config_path = dir.join("catalog.toml");
    std::fs::write(
        &config_path,
        format!(
            "data_dir = \"data\"\nbase_iri = \"http://bench.example/\"\n{source_toml}\nprofile = \"{}\"\n",
            bench_profile()
        ),
    )?;
    let config = Arc::new(Config::load(&config_path)?);
    let store = Arc::new(CatalogStore::open(&config.data_dir)?);
    let harvesting = Harvesting::new(config.clone(), store.clone())?;
    let source = config.sources[0].clone();
    let rss_reset = reset_peak_rss();
    let started = Instant::now();
    let report = harvesting
        .run_source(&source, catalog_server::lifecycle::Trigger::Cli, None)
        .await;
    let seconds = started.elapsed().as_secs_f64();
    store.flush()?;
    let peak = peak_rss_mib();
    let data_bytes = dir_size(&config.data_dir);
    drop(harvesting);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(PipelineRun {
        report,
        seconds,
        data_bytes,
        peak_rss_mib: peak,
        rss_reset,
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
        "| time split (summed per stage; stages overlap) | fetch {:.2} s, parse+map {:.2} s, prepare (canonicalize+hash+compress) {:.2} s, store write {:.2} s |",
        r.timings.fetch, r.timings.parse_split, r.timings.prepare, r.timings.store
    );
    println!(
        "| data dir after the harvest | {:.1} MB |",
        run.data_bytes as f64 / 1e6
    );
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
    let ticks_per_second = 100.0; // USER_HZ on Linux
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesized command name; utime and stime
            // are fields 14 and 15 of the whole line.
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / ticks_per_second)
        })
        .unwrap_or(0.0)
}
