//! A source's headers (API keys) go only to its own origin (scheme, host and
//! port): not to a second host named by `hydra:next`, not across a redirect
//! that leaves the origin, but across one that stays. Redirects from https to
//! http are refused; redirect chains are bounded. CKAN and CSW paging keep
//! the headers on the origin too. Loopback servers on two ports (and on
//! 127.0.0.2) stand for two origins.

mod common;

use catalog_tests::runtime;
use common::{not_found, ok, redirect, Recorder, Seen};
use harvester::ckan::CkanSource;
use harvester::csw::CswSource;
use harvester::dcat::DcatSource;
use harvester::{
    FetchError, FetchLimits, Fetcher, HarvestEvent, Location, ParseOptions, SourceDefaults,
    SplitOptions,
};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use url::Url;

const KEY: &str = "X-Api-Key";
const SECRET: &str = "s3cret-key";
const TOKEN: &str = "Bearer t0ken";

fn headers() -> Vec<(String, String)> {
    vec![
        (KEY.to_owned(), SECRET.to_owned()),
        ("Authorization".to_owned(), TOKEN.to_owned()),
    ]
}

fn limits() -> FetchLimits {
    FetchLimits {
        timeout: Duration::from_secs(20),
        ..FetchLimits::default()
    }
}

fn fetcher() -> Fetcher {
    Fetcher::new(limits(), None).expect("fetcher")
}

/// Whether a request carried the source's headers (either of them).
fn carried(seen: &Seen) -> bool {
    seen.header(KEY).is_some() || seen.header("authorization").is_some()
}

/// Asserts that every request to `server` carried the headers (`expected`)
/// or none did, and that there was at least one.
fn assert_headers(server: &Recorder, expected: bool, what: &str) {
    let seen = server.seen();
    assert!(
        !seen.is_empty(),
        "{what}: no request reached {}",
        server.url("")
    );
    for s in &seen {
        if expected {
            assert_eq!(s.header(KEY), Some(SECRET), "{what}: {}", s.target);
            assert_eq!(
                s.header("authorization"),
                Some(TOKEN),
                "{what}: {}",
                s.target
            );
        } else {
            assert!(
                !carried(s),
                "{what}: {} got the source's headers: {s:?}",
                s.target
            );
        }
    }
}

/// A Turtle page with one dataset and an optional `hydra:next`.
fn turtle_page(dataset: usize, next: Option<&str>) -> String {
    let mut s = format!(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n\
         @prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n\
         <https://stadt.example/ds/{dataset}> a dcat:Dataset ; dct:title \"D {dataset}\" .\n"
    );
    if let Some(next) = next {
        s.push_str(&format!(
            "<https://stadt.example/view> a hydra:PartialCollectionView ; hydra:next <{next}> .\n"
        ));
    }
    s
}

fn dcat_source(url: &str) -> DcatSource {
    DcatSource {
        id: "stadt".into(),
        location: Location::parse(url, Path::new("/")).expect("url"),
        headers: headers(),
        max_pages: 10,
        split: SplitOptions {
            source_id: "stadt".into(),
            mint_base: "http://land.example/id/dataset/".into(),
            max_record_triples: 1000,
        },
        parse: ParseOptions::default(),
        memos: HashMap::new(),
    }
}

/// Runs a harvest to its end; the events.
fn collect<F, Fut>(run: F) -> Vec<HarvestEvent>
where
    F: FnOnce(tokio::sync::mpsc::Sender<HarvestEvent>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    runtime().block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(16);
        let task = tokio::spawn(run(tx));
        let mut events = Vec::new();
        while let Some(e) = rx.recv().await {
            events.push(e);
        }
        task.await.expect("harvest task");
        events
    })
}

fn assert_complete(events: &[HarvestEvent], pages: usize) {
    let read = events
        .iter()
        .filter(|e| matches!(e, HarvestEvent::Page(_)))
        .count();
    assert_eq!(read, pages, "{events:?}");
    assert!(
        matches!(
            events.last(),
            Some(HarvestEvent::Finished { complete: true, .. })
        ),
        "{:?}",
        events.last()
    );
}

