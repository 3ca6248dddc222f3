//! Conditional requests of DCAT pages against a loopback server with ETag /
//! Last-Modified: the validators are sent, a 304 is a distinct outcome, a
//! page with a memo that answers 304 becomes `PageUnchanged` and the listing
//! goes on with the memo's next page.

use catalog_tests::{runtime, Behaviour, StubServer};
use harvester::dcat::{DcatSource, PageMemo};
use harvester::{
    Conditional, FetchLimits, Fetcher, HarvestEvent, Location, ParseOptions, SplitOptions,
    Validators,
};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

fn fetcher() -> Fetcher {
    Fetcher::new(FetchLimits::default(), None).expect("fetcher")
}

const LAST_MODIFIED: &str = "Tue, 03 Nov 2026 10:00:00 GMT";

/// A Turtle page with datasets `ids` and an optional next link.
fn page(ids: &[usize], next: Option<&str>) -> Vec<u8> {
    let mut s = String::from(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n\
         @prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n",
    );
    for i in ids {
        s.push_str(&format!(
            "<https://stadt.example/ds/{i}> a dcat:Dataset ; dct:title \"D {i}\" .\n"
        ));
    }
    if let Some(next) = next {
        s.push_str(&format!(
            "<https://stadt.example/view> a hydra:PartialCollectionView ; hydra:next <{next}> .\n"
        ));
    }
    s.into_bytes()
}

fn cached(stub: &StubServer, path: &str, body: Vec<u8>, etag: Option<&str>, lm: Option<&str>) {
    stub.set(
        path,
        Behaviour::Cached {
            body: Arc::new(body),
            content_type: "text/turtle".into(),
            etag: etag.map(str::to_owned),
            last_modified: lm.map(str::to_owned),
        },
    );
}

fn etag(tag: &str) -> Validators {
    Validators {
        etag: Some(tag.to_owned()),
        last_modified: None,
    }
}

#[test]
fn validators_are_sent_and_304_is_not_an_error() {
    let stub = StubServer::start();
    cached(&stub, "/e", page(&[1], None), Some("\"v1\""), None);
    cached(&stub, "/lm", page(&[1], None), None, Some(LAST_MODIFIED));
    let f = fetcher();
    let loc = |p: &str| Location::parse(&stub.url(p), Path::new("/")).expect("url");
    runtime().block_on(async {
        // First request: unconditional, the validators come back with the document.
        let Conditional::Modified(doc) = f
            .fetch_if_modified(&loc("/e"), "*/*", &[], None)
            .await
            .expect("fetch")
        else {
            panic!("unconditional request answered 304");
        };
        assert_eq!(doc.validators, etag("\"v1\""));
        // Same ETag: 304.
        let again = f
            .fetch_if_modified(&loc("/e"), "*/*", &[], Some(&doc.validators))
            .await
            .expect("conditional fetch");
        assert!(matches!(again, Conditional::NotModified), "{again:?}");
        // Another ETag: the page is sent.
        let other = f
            .fetch_if_modified(&loc("/e"), "*/*", &[], Some(&etag("\"v0\"")))
            .await
            .expect("conditional fetch");
        assert!(matches!(other, Conditional::Modified(_)), "{other:?}");
        // Last-Modified only: If-Modified-Since.
        let Conditional::Modified(doc) = f
            .fetch_if_modified(&loc("/lm"), "*/*", &[], None)
            .await
            .expect("fetch")
        else {
            panic!("unconditional request answered 304");
        };
        assert_eq!(doc.validators.last_modified.as_deref(), Some(LAST_MODIFIED));
        assert!(doc.validators.etag.is_none());
        let again = f
            .fetch_if_modified(&loc("/lm"), "*/*", &[], Some(&doc.validators))
            .await
            .expect("conditional fetch");
        assert!(matches!(again, Conditional::NotModified), "{again:?}");
        // The plain GET treats an unexpected 304 as an error, never as a body.
        assert!(f.get(&stub.url("/e"), "*/*", &[]).await.is_ok());
    });
    let seen = stub.conditions();
    let statuses: Vec<u16> = seen.iter().map(|c| c.status).collect();
    assert_eq!(statuses, [200, 304, 200, 200, 304, 200]);
    assert_eq!(seen[0].if_none_match, None);
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(seen[1].if_modified_since, None);
    assert_eq!(seen[4].if_modified_since.as_deref(), Some(LAST_MODIFIED));
    assert_eq!(seen[4].if_none_match, None);
}

