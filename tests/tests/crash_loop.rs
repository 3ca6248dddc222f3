//! Crash loop: `catalog-server harvest` killed with SIGKILL at random moments
//! of first harvests and of harvests that change every record, each kill
//! followed by a complete harvest that must finish within a bound and leave
//! the store, the archive and the search index in agreement.
//!
//! `CRASH_LOOP_KILLS` (default 20) sets the number of kills and
//! `CRASH_LOOP_DATASETS` (default 4,000) the size of the source;
//! `CRASH_LOOP_SEED` repeats a sequence of kill moments. The longer run in
//! docs/development.md uses 100 kills.

use catalog_server::config::Config;
use catalog_server::search_index;
use catalog_server::store::CatalogStore;
mod common;

use catalog_tests::stadt::serve_catalog;
use catalog_tests::*;
use common::check_consistency;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small xorshift generator: kill moments that a seed reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// Runs `catalog-server harvest` and kills it after `after`; returns whether
/// it was still running then (false: it had already finished).
fn harvest_killed_after(config: &Path, after: Duration) -> bool {
    let mut child = Command::new(catalog_binary())
        .arg("--config")
        .arg(config)
        .arg("harvest")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn harvest");
    let started = Instant::now();
    while started.elapsed() < after {
        if child.try_wait().expect("try_wait").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let running = child.try_wait().expect("try_wait").is_none();
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
    child.wait().expect("wait");
    running
}

/// Runs a complete harvest that must end within `bound`; returns its report.
fn complete_harvest(config: &Path, bound: Duration, what: &str) -> serde_json::Value {
    let report_path = config.with_file_name("report.json");
    let _ = std::fs::remove_file(&report_path);
    let mut child = Command::new(catalog_binary())
        .arg("--config")
        .arg(config)
        .arg("harvest")
        .arg("--report")
        .arg(&report_path)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn harvest");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read as _;
                let _ = e.read_to_string(&mut err);
            }
            assert!(
                status.success(),
                "{what}: the harvest failed ({status}): {err}"
            );
            let text = std::fs::read_to_string(&report_path).expect("report");
            let reports: serde_json::Value = serde_json::from_str(&text).expect("report JSON");
            return report_of(&reports, "stadt").clone();
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what}: the harvest after the kill did not end within {} s",
                bound.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The search index holds exactly the published records, each in its
/// current version.
fn check_index(config_path: &Path, expected: usize) {
    let config = Config::load(config_path).expect("config");
    let store = CatalogStore::open(&config.data_dir).expect("open store");
    let published = store.records(None).expect("records");
    assert_eq!(published.len(), expected, "published records");
    let (index, rebuilt) = catalog_search::SearchIndex::open(
        &search_index::index_dir(&config),
        catalog_search::WriterOptions::default(),
    )
    .expect("open index");
    assert_eq!(rebuilt, None, "the index was not usable after the harvest");
    let indexed = index.indexed().expect("indexed");
    assert_eq!(indexed.len(), published.len(), "indexed documents");
    let titles = search_index::SourceTitles::from_config(&config);
    let quality = store.quality_scores().expect("quality scores");
    for r in &published {
        assert_eq!(
            indexed.get(&r.rid),
            Some(&search_index::document_version(
                &r.hash,
                titles.get(&r.source),
                quality.get(&r.rid).copied(),
            )),
            "record {} is not indexed in its stored version",
            r.rid
        );
    }
}

#[test]
fn harvests_killed_at_random_moments_recover_completely() {
    let kills = env_or("CRASH_LOOP_KILLS", 20);
    let total = env_or("CRASH_LOOP_DATASETS", 4_000) as usize;
    let seed = env_or("CRASH_LOOP_SEED", 0x5eed_cafe_f00d);
    let dir = TempDir::new("crash-loop");
    let stub = StubServer::start();
    let config = write_config(
        dir.path(),
        &[SourceSpec::new("stadt", &stub.url("/catalog?page=1"))],
        "",
    );
    let ids: Vec<usize> = (1..=total).collect();
    let mut version = 1;
    serve_catalog(&stub, &ids, 500, &|_| 1);
    // How long a complete first harvest takes here: kill moments fall inside it.
    let started = Instant::now();
    let first = complete_harvest(&config, Duration::from_secs(600), "the first harvest");
    let full = started.elapsed();
    assert_eq!(first["added"].as_u64(), Some(total as u64));
    let bound = Duration::from_secs(env_or(
        "CRASH_LOOP_BOUND",
        (full * 10).max(Duration::from_secs(60)).as_secs(),
    ));
    let mut rng = Rng(seed | 1);
    let mut killed_running = 0;
    for k in 0..kills {
        // Even kills: a first harvest (empty data folder); odd kills: a
        // harvest that changes every record.
        let first_harvest = k % 2 == 0;
        if first_harvest {
            let config = Config::load(&config).expect("config");
            std::fs::remove_dir_all(&config.data_dir).expect("empty the data folder");
        } else {
            version += 1;
            let v = version;
            serve_catalog(&stub, &ids, 500, &move |_| v);
        }
        let at = Duration::from_millis(rng.next() % (full.as_millis() as u64).max(1));
        let what = format!(
            "kill {} of {kills} ({}, after {} ms, seed {seed:#x})",
            k + 1,
            if first_harvest {
                "first harvest"
            } else {
                "every record changed"
            },
            at.as_millis()
        );
        if harvest_killed_after(&config, at) {
            killed_running += 1;
        }
        let t = Instant::now();
        let report = complete_harvest(&config, bound, &what);
        eprintln!(
            "{what}: complete harvest {:.1} s, report seconds {}, timings {}",
            t.elapsed().as_secs_f64(),
            report["seconds"],
            report["timings"]
        );
        assert_eq!(
            report["status"], "success",
            "{what}: the harvest after the kill: {report}"
        );
        assert_eq!(report["withdrawn"], 0, "{what}");
        assert_eq!(check_consistency(&config), total, "{what}");
        check_index(&config, total);
        if !first_harvest {
            // Every record now has the new version.
            let c = Config::load(&config).expect("config");
            let store = CatalogStore::open(&c.data_dir).expect("store");
            for r in store.records(Some("stadt")).expect("records") {
                let graph = store.exact_graph(&r).expect("exact graph");
                assert!(
                    graph.iter().any(|t| t
                        .object
                        .to_string()
                        .contains(&format!("Fassung {version}\""))),
                    "{what}: record {} kept an old version",
                    r.rid
                );
            }
        }
    }
    assert!(
        killed_running * 2 >= kills,
        "only {killed_running} of {kills} kills hit a running harvest"
    );
}