#[test]
fn hydra_next_to_another_host_gets_no_headers() {
    // Page 1 and 3 at the source's origin, page 2 on another host
    // (127.0.0.2) whose page links back to the origin.
    let origin_url = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let back = origin_url.clone();
    let other = Recorder::start("127.0.0.2", move |s| match s.path() {
        "/page2" => {
            let next = format!("{}/page3", back.get().expect("origin url"));
            ok("text/turtle", turtle_page(2, Some(&next)))
        }
        _ => not_found(),
    });
    let page2 = other.url("/page2");
    let origin = Recorder::start("127.0.0.1", move |s| match s.path() {
        "/page1" => ok("text/turtle", turtle_page(1, Some(&page2))),
        "/page3" => ok("text/turtle", turtle_page(3, None)),
        _ => not_found(),
    });
    let _ = origin_url.set(origin.url(""));
    let source = dcat_source(&origin.url("/page1"));
    let f = fetcher();
    let events = collect(|tx| async move { harvester::dcat::harvest(&source, &f, tx).await });
    assert_complete(&events, 3);
    assert_headers(&origin, true, "the source's origin");
    assert_eq!(origin.seen().len(), 2, "pages 1 and 3");
    assert_headers(&other, false, "a host named by hydra:next");
}

#[test]
fn hydra_next_to_another_port_gets_no_headers() {
    // Same host, another port: another origin.
    let other = Recorder::start("127.0.0.1", |s| match s.path() {
        "/page2" => ok("text/turtle", turtle_page(2, None)),
        _ => not_found(),
    });
    let page2 = other.url("/page2");
    let origin = Recorder::start("127.0.0.1", move |s| match s.path() {
        "/page1" => ok("text/turtle", turtle_page(1, Some(&page2))),
        _ => not_found(),
    });
    let source = dcat_source(&origin.url("/page1"));
    let f = fetcher();
    let events = collect(|tx| async move { harvester::dcat::harvest(&source, &f, tx).await });
    assert_complete(&events, 2);
    assert_headers(&origin, true, "the source's origin");
    assert_headers(&other, false, "another port");
}

#[test]
fn a_redirect_to_another_origin_drops_the_headers() {
    let other = Recorder::start("127.0.0.1", |s| match s.path() {
        "/doc" => ok("text/plain", "moved here"),
        _ => not_found(),
    });
    let target = other.url("/doc");
    let origin = Recorder::start("127.0.0.1", move |s| match s.path() {
        "/start" => redirect(302, &target),
        _ => not_found(),
    });
    let doc = runtime()
        .block_on(fetcher().get(&origin.url("/start"), "*/*", &headers()))
        .expect("redirected fetch");
    assert_eq!(&doc.body[..], b"moved here");
    assert_eq!(doc.final_url, other.url("/doc"));
    assert_eq!(doc.url, origin.url("/start"));
    assert_headers(&origin, true, "the origin");
    assert_headers(&other, false, "a redirect target on another port");
}

#[test]
fn a_redirect_within_the_origin_keeps_the_headers() {
    let origin = Recorder::start("127.0.0.1", |s| match s.path() {
        "/start" => redirect(301, "/middle"),
        "/middle" => redirect(308, "/doc"),
        "/doc" => ok("text/plain", "here"),
        _ => not_found(),
    });
    let doc = runtime()
        .block_on(fetcher().get(&origin.url("/start"), "*/*", &headers()))
        .expect("redirected fetch");
    assert_eq!(&doc.body[..], b"here");
    assert_eq!(doc.final_url, origin.url("/doc"));
    assert_eq!(origin.seen().len(), 3);
    assert_headers(&origin, true, "hops within the origin");
}

#[test]
fn headers_left_behind_by_a_redirect_do_not_come_back() {
    // origin -> other origin -> origin: the last hop goes without headers,
    // as the other origin chose its URL.
    let origin_url = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let back = origin_url.clone();
    let other = Recorder::start("127.0.0.1", move |s| match s.path() {
        "/bounce" => redirect(307, &format!("{}/doc", back.get().expect("origin"))),
        _ => not_found(),
    });
    let bounce = other.url("/bounce");
    let origin = Recorder::start("127.0.0.1", move |s| match s.path() {
        "/start" => redirect(302, &bounce),
        "/doc" => ok("text/plain", "back home"),
        _ => not_found(),
    });
    let _ = origin_url.set(origin.url(""));
    let doc = runtime()
        .block_on(fetcher().get(&origin.url("/start"), "*/*", &headers()))
        .expect("redirected fetch");
    assert_eq!(&doc.body[..], b"back home");
    let seen = origin.seen();
    assert_eq!(seen.len(), 2);
    assert!(carried(&seen[0]), "{:?}", seen[0]);
    assert!(!carried(&seen[1]), "{:?}", seen[1]);
    assert_headers(&other, false, "the other origin");
}

