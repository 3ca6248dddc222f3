//! Politeness and retries of the fetcher against loopback servers: per-host
//! parallelism and minimum delay, retries of 5xx with backoff, 429 with
//! `Retry-After`, no retries of permanent failures.

use catalog_tests::portals::CkanPortal;
use catalog_tests::{runtime, Behaviour, StubServer};
use harvester::{FetchError, FetchLimits, Fetcher};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn fetcher(f: impl FnOnce(&mut FetchLimits)) -> Fetcher {
    let mut limits = FetchLimits::default();
    f(&mut limits);
    Fetcher::new(limits, None).expect("fetcher")
}

#[test]
fn one_host_gets_at_most_host_connections_requests_at_once() {
    let stub = StubServer::start();
    stub.set(
        "/slow",
        Behaviour::Slow {
            delay: Duration::from_millis(200),
            body: Arc::new(b"ok".to_vec()),
            content_type: "text/plain".into(),
        },
    );
    let url = stub.url("/slow");
    for (connections, expected_max) in [(1usize, 1usize), (3, 3)] {
        stub.in_flight.max.store(0, SeqCst);
        let f = fetcher(|l| l.host_connections = connections);
        let started = Instant::now();
        runtime().block_on(async {
            let tasks: Vec<_> = (0..6)
                .map(|_| {
                    let f = f.clone();
                    let url = url.clone();
                    tokio::spawn(async move { f.get(&url, "*/*", &[]).await })
                })
                .collect();
            for t in tasks {
                assert!(t.await.expect("task").is_ok());
            }
        });
        let max = stub.in_flight.max.load(SeqCst);
        assert_eq!(max, expected_max, "host_connections = {connections}");
        let floor = Duration::from_millis(200 * (6 / connections as u64));
        assert!(started.elapsed() >= floor, "{:?}", started.elapsed());
    }
}

#[test]
fn requests_to_one_host_are_spaced_by_host_delay() {
    let stub = StubServer::start();
    stub.serve_bytes("/a", b"a".to_vec(), "text/plain");
    let f = fetcher(|l| l.host_delay = Duration::from_millis(150));
    let url = stub.url("/a");
    let started = Instant::now();
    runtime().block_on(async {
        for _ in 0..5 {
            f.get(&url, "*/*", &[]).await.expect("get");
        }
    });
    // Starts at 0, 150, 300, 450, 600 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(stub.requests().len(), 5);
}

#[test]
fn transient_failures_are_retried_with_backoff_permanent_ones_are_not() {
    let stub = StubServer::start();
    stub.set("/down", Behaviour::Status(503));
    stub.set("/gone", Behaviour::Status(404));
    let f = fetcher(|l| {
        l.retries = 2;
        l.retry_base = Duration::from_millis(100);
    });
    let rt = runtime();
    let started = Instant::now();
    let e = rt
        .block_on(f.get(&stub.url("/down"), "*/*", &[]))
        .expect_err("503");
    assert!(matches!(e, FetchError::Status { status: 503, .. }), "{e}");
    // Backoff 100 ms then 200 ms (plus jitter up to 50 %).
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(stub.requests(), ["/down", "/down", "/down"]);
    let e = rt
        .block_on(f.get(&stub.url("/gone"), "*/*", &[]))
        .expect_err("404");
    assert!(matches!(e, FetchError::Status { status: 404, .. }), "{e}");
    assert_eq!(stub.requests().len(), 4, "404 is not retried");
    // Connection refused is transient too.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let e = rt
        .block_on(f.get(&format!("http://{closed}/x"), "*/*", &[]))
        .expect_err("refused");
    assert!(matches!(e, FetchError::Transport { .. }), "{e}");
}

#[test]
fn rate_limits_wait_for_retry_after() {
    let portal = CkanPortal::start(Vec::new());
    portal.with(|s| s.rate_limited = 2);
    let url = format!(
        "{}/api/3/action/package_list",
        portal.base_url().trim_end_matches('/')
    );
    let rt = runtime();
    // Without retries the 429 is the answer.
    let e = rt
        .block_on(fetcher(|_| {}).get(&url, "application/json", &[]))
        .expect_err("429");
    assert!(
        matches!(
            e,
            FetchError::Status {
                status: 429,
                retry_after: Some(1),
                ..
            }
        ),
        "{e}"
    );
    // With retries: one more 429, then success after Retry-After (1 s).
    let started = Instant::now();
    let f = fetcher(|l| {
        l.retries = 2;
        l.retry_base = Duration::from_millis(10);
    });
    let doc = rt
        .block_on(f.get(&url, "application/json", &[]))
        .expect("retried");
    assert!(!doc.body.is_empty());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}
