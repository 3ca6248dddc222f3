//! Loopback portals for tests and benchmarks: a CKAN Action API
//! ([`CkanPortal`]) and an OGC CSW 2.0.2 endpoint ([`CswPortal`]) serving real
//! recorded fixtures or generated content, with switches for the ways real
//! portals misbehave (HTTP errors on page N, `success:false`, non-JSON, rate
//! limits; CSW paging quirks, exception reports mid-harvest).
//!
//! Each portal runs on its own thread and Tokio runtime, so it can be used
//! from plain `#[test]`s, from `#[tokio::test]`s and from benchmarks alike; it
//! stops when dropped. Content and faults live behind a mutex and can be
//! changed between runs ([`CkanPortal::with`], [`CswPortal::with`]).

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// A server on its own thread and runtime; shut down on drop.
struct Running {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Running {
    fn start(app: Router) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name(format!("portal-{addr}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("portal runtime");
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            let _ = rx.await;
                        })
                        .await;
                });
                runtime.shutdown_background();
            })
            .expect("portal thread");
        Self {
            addr,
            shutdown: Some(tx),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A canned answer replacing the normal one.
#[derive(Clone, Debug)]
pub enum Answer {
    /// An HTTP error status with a short text body.
    Status(u16),
    /// Any status, content type and body.
    Body {
        status: u16,
        content_type: String,
        body: String,
    },
    /// CKAN: `{"success": false, "error": {"message": ...}}` with HTTP 200.
    Failure(String),
}

impl Answer {
    /// An HTML error page with HTTP 200 (a proxy or maintenance page).
    pub fn html() -> Self {
        Answer::Body {
            status: 200,
            content_type: "text/html".into(),
            body: "<html><body><h1>Wartungsarbeiten</h1></body></html>".into(),
        }
    }
    /// JSON cut off in the middle.
    pub fn truncated_json() -> Self {
        Answer::Body {
            status: 200,
            content_type: "application/json".into(),
            body: r#"{"help": "x", "success": true, "result": {"count": 3, "results": [{"id": "a", "name": "a", "title": "Abgeschnit"#.into(),
        }
    }
    fn respond(&self) -> Response {
        match self {
            Answer::Status(code) => (
                StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "portal error",
            )
                .into_response(),
            Answer::Body {
                status,
                content_type,
                body,
            } => (
                StatusCode::from_u16(*status).unwrap_or(StatusCode::OK),
                [(header::CONTENT_TYPE, content_type.clone())],
                body.clone(),
            )
                .into_response(),
            Answer::Failure(message) => axum::Json(json!({
                "help": "portal", "success": false,
                "error": {"__type": "Search Query Error", "message": message}
            }))
            .into_response(),
        }
    }
}

// ====================================================================== CKAN

/// One request to the CKAN stub.
#[derive(Clone, Debug)]
pub struct CkanRequest {
    /// `package_search`, `package_list` or `package_show`.
    pub action: String,
    pub params: HashMap<String, String>,
}

/// Content and behaviour of a [`CkanPortal`].
#[derive(Default)]
pub struct CkanState {
    /// The packages, as `package_show` would return them.
    pub packages: Vec<Value>,
    /// Requests received, in order.
    pub requests: Vec<CkanRequest>,
    /// Answer every request with this.
    pub fixed: Option<Answer>,
    /// Answer `package_search` page N (1-based, by `start / rows`) with this.
    pub page_faults: HashMap<usize, Answer>,
    /// Answer this many requests with 429 and `Retry-After: 1` first.
    pub rate_limited: usize,
    /// Behave like an old CKAN that rejects the `fl` parameter.
    pub reject_fl: bool,
    /// Remove the first package after the first `package_search` (a change during the run).
    pub delete_during_run: bool,
    /// The portal's `rows` cap (CKAN's `ckan.search.rows_max`, default 1000).
    pub rows_max: usize,
    /// Serve this many [`generated_package`]s (made per request, in id
    /// order, `metadata_modified` 2024-01-01) after `packages`; for
    /// benchmarks. `fq` is not applied to them.
    pub generated: usize,
    /// Keep each `package_search` answer by its parameters and serve it
    /// again as is (for benchmarks: a real portal's work of making its pages
    /// is not the harvester's cost). Content changes are not seen while on.
    pub cache_pages: bool,
    /// The kept answers (see `cache_pages`).
    page_cache: HashMap<String, axum::body::Bytes>,
}

impl CkanState {
    /// The `package_search` requests' parameters, in order.
    pub fn searches(&self) -> Vec<HashMap<String, String>> {
        self.requests
            .iter()
            .filter(|r| r.action == "package_search")
            .map(|r| r.params.clone())
            .collect()
    }
}

/// A CKAN Action API (v3) on loopback: `package_search` (rows, start, sort,
/// fq with `metadata_modified:[X TO *]` and `organization:NAME`, fl),
/// `package_list` and `package_show`.
pub struct CkanPortal {
    state: Arc<Mutex<CkanState>>,
    running: Running,
}

impl CkanPortal {
    pub fn start(packages: Vec<Value>) -> Self {
        let state = Arc::new(Mutex::new(CkanState {
            packages,
            rows_max: 1000,
            ..Default::default()
        }));
        let app = Router::new()
            .route("/api/3/action/package_search", get(ckan_search))
            .route("/api/3/action/package_list", get(ckan_list))
            .route("/api/3/action/package_show", get(ckan_show))
            .with_state(state.clone());
        Self {
            state,
            running: Running::start(app),
        }
    }

    /// The portal's base URL, with a trailing slash (`http://127.0.0.1:P/`).
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.running.addr)
    }

    /// Read or change content and faults.
    pub fn with<R>(&self, f: impl FnOnce(&mut CkanState) -> R) -> R {
        f(&mut lock(&self.state))
    }

    /// The `package_search` requests' parameters so far.
    pub fn searches(&self) -> Vec<HashMap<String, String>> {
        lock(&self.state).searches()
    }
}

