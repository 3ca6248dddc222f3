//! A loopback HTTP(S) server for the fetch tests that records every request
//! (method, path and query, headers, body) and answers through a closure.

#![allow(dead_code)]

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query, e.g. `/api/3/action/package_search?rows=1`.
    pub target: String,
    /// Header values by lower-case name.
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// A query parameter (not percent-decoded; tests use plain values).
    pub fn query(&self, name: &str) -> Option<&str> {
        let query = self.target.split_once('?')?.1;
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Response + Send + Sync>;

/// A running recorder; stops when dropped.
pub struct Recorder {
    pub addr: SocketAddr,
    pub scheme: &'static str,
    seen: Arc<Mutex<Vec<Seen>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Recorder {
    /// Plain HTTP on `ip` (e.g. `127.0.0.1`, `127.0.0.2`), any free port.
    pub fn start(ip: &str, handler: impl Fn(&Seen) -> Response + Send + Sync + 'static) -> Self {
        Self::launch(ip, None, Arc::new(handler))
    }

    /// HTTPS with the test certificate of `tests/data/tls` (for 127.0.0.1);
    /// clients must trust [`test_ca`].
    pub fn start_tls(
        ip: &str,
        handler: impl Fn(&Seen) -> Response + Send + Sync + 'static,
    ) -> Self {
        Self::launch(ip, Some(tls_acceptor()), Arc::new(handler))
    }

    fn launch(ip: &str, tls: Option<tokio_rustls::TlsAcceptor>, handler: Handler) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("server runtime");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state((seen.clone(), handler));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(format!("{ip}:0")))
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let scheme = if tls.is_some() { "https" } else { "http" };
        match tls {
            None => {
                runtime.spawn(async move {
                    let _ = axum::serve(listener, app).await;
                });
            }
            Some(acceptor) => {
                runtime.spawn(async move {
                    let _ = axum::serve(TlsListener { listener, acceptor }, app).await;
                });
            }
        }
        Self {
            addr,
            scheme,
            seen,
            _runtime: runtime,
        }
    }

    pub fn url(&self, target: &str) -> String {
        format!("{}://{}{target}", self.scheme, self.addr)
    }

    /// The requests so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen").clone()
    }
}

async fn handle(
    State((seen, handler)): State<(Arc<Mutex<Vec<Seen>>>, Handler)>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let request = Seen {
        method: parts.method.to_string(),
        target: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    seen.lock().expect("seen").push(request.clone());
    handler(&request)
}

/// A body with a content type.
pub fn ok(content_type: &str, body: impl Into<Body>) -> Response {
    (
        [(header::CONTENT_TYPE, content_type.to_owned())],
        body.into(),
    )
        .into_response()
}

/// A redirect with `status` to `location`.
pub fn redirect(status: u16, location: &str) -> Response {
    (
        StatusCode::from_u16(status).expect("status"),
        [(header::LOCATION, location.to_owned())],
    )
        .into_response()
}

pub fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such page").into_response()
}

/// The test CA's certificate (PEM), to be trusted by the client.
pub fn test_ca() -> reqwest::Certificate {
    reqwest::Certificate::from_pem(include_bytes!("../data/tls/ca.pem")).expect("test CA")
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(include_bytes!("../data/tls/server.pem"))
            .collect::<Result<_, _>>()
            .expect("server certificate");
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../data/tls/server.key"))
        .expect("server key");
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server TLS config");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// Accepts TCP connections and completes the TLS handshake (failed
/// handshakes are skipped).
struct TlsListener {
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.listener.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}
