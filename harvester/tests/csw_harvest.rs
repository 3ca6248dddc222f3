//! CSW harvesting against a loopback stub serving real ISO 19139 records from
//! the shared fixtures, the recorded real GetRecords responses, paging edge
//! cases and hostile input.
//!
//! Fixtures are read in place from `CATALOG_FIXTURES` (default
//! `<workspace>/../shared/fixtures`); when missing the tests print a skip
//! message, unless `CI=true`, where they fail.

use catalog_tests::portals::{
    iso_fixture_records, scan_file_identifiers, CswPortal, CswState, NextRecord,
};
use harvester::csw::client::read_page;
use harvester::csw::{harvest, CswSource, MapOptions, XmlLimits};
use harvester::{FetchLimits, Fetcher, HarvestEvent, SourceDefaults};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The shared fixtures root (tests skip when it is missing, fail under CI=true).
fn fixtures() -> Option<PathBuf> {
    catalog_tests::fixtures("csw").and_then(|d| d.parent().map(Path::to_path_buf))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Normal,
    NoNextRecord,
    /// pycsw: nextRecord=1 on the last page.
    NextOneAtEnd,
    /// nextRecord beyond numberOfRecordsMatched on the last page.
    NextBeyond,
    /// At most 3 records per page whatever maxRecords says.
    Short,
    /// An exception report for pages starting after the given position.
    ExceptionAfter(usize),
    /// POST answered with 405: the client must fall back to GET.
    PostRefused,
}

fn configure(s: &mut CswState, mode: Mode) {
    match mode {
        Mode::Normal => {}
        Mode::NoNextRecord => s.next_record = NextRecord::Missing,
        Mode::NextOneAtEnd => s.next_record = NextRecord::OneAtEnd,
        Mode::NextBeyond => s.next_record = NextRecord::BeyondMatched,
        Mode::Short => s.max_page = Some(3),
        Mode::ExceptionAfter(k) => s.exception_after = Some(k),
        Mode::PostRefused => s.refuse_post = true,
    }
}

struct Outcome {
    ids: Vec<String>,
    pages: usize,
    failed: usize,
    record_errors: usize,
    complete: bool,
    reason: Option<String>,
    finished: usize,
    requests: Vec<String>,
    last_post: Option<String>,
}

async fn run(fx: &Path, mode: Mode, page_size: usize) -> (Outcome, Vec<(String, String)>) {
    let records = iso_fixture_records(&fx.join("csw"));
    let capabilities =
        std::fs::read_to_string(fx.join("csw/pycsw-apiso/expected/post_GetCapabilities.xml"))
            .unwrap();
    let portal = CswPortal::start(records.clone(), Some(capabilities));
    portal.with(|s| configure(s, mode));
    let endpoint = url::Url::parse(&portal.endpoint()).unwrap();
    let defaults = SourceDefaults {
        source_id: "stub".into(),
        mint_base: "https://catalog.example/id/dataset/".into(),
        publisher_name: Some("Stadt Beispiel".into()),
        ..Default::default()
    };
    let mut source = CswSource::new(endpoint, defaults);
    source.page_size = page_size;
    source.include_services = true;
    let fetcher = Fetcher::new(FetchLimits::default(), None).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let handle = tokio::spawn(async move { harvest(&source, &fetcher, tx).await });
    let mut out = Outcome {
        ids: Vec::new(),
        pages: 0,
        failed: 0,
        record_errors: 0,
        complete: false,
        reason: None,
        finished: 0,
        requests: Vec::new(),
        last_post: None,
    };
    while let Some(ev) = rx.recv().await {
        match ev {
            HarvestEvent::Page(p) => {
                out.pages += 1;
                out.record_errors += p.record_errors.len();
                for e in &p.record_errors {
                    eprintln!("record error: {} {}", e.record, e.reason);
                }
                for r in p.records {
                    out.ids
                        .push(catalog_record_identifier(&r.triples).unwrap_or_default());
                }
            }
            HarvestEvent::PageFailed(_) => out.failed += 1,
            HarvestEvent::PageUnchanged { url, .. } => {
                panic!("CSW pages are never conditional: {url}")
            }
            HarvestEvent::Finished {
                complete,
                reason,
                listing,
            } => {
                assert!(listing.is_none());
                out.finished += 1;
                out.complete = complete;
                out.reason = reason;
            }
        }
    }
    handle.await.unwrap();
    out.requests = portal.requests();
    out.last_post = portal.with(|s| s.last_post.clone());
    (out, records)
}

