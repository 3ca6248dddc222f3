//! Operations through the real binary: the scheduler inside `serve` (cron with
//! seconds, one run per source, the global limit), the admin API (tokens,
//! run now, 409, runs, preview that stores nothing), config reload by SIGHUP
//! and by the API, `/metrics`, and the per-run timeout.

use catalog_tests::*;
use reqwest::Method;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "s3cret-admin-token-of-32-characters";

fn catalog(host: &str, ids: std::ops::RangeInclusive<u32>) -> Vec<u8> {
    let mut s = String::from(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n",
    );
    for i in ids {
        let _ = writeln!(
            s,
            "<https://{host}/catalog> a dcat:Catalog ; dcat:dataset <https://{host}/ds/{i}> .\n\
             <https://{host}/ds/{i}> a dcat:Dataset ; dct:title \"Datensatz {i}\"@de ;\n\
               dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://{host}/{i}.csv> ] ."
        );
    }
    s.into_bytes()
}

fn slow(stub: &StubServer, path: &str, host: &str, n: u32, delay_ms: u64) {
    stub.set(
        path,
        Behaviour::Slow {
            delay: Duration::from_millis(delay_ms),
            body: Arc::new(catalog(host, 1..=n)),
            content_type: "text/turtle".into(),
        },
    );
}

fn get(served: &Served, path: &str) -> HttpAnswer {
    call(Method::GET, &format!("{}{path}", served.base), &[])
}

fn post(served: &Served, path: &str, token: Option<&str>) -> HttpAnswer {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth
        .as_deref()
        .map(|a| vec![("Authorization", a)])
        .unwrap_or_default();
    call(Method::POST, &format!("{}{path}", served.base), &headers)
}

