//! Support for the end-to-end tests: finding the shared fixtures, a loopback
//! HTTP server that stands in for municipal portals (including misbehaving
//! ones), and running the `catalog-server` binary.

pub mod links;
pub mod portals;
pub mod stadt;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The shared fixtures folder: `$CATALOG_FIXTURES`, else `../shared/fixtures`
/// next to the workspace. Returns `None` (the test should skip) when it is
/// missing; under CI (`CI=true`) a missing folder fails the run instead.
pub fn fixtures(sub: &str) -> Option<PathBuf> {
    let base = std::env::var_os("CATALOG_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("../shared/fixtures"));
    let dir = base.join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!(
            "fixtures folder {} is missing (set CATALOG_FIXTURES); under CI=true this fails the run",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: fixtures folder {} is missing (set CATALOG_FIXTURES)",
        dir.display()
    );
    None
}

/// Media type for a fixture file, as a well-behaved server would send it.
pub fn media_type_for(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "ttl" => "text/turtle",
        "nt" => "application/n-triples",
        "nq" => "application/n-quads",
        "trig" => "application/trig",
        "rdf" | "owl" | "xml" => "application/rdf+xml",
        "jsonld" => "application/ld+json",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// Real DCAT catalogs (under the `dcat` fixtures) that the round-trip tests
/// harvest: RDF/XML, Turtle, N-Triples, blank-node datasets, collections.
pub const ROUNDTRIP_FILES: &[&str] = &[
    "govdata-shacl-testcases/dashboard/brandenburg-catalog-original-input.rdf",
    "schleswig-holstein-catalog/with_collection.xml",
    "dcat-ap-de-reference-examples/v2.0/RDF-TURTLE/dcat_ap_de-RefImp_TTL_ADVANCED.ttl",
    "ckanext-dcat-examples/dataset_gov_de.rdf",
    "udata-dcat/bnodes.xml",
    "semiceu-dcat-ap-examples/2.1.1/example1.nt",
    "ckanext-dcat-examples/dataset_health_no_blank.ttl",
];

/// One fixture file served by a [`StubServer`] as source `r{i}`.
pub struct ServedFixture {
    pub id: String,
    pub url: String,
    pub file: PathBuf,
    pub body: Vec<u8>,
}

/// Serves `files` (relative to `dir`) from `stub`, the i-th at
/// `/r{i}/{file name}` with its media type, as sources `r0`, `r1`, …
pub fn serve_fixtures(stub: &StubServer, dir: &Path, files: &[&str]) -> Vec<ServedFixture> {
    files
        .iter()
        .enumerate()
        .map(|(i, rel)| {
            let file = dir.join(rel);
            let body =
                std::fs::read(&file).unwrap_or_else(|e| panic!("fixture {}: {e}", file.display()));
            let path = format!(
                "/r{i}/{}",
                file.file_name().unwrap_or_default().to_string_lossy()
            );
            stub.serve_bytes(&path, body.clone(), media_type_for(&file));
            ServedFixture {
                id: format!("r{i}"),
                url: stub.url(&path),
                file,
                body,
            }
        })
        .collect()
}

/// How the stub answers one path.
#[derive(Clone)]
pub enum Behaviour {
    /// A normal response.
    Serve {
        body: Arc<Vec<u8>>,
        content_type: String,
    },
    /// An HTTP error status with a short body.
    Status(u16),
    /// Sends the headers and a little of the body, then never finishes.
    Hang,
    /// Streams an endless body (no Content-Length).
    Endless,
    /// Announces a multi-GB body in Content-Length, then streams.
    HugeDeclared,
    /// A response with validators (`ETag` and/or `Last-Modified`): a request
    /// whose `If-None-Match` names the ETag, or whose `If-Modified-Since` is
    /// the `Last-Modified` value, gets `304 Not Modified` without a body.
    Cached {
        body: Arc<Vec<u8>>,
        content_type: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// A normal response, sent after a pause (a slow portal).
    Slow {
        delay: Duration,
        body: Arc<Vec<u8>>,
        content_type: String,
    },
}

/// Routes of the stub, by path and query (e.g. `/dcat/a.ttl` or `/c?page=2`).
pub type Routes = Arc<Mutex<HashMap<String, Behaviour>>>;

/// A loopback HTTP server for tests.
pub struct StubServer {
    pub addr: SocketAddr,
    pub routes: Routes,
    /// Paths requested, in order.
    pub log: Arc<Mutex<Vec<String>>>,
    /// Requests being answered now, and the most at once so far.
    pub in_flight: Arc<InFlight>,
    /// Every request with its conditional headers and the status answered.
    pub conditions: Arc<Mutex<Vec<Conditions>>>,
    _runtime: tokio::runtime::Runtime,
}

/// The conditional headers of one request to a [`StubServer`], and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conditions {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub status: u16,
}

/// Concurrency seen by a [`StubServer`].
#[derive(Debug, Default)]
pub struct InFlight {
    pub now: std::sync::atomic::AtomicUsize,
    pub max: std::sync::atomic::AtomicUsize,
}

struct InFlightGuard(Arc<InFlight>);

impl InFlightGuard {
    fn enter(f: &Arc<InFlight>) -> Self {
        use std::sync::atomic::Ordering::SeqCst;
        let n = f.now.fetch_add(1, SeqCst) + 1;
        f.max.fetch_max(n, SeqCst);
        Self(f.clone())
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl StubServer {
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test runtime");
        let routes: Routes = Arc::new(Mutex::new(HashMap::new()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(InFlight::default());
        let conditions = Arc::new(Mutex::new(Vec::new()));
        let state = (
            routes.clone(),
            log.clone(),
            in_flight.clone(),
            conditions.clone(),
        );
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let app = axum::Router::new().fallback(handle).with_state(state);
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            routes,
            log,
            in_flight,
            conditions,
            _runtime: runtime,
        }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{}", self.addr, path_and_query)
    }

    pub fn set(&self, path_and_query: &str, behaviour: Behaviour) {
        self.routes
            .lock()
            .expect("routes")
            .insert(path_and_query.to_owned(), behaviour);
    }

    pub fn serve_bytes(&self, path_and_query: &str, body: Vec<u8>, content_type: &str) {
        self.set(
            path_and_query,
            Behaviour::Serve {
                body: Arc::new(body),
                content_type: content_type.to_owned(),
            },
        );
    }

    pub fn requests(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }

    /// The requests received so far, with their conditional headers.
    pub fn conditions(&self) -> Vec<Conditions> {
        self.conditions.lock().expect("conditions").clone()
    }

    /// Forgets the requests received so far (both logs).
    pub fn clear_log(&self) {
        self.log.lock().expect("log").clear();
        self.conditions.lock().expect("conditions").clear();
    }
}

type StubState = (
    Routes,
    Arc<Mutex<Vec<String>>>,
    Arc<InFlight>,
    Arc<Mutex<Vec<Conditions>>>,
);

async fn handle(
    State((routes, log, in_flight, conditions)): State<StubState>,
    req: Request,
) -> Response {
    let _in_flight = InFlightGuard::enter(&in_flight);
    let key = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    if let Ok(mut l) = log.lock() {
        l.push(key.clone());
    }
    // Read before the answer's await: the request is not `Sync`.
    let seen = {
        let header_text = |name: header::HeaderName| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Conditions {
            path: key.clone(),
            if_none_match: header_text(header::IF_NONE_MATCH),
            if_modified_since: header_text(header::IF_MODIFIED_SINCE),
            status: 0,
        }
    };
    drop(req);
    let behaviour = routes.lock().ok().and_then(|r| r.get(&key).cloned());
    let response = answer(behaviour, &key, &seen).await;
    if let Ok(mut c) = conditions.lock() {
        c.push(Conditions {
            status: response.status().as_u16(),
            ..seen
        });
    }
    response
}

async fn answer(behaviour: Option<Behaviour>, key: &str, seen: &Conditions) -> Response {
    match behaviour {
        Some(Behaviour::Cached {
            body,
            content_type,
            etag,
            last_modified,
        }) => {
            // If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2).
            let fresh = match (&seen.if_none_match, &seen.if_modified_since) {
                (Some(tags), _) => etag
                    .as_ref()
                    .is_some_and(|e| tags.split(',').any(|t| t.trim() == e || t.trim() == "*")),
                (None, Some(since)) => last_modified.as_ref() == Some(since),
                (None, None) => false,
            };
            let mut response = if fresh {
                StatusCode::NOT_MODIFIED.into_response()
            } else {
                (
                    [(header::CONTENT_TYPE, content_type)],
                    body.as_ref().clone(),
                )
                    .into_response()
            };
            for (name, value) in [(header::ETAG, etag), (header::LAST_MODIFIED, last_modified)] {
                if let Some(v) = value.and_then(|v| v.parse().ok()) {
                    response.headers_mut().insert(name, v);
                }
            }
            response
        }
        None => (StatusCode::NOT_FOUND, format!("no route {key}")).into_response(),
        Some(Behaviour::Serve { body, content_type }) => (
            [(header::CONTENT_TYPE, content_type)],
            body.as_ref().clone(),
        )
            .into_response(),
        Some(Behaviour::Slow {
            delay,
            body,
            content_type,
        }) => {
            tokio::time::sleep(delay).await;
            (
                [(header::CONTENT_TYPE, content_type)],
                body.as_ref().clone(),
            )
                .into_response()
        }
        Some(Behaviour::Status(code)) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "stub error",
        )
            .into_response(),
        Some(Behaviour::Hang) => {
            let stream = futures_util::stream::unfold(0u8, |state| async move {
                if state == 0 {
                    Some((
                        Ok::<_, std::io::Error>(
                            b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n".to_vec(),
                        ),
                        1,
                    ))
                } else {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    None
                }
            });
            (
                [(header::CONTENT_TYPE, "text/turtle")],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Some(Behaviour::Endless) | Some(Behaviour::HugeDeclared) => {
            let declared = matches!(behaviour, Some(Behaviour::HugeDeclared));
            let line = b"<http://example.org/s> <http://example.org/p> \"padding padding padding padding\" .\n";
            let chunk: Vec<u8> = line
                .iter()
                .copied()
                .cycle()
                .take(line.len() * 1000)
                .collect();
            let stream =
                futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
            let mut response = Body::from_stream(stream).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                "application/n-triples".parse().expect("header"),
            );
            if declared {
                response.headers_mut().insert(
                    header::CONTENT_LENGTH,
                    "5000000000".parse().expect("header"),
                );
            }
            response
        }
    }
}

/// A two-thread runtime for tests that drive async code.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The `catalog-server` binary built for this test run.
pub fn catalog_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<test> -> target/<profile>/catalog-server
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target profile dir")
        .to_path_buf();
    let bin = profile_dir.join(format!("catalog-server{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let profile = profile_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("debug");
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args(["build", "-p", "catalog-server", "--bin", "catalog-server"])
            .current_dir(workspace());
        if profile == "release" {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build");
        assert!(status.success(), "building catalog-server failed");
    }
    bin
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "catalog-test-{name}-{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos() ^ (rand_seed() as u128)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

fn rand_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    h.finish()
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A source for [`write_config`].
pub struct SourceSpec {
    pub id: String,
    pub url: String,
    pub extra: String,
}

impl SourceSpec {
    pub fn new(id: &str, url: &str) -> Self {
        Self {
            id: id.to_owned(),
            url: url.to_owned(),
            extra: String::new(),
        }
    }
}

/// Writes a config file into `dir` and returns its path.
pub fn write_config(dir: &Path, sources: &[SourceSpec], extra_top: &str) -> PathBuf {
    let mut text = format!(
        "data_dir = \"data\"\nlisten = \"127.0.0.1:0\"\nbase_iri = \"http://catalog.test/\"\n{extra_top}\n"
    );
    for s in sources {
        text.push_str(&format!(
            "\n[[sources]]\nid = \"{}\"\ntitle = \"Source {}\"\nkind = \"dcat\"\nurl = \"{}\"\nprofile = \"dcat-ap-de-3\"\n{}\n",
            s.id, s.id, s.url, s.extra
        ));
    }
    let path = dir.join("catalog.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// Runs `catalog-server` with arguments; returns the output.
pub fn run_catalog(config: &Path, args: &[&str]) -> Output {
    Command::new(catalog_binary())
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run catalog-server")
}

/// Runs `harvest` and returns (output, reports as JSON).
pub fn harvest(config: &Path, args: &[&str]) -> (Output, serde_json::Value) {
    let report = config.with_file_name(format!("report-{}.json", rand_seed()));
    let mut all = vec!["harvest", "--report"];
    let report_str = report.to_string_lossy().to_string();
    all.push(&report_str);
    all.extend_from_slice(args);
    let out = run_catalog(config, &all);
    let json = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    (out, json)
}

/// [`harvest`] with the process's address space capped
/// ([`cap_address_space`]); also returns its own peak resident memory (KiB).
pub fn harvest_measured(
    config: &Path,
    args: &[&str],
    address_space_bytes: u64,
) -> (Output, serde_json::Value, u64) {
    let report = config.with_file_name(format!("report-{}.json", rand_seed()));
    let report_str = report.to_string_lossy().to_string();
    let mut all = vec!["harvest", "--report", &report_str];
    all.extend_from_slice(args);
    let (out, peak) = run_catalog_measured(config, &all, address_space_bytes);
    let json = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    (out, json, peak)
}

/// Runs `harvest`, asserts that it exits with 0 (printing its output
/// otherwise) and returns the reports as JSON.
pub fn harvest_ok(config: &Path, args: &[&str]) -> serde_json::Value {
    let (out, reports) = harvest(config, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    reports
}

/// The report of one source in a harvest's JSON reports.
pub fn report_of<'a>(reports: &'a serde_json::Value, source: &str) -> &'a serde_json::Value {
    reports
        .as_array()
        .and_then(|a| a.iter().find(|r| r["source"] == source))
        .unwrap_or_else(|| panic!("no report for source {source} in {reports}"))
}

/// A running `catalog-server serve`, killed on drop.
pub struct Served {
    pub child: Child,
    pub base: String,
}

impl Served {
    pub fn start(config: &Path) -> Self {
        Self::start_with(config, &[], &[])
    }

    /// `serve` with extra arguments and environment variables
    /// (`CATALOG_ADMIN_TOKEN` is removed unless given here).
    pub fn start_with(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_inner(config, args, env, None, None)
    }

    /// [`Served::start_with`], its standard error (the log) written to `log`.
    pub fn start_logged(config: &Path, env: &[(&str, &str)], log: &Path) -> Self {
        Self::start_inner(config, &[], env, None, Some(log))
    }

    /// `serve` with its address space capped ([`cap_address_space`]).
    pub fn start_capped(config: &Path, address_space_bytes: u64) -> Self {
        Self::start_inner(config, &[], &[], Some(address_space_bytes), None)
    }

    /// `serve` on a given port (a config whose `base_iri` names it), with
    /// environment variables as in [`Served::start_with`].
    pub fn start_on(config: &Path, port: u16, env: &[(&str, &str)]) -> Self {
        Self::start_at(config, port, &[], env, None, None)
    }

    fn start_inner(
        config: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        cap: Option<u64>,
        log: Option<&Path>,
    ) -> Self {
        Self::start_at(config, free_port(), args, env, cap, log)
    }

    fn start_at(
        config: &Path,
        port: u16,
        args: &[&str],
        env: &[(&str, &str)],
        cap: Option<u64>,
        log: Option<&Path>,
    ) -> Self {
        let mut cmd = Command::new(catalog_binary());
        cmd.arg("--config")
            .arg(config)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .env("RUST_LOG", "warn")
            .env_remove("CATALOG_ADMIN_TOKEN");
        for (k, v) in env {
            cmd.env(k, v);
        }
        if let Some(bytes) = cap {
            cap_address_space(&mut cmd, bytes);
        }
        let stderr = match log {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("create the log file")),
            None => Stdio::inherit(),
        };
        let child = cmd
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn serve");
        let base = format!("http://127.0.0.1:{port}");
        let served = Self { child, base };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = blocking_get(&format!("{}/health", served.base), "application/json") {
                if r.0 == 200 {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "serve did not become healthy");
            std::thread::sleep(Duration::from_millis(100));
        }
        served
    }

    /// Runs a SELECT query and returns the bindings as strings.
    pub fn select(&self, query: &str) -> Vec<HashMap<String, String>> {
        let url = format!("{}/sparql?query={}", self.base, url_encode(query));
        let (status, body) =
            blocking_get(&url, "application/sparql-results+json").expect("sparql request");
        assert_eq!(
            status,
            200,
            "SPARQL failed: {}",
            String::from_utf8_lossy(&body)
        );
        let json: serde_json::Value = serde_json::from_slice(&body).expect("SPARQL JSON");
        json["results"]["bindings"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|row| {
                        row.as_object()
                            .map(|o| {
                                o.iter()
                                    .map(|(k, v)| {
                                        (k.clone(), v["value"].as_str().unwrap_or("").to_owned())
                                    })
                                    .collect()
                            })
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `GET {path}` on the server, its answer as JSON.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        call(reqwest::Method::GET, &format!("{}{path}", self.base), &[]).json()
    }

    /// `GET {path}` on the server as a browser asks (German first): the
    /// page's HTML.
    pub fn get_html(&self, path: &str) -> String {
        let answer = call(
            reqwest::Method::GET,
            &format!("{}{path}", self.base),
            &[("accept", "text/html"), ("accept-language", "de")],
        );
        assert_eq!(answer.status, 200, "GET {path}: {}", answer.text());
        answer.text()
    }

    /// One facet of `/api/search?{query}` (all values): value → count.
    pub fn facet(&self, query: &str, name: &str) -> std::collections::BTreeMap<String, u64> {
        let v = self.get_json(&format!("/api/search?size=0&facet_size=10000&{query}"));
        v["facets"][name]
            .as_array()
            .unwrap_or_else(|| panic!("no facet {name}: {v}"))
            .iter()
            .map(|f| {
                (
                    f["value"].as_str().unwrap_or("").to_owned(),
                    f["count"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    /// Runs a query that returns one integer (`?n`).
    pub fn count(&self, query: &str) -> usize {
        self.select(query)
            .first()
            .and_then(|r| r.get("n"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A blocking GET (status, body) with a 30 s timeout.
pub fn blocking_get(url: &str, accept: &str) -> Result<(u16, Vec<u8>), String> {
    request(reqwest::Method::GET, url, accept, None)
}

/// A blocking request (status, body).
pub fn request(
    method: reqwest::Method,
    url: &str,
    accept: &str,
    body: Option<(&str, Vec<u8>)>,
) -> Result<(u16, Vec<u8>), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        let mut req = client.request(method, url).header("Accept", accept);
        if let Some((ct, b)) = body {
            req = req.header("Content-Type", ct).body(b);
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        Ok((status, bytes.to_vec()))
    })
}

/// An HTTP answer: status, headers (lower-case names) and body.
pub struct HttpAnswer {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl HttpAnswer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A blocking request with extra headers (e.g. `Authorization`).
pub fn call(method: reqwest::Method, url: &str, headers: &[(&str, &str)]) -> HttpAnswer {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        let mut req = client.request(method, url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        HttpAnswer {
            status,
            headers,
            body,
        }
    })
}

/// Caps the address space (`RLIMIT_AS`) of the process `cmd` starts: input
/// that would make it allocate without bound ends in a failed allocation in
/// that process (which aborts) instead of pressing on the machine.
pub fn cap_address_space(cmd: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe and only touches the child's
    // own limits between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

/// Runs `catalog-server` with arguments and its address space capped
/// ([`cap_address_space`]); returns the output and the peak resident memory
/// (KiB) of that process alone (from `wait4`, not the largest child so far).
pub fn run_catalog_measured(
    config: &Path,
    args: &[&str],
    address_space_bytes: u64,
) -> (Output, u64) {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let mut cmd = Command::new(catalog_binary());
    cmd.arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cap_address_space(&mut cmd, address_space_bytes);
    // Reaped by `wait4` below (which also gives this process's own peak),
    // not by `Child::wait`.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().expect("run catalog-server");
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let mut status: libc::c_int = 0;
    // SAFETY: wait4 writes only into the status and rusage we pass; the
    // child is ours and not waited for elsewhere (`child` is never waited).
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let waited = libc::wait4(pid, &mut status, 0, &mut usage);
        assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
        usage
    };
    let output = Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    };
    (output, usage.ru_maxrss as u64)
}

/// Peak resident memory (KiB) of a running process so far (`VmHWM`).
pub fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Peak resident memory (KiB) of the largest child process waited for so far.
pub fn children_peak_rss_kib() -> u64 {
    // SAFETY: getrusage only writes into the struct we pass.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) == 0 {
            usage.ru_maxrss as u64
        } else {
            0
        }
    }
}