/// The fileIdentifier as mapped onto the record's dcat:CatalogRecord.
fn catalog_record_identifier(triples: &[oxrdf::Triple]) -> Option<String> {
    let cr = triples.iter().find(|t| {
        t.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
            && matches!(&t.object, oxrdf::Term::NamedNode(n) if n.as_str() == "http://www.w3.org/ns/dcat#CatalogRecord")
    })?;
    triples.iter().find_map(|t| {
        if t.subject == cr.subject && t.predicate.as_str() == "http://purl.org/dc/terms/identifier"
        {
            if let oxrdf::Term::Literal(l) = &t.object {
                return Some(l.value().to_owned());
            }
        }
        None
    })
}

async fn check_complete_harvest(page_size: usize) {
    let Some(fx) = fixtures() else { return };
    let (out, records) = run(&fx, Mode::Normal, page_size).await;
    assert_eq!(out.finished, 1);
    assert!(out.complete, "{:?}", out.reason);
    assert_eq!(out.failed, 0);
    assert_eq!(out.record_errors, 0);
    let expected: BTreeSet<String> = records.iter().map(|(id, _)| id.clone()).collect();
    let got: BTreeSet<String> = out.ids.iter().cloned().collect();
    assert_eq!(out.ids.len(), records.len(), "one record per ISO record");
    assert_eq!(got, expected);
    assert_eq!(out.pages, records.len().div_ceil(page_size));
    assert_eq!(
        out.requests.first().map(String::as_str),
        Some("GET GetCapabilities")
    );
    assert!(out
        .requests
        .iter()
        .skip(1)
        .all(|r| r.starts_with("POST GetRecords")));
    let body = out.last_post.unwrap_or_default();
    assert!(body.contains("outputSchema=\"http://www.isotc211.org/2005/gmd\""));
    assert!(body.contains("typeNames=\"gmd:MD_Metadata\""));
    assert!(body.contains("<csw:ElementSetName>full</csw:ElementSetName>"));
    assert!(body.contains("apiso:Identifier"), "SortBy expected: {body}");
}

#[tokio::test]
async fn csw_harvest_page_size_1() {
    check_complete_harvest(1).await;
}

#[tokio::test]
async fn csw_harvest_page_size_7() {
    check_complete_harvest(7).await;
}

#[tokio::test]
async fn csw_harvest_page_size_100() {
    check_complete_harvest(100).await;
}

#[tokio::test]
async fn csw_paging_next_record_missing() {
    let Some(fx) = fixtures() else { return };
    let (out, records) = run(&fx, Mode::NoNextRecord, 7).await;
    assert!(out.complete, "{:?}", out.reason);
    assert_eq!(out.ids.len(), records.len());
}

#[tokio::test]
async fn csw_paging_next_record_one_after_end() {
    let Some(fx) = fixtures() else { return };
    let (out, records) = run(&fx, Mode::NextOneAtEnd, 7).await;
    assert!(out.complete, "{:?}", out.reason);
    assert_eq!(out.ids.len(), records.len());
    assert_eq!(
        out.pages,
        records.len().div_ceil(7),
        "no loop back to the start"
    );
}

#[tokio::test]
async fn csw_paging_next_record_beyond_matched() {
    let Some(fx) = fixtures() else { return };
    let (out, records) = run(&fx, Mode::NextBeyond, 7).await;
    assert!(out.complete, "{:?}", out.reason);
    assert_eq!(out.ids.len(), records.len());
}

#[tokio::test]
async fn csw_paging_fewer_records_than_asked() {
    let Some(fx) = fixtures() else { return };
    let (out, records) = run(&fx, Mode::Short, 10).await;
    assert!(out.complete, "{:?}", out.reason);
    assert_eq!(out.ids.len(), records.len(), "no record dropped");
    assert_eq!(out.pages, records.len().div_ceil(3));
}

#[tokio::test]
async fn csw_paging_exception_mid_harvest() {
    let Some(fx) = fixtures() else { return };
    let (out, _) = run(&fx, Mode::ExceptionAfter(10), 5).await;
    assert_eq!(out.finished, 1);
    assert!(!out.complete);
    assert_eq!(out.failed, 1);
    assert_eq!(out.ids.len(), 10);
    let reason = out.reason.unwrap();
    assert!(
        reason.contains("NoApplicableCode") && reason.contains("Database connection lost"),
        "{reason}"
    );
}

#[tokio::test]
async fn csw_post_refused_falls_back_to_get() {
    let Some(fx) = fixtures() else { return };
    let (out, records) = run(&fx, Mode::PostRefused, 7).await;
    assert!(out.complete, "{:?}", out.reason);
    assert_eq!(out.ids.len(), records.len());
    assert!(out.requests.iter().any(|r| r.starts_with("GET GetRecords")));
}

fn options() -> MapOptions {
    MapOptions {
        defaults: SourceDefaults {
            source_id: "rec".into(),
            mint_base: "https://catalog.example/id/dataset/".into(),
            ..Default::default()
        },
        include_services: true,
    }
}