fn record_request(s: &mut CkanState, action: &str, params: &HashMap<String, String>) {
    s.requests.push(CkanRequest {
        action: action.to_owned(),
        params: params.clone(),
    });
}

/// Common gatekeeping: fixed answers and rate limits.
fn ckan_gate(s: &mut CkanState) -> Option<Response> {
    if let Some(answer) = &s.fixed {
        return Some(answer.respond());
    }
    if s.rate_limited > 0 {
        s.rate_limited -= 1;
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        return Some((StatusCode::TOO_MANY_REQUESTS, h, "slow down").into_response());
    }
    None
}

fn modified_of(p: &Value) -> &str {
    p.get("metadata_modified")
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn extra<'a>(p: &'a Value, key: &str) -> Option<&'a Value> {
    p.get("extras")
        .and_then(Value::as_array)
        .and_then(|e| e.iter().find(|x| x["key"] == key))
        .map(|x| &x["value"])
}

/// The filters of an `fq` this stub understands.
fn fq_matches(fq: &str, p: &Value) -> bool {
    if let Some(i) = fq.find("metadata_modified:[") {
        let rest = &fq[i + "metadata_modified:[".len()..];
        let since = rest[..rest.find(" TO").unwrap_or(rest.len())].trim_end_matches('Z');
        if modified_of(p) < since {
            return false;
        }
    }
    for token in fq.split_whitespace() {
        if let Some(org) = token.strip_prefix("organization:") {
            let org = org.trim_matches('"');
            if p["organization"]["name"].as_str() != Some(org) {
                return false;
            }
        }
    }
    true
}

fn sort_key(p: &Value, field: &str) -> String {
    match p.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

async fn ckan_search(
    State(state): State<Arc<Mutex<CkanState>>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = lock(&state);
    record_request(&mut s, "package_search", &q);
    if let Some(r) = ckan_gate(&mut s) {
        return r;
    }
    if s.delete_during_run && s.searches().len() == 2 && !s.packages.is_empty() {
        s.packages.remove(0);
    }
    if s.reject_fl && q.contains_key("fl") {
        return Answer::Failure(
            "Search Query is invalid: \"Invalid search parameters: ['fl']\"".into(),
        )
        .respond();
    }
    let rows: usize = q
        .get("rows")
        .and_then(|r| r.parse().ok())
        .unwrap_or(10)
        .min(s.rows_max.max(1));
    let start: usize = q.get("start").and_then(|r| r.parse().ok()).unwrap_or(0);
    let page_number = start / rows.max(1) + 1;
    if let Some(answer) = s.page_faults.get(&page_number) {
        return answer.respond();
    }
    let key = s.cache_pages.then(|| {
        let mut params: Vec<(&String, &String)> = q.iter().collect();
        params.sort();
        format!("{params:?}")
    });
    if let Some(body) = key.as_ref().and_then(|k| s.page_cache.get(k)) {
        return ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response();
    }
    let fq = q.get("fq").cloned().unwrap_or_default();
    let mut matching: Vec<&Value> = s.packages.iter().filter(|p| fq_matches(&fq, p)).collect();
    let sort = q.get("sort").map(String::as_str).unwrap_or("score desc");
    let mut parts = sort.split_whitespace();
    let field = parts.next().unwrap_or("id");
    let field = if field == "score" { "id" } else { field };
    matching.sort_by_cached_key(|p| sort_key(p, field));
    if parts.next() == Some("desc") && field != "id" {
        matching.reverse();
    }
    let count = matching.len() + s.generated;
    let made: Vec<Value> = (start.max(matching.len()) - matching.len()..s.generated)
        .take((start + rows).saturating_sub(matching.len().max(start)))
        .map(|i| generated_package(i, "2024-01-01T00:00:00.000000"))
        .collect();
    let fl: Option<Vec<&str>> = q.get("fl").map(|fl| fl.split(',').map(str::trim).collect());
    let page: Vec<Value> = matching
        .into_iter()
        .skip(start)
        .take(rows)
        .chain(made.iter())
        .map(|p| match &fl {
            None => p.clone(),
            Some(fields) => {
                let mut o = serde_json::Map::new();
                for f in fields {
                    let v = match f.strip_prefix("extras_") {
                        Some(key) => extra(p, key).cloned(),
                        None => p.get(*f).cloned(),
                    };
                    if let Some(v) = v {
                        o.insert((*f).to_owned(), v);
                    }
                }
                Value::Object(o)
            }
        })
        .collect();
    let answer = json!({"help": "portal", "success": true,
        "result": {"count": count, "sort": sort, "results": page}});
    let body = match serde_json::to_vec(&answer) {
        Ok(b) => axum::body::Bytes::from(b),
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    if let Some(k) = key {
        s.page_cache.insert(k, body.clone());
    }
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn ckan_list(
    State(state): State<Arc<Mutex<CkanState>>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = lock(&state);
    record_request(&mut s, "package_list", &q);
    if let Some(r) = ckan_gate(&mut s) {
        return r;
    }
    let names: BTreeSet<&str> = s
        .packages
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    axum::Json(json!({"help": "portal", "success": true, "result": names})).into_response()
}

async fn ckan_show(
    State(state): State<Arc<Mutex<CkanState>>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = lock(&state);
    record_request(&mut s, "package_show", &q);
    if let Some(r) = ckan_gate(&mut s) {
        return r;
    }
    let id = q.get("id").cloned().unwrap_or_default();
    match s
        .packages
        .iter()
        .find(|p| p["id"].as_str() == Some(&id) || p["name"].as_str() == Some(&id))
    {
        Some(p) => {
            axum::Json(json!({"help": "portal", "success": true, "result": p})).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"help": "portal", "success": false,
                "error": {"__type": "Not Found Error", "message": "Not found"}})),
        )
            .into_response(),
    }
}

