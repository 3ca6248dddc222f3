//! CSW harvesting against a loopback stub serving real ISO 19139 records from
//! the shared fixtures, the recorded real GetRecords responses, paging edge
//! cases and hostile input.
//!
//! Fixtures are read in place from `CATALOG_FIXTURES` (default
//! `<workspace>/../shared/fixtures`); when missing the tests print a skip
//! message, unless `CI=true`, where they fail.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use harvester::csw::client::read_page;
use harvester::csw::{harvest, CswSource, MapOptions, XmlLimits};
use harvester::{FetchLimits, Fetcher, HarvestEvent, SourceDefaults};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("CATALOG_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"));
    if dir.join("csw").is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("fixtures not found at {} (CI=true)", dir.display());
    }
    eprintln!(
        "SKIP: fixtures not found at {} (set CATALOG_FIXTURES)",
        dir.display()
    );
    None
}

/// fileIdentifier values found by plain string scanning (independent of the parser).
fn scan_file_identifiers(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<gmd:fileIdentifier") {
        rest = &rest[i + "<gmd:fileIdentifier".len()..];
        let Some(cs) = rest.find("CharacterString") else {
            break;
        };
        let Some(gt) = rest[cs..].find('>') else {
            break;
        };
        let after = &rest[cs + gt + 1..];
        let Some(end) = after.find('<') else { break };
        out.push(after[..end].trim().to_owned());
        rest = &after[end..];
    }
    out
}

/// The record element of a fixture document, as text.
fn record_xml(doc: &str) -> Option<String> {
    for (open, close) in [
        ("<idf:html", "</idf:html>"),
        ("<gmi:MI_Metadata", "</gmi:MI_Metadata>"),
        ("<gmd:MD_Metadata", "</gmd:MD_Metadata>"),
    ] {
        if let (Some(s), Some(e)) = (doc.find(open), doc.rfind(close)) {
            return Some(doc[s..e + close.len()].to_owned());
        }
    }
    None
}

/// The real ISO records served by the stub: (fileIdentifier, record XML).
fn stub_records(fx: &Path) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = Vec::new();
    let dir = |d: &str| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(fx.join(d))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            .collect();
        v.sort();
        v
    };
    files.extend(dir("csw/pycsw-apiso/data"));
    files.extend(dir("csw/gdi-de-ingrid/gdide_test_data"));
    for f in [
        "65715c6e-bbaf-3def-982b-3b5156272da7.xml",
        "8a7ea996-7955-4fbb-8980-7be09be6f193_01.xml",
        "dataset-open-data.xml",
        "wfs-no-email.xml",
        "wfs-no-license.xml",
        "wfs-open-data.xml",
    ] {
        files.push(fx.join("csw/berlin-fisbroker").join(f));
    }
    for f in [
        "iso19139/dataset.xml",
        "gemini2.1/dataset1.xml",
        "gemini2.1/FCSConservancyPolygons.xml",
        "gemini2.1/service1.xml",
    ] {
        files.push(fx.join("csw/ckanext-spatial-iso").join(f));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for f in files {
        let doc = std::fs::read_to_string(&f).unwrap();
        let Some(rec) = record_xml(&doc) else {
            continue;
        };
        let ids = scan_file_identifiers(&rec);
        assert_eq!(ids.len(), 1, "{}", f.display());
        if out.iter().any(|(id, _)| id == &ids[0]) {
            continue; // the same record twice (e.g. Berlin variants)
        }
        out.push((ids[0].clone(), rec));
    }
    out
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

struct Stub {
    records: Vec<(String, String)>,
    mode: Mode,
    capabilities: String,
    requests: Mutex<Vec<String>>,
}

const NS: &str = r#"xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:gmd="http://www.isotc211.org/2005/gmd" xmlns:gco="http://www.isotc211.org/2005/gco" xmlns:gmx="http://www.isotc211.org/2005/gmx" xmlns:gmi="http://www.isotc211.org/2005/gmi" xmlns:srv="http://www.isotc211.org/2005/srv" xmlns:gml="http://www.opengis.net/gml" xmlns:gts="http://www.isotc211.org/2005/gts" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:idf="http://www.portalu.de/IDF/1.0""#;

fn page(stub: &Stub, start: usize, max: usize) -> Response {
    if let Mode::ExceptionAfter(k) = stub.mode {
        if start > k {
            let body = r#"<?xml version="1.0" encoding="UTF-8"?><ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows" version="1.2.0"><ows:Exception exceptionCode="NoApplicableCode" locator="startPosition"><ows:ExceptionText>Database connection lost</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"#;
            return ([("content-type", "application/xml")], body).into_response();
        }
    }
    let n = stub.records.len();
    let max = if stub.mode == Mode::Short {
        max.min(3)
    } else {
        max
    };
    let from = (start.max(1) - 1).min(n);
    let to = (from + max).min(n);
    let returned = to - from;
    let mut next = if to >= n { 0 } else { to + 1 };
    if to >= n {
        match stub.mode {
            Mode::NextOneAtEnd => next = 1,
            Mode::NextBeyond => next = n + 5,
            _ => {}
        }
    }
    let next_attr = if stub.mode == Mode::NoNextRecord {
        String::new()
    } else {
        format!(" nextRecord=\"{next}\"")
    };
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<csw:GetRecordsResponse {NS}><csw:SearchStatus timestamp=\"2024-01-01T00:00:00Z\"/><csw:SearchResults numberOfRecordsMatched=\"{n}\" numberOfRecordsReturned=\"{returned}\"{next_attr} elementSet=\"full\" recordSchema=\"http://www.isotc211.org/2005/gmd\">"
    );
    for (_, rec) in &stub.records[from..to] {
        body.push_str(rec);
    }
    body.push_str("</csw:SearchResults></csw:GetRecordsResponse>");
    ([("content-type", "application/xml")], body).into_response()
}