#[test]
fn csw_recorded_getrecords_responses() {
    let Some(fx) = fixtures() else { return };
    let mut files = vec![
        fx.join("csw/berlin-fisbroker/csw_getrecords_01.xml"),
        fx.join("csw/geonetwork-udata/geonetwork-iso19139-page-1.xml"),
        fx.join("csw/geonetwork-udata/geonetwork-iso19139-page-3.xml"),
    ];
    for e in std::fs::read_dir(fx.join("csw/pycsw-apiso/expected")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.contains("GetRecords") && !name.contains("csw-output") {
            files.push(p);
        }
    }
    let mut checked = 0;
    for f in files {
        let body = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&body);
        let mut expected = scan_file_identifiers(&text);
        expected.sort();
        let (page, returned, matched, _next) =
            read_page(&body, "file", 1, &XmlLimits::default(), &options())
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let mut got: Vec<String> = page
            .records
            .iter()
            .map(|r| catalog_record_identifier(&r.triples).unwrap())
            .collect();
        got.sort();
        assert_eq!(got, expected, "{}", f.display());
        assert!(
            page.record_errors.is_empty(),
            "{}: {:?}",
            f.display(),
            page.record_errors
        );
        assert_eq!(returned, expected.len(), "{}", f.display());
        assert!(matched.is_some());
        checked += 1;
    }
    assert!(checked >= 10);
}

#[test]
fn csw_other_schemas_are_reported() {
    let Some(fx) = fixtures() else { return };
    // Dublin Core output.
    let body =
        std::fs::read(fx.join("csw/pycsw-default/expected/post_GetRecords-all.xml")).unwrap();
    let (page, returned, _, _) =
        read_page(&body, "file", 1, &XmlLimits::default(), &options()).unwrap();
    assert!(page.records.is_empty());
    assert_eq!(page.record_errors.len(), returned);
    assert!(returned > 0);
    assert!(
        page.record_errors[0].reason.contains("Dublin Core"),
        "{}",
        page.record_errors[0].reason
    );
    assert!(page.record_errors[0].reason.contains("output_schema"));
    // DCAT output from GeoNetwork.
    let body = std::fs::read(fx.join("csw/geonetwork-udata/geonetwork-dcat-page-1.xml")).unwrap();
    match read_page(&body, "file", 1, &XmlLimits::default(), &options()) {
        Ok((page, _, _, _)) => {
            assert!(page.records.is_empty());
            assert!(!page.record_errors.is_empty());
            assert!(
                page.record_errors[0].reason.contains("DCAT"),
                "{}",
                page.record_errors[0].reason
            );
        }
        Err(e) => assert!(e.to_string().contains("DCAT"), "{e}"),
    }
    // An empty result.
    let body = std::fs::read(fx.join("csw/berlin-fisbroker/no_record_found.xml")).unwrap();
    let r = read_page(&body, "file", 1, &XmlLimits::default(), &options());
    if let Ok((page, returned, _, _)) = r {
        assert_eq!(returned, 0);
        assert!(page.records.is_empty());
    }
}

#[test]
fn csw_exception_report_is_a_clear_error() {
    let Some(fx) = fixtures() else { return };
    let mut n = 0;
    for e in std::fs::read_dir(fx.join("csw/pycsw-default/expected")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if !name.contains("Exception") {
            continue;
        }
        let body = std::fs::read(&p).unwrap();
        let err = read_page(&body, "file", 1, &XmlLimits::default(), &options()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("exceptionCode="), "{name}: {msg}");
        n += 1;
    }
    assert!(n > 0);
}

#[test]
fn csw_bad_input_is_rejected_without_panic() {
    let Some(fx) = fixtures() else { return };
    let mut n = 0;
    for d in ["bad-input/csw-invalid", "bad-input/xml-attacks/defusedxml"] {
        for e in std::fs::read_dir(fx.join(d)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_none_or(|e| e != "xml") {
                continue;
            }
            let body = std::fs::read(&p).unwrap();
            let started = std::time::Instant::now();
            let limits = XmlLimits {
                max_record_bytes: 64 * 1024,
                ..Default::default()
            };
            let result = read_page(&body, "file", 1, &limits, &options());
            assert!(started.elapsed() < std::time::Duration::from_secs(5));
            match result {
                Err(e) => {
                    let msg = e.to_string();
                    assert!(!msg.is_empty());
                    eprintln!("{}: {msg}", p.display());
                }
                Ok((page, _, _, _)) => {
                    // Parsed as a document of no records: never a record.
                    assert!(page.records.is_empty(), "{}", p.display());
                }
            }
            n += 1;
        }
    }
    assert!(n >= 12);
}
