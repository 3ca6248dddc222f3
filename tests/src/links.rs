//! A loopback server with the answers a link checker meets, for the link
//! checker's tests and benchmark. Paths:
//!
//! - `/ok…` (any path starting so): 200, `text/csv`;
//! - `/moved`: 301 to `/ok`; `/loop`: 302 to itself;
//! - `/missing`: 404; `/error`: 500;
//! - `/no-head`: 405 to `HEAD`, 206 to `GET` with `Range` (200 without);
//! - `/slow`: answers after 5 s;
//! - `/status/{name}`: the status set with [`LinkServer::set_status`]
//!   (200 until set);
//! - `/catalog.ttl`: the document set with [`LinkServer::serve_catalog`].
//!
//! Every request is logged with its method, `Range` header and arrival time
//! (unless logging is off, as in the benchmark).

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the server received.
#[derive(Debug, Clone)]
pub struct LinkRequest {
    pub method: String,
    pub path: String,
    pub range: Option<String>,
    pub at: Instant,
}

#[derive(Default)]
struct Shared {
    log: Mutex<Vec<LinkRequest>>,
    logging: AtomicBool,
    requests: AtomicUsize,
    statuses: Mutex<HashMap<String, u16>>,
    catalog: Mutex<String>,
}

/// The loopback link server (stops with its runtime when dropped).
pub struct LinkServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    _runtime: tokio::runtime::Runtime,
}

impl LinkServer {
    /// A server on `127.0.0.1` with its own two-thread runtime.
    pub fn start() -> Self {
        Self::start_with_threads(2)
    }

    /// A server whose runtime has `threads` worker threads.
    pub fn start_with_threads(threads: usize) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .enable_all()
            .build()
            .expect("link server runtime");
        let shared = Arc::new(Shared::default());
        shared.logging.store(true, Ordering::SeqCst);
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone());
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            shared,
            _runtime: runtime,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Sets the status `/status/{name}` answers.
    pub fn set_status(&self, name: &str, status: u16) {
        if let Ok(mut s) = self.shared.statuses.lock() {
            s.insert(name.to_owned(), status);
        }
    }

    /// Sets the Turtle document `/catalog.ttl` answers.
    pub fn serve_catalog(&self, text: &str) {
        if let Ok(mut c) = self.shared.catalog.lock() {
            *c = text.to_owned();
        }
    }

    /// Turns the request log on or off (requests are counted either way).
    pub fn set_logging(&self, on: bool) {
        self.shared.logging.store(on, Ordering::SeqCst);
    }

    /// The requests logged so far.
    pub fn requests(&self) -> Vec<LinkRequest> {
        self.shared
            .log
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }

    /// The requests for one path.
    pub fn requests_for(&self, path: &str) -> Vec<LinkRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// Requests received so far (logged or not).
    pub fn request_count(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    pub fn clear_log(&self) {
        if let Ok(mut l) = self.shared.log.lock() {
            l.clear();
        }
    }
}

async fn answer(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let at = Instant::now();
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    shared.requests.fetch_add(1, Ordering::SeqCst);
    if shared.logging.load(Ordering::SeqCst) {
        if let Ok(mut l) = shared.log.lock() {
            l.push(LinkRequest {
                method: method.to_string(),
                path: path.clone(),
                range: range.clone(),
                at,
            });
        }
    }
    let csv = || ([(header::CONTENT_TYPE, "text/csv")], "a,b\n1,2\n").into_response();
    let redirect = |status: StatusCode, to: &str| {
        (status, [(header::LOCATION, to.to_owned())], "").into_response()
    };
    match path.as_str() {
        p if p.starts_with("/ok") => csv(),
        "/moved" => redirect(StatusCode::MOVED_PERMANENTLY, "/ok"),
        "/loop" => redirect(StatusCode::FOUND, "/loop"),
        "/missing" => (StatusCode::NOT_FOUND, "not here").into_response(),
        "/error" => (StatusCode::INTERNAL_SERVER_ERROR, "broken").into_response(),
        "/no-head" if method == Method::HEAD => {
            (StatusCode::METHOD_NOT_ALLOWED, "no HEAD").into_response()
        }
        "/no-head" if range.is_some() => (
            StatusCode::PARTIAL_CONTENT,
            [
                (header::CONTENT_TYPE, "text/csv"),
                (header::CONTENT_RANGE, "bytes 0-0/8"),
            ],
            "a",
        )
            .into_response(),
        "/no-head" => csv(),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            csv()
        }
        "/catalog.ttl" => {
            let text = shared.catalog.lock().map(|c| c.clone()).unwrap_or_default();
            ([(header::CONTENT_TYPE, "text/turtle")], text).into_response()
        }
        p => match p.strip_prefix("/status/") {
            Some(name) => {
                let code = shared
                    .statuses
                    .lock()
                    .ok()
                    .and_then(|s| s.get(name).copied())
                    .unwrap_or(200);
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
                (status, [(header::CONTENT_TYPE, "text/csv")], "a,b\n").into_response()
            }
            None => (StatusCode::NOT_FOUND, "no route").into_response(),
        },
    }
}
