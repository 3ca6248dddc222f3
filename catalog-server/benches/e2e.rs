//! End-to-end benchmark of the product's default path: what an operator sees.
//!
//! For each source kind (DCAT, CKAN, CSW) a loopback portal serves generated
//! records (default 100,000); a first harvest runs into an empty data folder
//! the way `serve` runs it, with the default validation profile
//! (`dcat-ap-de-3`) and the search index following the store; then the same
//! source is harvested again unchanged. Each kind runs in its own process, so
//! peak memory is that kind's alone. Printed per kind: records/s and CPU per
//! record of both harvests, peak RSS, and the data folder's size by part
//! (Oxigraph's SST files and write-ahead logs, the archive, the search index)
//! with what a full compaction of Oxigraph would save and how the stored
//! quads divide between record graphs, validation reports and provenance.
//!
//! Run: `cargo bench -p catalog-server --bench e2e -- [dcat|ckan|csw ...] [RECORDS]`
//! (`--profile dev` reuses the test build; `BENCH_PROFILE=none` turns
//! validation off, for comparison).

mod common;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use catalog_server::harvest::{Harvesting, SourceReport};
use catalog_server::search_index;
use catalog_server::store::{CatalogStore, Trigger};
use catalog_tests::portals::{CkanPortal, CswPortal};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const KINDS: [&str; 3] = ["dcat", "ckan", "csw"];

fn main() -> anyhow::Result<()> {
    catalog_server::tune_allocator();
    let args = common::args();
    let records: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let kinds: Vec<&str> = KINDS
        .iter()
        .copied()
        .filter(|k| args.iter().any(|a| a == k))
        .collect();
    // A child process runs one kind (marked by the environment).
    if let Ok(kind) = std::env::var("E2E_BENCH_KIND") {
        return one_kind(&kind, records);
    }
    let kinds = if kinds.is_empty() {
        KINDS.to_vec()
    } else {
        kinds
    };
    println!(
        "## End-to-end: the default path ({records} records per kind, profile {}, search index on)",
        common::bench_profile()
    );
    println!();
    for kind in kinds {
        let status = std::process::Command::new(std::env::current_exe()?)
            .arg(records.to_string())
            .env("E2E_BENCH_KIND", kind)
            .status()?;
        anyhow::ensure!(status.success(), "the {kind} run failed: {status}");
    }
    Ok(())
}

/// A portal serving `records` generated records of one kind. It is only
/// held, to keep the portal running while the harvests run.
#[allow(dead_code)]
enum Portal {
    Dcat(tokio::task::JoinHandle<()>),
    Ckan(CkanPortal),
    Csw(CswPortal),
}

/// Starts the portal of `kind`; returns it with the `[[sources]]` table.
async fn start_portal(kind: &str, records: usize) -> anyhow::Result<(Portal, String)> {
    match kind {
        "dcat" => {
            let per_page = 1000;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let base = format!("http://{}", listener.local_addr()?);
            let pages: Arc<Vec<String>> = Arc::new(
                (1..=records.div_ceil(per_page))
                    .map(|n| common::dcat::page(n, per_page, records, &base))
                    .collect(),
            );
            let app = axum::Router::new()
                .route(
                    "/catalog",
                    axum::routing::get(
                        |State(p): State<Arc<Vec<String>>>,
                         q: axum::extract::Query<std::collections::HashMap<String, String>>| async move {
                            let n: usize = q.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
                            let body = p.get(n.saturating_sub(1)).cloned().unwrap_or_default();
                            ([(header::CONTENT_TYPE, "text/turtle")], body).into_response()
                        },
                    ),
                )
                .with_state(pages);
            let server = tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            Ok((
                Portal::Dcat(server),
                format!("[[sources]]\nid = \"bench\"\ntitle = \"Bench\"\nkind = \"dcat\"\nurl = \"{base}/catalog?page=1\"\n"),
            ))
        }
        "ckan" => {
            let portal = CkanPortal::start(Vec::new());
            portal.with(|s| {
                s.generated = records;
                s.cache_pages = true;
            });
            let url = portal.base_url();
            Ok((
                Portal::Ckan(portal),
                format!("[[sources]]\nid = \"bench\"\ntitle = \"Bench\"\nkind = \"ckan\"\nurl = \"{url}\"\nrows = 1000\n"),
            ))
        }
        "csw" => {
            let portal = CswPortal::start(Vec::new(), None);
            portal.with(|s| s.generated = records);
            let url = portal.endpoint();
            Ok((
                Portal::Csw(portal),
                format!("[[sources]]\nid = \"bench\"\ntitle = \"Bench\"\nkind = \"csw\"\nurl = \"{url}\"\npage_size = 100\n"),
            ))
        }
        other => anyhow::bail!("unknown kind {other:?}: dcat, ckan or csw"),
    }
}