fn attr_num(body: &str, name: &str) -> Option<usize> {
    let i = body.find(&format!("{name}=\""))? + name.len() + 2;
    body[i..].split('"').next()?.parse().ok()
}

async fn get_handler(
    State(stub): State<Arc<Stub>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let q: HashMap<String, String> = q
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let request = q.get("request").cloned().unwrap_or_default();
    stub.requests.lock().unwrap().push(format!("GET {request}"));
    match request.as_str() {
        "GetCapabilities" => (
            [("content-type", "application/xml")],
            stub.capabilities.clone(),
        )
            .into_response(),
        "GetRecords" => {
            let start = q
                .get("startposition")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            let max = q
                .get("maxrecords")
                .and_then(|v| v.parse().ok())
                .unwrap_or(10);
            page(&stub, start, max)
        }
        _ => (StatusCode::BAD_REQUEST, "unknown request").into_response(),
    }
}

async fn post_handler(State(stub): State<Arc<Stub>>, body: String) -> Response {
    stub.requests.lock().unwrap().push("POST GetRecords".into());
    if stub.mode == Mode::PostRefused {
        return (StatusCode::METHOD_NOT_ALLOWED, "POST not allowed").into_response();
    }
    assert!(body.contains("<csw:GetRecords"), "{body}");
    assert!(body.contains("outputSchema=\"http://www.isotc211.org/2005/gmd\""));
    assert!(body.contains("typeNames=\"gmd:MD_Metadata\""));
    assert!(body.contains("<csw:ElementSetName>full</csw:ElementSetName>"));
    assert!(body.contains("apiso:Identifier"), "SortBy expected: {body}");
    let start = attr_num(&body, "startPosition").unwrap_or(1);
    let max = attr_num(&body, "maxRecords").unwrap_or(10);
    page(&stub, start, max)
}

async fn serve(stub: Arc<Stub>) -> url::Url {
    let app = Router::new()
        .route("/csw", get(get_handler).post(post_handler))
        .with_state(stub);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    url::Url::parse(&format!("http://{addr}/csw")).unwrap()
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
}

async fn run(fx: &Path, mode: Mode, page_size: usize) -> (Outcome, Vec<(String, String)>) {
    let records = stub_records(fx);
    let capabilities =
        std::fs::read_to_string(fx.join("csw/pycsw-apiso/expected/post_GetCapabilities.xml"))
            .unwrap();
    let stub = Arc::new(Stub {
        records: records.clone(),
        mode,
        capabilities,
        requests: Mutex::new(Vec::new()),
    });
    let endpoint = serve(stub.clone()).await;
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
    out.requests = stub.requests.lock().unwrap().clone();
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
    assert!(out.requests.iter().skip(1).all(|r| r == "POST GetRecords"));
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
    assert!(out.requests.iter().any(|r| r == "GET GetRecords"));
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
