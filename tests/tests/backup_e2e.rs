//! `catalog-server backup DIR` through the real binary: while `serve`
//! harvests (the server makes the copy through its admin API) and while
//! nothing runs (the command makes it); the copy, used as a data folder,
//! opens as a consistent store whose search index needs no rebuild.

mod common;

use catalog_server::config::Config;
use catalog_server::store::CatalogStore;
use catalog_tests::stadt::*;
use catalog_tests::*;
use common::check_consistency;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TOKEN: &str = "backup-test-token-0123456789abcdef0123";

fn backup(config: &Path, dir: &Path, server: Option<&str>) -> Output {
    let mut cmd = Command::new(catalog_binary());
    cmd.arg("--config")
        .arg(config)
        .arg("backup")
        .arg(dir)
        .env("CATALOG_ADMIN_TOKEN", TOKEN)
        .env("RUST_LOG", "warn");
    if let Some(s) = server {
        cmd.args(["--server", s]);
    }
    cmd.output().expect("run backup")
}

/// A config of the same source whose data folder is `data_dir`: the
/// restore of a backup is pointing `data_dir` at it.
fn restored_config(dir: &Path, data_dir: &Path, original: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(original).expect("config");
    let text = text.replacen(
        "data_dir = \"data\"",
        &format!("data_dir = {:?}", data_dir.display().to_string()),
        1,
    );
    let path = dir.join("restored.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// Opens the copy's store and index as `serve` does at start: the index
/// must open as it was copied (no rebuild) and agree with the store after
/// the usual repair. Returns the number of records and of index entries
/// the repair had to change.
fn check_copy(config_path: &Path) -> (usize, usize) {
    let records = check_consistency(config_path);
    let config = Config::load(config_path).expect("config");
    let store = CatalogStore::open(&config.data_dir).expect("open the copy");
    let (index, report) =
        catalog_server::search_index::open(&config, &store).expect("open the copy's index");
    assert_eq!(report.rebuilt, None, "the copied index had to be rebuilt");
    let published = store.records(Some("stadt")).expect("records").len();
    assert_eq!(index.num_docs() as usize, published, "index vs store");
    (records, report.indexed + report.removed)
}

#[test]
fn backup_while_serving_and_offline_restore_to_consistent_stores() {
    let dir = TempDir::new("backup");
    let stub = StubServer::start();
    let config = write_config(
        dir.path(),
        &[SourceSpec::new("stadt", &stub.url("/catalog?page=1"))],
        "",
    );
    let all: Vec<usize> = (1..=6_000).collect();
    serve_catalog(&stub, &all, 500, &|_| 1);
    let mut served = Served::start_with(&config, &["--harvest"], &[("CATALOG_ADMIN_TOKEN", TOKEN)]);
    let server = served.base.clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !stub.requests().iter().any(|r| r.contains("page=2")) {
        assert!(Instant::now() < deadline, "the harvest did not start");
        std::thread::sleep(Duration::from_millis(20));
    }

    // During the harvest: the store is held by `serve`, which makes the copy.
    let live = dir.path().join("live-copy");
    let out = backup(&config, &live, Some(&server));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("asking the server"), "{stderr}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(live.join("backup.json")).expect("backup.json"))
            .expect("backup.json is JSON");
    assert!(manifest["search_documents"].is_u64(), "{manifest}");
    // A second backup into the same folder is refused and leaves it alone.
    let again = backup(&config, &live, Some(&server));
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("409") && stderr.contains("already exists"),
        "{stderr}"
    );
    assert!(live.join("backup.json").exists());
    // A folder whose parent is missing is refused before anything is written.
    let missing_parent = Command::new(catalog_binary())
        .arg("--config")
        .arg(&config)
        .args(["backup", "/nonexistent-parent/x", "--server", &server])
        .env("CATALOG_ADMIN_TOKEN", TOKEN)
        .output()
        .expect("run backup");
    assert!(!missing_parent.status.success());
    assert!(String::from_utf8_lossy(&missing_parent.stderr).contains("is not a folder"));

    // Let the harvest finish, then stop the server.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let body = blocking_get(&format!("{server}/api/sources"), "application/json")
            .map(|(_, b)| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        if body.contains("\"state\":\"idle\"") && body.contains("\"status\":\"success\"") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the harvest did not finish: {body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // SAFETY: kill(2) with a child pid we own and a valid signal.
    assert_eq!(
        unsafe { libc::kill(served.child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    let status = served.child.wait().expect("wait");
    assert!(status.success(), "{status}");

    // The live copy is a data folder of its own.
    let (copied, _) = check_copy(&restored_config(dir.path(), &live, &config));
    assert!(copied <= 6_000);

    // Offline: the command makes the copy itself; it holds every record.
    let offline = dir.path().join("offline-copy");
    let out = backup(&config, &offline, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("asking the server"), "{stderr}");
    let original = check_consistency(&config);
    assert_eq!(original, 6_000);
    std::fs::remove_file(dir.path().join("restored.toml")).expect("remove");
    // Nothing wrote meanwhile: the copied index matches its store exactly.
    assert_eq!(
        check_copy(&restored_config(dir.path(), &offline, &config)),
        (6_000, 0)
    );
}
