//! The link checker against a loopback server: the answers it meets (200,
//! 301 → 200, 404, 500, HEAD refused then GET with Range, a timeout, a
//! redirect loop) and the per-host politeness of its own gate.

use catalog_server::config::QualityConfig;
use catalog_server::links::LinkChecker;
use catalog_server::store::CatalogStore;
use catalog_tests::links::LinkServer;
use catalog_tests::{runtime, TempDir};
use harvester::LinkAnswer;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

fn checker(dir: &TempDir, config: &QualityConfig) -> LinkChecker {
    let store = Arc::new(CatalogStore::open(&dir.path().join("data")).expect("open store"));
    LinkChecker::new(store, config, None).expect("checker")
}

fn check(checker: &LinkChecker, urls: Vec<String>) -> HashMap<String, LinkAnswer> {
    let mut out = HashMap::new();
    runtime().block_on(checker.check_urls(urls, |url, answer| {
        out.insert(url, answer);
    }));
    out
}

#[test]
fn answers_of_every_kind() {
    let server = LinkServer::start();
    let dir = TempDir::new("links-kinds");
    let config = QualityConfig {
        link_timeout: Duration::from_millis(1500),
        link_host_delay: Duration::ZERO,
        link_host_connections: 8,
        ..QualityConfig::default()
    };
    let c = checker(&dir, &config);
    let paths = [
        "/ok", "/moved", "/missing", "/error", "/no-head", "/slow", "/loop",
    ];
    let answers = check(&c, paths.iter().map(|p| server.url(p)).collect());
    let of = |p: &str| answers.get(&server.url(p)).expect("answered").clone();

    let ok = of("/ok");
    assert_eq!(ok.status, Some(200));
    assert_eq!(ok.content_type.as_deref(), Some("text/csv"));
    assert_eq!(ok.final_url.as_deref(), Some(server.url("/ok").as_str()));
    assert!(!ok.by_get, "HEAD answered");

    let moved = of("/moved");
    assert_eq!(moved.status, Some(200), "{moved:?}");
    assert_eq!(moved.final_url.as_deref(), Some(server.url("/ok").as_str()));

    assert_eq!(of("/missing").status, Some(404));
    assert_eq!(of("/error").status, Some(500));

    // HEAD refused (405): one GET asking for the first byte only.
    let no_head = of("/no-head");
    assert_eq!(no_head.status, Some(206), "{no_head:?}");
    assert!(no_head.by_get);
    let requests = server.requests_for("/no-head");
    let methods: Vec<&str> = requests.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["HEAD", "GET"]);
    assert_eq!(requests[1].range.as_deref(), Some("bytes=0-0"));
    // A HEAD that works is not followed by a GET.
    assert!(server
        .requests_for("/ok")
        .iter()
        .all(|r| r.method == "HEAD"));

    let slow = of("/slow");
    assert_eq!(slow.status, None);
    let error = slow.error.unwrap_or_default();
    assert!(
        error.contains("timed out") || error.contains("timeout"),
        "{error}"
    );
    assert!(slow.elapsed < Duration::from_secs(4), "{:?}", slow.elapsed);

    let looped = of("/loop");
    assert_eq!(looped.status, None);
    assert!(
        looped.error.unwrap_or_default().contains("redirects"),
        "a redirect loop ends with an error"
    );
    assert!(server.requests_for("/loop").len() <= 11 + 1);
}

#[test]
fn politeness_spaces_the_checks_of_each_host() {
    let a = LinkServer::start();
    let b = LinkServer::start();
    let dir = TempDir::new("links-polite");
    let delay = Duration::from_millis(150);
    let config = QualityConfig {
        link_host_delay: delay,
        link_host_connections: 1,
        link_concurrency: 16,
        ..QualityConfig::default()
    };
    let c = checker(&dir, &config);
    let mut urls = Vec::new();
    for i in 0..5 {
        urls.push(a.url(&format!("/ok/{i}")));
        urls.push(b.url(&format!("/ok/{i}")));
    }
    let started = std::time::Instant::now();
    let answers = check(&c, urls);
    let took = started.elapsed();
    assert!(answers.values().all(|a| a.status == Some(200)));
    for server in [&a, &b] {
        let mut at: Vec<_> = server.requests().iter().map(|r| r.at).collect();
        assert_eq!(at.len(), 5);
        at.sort();
        for pair in at.windows(2) {
            let gap = pair[1] - pair[0];
            // The gate starts a request no sooner than the delay after the
            // previous one ended, so the server sees at least the delay.
            assert!(
                gap >= delay,
                "requests to one host {gap:?} apart (delay {delay:?})"
            );
        }
    }
    // The two hosts are checked side by side, not one after the other.
    assert!(took < delay * 9, "took {took:?}");
}