/// One harvest: wall time, CPU time and peak RSS from its start.
struct Timed {
    report: SourceReport,
    seconds: f64,
    cpu_seconds: f64,
    peak_rss_mib: f64,
}

async fn timed_run(
    harvesting: &Harvesting,
    source: &catalog_server::config::SourceConfig,
) -> Timed {
    common::reset_peak_rss();
    let started = Instant::now();
    let cpu = common::cpu_seconds();
    let report = harvesting.run_source(source, Trigger::Cli, None).await;
    Timed {
        report,
        seconds: started.elapsed().as_secs_f64(),
        cpu_seconds: common::cpu_seconds() - cpu,
        peak_rss_mib: common::peak_rss_mib(),
    }
}

/// Waits until nothing has been written to disk for three seconds (RocksDB's
/// background flushes and compactions of the last harvest), at most a minute.
async fn settle() {
    let mut last = common::disk_write_bytes();
    let mut quiet = 0;
    for _ in 0..60 {
        if quiet >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = common::disk_write_bytes();
        quiet = if now == last { quiet + 1 } else { 0 };
        last = now;
    }
}

/// The data folder by part, in bytes.
struct DiskUse {
    sst: u64,
    wal: u64,
    oxigraph_other: u64,
    archive: u64,
    search: u64,
    other: u64,
}