#[test]
fn redirects_of_a_post_keep_or_drop_the_body_as_http_says() {
    let origin = Recorder::start("127.0.0.1", |s| match (s.method.as_str(), s.path()) {
        ("POST", "/keep") => redirect(307, "/echo"),
        ("POST", "/see-other") => redirect(303, "/echo"),
        (_, "/echo") => ok("text/plain", format!("{} {}", s.method, s.body)),
        _ => not_found(),
    });
    let rt = runtime();
    let f = fetcher();
    let post = |path: &str| {
        rt.block_on(f.post(
            &origin.url(path),
            "*/*",
            "text/plain",
            b"payload".to_vec(),
            &headers(),
        ))
        .expect("post")
    };
    assert_eq!(&post("/keep").body[..], b"POST payload");
    assert_eq!(&post("/see-other").body[..], b"GET ");
    assert_headers(&origin, true, "hops within the origin");
}

#[test]
fn redirect_chains_are_bounded() {
    // /r/N redirects to /r/N-1, /r/0 answers.
    let origin = Recorder::start("127.0.0.1", |s| {
        match s
            .path()
            .strip_prefix("/r/")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(0) => ok("text/plain", "end"),
            Some(n) => redirect(302, &format!("/r/{}", n - 1)),
            None => not_found(),
        }
    });
    let rt = runtime();
    let f = fetcher();
    let doc = rt
        .block_on(f.get(&origin.url("/r/10"), "*/*", &[]))
        .expect("10 redirects are followed");
    assert_eq!(&doc.body[..], b"end");
    let e = rt
        .block_on(f.get(&origin.url("/r/11"), "*/*", &[]))
        .expect_err("11 redirects are too many");
    assert!(matches!(e, FetchError::Redirect { .. }), "{e}");
    assert!(e.to_string().contains("more than 10 redirects"), "{e}");
    assert!(!e.is_transient());
    // 11 + 11 requests: the eleventh hop is not requested.
    assert_eq!(origin.seen().len(), 22);
}

fn tls_fetcher() -> Fetcher {
    let builder = reqwest::Client::builder().add_root_certificate(common::test_ca());
    Fetcher::with_client(limits(), None, builder).expect("fetcher")
}

#[test]
fn https_to_http_redirect_is_refused() {
    let plain = Recorder::start("127.0.0.1", |_| ok("text/plain", "plain http"));
    let target = plain.url("/doc");
    let secure = Recorder::start_tls("127.0.0.1", move |s| match s.path() {
        "/ok" => ok("text/plain", "over tls"),
        "/secure" => redirect(301, "/ok"),
        "/down" => redirect(302, &target),
        _ => not_found(),
    });
    let rt = runtime();
    let f = tls_fetcher();
    // The TLS server works, and https -> https is followed.
    let doc = rt
        .block_on(f.get(&secure.url("/secure"), "*/*", &headers()))
        .expect("https");
    assert_eq!(&doc.body[..], b"over tls");
    // https -> http is not.
    let down = secure.url("/down");
    let e = rt
        .block_on(f.get(&down, "*/*", &headers()))
        .expect_err("downgrade");
    match &e {
        FetchError::Downgrade { url, from, to } => {
            assert_eq!(url, &down);
            assert_eq!(from, &down);
            assert_eq!(to, &plain.url("/doc"));
        }
        other => panic!("expected a refused downgrade, got {other}"),
    }
    let text = e.to_string();
    assert!(
        text.contains(&down) && text.contains(&plain.url("/doc")) && text.contains("HTTPS"),
        "{text}"
    );
    assert!(!e.is_transient());
    assert!(plain.seen().is_empty(), "the http URL was requested");
    assert_headers(&secure, true, "the https origin");
}

#[test]
fn ckan_paging_keeps_headers_on_the_origin() {
    // The portal answers page 1 itself and redirects page 2 to a mirror on
    // another host; the mirror must not get the token.
    let package = |i: usize| serde_json::json!({"id": format!("p{i}"), "name": format!("p{i}"), "title": format!("P {i}")});
    let answer = move |s: &Seen| {
        let start: usize = s.query("start").and_then(|v| v.parse().ok()).unwrap_or(0);
        let body = serde_json::json!({
            "success": true,
            "result": {"count": 2, "results": [package(start)]}
        });
        ok("application/json", body.to_string())
    };
    let mirror = Recorder::start("127.0.0.2", move |s| match s.path() {
        "/api/3/action/package_search" => answer(s),
        _ => not_found(),
    });
    let mirror_base = mirror.url("");
    let portal = Recorder::start("127.0.0.1", move |s| match s.path() {
        "/api/3/action/package_search" if s.query("start") == Some("0") => answer(s),
        "/api/3/action/package_search" => redirect(302, &format!("{mirror_base}{}", s.target)),
        _ => not_found(),
    });
    let mut source = CkanSource::new(Url::parse(&portal.url("/")).expect("url"));
    source.rows = 1;
    source.headers = headers();
    let f = fetcher();
    let events = collect(|tx| async move { harvester::ckan::harvest(&source, &f, tx).await });
    assert_complete(&events, 2);
    assert_headers(&portal, true, "the CKAN portal");
    assert_eq!(portal.seen().len(), 2);
    assert_headers(&mirror, false, "the mirror a CKAN page redirects to");
}

