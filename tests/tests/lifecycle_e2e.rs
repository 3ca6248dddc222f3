//! The harvest lifecycle through the real binary: loopback DCAT sources that
//! change between runs (exact counts, unchanged records not rewritten), sources
//! failing mid-listing (nothing withdrawn, earlier data intact), an empty
//! catalog (threshold), run records over SPARQL, and SIGKILL during `serve
//! --harvest` of a large source (store/archive consistency, interrupted runs).

use catalog_server::config::Config;
use catalog_server::store::CatalogStore;
mod common;

use catalog_tests::stadt::*;
use catalog_tests::*;
use common::check_consistency;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn counts(report: &serde_json::Value) -> [u64; 5] {
    ["added", "updated", "unchanged", "withdrawn", "purged"]
        .map(|k| report[k].as_u64().unwrap_or(u64::MAX))
}

fn setup(name: &str, extra_top: &str) -> (TempDir, StubServer, std::path::PathBuf) {
    let dir = TempDir::new(name);
    let stub = StubServer::start();
    let config = write_config(
        dir.path(),
        &[SourceSpec::new("stadt", &stub.url("/catalog?page=1"))],
        extra_top,
    );
    (dir, stub, config)
}

/// Stored `dct:modified` of each record (by dataset IRI).
fn modified(config: &Path) -> std::collections::BTreeMap<String, String> {
    let served = Served::start(config);
    served
        .select(
            "SELECT ?d ?m WHERE { GRAPH <urn:dcat-catalog:meta:stadt> { ?r <http://xmlns.com/foaf/0.1/primaryTopic> ?d ; <http://purl.org/dc/terms/modified> ?m } }",
        )
        .into_iter()
        .map(|r| (r["d"].clone(), r["m"].clone()))
        .collect()
}

