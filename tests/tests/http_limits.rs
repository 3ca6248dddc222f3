//! The HTTP limits of `serve` through the real binary: the header timeout
//! (slow loris, idle kept-alive connections), the body deadline (slow and
//! trickling bodies), the connection limit, body sizes per endpoint (413),
//! the slots and timeouts of `POST /api/validate` and of the admin preview
//! (503 with `Retry-After`), metric labels from fixed sets, the admin token
//! (too short refused at start, trimmed, refusals logged with the client's
//! address and without the token) and the audit trail of admin actions.

use catalog_tests::*;
use reqwest::Method;
use serde_json::Value;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const TOKEN: &str = "http-limits-admin-token-0123456789abcdef";
const TOKEN_VAR: &str = "HTTP_LIMITS_TEST_TOKEN";

/// A config with the admin token in `$HTTP_LIMITS_TEST_TOKEN`, `[http]`
/// settings and sources.
fn config(dir: &Path, http: &str, sources: &[SourceSpec]) -> PathBuf {
    write_config(
        dir,
        sources,
        &format!("admin_token_env = \"{TOKEN_VAR}\"\n[http]\n{http}\n"),
    )
}

fn serve(config: &Path) -> Served {
    Served::start_with(config, &[], &[(TOKEN_VAR, TOKEN)])
}

fn host(served: &Served) -> String {
    served.base.trim_start_matches("http://").to_owned()
}

/// A DCAT document of `n` datasets (validating 20,000 takes seconds).
fn datasets(n: usize) -> Vec<u8> {
    let mut s = String::from(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n",
    );
    for i in 0..n {
        let _ = writeln!(
            s,
            "<https://x.example/ds/{i}> a dcat:Dataset ; dct:title \"Datensatz {i}\"@de ; \
             dct:description \"Beschreibung {i}\"@de ;\n  dcat:distribution [ a dcat:Distribution ; \
             dcat:accessURL <https://x.example/{i}.csv> ] ."
        );
    }
    s.into_bytes()
}

/// Reads from `stream` until the peer closes it; `Err` if it is still open
/// after `patience` (what was read so far in the message).
fn read_until_closed(stream: &mut TcpStream, patience: Duration) -> Result<String, String> {
    let deadline = Instant::now() + patience;
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(String::from_utf8_lossy(&got).into_owned());
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        match stream.read(&mut buf) {
            Ok(0) => return Ok(String::from_utf8_lossy(&got).into_owned()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(String::from_utf8_lossy(&got).into_owned())
            }
            // Reset by the server: closed.
            Err(_) => return Ok(String::from_utf8_lossy(&got).into_owned()),
        }
    }
}

/// A request with a body of `body` (status, `Retry-After`, body text).
fn post_body(url: &str, content_type: &str, body: Vec<u8>) -> (u16, Option<String>, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("client");
        let resp = client
            .post(url)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = resp.status().as_u16();
        let retry = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = resp.text().await.unwrap_or_default();
        (status, retry, text)
    })
}