const CSW_NS: &str = r#"xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:gmd="http://www.isotc211.org/2005/gmd" xmlns:gco="http://www.isotc211.org/2005/gco" xmlns:gmx="http://www.isotc211.org/2005/gmx" xmlns:srv="http://www.isotc211.org/2005/srv" xmlns:gml="http://www.opengis.net/gml" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;

/// A GetRecords answer holding record `start` of two.
fn csw_page(start: usize) -> String {
    let next = if start >= 2 { 0 } else { start + 1 };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<csw:GetRecordsResponse {CSW_NS} version=\"2.0.2\">\
         <csw:SearchStatus timestamp=\"2024-01-01T00:00:00Z\"/>\
         <csw:SearchResults numberOfRecordsMatched=\"2\" numberOfRecordsReturned=\"1\" nextRecord=\"{next}\" \
         elementSet=\"full\" recordSchema=\"http://www.isotc211.org/2005/gmd\">{}</csw:SearchResults>\
         </csw:GetRecordsResponse>",
        catalog_tests::portals::generated_iso_record(start - 1)
    )
}

fn start_position(s: &Seen) -> usize {
    let attr = "startPosition=\"";
    s.body
        .find(attr)
        .and_then(|i| s.body[i + attr.len()..].split('"').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

#[test]
fn csw_paging_keeps_headers_on_the_origin() {
    // The endpoint answers GetCapabilities and page 1, and sends page 2 (a
    // POST) by 307 to another host; that host must not get the headers.
    let mirror = Recorder::start("127.0.0.2", |s| match (s.method.as_str(), s.path()) {
        ("POST", "/csw") => ok("application/xml", csw_page(start_position(s))),
        _ => not_found(),
    });
    let mirror_csw = mirror.url("/csw");
    let endpoint = Recorder::start("127.0.0.1", move |s| match (s.method.as_str(), s.path()) {
        ("GET", "/csw") => ok("application/xml", catalog_tests::portals::CSW_CAPABILITIES),
        ("POST", "/csw") if start_position(s) == 1 => ok("application/xml", csw_page(1)),
        ("POST", "/csw") => redirect(307, &mirror_csw),
        _ => not_found(),
    });
    let defaults = SourceDefaults {
        source_id: "geo".into(),
        mint_base: "http://land.example/id/dataset/".into(),
        ..SourceDefaults::default()
    };
    let mut source = CswSource::new(Url::parse(&endpoint.url("/csw")).expect("url"), defaults);
    source.page_size = 1;
    source.headers = headers();
    let f = fetcher();
    let events = collect(|tx| async move { harvester::csw::harvest(&source, &f, tx).await });
    assert_complete(&events, 2);
    // GetCapabilities, page 1, page 2 (redirected).
    assert_eq!(endpoint.seen().len(), 3, "{:?}", endpoint.seen());
    assert_headers(&endpoint, true, "the CSW endpoint");
    assert_headers(&mirror, false, "the host a CSW page redirects to");
    // The 307 repeated the POST with its body.
    assert_eq!(mirror.seen()[0].method, "POST");
    assert_eq!(start_position(&mirror.seen()[0]), 2);
}

#[test]
fn a_file_source_sends_its_headers_nowhere() {
    let other = Recorder::start("127.0.0.1", |s| match s.path() {
        "/page2" => ok("text/turtle", turtle_page(2, None)),
        _ => not_found(),
    });
    let dir = std::env::temp_dir().join(format!("fetch-headers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let page1 = dir.join("page1.ttl");
    std::fs::write(&page1, turtle_page(1, Some(&other.url("/page2")))).expect("write");
    let source = dcat_source(page1.to_str().expect("path"));
    let f = fetcher();
    let events = collect(|tx| async move { harvester::dcat::harvest(&source, &f, tx).await });
    let _ = std::fs::remove_dir_all(&dir);
    assert_complete(&events, 2);
    assert_headers(&other, false, "a host named by a local file");
}