#[test]
fn changes_between_runs_have_exact_counts_and_keep_unchanged_records_untouched() {
    let (dir, stub, config) = setup("lc-changes", "");
    let all: Vec<usize> = (1..=30).collect();
    serve_catalog(&stub, &all, 10, &|_| 1);
    let (out, reports) = harvest(&config, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(counts(report_of(&reports, "stadt")), [30, 0, 0, 0, 0]);
    let before = modified(&config);
    assert_eq!(before.len(), 30);

    // Modify 2 and 3, delete 28-30, add 31-34.
    std::thread::sleep(Duration::from_millis(1100)); // a later harvest time
    let next: Vec<usize> = (1..=27).chain(31..=34).collect();
    serve_catalog(&stub, &next, 10, &|i| if i == 2 || i == 3 { 2 } else { 1 });
    let (out, reports) = harvest(&config, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let r = report_of(&reports, "stadt");
    assert_eq!(counts(r), [4, 2, 25, 3, 0], "{r}");
    assert_eq!(r["status"], "success");
    let after = modified(&config);
    assert_eq!(after.len(), 34, "withdrawn records keep their meta");
    for i in (1..=27).filter(|i| *i != 2 && *i != 3) {
        let d = format!("https://stadt.example/ds/{i}");
        assert_eq!(before[&d], after[&d], "unchanged record {d} was rewritten");
    }
    assert_ne!(
        before["https://stadt.example/ds/2"],
        after["https://stadt.example/ds/2"]
    );

    // Export and the catalog graph show exactly the 31 published records;
    // the run records are queryable.
    let export = run_catalog(&config, &["export", "--format", "nt"]);
    assert!(export.status.success());
    let text = String::from_utf8_lossy(&export.stdout);
    assert!(!text.contains("<https://stadt.example/ds/29>"));
    assert!(text.contains("<https://stadt.example/ds/31>"));
    let served = Served::start(&config);
    assert_eq!(
        served.count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:dcat-catalog:catalog:stadt> { ?c <http://www.w3.org/ns/dcat#dataset> ?d } }"),
        31
    );
    assert_eq!(
        served.count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?r <urn:dcat-catalog:vocab#status> \"withdrawn\" } }"),
        3
    );
    let runs = served.select(
        "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX cat: <urn:dcat-catalog:vocab#>
         SELECT ?status ?added ?withdrawn ?trigger WHERE { GRAPH ?g { ?run a prov:Activity ; cat:runOf \"stadt\" ;
           cat:status ?status ; cat:trigger ?trigger ; cat:added ?added ; cat:withdrawn ?withdrawn ; prov:startedAtTime ?t } } ORDER BY ?t",
    );
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[1]["status"], "success");
    assert_eq!(runs[1]["added"], "4");
    assert_eq!(runs[1]["withdrawn"], "3");
    assert_eq!(runs[1]["trigger"], "cli");
    drop(served);
    drop(dir);
}

#[test]
fn failing_mid_listing_withdraws_nothing_and_keeps_earlier_data() {
    let (_dir, stub, config) = setup(
        "lc-fail",
        "[harvest]\ntimeout = \"3s\"\nread_timeout = \"1s\"\nmax_withdraw_share = 1.0\n",
    );
    let all: Vec<usize> = (1..=40).collect();
    serve_catalog(&stub, &all, 10, &|_| 1);
    let (_, reports) = harvest(&config, &[]);
    assert_eq!(counts(report_of(&reports, "stadt")), [40, 0, 0, 0, 0]);

    // 500 on page 3: pages 1-2 read, the rest missing; nothing withdrawn.
    stub.set("/catalog?page=3", Behaviour::Status(500));
    let (out, reports) = harvest(&config, &[]);
    assert!(!out.status.success());
    let r = report_of(&reports, "stadt");
    assert_eq!(counts(r), [0, 0, 20, 0, 0], "{r}");
    assert_eq!(r["status"], "partial");
    assert!(
        r["deletions"]
            .as_str()
            .unwrap_or("")
            .contains("nothing withdrawn"),
        "{r}"
    );

    // A page that hangs mid-body (read timeout).
    serve_catalog(&stub, &all, 10, &|_| 1);
    stub.set("/catalog?page=2", Behaviour::Hang);
    let (_, reports) = harvest(&config, &[]);
    let r = report_of(&reports, "stadt");
    assert_eq!(counts(r), [0, 0, 10, 0, 0], "{r}");
    assert_ne!(r["status"], "success");

    // A connection reset on page 3 (the next link of page 2 points at a
    // listener that resets every connection).
    let reset = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let reset_addr = reset.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in reset.incoming().flatten() {
            use std::os::fd::AsRawFd;
            let linger = libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            // SAFETY: a valid socket and a correctly sized linger struct.
            unsafe {
                libc::setsockopt(
                    stream.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_LINGER,
                    (&linger as *const libc::linger).cast(),
                    std::mem::size_of::<libc::linger>() as libc::socklen_t,
                );
            }
            drop(stream); // closing with linger 0 sends RST
        }
    });
    serve_catalog(&stub, &all, 10, &|_| 1);
    let mut page2 = String::from_utf8(page(
        &format!("http://{}", stub.addr),
        2,
        true,
        &(11..=20).collect::<Vec<_>>(),
        &|_| 1,
    ))
    .unwrap();
    page2.push_str(&format!(
        "<http://{0}/catalog?page=2> a <http://www.w3.org/ns/hydra/core#PartialCollectionView> ; <http://www.w3.org/ns/hydra/core#next> <http://{reset_addr}/catalog?page=3> .\n",
        stub.addr
    ));
    stub.serve_bytes("/catalog?page=2", page2.into_bytes(), "text/turtle");
    let (_, reports) = harvest(&config, &[]);
    let r = report_of(&reports, "stadt");
    assert_eq!(counts(r), [0, 0, 20, 0, 0], "{r}");
    assert_eq!(r["status"], "partial", "{r}");
    assert!(
        r["deletions"]
            .as_str()
            .unwrap_or("")
            .contains("nothing withdrawn"),
        "{r}"
    );

    // The first page fails: the run fails.
    stub.set("/catalog?page=1", Behaviour::Status(503));
    let (_, reports) = harvest(&config, &[]);
    let r = report_of(&reports, "stadt");
    assert_eq!(r["status"], "failed");
    assert_eq!(r["withdrawn"], 0);

    // Earlier data intact.
    let export = run_catalog(&config, &["export", "--format", "nt"]);
    assert!(export.status.success());
    assert!(String::from_utf8_lossy(&export.stderr).contains("exported 40 records"));
}