/// A package from a fixture file: `package_show` answers are unwrapped.
pub fn load_ckan_package(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match v.get("result") {
        Some(r) if v.get("success").is_some() => r.clone(),
        _ => v,
    }
}

/// The real recorded packages under `ckan_dir` (the shared `fixtures/ckan`):
/// demo.ckan.org's package_search page, Schleswig-Holstein's package_show
/// answers and ckanext-dcat's CKAN dataset dictionaries. Variants of one
/// package (same id) are kept once; ckanext-dcat's scheming example shares
/// its name with the legacy one and is renamed `test-dataset-scheming`.
pub fn ckan_fixture_packages(ckan_dir: &Path) -> Vec<Value> {
    let search = load_ckan_package(&ckan_dir.join("demo-ckan-org/packages.json"));
    let mut packages: Vec<Value> = search["results"].as_array().cloned().unwrap_or_default();
    let mut sh: Vec<PathBuf> = std::fs::read_dir(ckan_dir.join("schleswig-holstein-package-show"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    sh.retain(|p| p.extension().is_some_and(|e| e == "json"));
    sh.sort();
    packages.extend(sh.iter().map(|p| load_ckan_package(p)));
    for f in [
        "ckan_dataset.json",
        "full_ckan_dataset_legacy.json",
        "ckan_full_dataset_dcat_ap_legacy.json",
    ] {
        packages.push(load_ckan_package(
            &ckan_dir.join("ckanext-dcat-examples").join(f),
        ));
    }
    let mut scheming =
        load_ckan_package(&ckan_dir.join("ckanext-dcat-examples/ckan_full_dataset_dcat_ap.json"));
    scheming["name"] = json!("test-dataset-scheming");
    packages.push(scheming);
    let mut ids = BTreeSet::new();
    packages.retain(|p| {
        ids.insert(
            p.get("id")
                .map(|i| i.to_string())
                .unwrap_or_else(|| p["name"].to_string()),
        )
    });
    packages
}

/// The id of generated package `i`.
pub fn generated_package_id(i: usize) -> String {
    format!("{i:08}-0000-4000-8000-000000000000")
}

const TOWNS: &[&str] = &[
    "Kiel",
    "Lübeck",
    "Flensburg",
    "Neumünster",
    "Norderstedt",
    "Elmshorn",
];
const TOPICS: &[&str] = &[
    "Straßenbäume",
    "Haushaltsplan",
    "Radverkehrszählung",
    "Bebauungspläne",
    "Wahlergebnisse",
    "Kindertagesstätten",
    "Luftqualität",
    "Badegewässer",
];
const GROUPS: &[&str] = &[
    "umwelt_klima",
    "transport_verkehr",
    "gesellschaft",
    "bildung_kultur",
];
const FORMATS: &[&str] = &["CSV", "JSON", "XLSX", "PDF", "GeoJSON", "WMS"];

/// A realistic generated CKAN package (title, notes, tags, groups,
/// organization, maintainer, licence, extras, two resources). Even-numbered
/// packages carry a `uri` extra (`https://daten.example/id/{i}`); the
/// others get `{portal}/dataset/datensatz-{i}`.
pub fn generated_package(i: usize, modified: &str) -> Value {
    let town = TOWNS[i % TOWNS.len()];
    let topic = TOPICS[i % TOPICS.len()];
    let mut extras = vec![
        json!({"key": "temporal_start", "value": "2020-01-01"}),
        json!({"key": "frequency", "value": "http://publications.europa.eu/resource/authority/frequency/ANNUAL"}),
        json!({"key": "politicalGeocodingLevelURI", "value": "http://dcat-ap.de/def/politicalGeocoding/Level/municipality"}),
    ];
    if i.is_multiple_of(2) {
        extras.push(json!({"key": "uri", "value": format!("https://daten.example/id/{i}")}));
    }
    let resources: Vec<Value> = (0..2)
        .map(|k| {
            let format = FORMATS[(i + k) % FORMATS.len()];
            json!({
                "id": format!("r{i}-{k}"),
                "name": format!("{topic} {town} {k}"),
                "description": "Tagesaktueller Auszug.",
                "url": format!("https://daten.example/files/{i}/{k}.{}", format.to_ascii_lowercase()),
                "format": format,
                "size": (1000 + i * 7 + k).to_string(),
                "last_modified": "2024-01-02T03:04:05.000000",
            })
        })
        .collect();
    json!({
        "id": generated_package_id(i),
        "name": format!("datensatz-{i}"),
        "title": format!("{topic} {town} {i}"),
        "notes": format!("Der Datensatz {topic} der Stadt {town} enthält tagesaktuelle Angaben, erhoben vom Fachbereich und veröffentlicht im Open-Data-Portal. Nummer {i}."),
        "license_id": "dl-by-de/2.0",
        "license_title": "Datenlizenz Deutschland Namensnennung 2.0",
        "metadata_created": "2024-01-01T00:00:00.000000",
        "metadata_modified": modified,
        "maintainer": "Fachbereich Daten",
        "maintainer_email": "daten@stadt.example",
        "author": "Stadt Beispiel",
        "url": format!("https://stadt.example/daten/{i}"),
        "version": "1.0",
        "state": "active",
        "type": "dataset",
        "organization": {"name": format!("stadt-{}", town.to_lowercase()), "title": format!("Stadt {town}")},
        "tags": [{"name": topic}, {"name": town}, {"name": "offene-daten"}],
        "groups": [{"name": GROUPS[i % GROUPS.len()]}],
        "extras": extras,
        "resources": resources,
    })
}

// ======================================================================= CSW

/// What `nextRecord` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum NextRecord {
    /// `0` on the last page, else the position after the page.
    #[default]
    Correct,
    /// No `nextRecord` attribute at all.
    Missing,
    /// pycsw: `nextRecord="1"` on the last page.
    OneAtEnd,
    /// `nextRecord` beyond `numberOfRecordsMatched` on the last page.
    BeyondMatched,
}

/// Content and behaviour of a [`CswPortal`].
pub struct CswState {
    /// (fileIdentifier, record XML element) in server order.
    pub records: Vec<(String, String)>,
    /// The GetCapabilities document.
    pub capabilities: String,
    pub next_record: NextRecord,
    /// The server's page cap: pages hold at most this many records whatever
    /// `maxRecords` says (short pages).
    pub max_page: Option<usize>,
    /// Pages starting after this position answer with an `ows:ExceptionReport`.
    pub exception_after: Option<usize>,
    /// POST is refused with 405 (the client must fall back to GET/KVP).
    pub refuse_post: bool,
    /// Answer the GetRecords page starting at this position with this.
    pub page_faults: HashMap<usize, Answer>,
    /// Requests: `GET GetCapabilities`, `POST GetRecords start=S max=M`, ...
    pub requests: Vec<String>,
    /// The last POST body received.
    pub last_post: Option<String>,
    /// Serve this many [`generated_iso_record`]s (made per request) after
    /// `records`; for benchmarks.
    pub generated: usize,
}

/// An OGC CSW 2.0.2 endpoint on loopback (`/csw`): GetCapabilities (KVP) and
/// GetRecords as POST XML and GET/KVP, paged by `startPosition`/`maxRecords`.
pub struct CswPortal {
    state: Arc<Mutex<CswState>>,
    running: Running,
}

/// A minimal CSW 2.0.2 capabilities document offering GetRecords by GET and
/// POST with ISO 19139 output and an `apiso:Identifier` queryable.
pub const CSW_CAPABILITIES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<csw:Capabilities xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:ows="http://www.opengis.net/ows" xmlns:xlink="http://www.w3.org/1999/xlink" version="2.0.2">
<ows:ServiceIdentification><ows:Title>Loopback CSW</ows:Title><ows:ServiceType>CSW</ows:ServiceType><ows:ServiceTypeVersion>2.0.2</ows:ServiceTypeVersion></ows:ServiceIdentification>
<ows:OperationsMetadata>
<ows:Operation name="GetCapabilities"><ows:DCP><ows:HTTP><ows:Get xlink:href="http://localhost/csw"/></ows:HTTP></ows:DCP></ows:Operation>
<ows:Operation name="GetRecords"><ows:DCP><ows:HTTP><ows:Get xlink:href="http://localhost/csw"/><ows:Post xlink:href="http://localhost/csw"/></ows:HTTP></ows:DCP>
<ows:Parameter name="outputSchema"><ows:Value>http://www.opengis.net/cat/csw/2.0.2</ows:Value><ows:Value>http://www.isotc211.org/2005/gmd</ows:Value></ows:Parameter>
<ows:Parameter name="typeNames"><ows:Value>csw:Record</ows:Value><ows:Value>gmd:MD_Metadata</ows:Value></ows:Parameter>
<ows:Parameter name="CONSTRAINTLANGUAGE"><ows:Value>FILTER</ows:Value><ows:Value>CQL_TEXT</ows:Value></ows:Parameter>
<ows:Constraint name="SupportedISOQueryables"><ows:Value>apiso:Identifier</ows:Value><ows:Value>apiso:Title</ows:Value><ows:Value>apiso:Type</ows:Value></ows:Constraint>
</ows:Operation>
</ows:OperationsMetadata>
</csw:Capabilities>"#;

const CSW_NS: &str = r#"xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:gmd="http://www.isotc211.org/2005/gmd" xmlns:gco="http://www.isotc211.org/2005/gco" xmlns:gmx="http://www.isotc211.org/2005/gmx" xmlns:gmi="http://www.isotc211.org/2005/gmi" xmlns:srv="http://www.isotc211.org/2005/srv" xmlns:gml="http://www.opengis.net/gml" xmlns:gts="http://www.isotc211.org/2005/gts" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:idf="http://www.portalu.de/IDF/1.0""#;

/// The exception report served by [`CswState::exception_after`].
pub const CSW_EXCEPTION: &str = r#"<?xml version="1.0" encoding="UTF-8"?><ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows" version="1.2.0"><ows:Exception exceptionCode="NoApplicableCode" locator="startPosition"><ows:ExceptionText>Database connection lost</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"#;

impl CswPortal {
    /// Serves `records` (fileIdentifier, XML element) with `capabilities`
    /// (default [`CSW_CAPABILITIES`]).
    pub fn start(records: Vec<(String, String)>, capabilities: Option<String>) -> Self {
        let state = Arc::new(Mutex::new(CswState {
            records,
            capabilities: capabilities.unwrap_or_else(|| CSW_CAPABILITIES.to_owned()),
            next_record: NextRecord::Correct,
            max_page: None,
            exception_after: None,
            refuse_post: false,
            page_faults: HashMap::new(),
            requests: Vec::new(),
            last_post: None,
            generated: 0,
        }));
        let app = Router::new()
            .route("/csw", get(csw_get).post(csw_post))
            .with_state(state.clone());
        Self {
            state,
            running: Running::start(app),
        }
    }

    /// The endpoint URL (`http://127.0.0.1:P/csw`).
    pub fn endpoint(&self) -> String {
        format!("http://{}/csw", self.running.addr)
    }

    /// Read or change content and behaviour.
    pub fn with<R>(&self, f: impl FnOnce(&mut CswState) -> R) -> R {
        f(&mut lock(&self.state))
    }

    pub fn requests(&self) -> Vec<String> {
        lock(&self.state).requests.clone()
    }
}

fn csw_page(s: &CswState, start: usize, max: usize) -> Response {
    if let Some(answer) = s.page_faults.get(&start) {
        return answer.respond();
    }
    if s.exception_after.is_some_and(|k| start > k) {
        return ([(header::CONTENT_TYPE, "application/xml")], CSW_EXCEPTION).into_response();
    }
    let n = s.records.len() + s.generated;
    let max = s.max_page.map_or(max, |cap| max.min(cap));
    let from = (start.max(1) - 1).min(n);
    let to = (from + max).min(n);
    let mut next = if to >= n { 0 } else { to + 1 };
    if to >= n {
        match s.next_record {
            NextRecord::OneAtEnd => next = 1,
            NextRecord::BeyondMatched => next = n + 5,
            _ => {}
        }
    }
    let next_attr = if s.next_record == NextRecord::Missing {
        String::new()
    } else {
        format!(" nextRecord=\"{next}\"")
    };
    let fixed = s.records.len();
    let made: Vec<String> = (from.max(fixed)..to.max(fixed))
        .map(|i| generated_iso_record(i - fixed))
        .collect();
    let page: Vec<&str> = s.records[from.min(fixed)..to.min(fixed)]
        .iter()
        .map(|(_, r)| r.as_str())
        .chain(made.iter().map(String::as_str))
        .collect();
    let size: usize = page.iter().map(|r| r.len()).sum();
    let mut body = String::with_capacity(size + 2048);
    let _ = write!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<csw:GetRecordsResponse {CSW_NS} version=\"2.0.2\"><csw:SearchStatus timestamp=\"2024-01-01T00:00:00Z\"/><csw:SearchResults numberOfRecordsMatched=\"{n}\" numberOfRecordsReturned=\"{}\"{next_attr} elementSet=\"full\" recordSchema=\"http://www.isotc211.org/2005/gmd\">",
        to - from
    );
    for rec in page {
        body.push_str(rec);
    }
    body.push_str("</csw:SearchResults></csw:GetRecordsResponse>");
    ([(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

fn attr_num(body: &str, name: &str) -> Option<usize> {
    let i = body.find(&format!("{name}=\""))? + name.len() + 2;
    body[i..].split('"').next()?.parse().ok()
}

async fn csw_get(
    State(state): State<Arc<Mutex<CswState>>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let q: HashMap<String, String> = q
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let mut s = lock(&state);
    let request = q.get("request").cloned().unwrap_or_default();
    match request.as_str() {
        "GetCapabilities" => {
            s.requests.push("GET GetCapabilities".into());
            (
                [(header::CONTENT_TYPE, "application/xml")],
                s.capabilities.clone(),
            )
                .into_response()
        }
        "GetRecords" => {
            let num = |k: &str, d: usize| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
            let (start, max) = (num("startposition", 1), num("maxrecords", 10));
            s.requests
                .push(format!("GET GetRecords start={start} max={max}"));
            csw_page(&s, start, max)
        }
        other => {
            s.requests.push(format!("GET {other}"));
            (StatusCode::BAD_REQUEST, "unknown request").into_response()
        }
    }
}

async fn csw_post(State(state): State<Arc<Mutex<CswState>>>, body: String) -> Response {
    let mut s = lock(&state);
    let start = attr_num(&body, "startPosition").unwrap_or(1);
    let max = attr_num(&body, "maxRecords").unwrap_or(10);
    s.requests
        .push(format!("POST GetRecords start={start} max={max}"));
    s.last_post = Some(body.clone());
    if s.refuse_post {
        return (StatusCode::METHOD_NOT_ALLOWED, "POST not allowed").into_response();
    }
    if !body.contains("<csw:GetRecords") {
        return (StatusCode::BAD_REQUEST, "not a GetRecords request").into_response();
    }
    csw_page(&s, start, max)
}

/// fileIdentifier values found by plain string scanning (independent of the
/// harvester's parser).
pub fn scan_file_identifiers(xml: &str) -> Vec<String> {
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
pub fn iso_record_element(doc: &str) -> Option<String> {
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

/// The fixture files [`iso_fixture_records`] reads, relative to `csw_dir`.
pub fn iso_fixture_files(csw_dir: &Path) -> Vec<PathBuf> {
    let dir = |d: &str| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(csw_dir.join(d))
            .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        v.retain(|p| p.extension().is_some_and(|e| e == "xml"));
        v.sort();
        v
    };
    let mut files = dir("pycsw-apiso/data");
    files.extend(dir("gdi-de-ingrid/gdide_test_data"));
    for f in [
        "65715c6e-bbaf-3def-982b-3b5156272da7.xml",
        "8a7ea996-7955-4fbb-8980-7be09be6f193_01.xml",
        "dataset-open-data.xml",
        "wfs-no-email.xml",
        "wfs-no-license.xml",
        "wfs-open-data.xml",
    ] {
        files.push(csw_dir.join("berlin-fisbroker").join(f));
    }
    for f in [
        "iso19139/dataset.xml",
        "gemini2.1/dataset1.xml",
        "gemini2.1/FCSConservancyPolygons.xml",
        "gemini2.1/service1.xml",
    ] {
        files.push(csw_dir.join("ckanext-spatial-iso").join(f));
    }
    files
}

/// The real ISO 19139 records under `csw_dir` (the shared `fixtures/csw`:
/// pycsw APISO suite, GDI-DE InGrid, Berlin FIS-Broker, ckanext-spatial /
/// GEMINI) as (fileIdentifier, record XML element), each record once.
pub fn iso_fixture_records(csw_dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for f in iso_fixture_files(csw_dir) {
        let doc =
            std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("reading {}: {e}", f.display()));
        let Some(rec) = iso_record_element(&doc) else {
            continue;
        };
        let ids = scan_file_identifiers(&rec);
        assert_eq!(ids.len(), 1, "one fileIdentifier in {}", f.display());
        if out.iter().any(|(id, _)| id == &ids[0]) {
            continue; // the same record twice (e.g. Berlin variants)
        }
        out.push((ids[0].clone(), rec));
    }
    out
}

/// The fileIdentifier of generated ISO record `i`.
pub fn generated_iso_id(i: usize) -> String {
    format!("de.stadt-beispiel.{i:08}")
}

/// A realistic generated ISO 19139 dataset record of about 11 KB (no
/// indentation): metadata contact, publisher with address, phone, e-mail and
/// URL, citation dates and identifier, GEMET and INSPIRE keywords, licence
/// constraints (GDI-DE JSON), bounding box and temporal extent, a WFS and a
/// download link, lineage.
pub fn generated_iso_record(i: usize) -> String {
    let town = TOWNS[i % TOWNS.len()];
    let topic = TOPICS[i % TOPICS.len()];
    let id = generated_iso_id(i);
    let west = 9.0 + (i % 100) as f64 * 0.01;
    let south = 53.0 + (i % 50) as f64 * 0.01;
    let cs = |s: &str| format!("<gco:CharacterString>{s}</gco:CharacterString>");
    let contact = |role: &str| {
        format!(
            "<gmd:CI_ResponsibleParty><gmd:organisationName>{}</gmd:organisationName><gmd:contactInfo><gmd:CI_Contact><gmd:phone><gmd:CI_Telephone><gmd:voice>{}</gmd:voice></gmd:CI_Telephone></gmd:phone><gmd:address><gmd:CI_Address><gmd:deliveryPoint>{}</gmd:deliveryPoint><gmd:city>{}</gmd:city><gmd:postalCode>{}</gmd:postalCode><gmd:country>{}</gmd:country><gmd:electronicMailAddress>{}</gmd:electronicMailAddress></gmd:CI_Address></gmd:address><gmd:onlineResource><gmd:CI_OnlineResource><gmd:linkage><gmd:URL>https://www.{}.example/</gmd:URL></gmd:linkage></gmd:CI_OnlineResource></gmd:onlineResource></gmd:CI_Contact></gmd:contactInfo><gmd:role><gmd:CI_RoleCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_RoleCode\" codeListValue=\"{role}\">{role}</gmd:CI_RoleCode></gmd:role></gmd:CI_ResponsibleParty>",
            cs(&format!("Stadt {town}, Fachbereich Geoinformation")),
            cs("+49 431 9010"),
            cs("Rathausplatz 1"),
            cs(town),
            cs("24103"),
            cs("Deutschland"),
            cs(&format!("geodaten@{}.example", town.to_lowercase())),
            town.to_lowercase(),
        )
    };
    let keyword_block = |words: &[&str], thesaurus: &str, date: &str| {
        let mut s = String::from("<gmd:descriptiveKeywords><gmd:MD_Keywords>");
        for w in words {
            let _ = write!(s, "<gmd:keyword>{}</gmd:keyword>", cs(w));
        }
        let _ = write!(s, "<gmd:type><gmd:MD_KeywordTypeCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_KeywordTypeCode\" codeListValue=\"theme\">theme</gmd:MD_KeywordTypeCode></gmd:type><gmd:thesaurusName><gmd:CI_Citation><gmd:title>{}</gmd:title><gmd:date><gmd:CI_Date><gmd:date><gco:Date>{date}</gco:Date></gmd:date><gmd:dateType><gmd:CI_DateTypeCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_DateTypeCode\" codeListValue=\"publication\">publication</gmd:CI_DateTypeCode></gmd:dateType></gmd:CI_Date></gmd:date></gmd:CI_Citation></gmd:thesaurusName></gmd:MD_Keywords></gmd:descriptiveKeywords>", cs(thesaurus));
        s
    };
    let online = |url: &str, protocol: &str, name: &str, function: &str| {
        format!("<gmd:onLine><gmd:CI_OnlineResource><gmd:linkage><gmd:URL>{url}</gmd:URL></gmd:linkage><gmd:protocol>{}</gmd:protocol><gmd:name>{}</gmd:name><gmd:description>{}</gmd:description><gmd:function><gmd:CI_OnLineFunctionCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_OnLineFunctionCode\" codeListValue=\"{function}\">{function}</gmd:CI_OnLineFunctionCode></gmd:function></gmd:CI_OnlineResource></gmd:onLine>",
            cs(protocol), cs(name), cs(&format!("{name} für {topic} in {town}")))
    };
    let date = |d: &str, t: &str| {
        format!("<gmd:date><gmd:CI_Date><gmd:date><gco:Date>{d}</gco:Date></gmd:date><gmd:dateType><gmd:CI_DateTypeCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_DateTypeCode\" codeListValue=\"{t}\">{t}</gmd:CI_DateTypeCode></gmd:dateType></gmd:CI_Date></gmd:date>")
    };
    let abstract_text = format!(
        "Der Datensatz {topic} der Stadt {town} beschreibt die Lage und die Eigenschaften der erfassten Objekte im Stadtgebiet. \
         Die Daten werden vom Fachbereich Geoinformation fortlaufend gepflegt, mit Luftbildern abgeglichen und jährlich vollständig geprüft. \
         Sie dienen der Planung, der Bürgerinformation und der Berichterstattung an das Land. Datensatz Nummer {i}."
    );
    let metadata_contact = format!(
            "<gmd:CI_ResponsibleParty><gmd:organisationName>{}</gmd:organisationName><gmd:contactInfo><gmd:CI_Contact><gmd:address><gmd:CI_Address><gmd:electronicMailAddress>{}</gmd:electronicMailAddress></gmd:CI_Address></gmd:address></gmd:CI_Contact></gmd:contactInfo><gmd:role><gmd:CI_RoleCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_RoleCode\" codeListValue=\"pointOfContact\">pointOfContact</gmd:CI_RoleCode></gmd:role></gmd:CI_ResponsibleParty>",
            cs(&format!("Stadt {town}")),
            cs(&format!("metadaten@{}.example", town.to_lowercase())),
        );
    let mut x = String::with_capacity(13_000);
    let _ = write!(
        x,
        "<gmd:MD_Metadata><gmd:fileIdentifier>{}</gmd:fileIdentifier><gmd:language><gmd:LanguageCode codeList=\"http://www.loc.gov/standards/iso639-2/\" codeListValue=\"ger\">ger</gmd:LanguageCode></gmd:language><gmd:characterSet><gmd:MD_CharacterSetCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_CharacterSetCode\" codeListValue=\"utf8\">utf8</gmd:MD_CharacterSetCode></gmd:characterSet><gmd:hierarchyLevel><gmd:MD_ScopeCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_ScopeCode\" codeListValue=\"dataset\">dataset</gmd:MD_ScopeCode></gmd:hierarchyLevel><gmd:contact>{}</gmd:contact><gmd:dateStamp><gco:DateTime>2024-03-0{}T10:00:00</gco:DateTime></gmd:dateStamp><gmd:metadataStandardName>{}</gmd:metadataStandardName><gmd:metadataStandardVersion>{}</gmd:metadataStandardVersion>",
        cs(&id),
        metadata_contact,
        1 + i % 9,
        cs("ISO 19115:2003/Cor 1:2006"),
        cs("GDI-DE 2.0"),
    );
    let _ = write!(
        x,
        "<gmd:referenceSystemInfo><gmd:MD_ReferenceSystem><gmd:referenceSystemIdentifier><gmd:RS_Identifier><gmd:code>{}</gmd:code></gmd:RS_Identifier></gmd:referenceSystemIdentifier></gmd:MD_ReferenceSystem></gmd:referenceSystemInfo>",
        cs("EPSG:25832")
    );
    let _ = write!(
        x,
        "<gmd:identificationInfo><gmd:MD_DataIdentification><gmd:citation><gmd:CI_Citation><gmd:title>{}</gmd:title>{}{}<gmd:identifier><gmd:RS_Identifier><gmd:code>{}</gmd:code><gmd:codeSpace>{}</gmd:codeSpace></gmd:RS_Identifier></gmd:identifier></gmd:CI_Citation></gmd:citation><gmd:abstract>{}</gmd:abstract><gmd:pointOfContact>{}</gmd:pointOfContact><gmd:resourceMaintenance><gmd:MD_MaintenanceInformation><gmd:maintenanceAndUpdateFrequency><gmd:MD_MaintenanceFrequencyCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_MaintenanceFrequencyCode\" codeListValue=\"annually\">annually</gmd:MD_MaintenanceFrequencyCode></gmd:maintenanceAndUpdateFrequency></gmd:MD_MaintenanceInformation></gmd:resourceMaintenance>",
        cs(&format!("{topic} {town} {i}")),
        date(&format!("2019-05-0{}", 1 + i % 9), "creation"),
        date("2024-02-15", "revision"),
        cs(&format!("https://registry.gdi-de.org/id/de.stadt-beispiel/{i:08}")),
        cs("https://registry.gdi-de.org/id/de.stadt-beispiel"),
        cs(&abstract_text),
        contact("publisher"),
    );
    x.push_str(&keyword_block(
        &[topic, town, "offene Daten", "Stadtplanung"],
        "GEMET - Concepts, version 2.4",
        "2010-01-13",
    ));
    x.push_str(&keyword_block(
        &["Verkehrsnetze"],
        "GEMET - INSPIRE themes, version 1.0",
        "2008-06-01",
    ));
    let _ = write!(
        x,
        "<gmd:resourceConstraints><gmd:MD_LegalConstraints><gmd:useLimitation>{}</gmd:useLimitation><gmd:accessConstraints><gmd:MD_RestrictionCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_RestrictionCode\" codeListValue=\"otherRestrictions\">otherRestrictions</gmd:MD_RestrictionCode></gmd:accessConstraints><gmd:otherConstraints>{}</gmd:otherConstraints></gmd:MD_LegalConstraints></gmd:resourceConstraints><gmd:resourceConstraints><gmd:MD_LegalConstraints><gmd:useConstraints><gmd:MD_RestrictionCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_RestrictionCode\" codeListValue=\"otherRestrictions\">otherRestrictions</gmd:MD_RestrictionCode></gmd:useConstraints><gmd:otherConstraints>{}</gmd:otherConstraints><gmd:otherConstraints>{}</gmd:otherConstraints></gmd:MD_LegalConstraints></gmd:resourceConstraints>",
        cs("Es gelten keine Bedingungen"),
        cs("Es gelten keine Zugriffsbeschränkungen"),
        cs("Datenlizenz Deutschland – Namensnennung – Version 2.0"),
        cs(&format!("{{\"id\":\"dl-by-de/2.0\",\"name\":\"Datenlizenz Deutschland – Namensnennung – Version 2.0\",\"url\":\"https://www.govdata.de/dl-de/by-2-0\",\"quelle\":\"Stadt {town}\"}}")),
    );
    let _ = write!(
        x,
        "<gmd:spatialRepresentationType><gmd:MD_SpatialRepresentationTypeCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_SpatialRepresentationTypeCode\" codeListValue=\"vector\">vector</gmd:MD_SpatialRepresentationTypeCode></gmd:spatialRepresentationType><gmd:language><gmd:LanguageCode codeList=\"http://www.loc.gov/standards/iso639-2/\" codeListValue=\"ger\">ger</gmd:LanguageCode></gmd:language><gmd:topicCategory><gmd:MD_TopicCategoryCode>planningCadastre</gmd:MD_TopicCategoryCode></gmd:topicCategory><gmd:topicCategory><gmd:MD_TopicCategoryCode>transportation</gmd:MD_TopicCategoryCode></gmd:topicCategory><gmd:extent><gmd:EX_Extent><gmd:geographicElement><gmd:EX_GeographicBoundingBox><gmd:westBoundLongitude><gco:Decimal>{west:.4}</gco:Decimal></gmd:westBoundLongitude><gmd:eastBoundLongitude><gco:Decimal>{:.4}</gco:Decimal></gmd:eastBoundLongitude><gmd:southBoundLatitude><gco:Decimal>{south:.4}</gco:Decimal></gmd:southBoundLatitude><gmd:northBoundLatitude><gco:Decimal>{:.4}</gco:Decimal></gmd:northBoundLatitude></gmd:EX_GeographicBoundingBox></gmd:geographicElement><gmd:temporalElement><gmd:EX_TemporalExtent><gmd:extent><gml:TimePeriod gml:id=\"tp{i}\"><gml:beginPosition>2015-01-01</gml:beginPosition><gml:endPosition>2023-12-31</gml:endPosition></gml:TimePeriod></gmd:extent></gmd:EX_TemporalExtent></gmd:temporalElement></gmd:EX_Extent></gmd:extent></gmd:MD_DataIdentification></gmd:identificationInfo>",
        west + 0.2,
        south + 0.15,
    );
    let base = format!("https://geodienste.{}.example", town.to_lowercase());
    let _ = write!(
        x,
        "<gmd:distributionInfo><gmd:MD_Distribution><gmd:distributionFormat><gmd:MD_Format><gmd:name>{}</gmd:name><gmd:version>{}</gmd:version></gmd:MD_Format></gmd:distributionFormat><gmd:transferOptions><gmd:MD_DigitalTransferOptions>{}{}</gmd:MD_DigitalTransferOptions></gmd:transferOptions></gmd:MD_Distribution></gmd:distributionInfo>",
        cs("GML"),
        cs("3.2.1"),
        online(&format!("{base}/wfs/{i}?SERVICE=WFS&amp;REQUEST=GetCapabilities"), "OGC:WFS-2.0.0-http-get-capabilities", "WFS-Dienst", "information"),
        online(&format!("{base}/download/{i}.zip"), "WWW:DOWNLOAD-1.0-http--download", "Download Shapefile", "download"),
    );
    let _ = write!(
        x,
        "<gmd:dataQualityInfo><gmd:DQ_DataQuality><gmd:scope><gmd:DQ_Scope><gmd:level><gmd:MD_ScopeCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_ScopeCode\" codeListValue=\"dataset\">dataset</gmd:MD_ScopeCode></gmd:level></gmd:DQ_Scope></gmd:scope><gmd:lineage><gmd:LI_Lineage><gmd:statement>{}</gmd:statement></gmd:LI_Lineage></gmd:lineage></gmd:DQ_DataQuality></gmd:dataQualityInfo></gmd:MD_Metadata>",
        cs(&format!("Erfasst durch terrestrische Vermessung und Digitalisierung aus Luftbildern der Stadt {town}; fortgeführt durch den Fachbereich Geoinformation."))
    );
    x
}

/// `n` generated records as served by [`CswPortal`].
pub fn generated_iso_records(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (generated_iso_id(i), generated_iso_record(i)))
        .collect()
}

// ==================================================================== config

/// Writes a config with sources of any kind into `dir` and returns its path.
/// Each source is (id, kind, url, extra TOML lines).
pub fn write_portal_config(
    dir: &Path,
    sources: &[(&str, &str, &str, &str)],
    extra_top: &str,
) -> PathBuf {
    let mut text = format!(
        "data_dir = \"data\"\nlisten = \"127.0.0.1:0\"\nbase_iri = \"http://catalog.test/\"\n{extra_top}\n"
    );
    for (id, kind, url, extra) in sources {
        let _ = write!(
            text,
            "\n[[sources]]\nid = \"{id}\"\ntitle = \"Source {id}\"\nkind = \"{kind}\"\nurl = \"{url}\"\nprofile = \"dcat-ap-de-3\"\n{extra}\n"
        );
    }
    let path = dir.join("catalog.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

// ============================================================ reading back

/// Property values of one node: predicate IRI → values (IRIs, literal
/// lexical forms as SPARQL returns them, blank node labels).
pub type Props = std::collections::BTreeMap<String, BTreeSet<String>>;

/// What a source stored, read over SPARQL: each dataset's properties and
/// those of its distributions.
#[derive(Default, Debug)]
pub struct StoredSource {
    pub datasets: std::collections::BTreeMap<String, Props>,
    pub distributions: std::collections::BTreeMap<String, Vec<Props>>,
}

impl StoredSource {
    pub fn read(served: &crate::Served, source: &str) -> Self {
        let meta = format!("<urn:dcat-catalog:meta:{source}>");
        let mut out = StoredSource::default();
        for row in served.select(&format!(
            "SELECT ?d ?p ?o WHERE {{ GRAPH {meta} {{ ?r <http://xmlns.com/foaf/0.1/primaryTopic> ?d }} GRAPH ?r {{ ?d ?p ?o }} }}"
        )) {
            out.datasets
                .entry(row["d"].clone())
                .or_default()
                .entry(row["p"].clone())
                .or_default()
                .insert(row["o"].clone());
        }
        let mut dists: std::collections::BTreeMap<(String, String), Props> = Default::default();
        for row in served.select(&format!(
            "SELECT ?d ?x ?p ?o WHERE {{ GRAPH {meta} {{ ?r <http://xmlns.com/foaf/0.1/primaryTopic> ?d }} GRAPH ?r {{ ?d <http://www.w3.org/ns/dcat#distribution> ?x . ?x ?p ?o }} }}"
        )) {
            dists
                .entry((row["d"].clone(), row["x"].clone()))
                .or_default()
                .entry(row["p"].clone())
                .or_default()
                .insert(row["o"].clone());
        }
        for ((d, _), props) in dists {
            out.distributions.entry(d).or_default().push(props);
        }
        out
    }

    /// The values of `predicate` on dataset `iri` (empty when absent).
    pub fn values(&self, iri: &str, predicate: &str) -> BTreeSet<String> {
        self.datasets
            .get(iri)
            .and_then(|p| p.get(predicate))
            .cloned()
            .unwrap_or_default()
    }

    /// The values of `predicate` over all distributions of dataset `iri`.
    pub fn distribution_values(&self, iri: &str, predicate: &str) -> BTreeSet<String> {
        self.distributions
            .get(iri)
            .map(|ds| {
                ds.iter()
                    .filter_map(|p| p.get(predicate))
                    .flatten()
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}