fn secs(t: &Value) -> i64 {
    let s = t.as_str().unwrap_or_else(|| panic!("no time in {t}"));
    let t = humantime::parse_rfc3339_weak(s.trim_end_matches('Z'))
        .unwrap_or_else(|e| panic!("{s}: {e}"));
    t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Finished runs of the given sources as (source, started, ended), by start.
fn finished_runs(served: &Served, sources: &[&str]) -> Vec<(String, i64, i64, Value)> {
    let mut out = Vec::new();
    for s in sources {
        let a = get(served, &format!("/api/sources/{s}/runs?limit=100"));
        assert_eq!(a.status, 200, "{}", a.text());
        for r in a.json()["runs"].as_array().cloned().unwrap_or_default() {
            if r["ended"].is_string() {
                out.push((s.to_string(), secs(&r["started"]), secs(&r["ended"]), r));
            }
        }
    }
    out.sort_by_key(|r| (r.1, r.2));
    out
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write config");
}

fn config_text(stub: &StubServer, sources: &[(&str, &str, &str)], harvest: &str) -> String {
    let mut text = format!(
        "data_dir = \"data\"\nbase_iri = \"http://catalog.test/\"\nadmin_token_env = \"OPS_TEST_TOKEN\"\n[harvest]\n{harvest}\n"
    );
    for (id, path, extra) in sources {
        let _ = write!(
            text,
            "\n[[sources]]\nid = \"{id}\"\ntitle = \"Quelle {id}\"\nkind = \"dcat\"\nurl = \"{}\"\n{extra}\n",
            stub.url(path)
        );
    }
    text
}

fn serve(config: &Path) -> Served {
    Served::start_with(config, &[], &[("OPS_TEST_TOKEN", TOKEN)])
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn run_done(served: &Served, run_id: &str) -> Value {
    let mut last = Value::Null;
    wait_for(&format!("run {run_id}"), Duration::from_secs(60), || {
        let a = get(served, &format!("/api/runs/{run_id}"));
        if a.status != 200 {
            return false;
        }
        last = a.json();
        !matches!(last["status"].as_str(), Some("queued" | "running"))
    });
    last
}

#[test]
fn scheduler_runs_sources_on_cron_and_respects_the_limit() {
    let dir = TempDir::new("ops-sched");
    let stub = StubServer::start();
    // Each run takes about 1.5 s; the schedule fires every 2 s for both.
    slow(&stub, "/a.ttl", "a.example", 2, 1500);
    slow(&stub, "/b.ttl", "b.example", 3, 1500);
    let config = dir.path().join("catalog.toml");
    let every2 = "schedule = \"*/2 * * * * *\"";
    let sources = [("a", "/a.ttl", every2), ("b", "/b.ttl", every2)];
    write(
        &config,
        &config_text(
            &stub,
            &sources,
            "max_concurrent_runs = 1\ntime_zone = \"UTC\"",
        ),
    );
    let served = serve(&config);
    let list = get(&served, "/api/sources").json();
    assert_eq!(list["time_zone"], "UTC");
    assert_eq!(list["max_concurrent_runs"], 1);
    let a = &list["sources"][0];
    assert_eq!(a["schedule"], "*/2 * * * * *");
    let next = secs(&a["next_run"]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        next >= now - 1 && next <= now + 3,
        "next run {next}, now {now}"
    );

    std::thread::sleep(Duration::from_secs(10));
    let runs = finished_runs(&served, &["a", "b"]);
    for s in ["a", "b"] {
        let n = runs.iter().filter(|r| r.0 == s).count();
        assert!(n >= 2, "source {s} ran {n} times: {runs:?}");
    }
    for r in &runs {
        assert_eq!(r.3["trigger"], "schedule", "{}", r.3);
        assert_eq!(r.3["status"], "success", "{}", r.3);
        assert!(r.2 - r.1 >= 1, "a run lasts 1.5 s: {}", r.3);
    }
    // Limit 1: no run starts before the previous one ended (any source).
    for w in runs.windows(2) {
        assert!(
            w[1].1 >= w[0].2,
            "runs overlap with max_concurrent_runs = 1: {:?} and {:?}",
            w[0],
            w[1]
        );
    }
    assert!(stub.in_flight.max.load(std::sync::atomic::Ordering::SeqCst) <= 1);
    // Ticks that found their source busy were refused, not queued.
    let metrics = get(&served, "/metrics").text();
    assert!(
        metrics.contains("catalog_runs_refused_total{source=\"a\",trigger=\"schedule\"}")
            || metrics.contains("catalog_runs_refused_total{source=\"b\",trigger=\"schedule\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("catalog_runs_total{source=\"a\",status=\"success\"}"),
        "{metrics}"
    );

    // Limit 2 (reloaded): the two sources now run side by side, which the
    // overlap check above would have caught.
    write(
        &config,
        &config_text(
            &stub,
            &sources,
            "max_concurrent_runs = 2\ntime_zone = \"UTC\"",
        ),
    );
    let r = post(&served, "/api/admin/reload", Some(TOKEN));
    assert_eq!(r.status, 200, "{}", r.text());
    let before = runs.len();
    std::thread::sleep(Duration::from_secs(7));
    let later: Vec<_> = finished_runs(&served, &["a", "b"])
        .into_iter()
        .filter(|r| !runs.iter().any(|o| o.3["id"] == r.3["id"]))
        .collect();
    assert!(later.len() >= 2, "{before} then {later:?}");
    let overlapping = later.windows(2).any(|w| w[1].1 < w[0].2);
    assert!(
        overlapping,
        "with 2 slots both sources run at once: {later:?}"
    );
    // One source still never overlaps itself.
    for s in ["a", "b"] {
        let own: Vec<_> = later.iter().filter(|r| r.0 == s).collect();
        for w in own.windows(2) {
            assert!(w[1].1 >= w[0].2, "source {s} overlaps itself: {own:?}");
        }
    }
}

#[test]
fn admin_api_needs_a_token_and_reports_runs() {
    let dir = TempDir::new("ops-admin");
    let stub = StubServer::start();
    stub.serve_bytes("/stadt.ttl", catalog("stadt.example", 1..=3), "text/turtle");
    slow(&stub, "/slow.ttl", "slow.example", 1, 3000);
    stub.serve_bytes("/neu.ttl", catalog("neu.example", 1..=5), "text/turtle");
    let config = dir.path().join("catalog.toml");
    write(
        &config,
        &config_text(
            &stub,
            &[
                ("stadt", "/stadt.ttl", ""),
                ("slow", "/slow.ttl", ""),
                ("neu", "/neu.ttl", "enabled = false"),
            ],
            "",
        ),
    );
    let served = serve(&config);

    // Write endpoints: no header 401 (with a challenge), wrong token 403.
    let r = post(&served, "/api/sources/stadt/harvest", None);
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(
        r.headers["www-authenticate"].starts_with("Bearer"),
        "{:?}",
        r.headers
    );
    let r = post(&served, "/api/sources/stadt/harvest", Some("wrong"));
    assert_eq!(r.status, 403, "{}", r.text());
    let r = call(
        Method::POST,
        &format!("{}/api/admin/reload", served.base),
        &[("Authorization", "Basic c2VjcmV0")],
    );
    assert_eq!(r.status, 401);
    for path in ["/api/admin/reload", "/api/sources/neu/preview"] {
        assert_eq!(post(&served, path, None).status, 401, "{path}");
        assert_eq!(post(&served, path, Some("s3cret")).status, 403, "{path}");
    }
    // Nothing ran.
    assert_eq!(
        get(&served, "/api/sources/stadt/runs").json()["runs"],
        Value::Array(vec![])
    );

    // Run now.
    let r = post(&served, "/api/sources/stadt/harvest", Some(TOKEN));
    assert_eq!(r.status, 202, "{}", r.text());
    let run_id = r.json()["run_id"].as_str().unwrap().to_owned();
    assert_eq!(r.headers["location"], format!("/api/runs/{run_id}"));
    let run = run_done(&served, &run_id);
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["source"], "stadt");
    assert_eq!(run["counts"]["added"], 3, "{run}");

    let list = get(&served, "/api/sources").json();
    let stadt = list["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "stadt")
        .unwrap();
    assert_eq!(stadt["state"], "idle");
    assert_eq!(stadt["last_run"]["id"], run_id.as_str());
    assert_eq!(stadt["last_run"]["status"], "success");
    assert_eq!(stadt["last_run"]["counts"]["added"], 3);
    assert_eq!(stadt["last_success"]["id"], run_id.as_str());
    assert_eq!(stadt["next_run"], Value::Null);
    let runs = get(&served, "/api/sources/stadt/runs").json();
    assert_eq!(runs["runs"].as_array().unwrap().len(), 1);
    assert_eq!(runs["runs"][0]["id"], run_id.as_str());
    assert_eq!(get(&served, "/api/runs/stadt-0000000000001").status, 404);
    assert_eq!(get(&served, "/api/sources/nirgendwo/runs").status, 404);
    assert_eq!(get(&served, "/api/sources/stadt/runs?limit=0").status, 400);
    assert_eq!(
        post(&served, "/api/sources/nirgendwo/harvest", Some(TOKEN)).status,
        404
    );

    // One run per source: a second request while it runs is refused.
    let r = post(&served, "/api/sources/slow/harvest", Some(TOKEN));
    assert_eq!(r.status, 202, "{}", r.text());
    let slow_run = r.json()["run_id"].as_str().unwrap().to_owned();
    let r = post(&served, "/api/sources/slow/harvest", Some(TOKEN));
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.json()["current"]["run_id"], slow_run.as_str());
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("one run per source"));
    let list = get(&served, "/api/sources").json();
    assert_eq!(list["jobs"][0]["run_id"], slow_run.as_str());
    assert_eq!(run_done(&served, &slow_run)["status"], "success");

    // Preview: the first 2 records of a disabled source, nothing stored.
    let r = post(&served, "/api/sources/neu/preview?limit=2", Some(TOKEN));
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.json();
    let records = p["records"].as_array().unwrap();
    assert_eq!(records.len(), 2, "{p}");
    for rec in records {
        let nt = rec["ntriples"].as_str().unwrap();
        assert!(nt.contains("<http://www.w3.org/ns/dcat#Dataset>"), "{nt}");
        assert!(rec["dataset"]
            .as_str()
            .unwrap()
            .starts_with("https://neu.example/ds/"));
        assert_eq!(rec["hash"].as_str().unwrap().len(), 64);
        // Validated against the source's profile, as a harvest would.
        let v = &rec["validation"];
        assert_eq!(v["profile"], "dcat-ap-de-3", "{v}");
        assert!(v["results"].is_array(), "{v}");
        assert_eq!(
            v["violations"].as_u64().unwrap()
                + v["warnings"].as_u64().unwrap()
                + v["infos"].as_u64().unwrap(),
            v["results"].as_array().unwrap().len() as u64
        );
    }
    assert_eq!(p["stored"], false);
    assert_eq!(
        post(&served, "/api/sources/neu/preview?limit=x", Some(TOKEN)).status,
        400
    );
    assert_eq!(
        get(&served, "/api/sources/neu/runs").json()["runs"],
        Value::Array(vec![])
    );
    let stored = served.count(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?s), \"neu.example\")) }",
    );
    assert_eq!(stored, 0, "a preview stores nothing");

    // Metrics after the runs.
    let m = get(&served, "/metrics");
    assert!(m.headers["content-type"].starts_with("text/plain; version=0.0.4"));
    let text = m.text();
    for line in [
        "catalog_runs_total{source=\"stadt\",status=\"success\"} 1",
        "catalog_records_total{source=\"stadt\",outcome=\"added\"} 3",
        "catalog_run_duration_seconds_count{source=\"slow\"} 1",
        "catalog_fetch_errors_total{source=\"stadt\"} 0",
        "catalog_runs_refused_total{source=\"slow\",trigger=\"manual\"} 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert!(
        text.contains("catalog_http_request_duration_seconds_count{route=\"/api/sources/{id}/harvest\",method=\"POST\",status=\"202\"}"),
        "{text}"
    );
}