#[test]
fn empty_catalog_is_refused_by_the_threshold_with_a_reason() {
    let (_dir, stub, config) = setup("lc-empty", "");
    let all: Vec<usize> = (1..=12).collect();
    serve_catalog(&stub, &all, 5, &|_| 1);
    harvest(&config, &[]);
    serve_catalog(&stub, &[], 5, &|_| 1);
    let (out, reports) = harvest(&config, &[]);
    let r = report_of(&reports, "stadt");
    assert_eq!(r["withdrawn"], 0);
    let why = r["deletions"].as_str().unwrap_or("");
    assert!(why.contains("12 of 12") && why.contains("20%"), "{r}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing withdrawn"));
    let export = run_catalog(&config, &["export", "--format", "nt"]);
    assert!(String::from_utf8_lossy(&export.stderr).contains("exported 12 records"));
}

#[test]
fn sigkill_during_serve_harvest_leaves_a_consistent_store() {
    let total = 20_000;
    let (_dir, stub, config) = setup("lc-kill", "");
    let all: Vec<usize> = (1..=total).collect();
    serve_catalog(&stub, &all, 500, &|_| 1);
    // Kill at different moments: after the first stored page, and when
    // 4,000 / 9,000 / 15,000 records are stored (each restart re-harvests
    // from the start: the stored part unchanged, then new records).
    let mut kills = 0;
    for target in [1usize, 4_000, 9_000, 15_000] {
        let port = free_port();
        let child = Command::new(catalog_binary())
            .arg("--config")
            .arg(&config)
            .args([
                "serve",
                "--harvest",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn serve");
        let mut served = Served {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let up = blocking_get(&format!("{}/health", served.base), "application/json")
                .map(|r| r.0)
                == Ok(200);
            if up
                && served.count(
                    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:dcat-catalog:meta:stadt> { ?r <urn:dcat-catalog:vocab#contentHash> ?h } }",
                ) >= target
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "serve did not reach {target} records"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        served.child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
        served.child.wait().expect("wait");
        drop(served);
        kills += 1;
        let n = check_consistency(&config);
        assert!(n >= target, "{n} records after the kill at {target}");
        assert!(
            n < total,
            "the run finished before the kill at {target} records"
        );
    }
    // A normal run completes with every record.
    let (out, reports) = harvest(&config, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let r = report_of(&reports, "stadt");
    assert_eq!(
        r["added"].as_u64().unwrap() + r["unchanged"].as_u64().unwrap(),
        total as u64
    );
    assert_eq!(r["withdrawn"], 0);
    assert_eq!(check_consistency(&config), total);
    let config = Config::load(&config).expect("config");
    let store = CatalogStore::open(&config.data_dir).expect("store");
    let runs = store.runs("stadt", 100).expect("runs");
    assert_eq!(runs[0].status, "success");
    let interrupted = runs.iter().filter(|r| r.status == "interrupted").count();
    assert_eq!(interrupted, kills, "{runs:?}");
    assert!(runs.iter().all(|r| r.status != "running"));
}

/// A minimal CKAN `package_search` for the incremental test: packages
/// (name, title, metadata_modified), honouring `fq=metadata_modified:[X TO *]`,
/// `fl`, `rows` and `start`.
mod ckan_stub {
    use axum::extract::{Query, State};
    use axum::Json;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    pub type Packages = Arc<Mutex<Vec<(String, String, String)>>>;
    pub type Log = Arc<Mutex<Vec<HashMap<String, String>>>>;

    async fn search(
        State((packages, log)): State<(Packages, Log)>,
        Query(q): Query<HashMap<String, String>>,
    ) -> Json<serde_json::Value> {
        log.lock().expect("log").push(q.clone());
        let since = q
            .get("fq")
            .and_then(|fq| fq.split_once("metadata_modified:["))
            .and_then(|(_, rest)| rest.split_once(" TO *]"))
            .map(|(s, _)| s.to_owned());
        let all: Vec<_> = packages
            .lock()
            .expect("packages")
            .iter()
            .filter(|(_, _, m)| since.as_deref().is_none_or(|s| m.as_str() >= s))
            .cloned()
            .collect();
        let rows: usize = q.get("rows").and_then(|v| v.parse().ok()).unwrap_or(10);
        let start: usize = q.get("start").and_then(|v| v.parse().ok()).unwrap_or(0);
        let results: Vec<serde_json::Value> = all
            .iter()
            .skip(start)
            .take(rows)
            .map(|(name, title, modified)| {
                if q.contains_key("fl") {
                    serde_json::json!({ "id": format!("id-{name}"), "name": name })
                } else {
                    serde_json::json!({
                        "id": format!("id-{name}"), "name": name, "title": title,
                        "notes": format!("Beschreibung {title}"),
                        "metadata_created": "2020-01-01T00:00:00.000000",
                        "metadata_modified": modified,
                        "resources": [{ "url": format!("https://ckan.example/{name}.csv"), "format": "CSV" }]
                    })
                }
            })
            .collect();
        Json(
            serde_json::json!({ "success": true, "result": { "count": all.len(), "results": results } }),
        )
    }

    pub struct Ckan {
        pub url: String,
        pub packages: Packages,
        pub log: Log,
        _rt: tokio::runtime::Runtime,
    }

    pub fn start() -> Ckan {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let packages: Packages = Arc::default();
        let log: Log = Arc::default();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let app = axum::Router::new()
            .route("/api/3/action/package_search", axum::routing::get(search))
            .with_state((packages.clone(), log.clone()));
        rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ckan {
            url,
            packages,
            log,
            _rt: rt,
        }
    }
}

#[test]
fn ckan_runs_incrementally_after_a_success_and_the_listing_drives_withdrawals() {
    let dir = TempDir::new("lc-ckan");
    let ckan = ckan_stub::start();
    let old = "2020-06-01T00:00:00.000000".to_owned();
    *ckan.packages.lock().unwrap() = (1..=5)
        .map(|i| (format!("paket-{i}"), format!("Paket {i}"), old.clone()))
        .collect();
    let config = dir.path().join("catalog.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"data\"\nbase_iri = \"http://catalog.test/\"\n[harvest]\nmax_withdraw_share = 0.5\n\n\
             [[sources]]\nid = \"stadt\"\ntitle = \"Stadt\"\nkind = \"ckan\"\nurl = \"{}\"\nrows = 2\n",
            ckan.url
        ),
    )
    .unwrap();
    let (out, reports) = harvest(&config, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(counts(report_of(&reports, "stadt")), [5, 0, 0, 0, 0]);
    assert!(ckan
        .log
        .lock()
        .unwrap()
        .iter()
        .all(|q| !q.contains_key("fq")));

    // Package 2 changes, package 5 is deleted.
    {
        let mut p = ckan.packages.lock().unwrap();
        p[1] = (
            "paket-2".into(),
            "Paket 2 neu".into(),
            "2099-01-01T00:00:00.000000".into(),
        );
        p.pop();
    }
    ckan.log.lock().unwrap().clear();
    let (out, reports) = harvest(&config, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let r = report_of(&reports, "stadt");
    // Only the changed package is fetched; the id listing withdraws the deleted one.
    assert_eq!(counts(r), [0, 1, 0, 1, 0], "{r}");
    let log = ckan.log.lock().unwrap().clone();
    assert!(
        log.iter().any(|q| q
            .get("fq")
            .is_some_and(|f| f.starts_with("metadata_modified:["))),
        "{log:?}"
    );
    assert!(log.iter().any(|q| q.contains_key("fl")), "{log:?}");
    let export = run_catalog(&config, &["export", "--format", "nt"]);
    let text = String::from_utf8_lossy(&export.stdout);
    assert!(String::from_utf8_lossy(&export.stderr).contains("exported 4 records"));
    assert!(!text.contains("/dataset/paket-5>"));
    assert!(text.contains("Paket 2 neu"));
}

/// The conditional headers of the last harvest's page requests, by page
/// number: (If-None-Match or If-Modified-Since sent, status answered).
fn conditional_requests(stub: &StubServer) -> Vec<(usize, bool, u16)> {
    let mut out: Vec<(usize, bool, u16)> = stub
        .conditions()
        .into_iter()
        .filter_map(|c| {
            let n = c.path.strip_prefix("/catalog?page=")?.parse().ok()?;
            let sent = c.if_none_match.is_some() || c.if_modified_since.is_some();
            Some((n, sent, c.status))
        })
        .collect();
    out.sort();
    out
}

/// Harvests again after clearing the stub's logs: the report and the page
/// requests as [`conditional_requests`] gives them.
fn rerun(
    stub: &StubServer,
    config: &Path,
    args: &[&str],
) -> (serde_json::Value, Vec<(usize, bool, u16)>) {
    stub.clear_log();
    let r = harvest_ok(config, args);
    (r, conditional_requests(stub))
}

/// Rewrites the config of [`setup`] with `extra` lines for its source.
fn rewrite_source(dir: &TempDir, stub: &StubServer, extra: &str) -> std::path::PathBuf {
    write_config(
        dir.path(),
        &[SourceSpec {
            extra: extra.to_owned(),
            ..SourceSpec::new("stadt", &stub.url("/catalog?page=1"))
        }],
        "",
    )
}

fn harvest_ok(config: &Path, args: &[&str]) -> serde_json::Value {
    let (out, reports) = harvest(config, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    report_of(&reports, "stadt").clone()
}

#[test]
fn conditional_requests_skip_unchanged_pages_and_reread_changed_ones() {
    let (_dir, stub, config) = setup("lc-etag", "");
    let all: Vec<usize> = (1..=30).collect();
    serve_pages(&stub, &all, 10, &|_| 1, Some(Validator::ETag));
    let (r, requests) = rerun(&stub, &config, &[]);
    assert_eq!(counts(&r), [30, 0, 0, 0, 0]);
    assert_eq!(r["pages_not_modified"], 0);
    assert!(requests.iter().all(|(_, sent, _)| !sent));
    let before = modified(&config);

    // Nothing changed: every page is asked for with its ETag and answers 304;
    // all records count as unchanged and none is rewritten.
    std::thread::sleep(Duration::from_millis(1100)); // a later harvest time
    let (r, requests) = rerun(&stub, &config, &[]);
    assert_eq!(counts(&r), [0, 0, 30, 0, 0], "{r}");
    assert_eq!(r["status"], "success");
    assert_eq!(r["pages"], 3);
    assert_eq!(r["pages_not_modified"], 3);
    assert_eq!(r["bytes"], 0);
    assert_eq!(requests, [(1, true, 304), (2, true, 304), (3, true, 304)]);
    assert_eq!(
        stub.conditions()[0]
            .if_none_match
            .as_deref()
            .map(|t| t.starts_with('"')),
        Some(true)
    );
    assert_eq!(
        modified(&config),
        before,
        "a record of a 304 page was rewritten"
    );

    // Dataset 12 changes: page 2 gets a new ETag and is read again.
    serve_pages(
        &stub,
        &all,
        10,
        &|i| if i == 12 { 2 } else { 1 },
        Some(Validator::ETag),
    );
    let (r, requests) = rerun(&stub, &config, &[]);
    assert_eq!(counts(&r), [0, 1, 29, 0, 0], "{r}");
    assert_eq!(r["pages_not_modified"], 2);
    assert_eq!(requests, [(1, true, 304), (2, true, 200), (3, true, 304)]);
    let after = modified(&config);
    assert_ne!(
        after["https://stadt.example/ds/12"],
        before["https://stadt.example/ds/12"]
    );
    assert_eq!(
        after["https://stadt.example/ds/13"],
        before["https://stadt.example/ds/13"]
    );

    // The memo of page 2 was refreshed: all pages are 304 again.
    let (r, requests) = rerun(&stub, &config, &[]);
    assert_eq!(counts(&r), [0, 0, 30, 0, 0], "{r}");
    assert_eq!(r["pages_not_modified"], 3);
    assert_eq!(requests, [(1, true, 304), (2, true, 304), (3, true, 304)]);

    // A dataset deleted at the source: page 3 changes, 30 is withdrawn.
    let fewer: Vec<usize> = (1..=29).collect();
    serve_pages(
        &stub,
        &fewer,
        10,
        &|i| if i == 12 { 2 } else { 1 },
        Some(Validator::ETag),
    );
    let r = harvest_ok(&config, &[]);
    assert_eq!(counts(&r), [0, 0, 29, 1, 0], "{r}");
    assert_eq!(r["pages_not_modified"], 2);

    // --full ignores the memos (plain requests) but refreshes them.
    let (r, requests) = rerun(&stub, &config, &["--full"]);
    assert_eq!(counts(&r), [0, 0, 29, 0, 0], "{r}");
    assert_eq!(r["pages_not_modified"], 0);
    assert!(requests
        .iter()
        .all(|(_, sent, status)| !sent && *status == 200));
    let (r, requests) = rerun(&stub, &config, &[]);
    assert_eq!(r["pages_not_modified"], 3, "{r}");
    assert_eq!(requests, [(1, true, 304), (2, true, 304), (3, true, 304)]);

    // The run record counts the 304 pages; the summary shows them.
    let served = Served::start(&config);
    assert_eq!(
        served.count(
            "SELECT (MAX(?m) AS ?n) WHERE { GRAPH ?g { ?run <urn:dcat-catalog:vocab#pagesNotModified> ?m } }"
        ),
        3
    );
    drop(served);
    let out = run_catalog(&config, &["harvest"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("stadt") && l.split_whitespace().nth(3) == Some("3")),
        "{text}"
    );
}

#[test]
fn last_modified_is_sent_as_if_modified_since() {
    let (dir, stub, config) = setup("lc-lastmod", "");
    let all: Vec<usize> = (1..=12).collect();
    serve_pages(&stub, &all, 5, &|_| 1, Some(Validator::LastModified));
    assert_eq!(counts(&harvest_ok(&config, &[])), [12, 0, 0, 0, 0]);
    let before = modified(&config);
    let (r, requests) = rerun(&stub, &config, &[]);
    assert_eq!(counts(&r), [0, 0, 12, 0, 0], "{r}");
    assert_eq!(r["pages_not_modified"], 3);
    assert_eq!(requests, [(1, true, 304), (2, true, 304), (3, true, 304)]);
    let seen = stub.conditions();
    assert!(
        seen.iter().all(|c| c.if_none_match.is_none()
            && c.if_modified_since
                .as_deref()
                .is_some_and(|d| d.ends_with(" GMT"))
            && c.status == 304),
        "{seen:?}"
    );
    assert_eq!(modified(&config), before);

    // incremental = false: plain requests (the memos are refreshed, so the
    // next run with the default asks conditionally again).
    let plain = rewrite_source(&dir, &stub, "incremental = false");
    let (r, requests) = rerun(&stub, &plain, &[]);
    assert_eq!(counts(&r), [0, 0, 12, 0, 0], "{r}");
    assert_eq!(
        requests,
        [(1, false, 200), (2, false, 200), (3, false, 200)]
    );
    let normal = rewrite_source(&dir, &stub, "");
    let (r, requests) = rerun(&stub, &normal, &[]);
    assert_eq!(r["pages_not_modified"], 3, "{r}");
    assert_eq!(requests, [(1, true, 304), (2, true, 304), (3, true, 304)]);
}

#[test]
fn memos_are_dropped_when_the_config_or_the_stored_records_change() {
    let (dir, stub, config) = setup("lc-memo-drop", "");
    let all: Vec<usize> = (1..=30).collect();
    serve_pages(&stub, &all, 10, &|_| 1, Some(Validator::ETag));
    assert_eq!(counts(&harvest_ok(&config, &[])), [30, 0, 0, 0, 0]);

    // A changed source config (a header, which may change what the server
    // sends) voids every memo: plain requests, then memos again.
    let changed = rewrite_source(&dir, &stub, "headers = { \"X-Api-Key\" = \"k2\" }");
    let (r, requests) = rerun(&stub, &changed, &[]);
    assert_eq!(counts(&r), [0, 0, 30, 0, 0], "{r}");
    assert_eq!(r["pages_not_modified"], 0);
    assert!(requests.iter().all(|(_, sent, _)| !sent));
    assert_eq!(harvest_ok(&changed, &[])["pages_not_modified"], 3);

    // A record of page 1 is no longer in the store (withdrawn and purged
    // behind the harvester's back): page 1's memo is not trusted, the page
    // is read again and the record comes back; pages 2 and 3 stay 304.
    {
        let cfg = Config::load(&changed).expect("config");
        let store = CatalogStore::open(&cfg.data_dir).expect("store");
        let rid = catalog_server::store::record_id("stadt", "https://stadt.example/ds/4");
        let catalog = cfg.source_catalog_iri(&cfg.sources[0].id);
        store
            .withdraw(
                "stadt",
                &catalog,
                std::slice::from_ref(&rid),
                "2026-01-01T00:00:00Z",
            )
            .expect("withdraw");
        assert_eq!(
            store
                .purge_withdrawn("stadt", "2026-01-02T00:00:00Z")
                .expect("purge")
                .rids,
            [rid]
        );
    }
    let (r, requests) = rerun(&stub, &changed, &[]);
    assert_eq!(counts(&r), [1, 0, 29, 0, 0], "{r}");
    assert_eq!(r["pages_not_modified"], 2);
    assert_eq!(requests, [(1, false, 200), (2, true, 304), (3, true, 304)]);
    let served = Served::start(&changed);
    assert_eq!(
        served.count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:dcat-catalog:catalog:stadt> { ?c <http://www.w3.org/ns/dcat#dataset> ?d } }"),
        30
    );
}

#[test]
fn failed_records_and_incomplete_runs_leave_no_memo_behind() {
    let (_dir, stub, config) = setup("lc-memo-fail", "[harvest]\nmax_record_triples = 12\n");
    // Dataset 3 is too large (a record error): its page is not memoized,
    // the other pages are.
    let all: Vec<usize> = (1..=15).collect();
    serve_pages(&stub, &all, 5, &|_| 1, Some(Validator::ETag));
    let big = format!("http://{}", stub.addr);
    let mut body = String::from_utf8(page(&big, 1, false, &[1, 2, 3, 4, 5], &|_| 1)).expect("utf8");
    for k in 0..20 {
        body.push_str(&format!(
            "<https://stadt.example/ds/3> <http://www.w3.org/ns/dcat#keyword> \"extra {k}\"@de .\n"
        ));
    }
    stub.set(
        "/catalog?page=1",
        Behaviour::Cached {
            body: std::sync::Arc::new(body.into_bytes()),
            content_type: "text/turtle".into(),
            etag: Some("\"p1\"".into()),
            last_modified: None,
        },
    );
    let (_, reports) = harvest(&config, &[]);
    let r = report_of(&reports, "stadt");
    assert_eq!(r["failed"], 1, "{r}");
    stub.clear_log();
    let (_, reports) = harvest(&config, &[]);
    let r = report_of(&reports, "stadt");
    assert_eq!(counts(r), [0, 0, 14, 0, 0], "{r}");
    assert_eq!(r["failed"], 1, "the failed record is tried again: {r}");
    assert_eq!(
        conditional_requests(&stub),
        [(1, false, 200), (2, true, 304), (3, true, 304)]
    );

    // An incomplete run (page 3 fails) writes no memo, and a record it
    // changed voids the older memo of its page: page 2 is asked for plainly.
    serve_pages(
        &stub,
        &all,
        5,
        &|i| if i == 7 { 2 } else { 1 },
        Some(Validator::ETag),
    );
    stub.set("/catalog?page=3", Behaviour::Status(500));
    let (_, reports) = harvest(&config, &[]);
    let r = report_of(&reports, "stadt");
    assert_eq!(counts(r), [1, 1, 8, 0, 0], "{r}");
    assert_eq!(r["complete"], false);
    serve_pages(
        &stub,
        &all,
        5,
        &|i| if i == 7 { 2 } else { 1 },
        Some(Validator::ETag),
    );
    let (r, requests) = rerun(&stub, &config, &[]);
    assert_eq!(counts(&r), [0, 0, 15, 0, 0], "{r}");
    assert_eq!(requests, [(1, false, 200), (2, false, 200), (3, true, 304)]);
}

/// SIGTERM (systemd, containers) stops `serve` gracefully: a harvest in
/// progress gets time to finish, the process exits with 0, and no run is
/// left `running` in the store.
#[test]
fn sigterm_stops_serve_gracefully_during_a_harvest() {
    let (_dir, stub, config) = setup("lc-sigterm", "");
    let all: Vec<usize> = (1..=3_000).collect();
    serve_catalog(&stub, &all, 500, &|_| 1);
    let port = free_port();
    let mut child = Command::new(catalog_binary())
        .arg("--config")
        .arg(&config)
        .args([
            "serve",
            "--harvest",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    // Wait until the harvest has begun.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !stub.requests().iter().any(|r| r.contains("page=1")) {
        assert!(Instant::now() < deadline, "the harvest did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) with a child pid we own and a valid signal.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(rc, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{status}");
    let config = Config::load(&config).expect("config");
    let store = CatalogStore::open(&config.data_dir).expect("store");
    let runs = store.runs("stadt", 10).expect("runs");
    assert!(!runs.is_empty());
    assert!(
        runs.iter().all(|r| r.status == "success"),
        "the run did not finish within the grace period: {runs:?}"
    );
}