#[test]
fn local_files_have_no_validators() {
    let dir = std::env::temp_dir().join(format!("dcat-cond-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("c.ttl");
    std::fs::write(&file, page(&[1], None)).expect("write");
    let answer = runtime()
        .block_on(fetcher().fetch_if_modified(
            &Location::File(file),
            "*/*",
            &[],
            Some(&etag("\"x\"")),
        ))
        .expect("read");
    let Conditional::Modified(doc) = answer else {
        panic!("a local file answered 304");
    };
    assert!(doc.validators.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

struct Run {
    events: Vec<HarvestEvent>,
}

impl Run {
    fn complete(&self) -> bool {
        matches!(
            self.events.last(),
            Some(HarvestEvent::Finished { complete: true, .. })
        )
    }
}

fn harvest(stub: &StubServer, memos: HashMap<String, PageMemo>) -> Run {
    let source = DcatSource {
        id: "stadt".into(),
        location: Location::parse(&stub.url("/c?page=1"), Path::new("/")).expect("url"),
        headers: vec![],
        max_pages: 10,
        split: SplitOptions {
            source_id: "stadt".into(),
            mint_base: "http://land.example/id/dataset/".into(),
            max_record_triples: 1000,
        },
        parse: ParseOptions::default(),
        memos,
    };
    runtime().block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let f = fetcher();
        let task = tokio::spawn(async move { harvester::dcat::harvest(&source, &f, tx).await });
        let mut events = Vec::new();
        while let Some(e) = rx.recv().await {
            events.push(e);
        }
        task.await.expect("harvest task");
        Run { events }
    })
}

fn iris(ids: &[usize]) -> Vec<String> {
    ids.iter()
        .map(|i| format!("https://stadt.example/ds/{i}"))
        .collect()
}

/// A stub serving page 1 (datasets 1 and 2, ETag "a", next: page 2) and
/// page 2 (datasets `second`, with the given validators); the page URLs.
fn two_pages(
    second: &[usize],
    etag2: Option<&str>,
    last_modified2: Option<&str>,
) -> (StubServer, String, String) {
    let stub = StubServer::start();
    let (p1, p2) = (stub.url("/c?page=1"), stub.url("/c?page=2"));
    cached(
        &stub,
        "/c?page=1",
        page(&[1, 2], Some(&p2)),
        Some("\"a\""),
        None,
    );
    cached(
        &stub,
        "/c?page=2",
        page(second, None),
        etag2,
        last_modified2,
    );
    (stub, p1, p2)
}

#[test]
fn a_memoized_page_answering_304_is_unchanged_and_the_listing_goes_on() {
    let (stub, p1, p2) = two_pages(&[3], None, Some(LAST_MODIFIED));

    // Without memos: two pages read, each with its validators and next link.
    let first = harvest(&stub, HashMap::new());
    assert!(first.complete());
    let pages: Vec<&harvester::Page> = first
        .events
        .iter()
        .filter_map(|e| match e {
            HarvestEvent::Page(p) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].validators, etag("\"a\""));
    assert_eq!(pages[0].next.as_deref(), Some(p2.as_str()));
    assert_eq!(pages[1].next, None);
    assert_eq!(
        pages[1].validators.last_modified.as_deref(),
        Some(LAST_MODIFIED)
    );
    assert!(stub.conditions().iter().all(|c| c.if_none_match.is_none()));

    // Page 1 memoized: 304, its datasets are announced unchanged, page 2 is read.
    stub.clear_log();
    let memo = PageMemo {
        validators: etag("\"a\""),
        next: Some(p2.clone()),
        datasets: iris(&[1, 2]),
    };
    let run = harvest(&stub, HashMap::from([(p1.clone(), memo.clone())]));
    assert!(run.complete());
    match &run.events[0] {
        HarvestEvent::PageUnchanged {
            url,
            number,
            datasets,
            duplicates,
            ..
        } => {
            assert_eq!(url, &p1);
            assert_eq!(*number, 1);
            assert_eq!(datasets, &iris(&[1, 2]));
            assert_eq!(*duplicates, 0);
        }
        other => panic!("expected PageUnchanged, got {other:?}"),
    }
    assert!(
        matches!(&run.events[1], HarvestEvent::Page(p) if p.number == 2 && p.records.len() == 1)
    );
    let seen = stub.conditions();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].if_none_match.as_deref(), Some("\"a\""));
    assert_eq!(seen[0].status, 304);
    assert_eq!(seen[1].if_none_match, None, "page 2 had no memo");

    // Both memoized: nothing is read, the listing is complete.
    let memo2 = PageMemo {
        validators: Validators {
            etag: None,
            last_modified: Some(LAST_MODIFIED.into()),
        },
        next: None,
        datasets: iris(&[3]),
    };
    let run = harvest(
        &stub,
        HashMap::from([(p1.clone(), memo.clone()), (p2.clone(), memo2)]),
    );
    assert!(run.complete());
    assert_eq!(
        run.events
            .iter()
            .filter(|e| matches!(e, HarvestEvent::PageUnchanged { .. }))
            .count(),
        2
    );

    // The page changed (new ETag): it is read again, the memo is not used.
    cached(
        &stub,
        "/c?page=1",
        page(&[1, 2, 4], Some(&p2)),
        Some("\"b\""),
        None,
    );
    let run = harvest(&stub, HashMap::from([(p1.clone(), memo.clone())]));
    assert!(run.complete());
    match &run.events[0] {
        HarvestEvent::Page(p) => {
            assert_eq!(p.records.len(), 3);
            assert_eq!(p.validators, etag("\"b\""));
        }
        other => panic!("expected a page, got {other:?}"),
    }
}