impl DiskUse {
    fn of(data: &Path) -> Self {
        let mut d = DiskUse {
            sst: 0,
            wal: 0,
            oxigraph_other: 0,
            archive: 0,
            search: 0,
            other: 0,
        };
        if let Ok(entries) = std::fs::read_dir(data.join("oxigraph")) {
            for e in entries.flatten() {
                let len = e.metadata().map(|m| m.len()).unwrap_or(0);
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".sst") {
                    d.sst += len;
                } else if name.ends_with(".log") && !name.starts_with("LOG") {
                    d.wal += len;
                } else {
                    d.oxigraph_other += len;
                }
            }
        }
        d.archive = std::fs::metadata(data.join("archive.redb"))
            .map(|m| m.len())
            .unwrap_or(0);
        d.search = common::dir_size(&data.join("search"));
        d.other = common::dir_size(data)
            .saturating_sub(d.sst + d.wal + d.oxigraph_other + d.archive + d.search);
        d
    }

    fn total(&self) -> u64 {
        self.sst + self.wal + self.oxigraph_other + self.archive + self.search + self.other
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

fn one_kind(kind: &str, records: usize) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (_portal, source_toml) = start_portal(kind, records).await?;
        let (dir, config) = common::bench_config(
            &format!("e2e-{kind}"),
            &format!("[harvest]\nmax_pages = 1000000\n{source_toml}"),
        )?;
        let store = Arc::new(CatalogStore::open(&config.data_dir)?);
        // As `serve` does: the search index follows every store write.
        let mut harvesting = Harvesting::new(config.clone(), store.clone())?;
        let (c, s) = (config.clone(), store.clone());
        let (index, _) = tokio::task::spawn_blocking(move || search_index::open(&c, &s)).await??;
        harvesting
            .followers
            .push(Arc::new(search_index::SearchFollower::new(
                index.clone(),
                store.clone(),
                &config,
            )));
        let source = config.sources[0].clone();

        let first = timed_run(&harvesting, &source).await;
        anyhow::ensure!(
            first.report.added == records,
            "{kind}: the first harvest stored {} of {records} records ({:?}, errors: {:?})",
            first.report.added,
            first.report.status,
            first.report.errors.iter().take(3).collect::<Vec<_>>()
        );
        store.flush()?;
        settle().await;
        let after_first = DiskUse::of(&config.data_dir);
        let second = timed_run(&harvesting, &source).await;
        anyhow::ensure!(
            second.report.unchanged == records,
            "{kind}: the re-harvest found {} of {records} records unchanged",
            second.report.unchanged
        );
        store.flush()?;
        settle().await;
        let after_second = DiskUse::of(&config.data_dir);
        let indexed = index.num_docs();

        let label = match kind {
            "dcat" => "DCAT (Hydra-paged Turtle, 1,000 per page)",
            "ckan" => "CKAN (package_search, 1,000 per page)",
            _ => "CSW (ISO 19139, 100 per page)",
        };
        println!("### {label}");
        println!();
        println!("| measure | first harvest | unchanged re-harvest |");
        println!("|---|---|---|");
        println!(
            "| records/s | **{:.0}** ({:.1} s) | **{:.0}** ({:.1} s) |",
            records as f64 / first.seconds,
            first.seconds,
            records as f64 / second.seconds,
            second.seconds
        );
        println!(
            "| CPU per record (all threads) | {:.0} µs | {:.0} µs |",
            first.cpu_seconds * 1e6 / records as f64,
            second.cpu_seconds * 1e6 / records as f64
        );
        println!(
            "| peak RSS during the harvest | {:.0} MiB | {:.0} MiB |",
            first.peak_rss_mib, second.peak_rss_mib
        );
        println!(
            "| records validated / with violations | {} / {} | {} / {} |",
            first.report.validation.validated,
            first.report.validation.with_violations,
            second.report.validation.validated,
            second.report.validation.with_violations
        );
        println!("| documents in the search index | {indexed} | {indexed} |");
        for (name, a, b) in [
            ("data folder", after_first.total(), after_second.total()),
            ("· Oxigraph SST files", after_first.sst, after_second.sst),
            (
                "· Oxigraph write-ahead logs",
                after_first.wal,
                after_second.wal,
            ),
            (
                "· Oxigraph other files",
                after_first.oxigraph_other,
                after_second.oxigraph_other,
            ),
            (
                "· archive (exact graphs, source hashes)",
                after_first.archive,
                after_second.archive,
            ),
            ("· search index", after_first.search, after_second.search),
        ] {
            println!("| {name} | {} | {} |", mb(a), mb(b));
        }
        println!(
            "| data folder per record | {:.1} KB | {:.1} KB |",
            after_first.total() as f64 / records as f64 / 1e3,
            after_second.total() as f64 / records as f64 / 1e3
        );
        // What takes the space: the quads by graph kind, and what a full
        // compaction of Oxigraph would give back.
        let (census, _) = common::census_and_floor(&store, records)?;
        if !census.is_empty() {
            let total: u64 = census.iter().map(|c| c.1).sum();
            let parts: Vec<String> = census
                .iter()
                .map(|(k, n)| format!("{k} {:.0} %", 100.0 * *n as f64 / total as f64))
                .collect();
            println!(
                "| stored quads by graph kind | {} quads ({:.0} per record): {} | |",
                total,
                total as f64 / records as f64,
                parts.join(", ")
            );
        }
        if std::env::var_os("BENCH_QUICK").is_none() {
            let started = Instant::now();
            store.oxigraph().optimize()?;
            let compacted = DiskUse::of(&config.data_dir);
            println!(
                "| after a full compaction of Oxigraph ({:.0} s) | | {} (SST {}, logs {}) |",
                started.elapsed().as_secs_f64(),
                mb(compacted.total()),
                mb(compacted.sst),
                mb(compacted.wal)
            );
        }
        println!();
        drop(harvesting);
        drop(index);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
        anyhow::Ok(())
    })
}