#[test]
fn without_a_token_write_endpoints_are_disabled() {
    let dir = TempDir::new("ops-notoken");
    let stub = StubServer::start();
    stub.serve_bytes("/stadt.ttl", catalog("stadt.example", 1..=1), "text/turtle");
    let config = write_config(
        dir.path(),
        &[SourceSpec::new("stadt", &stub.url("/stadt.ttl"))],
        "",
    );
    let served = Served::start(&config);
    let r = post(&served, "/api/sources/stadt/harvest", Some("anything"));
    assert_eq!(r.status, 403);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("CATALOG_ADMIN_TOKEN"),
        "{}",
        r.text()
    );
    // Read endpoints stay public.
    assert_eq!(get(&served, "/api/sources").status, 200);
    drop(served);
    // The conventional variable works without any config key.
    let served = Served::start_with(&config, &[], &[("CATALOG_ADMIN_TOKEN", TOKEN)]);
    let r = post(&served, "/api/sources/stadt/harvest", Some(TOKEN));
    assert_eq!(r.status, 202, "{}", r.text());
}

#[test]
fn reload_by_sighup_and_api_keeps_running_jobs() {
    let dir = TempDir::new("ops-reload");
    let stub = StubServer::start();
    slow(&stub, "/a.ttl", "a.example", 2, 3000);
    stub.serve_bytes("/b.ttl", catalog("b.example", 1..=2), "text/turtle");
    stub.serve_bytes("/c.ttl", catalog("c.example", 1..=2), "text/turtle");
    let config: PathBuf = dir.path().join("catalog.toml");
    write(&config, &config_text(&stub, &[("a", "/a.ttl", "")], ""));
    let served = serve(&config);
    let ids = |served: &Served| -> Vec<String> {
        get(served, "/api/sources").json()["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&served), ["a"]);
    // A slow run of a is in progress during both reloads.
    let r = post(&served, "/api/sources/a/harvest", Some(TOKEN));
    assert_eq!(r.status, 202);
    let run_a = r.json()["run_id"].as_str().unwrap().to_owned();

    write(
        &config,
        &config_text(&stub, &[("a", "/a.ttl", ""), ("b", "/b.ttl", "")], ""),
    );
    // SAFETY: kill(2) with a child pid we own and a valid signal.
    let rc = unsafe { libc::kill(served.child.id() as libc::pid_t, libc::SIGHUP) };
    assert_eq!(rc, 0);
    wait_for("SIGHUP reload", Duration::from_secs(10), || {
        ids(&served).len() == 2
    });
    assert_eq!(ids(&served), ["a", "b"]);

    write(
        &config,
        &config_text(
            &stub,
            &[
                ("a", "/a.ttl", ""),
                ("b", "/b.ttl", ""),
                ("c", "/c.ttl", ""),
            ],
            "",
        ),
    );
    let r = post(&served, "/api/admin/reload", Some(TOKEN));
    assert_eq!(r.status, 200, "{}", r.text());
    let summary = r.json();
    assert_eq!(summary["added"], serde_json::json!(["c"]));
    assert_eq!(summary["removed"], serde_json::json!([]));
    assert_eq!(summary["jobs_in_progress"], 1, "{summary}");
    // The new source can run at once.
    let r = post(&served, "/api/sources/c/harvest", Some(TOKEN));
    assert_eq!(r.status, 202, "{}", r.text());
    let run_c = r.json()["run_id"].as_str().unwrap().to_owned();
    assert_eq!(run_done(&served, &run_c)["counts"]["added"], 2);

    // Removed and changed sources; the job of a changed source goes on.
    write(
        &config,
        &config_text(
            &stub,
            &[
                ("a", "/a.ttl", "schedule = \"0 3 * * *\""),
                ("c", "/c.ttl", ""),
            ],
            "",
        ),
    );
    let r = post(&served, "/api/admin/reload", Some(TOKEN));
    assert_eq!(r.status, 200, "{}", r.text());
    let summary = r.json();
    assert_eq!(summary["removed"], serde_json::json!(["b"]), "{summary}");
    assert_eq!(summary["changed"], serde_json::json!(["a"]), "{summary}");
    let list = get(&served, "/api/sources").json();
    assert_eq!(list["sources"][0]["schedule"], "0 3 * * *");
    assert!(list["sources"][0]["next_run"].is_string(), "{list}");
    assert_eq!(ids(&served), ["a", "c"]);
    assert_eq!(
        post(&served, "/api/sources/b/harvest", Some(TOKEN)).status,
        404
    );

    // A broken config is refused; the running one stays.
    write(
        &config,
        "data_dir = \"data\"\n[[sources]]\nid = \"Bad Id\"\n",
    );
    let r = post(&served, "/api/admin/reload", Some(TOKEN));
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("previous config stays"));
    assert_eq!(ids(&served), ["a", "c"]);

    // The job that ran through the reloads finished normally.
    let a = run_done(&served, &run_a);
    assert_eq!(a["status"], "success", "{a}");
    assert_eq!(a["counts"]["added"], 2);
}

#[test]
fn run_timeout_stops_a_run_as_partial_without_withdrawals() {
    let dir = TempDir::new("ops-timeout");
    let stub = StubServer::start();
    let base = format!("http://{}", stub.addr);
    let mut p1 = String::from_utf8(catalog("t.example", 1..=3)).unwrap();
    let _ = writeln!(
        p1,
        "<{base}/p?n=1> a <http://www.w3.org/ns/hydra/core#PartialCollectionView> ; <http://www.w3.org/ns/hydra/core#next> <{base}/p?n=2> ."
    );
    stub.serve_bytes("/p?n=1", p1.into_bytes(), "text/turtle");
    slow(&stub, "/p?n=2", "t.example", 4, 5000);
    let config = write_config(
        dir.path(),
        &[SourceSpec::new("t", &stub.url("/p?n=1"))],
        "[harvest]\nrun_timeout = \"1500ms\"\nmax_withdraw_share = 1.0\n",
    );
    let started = Instant::now();
    let (_, reports) = harvest(&config, &[]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let r = report_of(&reports, "t");
    assert_eq!(r["status"], "partial", "{r}");
    assert_eq!(r["added"], 3, "{r}");
    assert_eq!(r["withdrawn"], 0);
    assert!(
        r["end_reason"].as_str().unwrap().contains("run_timeout"),
        "{r}"
    );
}

#[test]
fn reload_reaches_every_request_handler() {
    let dir = TempDir::new("ops-reload-handlers");
    let stub = StubServer::start();
    stub.serve_bytes("/a.ttl", catalog("a.example", 1..=2), "text/turtle");
    stub.serve_bytes("/n.ttl", catalog("n.example", 1..=3), "text/turtle");
    let config: PathBuf = dir.path().join("catalog.toml");
    let text = |sources: &[(&str, &str, &str)], top: &str| {
        let mut t = format!(
            "data_dir = \"data\"\nbase_iri = \"http://catalog.test/\"\nadmin_token_env = \"OPS_TEST_TOKEN\"\n{top}\n"
        );
        for (id, title, path) in sources {
            let _ = write!(
                t,
                "\n[[sources]]\nid = \"{id}\"\ntitle = \"{title}\"\nkind = \"dcat\"\nurl = \"{}\"\n",
                stub.url(path)
            );
        }
        t
    };
    write(&config, &text(&[("a", "Quelle Alpha", "/a.ttl")], ""));
    let served = serve(&config);
    let r = post(&served, "/api/sources/a/harvest", Some(TOKEN));
    assert_eq!(r.status, 202, "{}", r.text());
    let run = run_done(&served, r.json()["run_id"].as_str().unwrap());
    assert_eq!(run["status"], "success", "{run}");
    let source_titles = |q: &str| -> Vec<String> {
        let a = get(&served, &format!("/api/search?{q}"));
        assert_eq!(a.status, 200, "{}", a.text());
        a.json()["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["source_title"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(source_titles("source=a"), ["Quelle Alpha"; 2]);
    assert!(get(&served, "/").text().contains("Quelle Alpha"));
    let upload = |profile: &str| {
        request(
            Method::POST,
            &format!("{}/api/validate?profile={profile}", served.base),
            "application/json",
            Some(("text/turtle", catalog("x.example", 1..=1))),
        )
        .expect("validate")
        .0
    };
    assert_eq!(upload("zusatz"), 400, "the profile is not configured yet");
    let two_rows = format!(
        "{}/sparql?query={}",
        served.base,
        url_encode("SELECT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }")
    );
    assert_eq!(
        blocking_get(&two_rows, "application/sparql-results+json")
            .unwrap()
            .0,
        200
    );

    // Reload: a's title changes, a new source n, a new validation profile,
    // a smaller SPARQL result cap.
    write(
        &config,
        &text(
            &[
                ("a", "Altstadt Portal", "/a.ttl"),
                ("n", "Neustadt Portal", "/n.ttl"),
            ],
            "[sparql]\nmax_results = 1\n[validation.profiles.zusatz]\nbase = \"dcat-ap-3\"\n",
        ),
    );
    let r = post(&served, "/api/admin/reload", Some(TOKEN));
    assert_eq!(r.status, 200, "{}", r.text());

    // The admin API, the index page, /health, search hits, the dataset view,
    // the validation API and SPARQL all answer under the new config.
    let list = get(&served, "/api/sources").json();
    let titles: Vec<&str> = list["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Altstadt Portal", "Neustadt Portal"]);
    let page = get(&served, "/").text();
    assert!(
        page.contains("Altstadt Portal") && page.contains("Neustadt Portal"),
        "{page}"
    );
    assert!(!page.contains("Quelle Alpha"), "{page}");
    assert_eq!(get(&served, "/health").json()["sources_configured"], 2);
    assert_eq!(source_titles("source=a"), ["Altstadt Portal"; 2]);
    let hit = get(&served, "/api/search?source=a").json()["hits"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let view = get(&served, &format!("/api/datasets/{hit}"));
    assert_eq!(
        view.json()["source_title"],
        "Altstadt Portal",
        "{}",
        view.text()
    );
    assert_eq!(upload("zusatz"), 200);
    assert_eq!(
        blocking_get(&two_rows, "application/sparql-results+json")
            .unwrap()
            .0,
        413
    );

    // The new source's records are indexed under its title: its words find them.
    let r = post(&served, "/api/sources/n/harvest", Some(TOKEN));
    assert_eq!(r.status, 202, "{}", r.text());
    let run = run_done(&served, r.json()["run_id"].as_str().unwrap());
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(source_titles("q=Neustadt"), ["Neustadt Portal"; 3]);
    assert_eq!(source_titles("source=n"), ["Neustadt Portal"; 3]);
}