#[test]
fn memo_links_obey_the_visited_set_and_duplicates_are_left_out() {
    let (stub, p1, p2) = two_pages(&[2, 3], Some("\"b\""), None);

    // Page 2 (304) repeats dataset 2 of page 1: it is not announced twice.
    let memo2 = PageMemo {
        validators: etag("\"b\""),
        next: None,
        datasets: iris(&[2, 3]),
    };
    let run = harvest(&stub, HashMap::from([(p2.clone(), memo2)]));
    assert!(run.complete());
    match &run.events[1] {
        HarvestEvent::PageUnchanged {
            datasets,
            duplicates,
            ..
        } => {
            assert_eq!(datasets, &iris(&[3]));
            assert_eq!(*duplicates, 1);
        }
        other => panic!("expected PageUnchanged, got {other:?}"),
    }

    // A memo whose next link leads back to a visited page ends the listing
    // as incomplete, as a page's own link would.
    let looping = PageMemo {
        validators: etag("\"a\""),
        next: Some(p1.clone()),
        datasets: iris(&[1, 2]),
    };
    let run = harvest(&stub, HashMap::from([(p1.clone(), looping)]));
    assert!(!run.complete());
    match run.events.last() {
        Some(HarvestEvent::Finished { reason, .. }) => {
            assert!(
                reason.as_deref().unwrap_or("").contains("paging loop"),
                "{reason:?}"
            )
        }
        other => panic!("{other:?}"),
    }
}