#[test]
fn slow_loris_headers_are_cut_off_while_health_answers() {
    let dir = TempDir::new("http-loris");
    let cfg = config(dir.path(), "header_timeout = \"1s\"", &[]);
    let served = serve(&cfg);
    let addr = host(&served);
    // Twenty clients send half a header and wait.
    let started = Instant::now();
    let mut lorises: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = TcpStream::connect(&addr).expect("connect");
            s.write_all(b"GET /health HTTP/1.1\r\nHost: catalog.test\r\nX-Slow: ")
                .expect("write");
            s
        })
        .collect();
    // Meanwhile /health answers at once.
    for _ in 0..5 {
        let t = Instant::now();
        let r = call(Method::GET, &format!("{}/health", served.base), &[]);
        assert_eq!(r.status, 200);
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    // Each is disconnected after the header timeout, without an answer.
    for s in &mut lorises {
        let got = read_until_closed(s, Duration::from_secs(6))
            .unwrap_or_else(|got| panic!("a slow header is still open after 6 s: {got:?}"));
        assert!(got.is_empty(), "a slow header got an answer: {got}");
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );

    // A kept-alive connection idle for the header timeout is closed too.
    let mut s = TcpStream::connect(&addr).expect("connect");
    s.write_all(b"GET /health HTTP/1.1\r\nHost: catalog.test\r\n\r\n")
        .expect("write");
    let t = Instant::now();
    let got = read_until_closed(&mut s, Duration::from_secs(6))
        .unwrap_or_else(|got| panic!("an idle kept-alive connection is still open: {got:?}"));
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn slow_and_trickling_bodies_get_408_and_are_disconnected() {
    let dir = TempDir::new("http-slow-body");
    let cfg = config(
        dir.path(),
        "header_timeout = \"10s\"\nbody_timeout = \"1s\"",
        &[],
    );
    let served = serve(&cfg);
    let addr = host(&served);
    let head = b"POST /api/validate HTTP/1.1\r\nHost: catalog.test\r\nContent-Type: text/turtle\r\nContent-Length: 100000\r\n\r\n";

    // A body that stops.
    let mut s = TcpStream::connect(&addr).expect("connect");
    s.write_all(head).expect("write");
    s.write_all(b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n")
        .expect("write");
    let t = Instant::now();
    let got = read_until_closed(&mut s, Duration::from_secs(6))
        .unwrap_or_else(|got| panic!("a stalled body is still open after 6 s: {got:?}"));
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(got.contains("http.body_timeout"), "{got}");
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());

    // A body that trickles: a byte every 100 ms never pauses long, but
    // does not arrive within the deadline either.
    let mut s = TcpStream::connect(&addr).expect("connect");
    s.write_all(head).expect("write");
    let mut writer = s.try_clone().expect("clone");
    let trickle = std::thread::spawn(move || {
        for _ in 0..100 {
            if writer.write_all(b" ").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let t = Instant::now();
    let got = read_until_closed(&mut s, Duration::from_secs(6))
        .unwrap_or_else(|got| panic!("a trickling body is still open after 6 s: {got:?}"));
    // The bytes still coming may make the server reset the connection
    // before the client reads the answer; what counts is that it is closed.
    assert!(got.is_empty() || got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    let _ = s.shutdown(std::net::Shutdown::Both);
    let _ = trickle.join();

    // /health is unaffected.
    assert_eq!(
        call(Method::GET, &format!("{}/health", served.base), &[]).status,
        200
    );
}

#[test]
fn connections_beyond_the_limit_wait_until_one_closes() {
    let dir = TempDir::new("http-conns");
    let cfg = config(
        dir.path(),
        "max_connections = 3\nheader_timeout = \"30s\"",
        &[],
    );
    let served = serve(&cfg);
    let addr = host(&served);
    std::thread::sleep(Duration::from_millis(300));
    // Three idle connections take every slot.
    let mut idle: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(&addr).expect("connect"))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // A fourth connects (the listen queue) but is not served...
    let mut fourth = TcpStream::connect(&addr).expect("connect");
    fourth
        .write_all(b"GET /health HTTP/1.1\r\nHost: catalog.test\r\nConnection: close\r\n\r\n")
        .expect("write");
    let waiting = read_until_closed(&mut fourth, Duration::from_millis(1500));
    assert!(
        matches!(&waiting, Err(got) if got.is_empty()),
        "a fourth connection was served beyond max_connections = 3: {waiting:?}"
    );
    // ...until one of the three closes.
    drop(idle.pop());
    let got = read_until_closed(&mut fourth, Duration::from_secs(5))
        .unwrap_or_else(|got| panic!("not served after a slot was freed: {got:?}"));
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
}

#[test]
fn bodies_over_each_endpoints_limit_get_413_with_the_limit() {
    let stub = StubServer::start();
    stub.serve_bytes("/a.ttl", datasets(1), "text/turtle");
    let dir = TempDir::new("http-413");
    let cfg = config(
        dir.path(),
        "max_query = \"4 KiB\"\nmax_upload = \"64 KiB\"",
        &[SourceSpec::new("a", &stub.url("/a.ttl"))],
    );
    let served = serve(&cfg);
    let sparql = format!("{}/sparql", served.base);
    let query = |pad: usize| {
        format!(
            "SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT 1 # {}",
            "x".repeat(pad)
        )
        .into_bytes()
    };
    // SPARQL: within the limit answered, beyond it 413 naming the limit.
    let (status, _, text) = post_body(&sparql, "application/sparql-query", query(3000));
    assert_eq!(status, 200, "{text}");
    let (status, _, text) = post_body(&sparql, "application/sparql-query", query(8000));
    assert_eq!(status, 413, "{text}");
    assert!(
        text.contains("4096 bytes") && text.contains("http.max_query"),
        "{text}"
    );
    // Without a Content-Length (chunked), cut off at the limit.
    let rt = runtime();
    let (status, text) = rt.block_on(async {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            (0..8).map(|_| Ok(vec![b' '; 1024])).collect();
        let r = reqwest::Client::new()
            .post(&sparql)
            .header("Content-Type", "application/sparql-query")
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                chunks,
            )))
            .send()
            .await
            .expect("chunked post");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    });
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("http.max_query"), "{text}");

    // Validation uploads.
    let validate = format!("{}/api/validate", served.base);
    let (status, _, text) = post_body(&validate, "text/turtle", datasets(10));
    assert_eq!(status, 200, "{text}");
    let big = datasets(1000);
    assert!(big.len() > 64 * 1024);
    let (status, _, text) = post_body(&validate, "text/turtle", big);
    assert_eq!(status, 413, "{text}");
    assert!(
        text.contains("65536 bytes") && text.contains("http.max_upload"),
        "{text}"
    );
    // Refused before it is read, a large body still being sent does not
    // cost the client its answer (the server lingers instead of resetting).
    for _ in 0..5 {
        let (status, _, text) = post_body(&validate, "text/turtle", vec![b' '; 16 << 20]);
        assert_eq!(status, 413, "{text}");
    }

    // Admin requests carry no body: a few KiB at most.
    let rt = runtime();
    for path in [
        "/api/admin/reload",
        "/api/sources/a/harvest",
        "/api/sources/a/preview",
    ] {
        let (status, text) = rt.block_on(async {
            let r = reqwest::Client::new()
                .post(format!("{}{path}", served.base))
                .header("Authorization", format!("Bearer {TOKEN}"))
                .body(vec![b'x'; 8 * 1024])
                .send()
                .await
                .expect("admin post");
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        });
        assert_eq!(status, 413, "{path}: {text}");
        assert!(text.contains("admin requests"), "{path}: {text}");
    }
    let r = call(
        Method::POST,
        &format!("{}/api/admin/reload", served.base),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn validation_slots_refuse_the_one_too_many_with_retry_after() {
    let dir = TempDir::new("http-validate-slots");
    let cfg = config(dir.path(), "validate_concurrency = 2", &[]);
    let served = serve(&cfg);
    let url = format!("{}/api/validate", served.base);
    let doc = Arc::new(datasets(20_000));
    let start = Arc::new(Barrier::new(3));
    let answers: Vec<(u16, Option<String>, String)> = (0..3)
        .map(|_| {
            let (url, doc, start) = (url.clone(), doc.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                post_body(&url, "text/turtle", doc.to_vec())
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().expect("client thread"))
        .collect();
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    let refused: Vec<_> = answers.iter().filter(|a| a.0 == 503).collect();
    assert_eq!(
        refused.len(),
        1,
        "three uploads at once with validate_concurrency = 2: {statuses:?}"
    );
    assert_eq!(refused[0].1.as_deref(), Some("5"), "{:?}", refused[0]);
    assert!(refused[0].2.contains("busy"), "{}", refused[0].2);
    assert_eq!(
        answers.iter().filter(|a| a.0 == 200).count(),
        2,
        "{statuses:?}"
    );
}

#[test]
fn a_validation_over_its_time_is_answered_and_keeps_its_slot_until_it_ends() {
    let dir = TempDir::new("http-validate-timeout");
    let cfg = config(
        dir.path(),
        "validate_concurrency = 1\nvalidate_timeout = \"300ms\"",
        &[],
    );
    let served = serve(&cfg);
    let url = format!("{}/api/validate", served.base);
    let t = Instant::now();
    let (status, retry, text) = post_body(&url, "text/turtle", datasets(20_000));
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("http.validate_timeout"), "{text}");
    assert_eq!(retry, None, "a timeout is no reason to retry");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    // The validation cannot be interrupted: it runs on and keeps the only
    // slot, so the next upload is refused rather than started beside it.
    let (status, retry, text) = post_body(&url, "text/turtle", datasets(1));
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("busy"), "{text}");
    assert_eq!(retry.as_deref(), Some("5"));
    // Once it ended, uploads are validated again.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, _, text) = post_body(&url, "text/turtle", datasets(1));
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "{text}");
        assert!(Instant::now() < deadline, "the slot was never freed");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn previews_have_slots_and_a_time_limit() {
    let stub = StubServer::start();
    stub.set(
        "/slow.ttl",
        Behaviour::Slow {
            delay: Duration::from_secs(4),
            body: Arc::new(datasets(2)),
            content_type: "text/turtle".into(),
        },
    );
    stub.serve_bytes("/fast.ttl", datasets(2), "text/turtle");
    let dir = TempDir::new("http-preview");
    let cfg = config(
        dir.path(),
        "preview_concurrency = 1\npreview_timeout = \"1s\"",
        &[
            SourceSpec::new("slow", &stub.url("/slow.ttl")),
            SourceSpec::new("fast", &stub.url("/fast.ttl")),
        ],
    );
    let served = serve(&cfg);
    let auth = format!("Bearer {TOKEN}");
    let base = served.base.clone();
    let first = {
        let (base, auth) = (base.clone(), auth.clone());
        std::thread::spawn(move || {
            let t = Instant::now();
            let r = call(
                Method::POST,
                &format!("{base}/api/sources/slow/preview"),
                &[("Authorization", &auth)],
            );
            (r.status, r.json(), t.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let second = call(
        Method::POST,
        &format!("{base}/api/sources/fast/preview"),
        &[("Authorization", &auth)],
    );
    assert_eq!(second.status, 503, "{}", second.text());
    assert_eq!(second.headers["retry-after"], "10");
    let (status, preview, took) = first.join().expect("first preview");
    assert_eq!(status, 200, "{preview}");
    assert!(took < Duration::from_millis(3500), "{took:?}");
    let reasons = preview["errors"].to_string();
    assert!(reasons.contains("http.preview_timeout"), "{preview}");
    // The slot is free again.
    let third = call(
        Method::POST,
        &format!("{base}/api/sources/fast/preview"),
        &[("Authorization", &auth)],
    );
    assert_eq!(third.status, 200, "{}", third.text());
    assert_eq!(third.json()["records"].as_array().map(Vec::len), Some(2));
}

#[test]
fn invented_methods_and_paths_leave_the_metrics_bounded() {
    let dir = TempDir::new("http-metrics");
    let cfg = config(dir.path(), "", &[]);
    let served = serve(&cfg);
    // A small generator (xorshift) seeded by the clock.
    let mut x = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let rt = runtime();
    rt.block_on(async {
        let client = reqwest::Client::new();
        for i in 0..1000 {
            let method: String = (0..6)
                .map(|_| char::from(b'A' + (next() % 26) as u8))
                .collect();
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            let path = if i % 4 == 0 {
                "/health".to_owned()
            } else {
                format!("/x{}/{}", next() % 100_000, next() % 100_000)
            };
            let r = client
                .request(method, format!("{}{path}", served.base))
                .send()
                .await
                .expect("request");
            assert!(r.status().is_client_error(), "{}", r.status());
        }
    });
    let text = call(Method::GET, &format!("{}/metrics", served.base), &[]).text();
    let series: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("catalog_http_request_duration_seconds_count{"))
        .collect();
    assert!(
        series.len() <= 10,
        "{} series after 1,000 invented requests:\n{}",
        series.len(),
        series.join("\n")
    );
    assert!(
        series
            .iter()
            .any(|l| l.contains("route=\"unmatched\",method=\"other\"")),
        "{text}"
    );
}

/// Runs `serve` expecting it to refuse to start: its exit code and log.
fn serve_refused(config: &Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let log = config.with_file_name("refused.log");
    let mut cmd = Command::new(catalog_binary());
    cmd.arg("--config")
        .arg(config)
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .env_remove("CATALOG_ADMIN_TOKEN")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log).expect("log")));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn serve");
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "serve started with a short admin token: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    (code, std::fs::read_to_string(&log).unwrap_or_default())
}

#[test]
fn short_admin_tokens_are_refused_at_start_and_tokens_are_trimmed() {
    let dir = TempDir::new("http-token");
    let short = "only-twenty-chars-xx";
    // From the environment (the conventional variable and a named one).
    let plain = write_config(dir.path(), &[], "");
    let (code, log) = serve_refused(&plain, &[("CATALOG_ADMIN_TOKEN", short)]);
    assert_eq!(code, Some(2), "{log}");
    assert!(
        log.contains("$CATALOG_ADMIN_TOKEN") && log.contains("at least 32"),
        "{log}"
    );
    assert!(!log.contains(short), "the token is in the log: {log}");
    let named = config(dir.path(), "", &[]);
    let (code, log) = serve_refused(&named, &[(TOKEN_VAR, short)]);
    assert_eq!(code, Some(2), "{log}");
    assert!(log.contains(&format!("${TOKEN_VAR}")), "{log}");
    // Inline.
    let inline = write_config(dir.path(), &[], &format!("admin_token = \"{short}\""));
    let (code, log) = serve_refused(&inline, &[]);
    assert_eq!(code, Some(2), "{log}");
    assert!(log.contains("admin_token") && !log.contains(short), "{log}");

    // The configured token is trimmed like the presented one.
    let cfg = config(dir.path(), "", &[]);
    let padded = format!("  {TOKEN}\n");
    let served = Served::start_with(&cfg, &[], &[(TOKEN_VAR, padded.as_str())]);
    let r = call(
        Method::POST,
        &format!("{}/api/admin/reload", served.base),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn refusals_are_logged_with_the_address_and_actions_are_audited() {
    let stub = StubServer::start();
    stub.serve_bytes("/a.ttl", datasets(3), "text/turtle");
    let dir = TempDir::new("http-audit");
    let cfg = config(dir.path(), "", &[SourceSpec::new("a", &stub.url("/a.ttl"))]);
    let log = dir.path().join("serve.log");
    let served = Served::start_logged(
        &cfg,
        &[
            (TOKEN_VAR, TOKEN),
            ("RUST_LOG", "warn,audit=info"),
            ("NO_COLOR", "1"),
        ],
        &log,
    );
    let base = &served.base;
    let wrong = "wrong-token-that-must-never-be-logged-42";
    let r = call(
        Method::POST,
        &format!("{base}/api/sources/a/harvest"),
        &[("Authorization", &format!("Bearer {wrong}"))],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let r = call(Method::POST, &format!("{base}/api/admin/reload"), &[]);
    assert_eq!(r.status, 401, "{}", r.text());
    // The audit trail itself needs the token.
    assert_eq!(
        call(Method::GET, &format!("{base}/api/admin/audit"), &[]).status,
        401
    );

    // Authorized actions.
    let auth = format!("Bearer {TOKEN}");
    let h = [("Authorization", auth.as_str())];
    let r = call(Method::POST, &format!("{base}/api/sources/a/harvest"), &h);
    assert_eq!(r.status, 202, "{}", r.text());
    let run_id = r.json()["run_id"].as_str().unwrap_or_default().to_owned();
    let r = call(Method::POST, &format!("{base}/api/sources/a/preview"), &h);
    assert_eq!(r.status, 200, "{}", r.text());
    let r = call(Method::POST, &format!("{base}/api/sources/b/preview"), &h);
    assert_eq!(r.status, 404, "{}", r.text());
    // A reload that changes [http] says that it applies from the next start.
    config(
        dir.path(),
        "max_connections = 100",
        &[SourceSpec::new("a", &stub.url("/a.ttl"))],
    );
    let r = call(Method::POST, &format!("{base}/api/admin/reload"), &h);
    assert_eq!(r.status, 200, "{}", r.text());

    let r = call(Method::GET, &format!("{base}/api/admin/audit"), &h);
    assert_eq!(r.status, 200, "{}", r.text());
    let actions = r.json()["actions"].as_array().cloned().unwrap_or_default();
    let summary: Vec<(String, Value, u64)> = actions
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap_or_default().to_owned(),
                a["source"].clone(),
                a["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("reload".to_owned(), Value::Null, 200),
            ("preview".to_owned(), Value::from("b"), 404),
            ("preview".to_owned(), Value::from("a"), 200),
            ("harvest".to_owned(), Value::from("a"), 202),
        ],
        "newest first, refused requests not kept: {actions:?}"
    );
    for a in &actions {
        assert!(
            a["client"]
                .as_str()
                .unwrap_or_default()
                .starts_with("127.0.0.1:"),
            "{a}"
        );
        assert!(a["time"].as_str().unwrap_or_default().ends_with('Z'), "{a}");
    }
    assert!(
        actions[3]["outcome"]
            .as_str()
            .unwrap_or_default()
            .contains(&run_id),
        "{actions:?}"
    );
    assert_eq!(
        call(Method::GET, &format!("{base}/api/admin/audit?limit=1"), &h).json()["actions"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // The log: refusals at warn with the client's address, never the token;
    // actions at info, target audit.
    drop(served);
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        !text.contains(wrong),
        "the presented token is in the log:\n{text}"
    );
    assert!(
        !text.contains(TOKEN),
        "the admin token is in the log:\n{text}"
    );
    let refused: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("admin request refused"))
        .collect();
    assert_eq!(refused.len(), 3, "{text}");
    assert!(
        refused
            .iter()
            .all(|l| l.contains("WARN") && l.contains("audit") && l.contains("client=127.0.0.1:")),
        "{text}"
    );
    assert!(
        refused[0].contains("wrong token") && refused[0].contains("/api/sources/a/harvest"),
        "{text}"
    );
    let audited = text
        .lines()
        .filter(|l| l.contains("admin action") && l.contains("INFO") && l.contains("audit"))
        .count();
    assert_eq!(audited, 4, "{text}");
    assert!(
        text.contains("the [http] settings changed; they take effect at the next start"),
        "{text}"
    );
}

#[test]
fn refusals_name_no_config_file_or_variable() {
    let dir = TempDir::new("http-refusal-text");
    let cfg = write_config(
        dir.path(),
        &[],
        "admin_token_env = \"SECRET_PLACE_OF_TOKEN\"",
    );
    let served = Served::start(&cfg);
    for (path, auth) in [
        ("/api/admin/reload", None),
        ("/api/admin/reload", Some("Bearer x")),
        ("/api/sources/a/harvest", Some("Bearer x")),
    ] {
        let headers: Vec<(&str, &str)> =
            auth.map(|a| vec![("Authorization", a)]).unwrap_or_default();
        let r = call(Method::POST, &format!("{}{path}", served.base), &headers);
        assert!(matches!(r.status, 401 | 403), "{}", r.text());
        let text = r.text();
        for secret in [
            "SECRET_PLACE_OF_TOKEN",
            "catalog.toml",
            &dir.path().display().to_string(),
        ] {
            assert!(!text.contains(secret), "{path}: {text}");
        }
    }
}

#[test]
fn ctrl_c_lets_requests_in_progress_finish_and_closes_idle_connections() {
    let dir = TempDir::new("http-shutdown");
    let cfg = config(dir.path(), "header_timeout = \"2s\"", &[]);
    let mut served = serve(&cfg);
    let addr = host(&served);
    // An idle kept-alive connection (closed at once) and one that sent half
    // a header (closed by the header timeout at the latest).
    let mut idle = TcpStream::connect(&addr).expect("connect");
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: catalog.test\r\n\r\n")
        .expect("write");
    let mut half = TcpStream::connect(&addr).expect("connect");
    half.write_all(b"GET /health HTTP/1.1\r\nHost: catal")
        .expect("write");
    // A validation that takes a while.
    let url = format!("{}/api/validate", served.base);
    let upload = std::thread::spawn(move || post_body(&url, "text/turtle", datasets(20_000)));
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    // SAFETY: kill(2) with a child pid we own and a valid signal.
    let rc = unsafe { libc::kill(served.child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
    let (status, _, text) = upload.join().expect("upload");
    assert_eq!(status, 200, "the request in progress was cut off: {text}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let code = loop {
        if let Some(s) = served.child.try_wait().expect("wait") {
            break s.code();
        }
        assert!(Instant::now() < deadline, "serve did not stop after SIGINT");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(code, Some(0));
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    let got = read_until_closed(&mut idle, Duration::from_secs(1)).unwrap_or_else(|g| g);
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(read_until_closed(&mut half, Duration::from_secs(1)).is_ok());
}
