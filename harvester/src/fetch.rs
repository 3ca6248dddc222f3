//! Fetching documents over HTTP(S) or from local files, with a total timeout,
//! a stall timeout and a size cap that also bounds decompressed bodies.
//!
//! Politeness: all clones of one [`Fetcher`] share a per-host gate that bounds
//! the requests in flight to a host (`host_connections`) and starts a request
//! to a host no sooner than `host_delay` after the previous one started and
//! after the last one that ended (so the server sees the gap even when
//! connecting or answering takes time). Transient failures
//! (connection errors, timeouts, 5xx, 429) are retried `retries` times with
//! exponential backoff (`retry_base`, doubled per attempt, plus up to 50 %
//! jitter) or the server's `Retry-After`, each wait capped at `retry_max`; the
//! host's slot is released while waiting.
//!
//! Extra headers (a source's API key) belong to one origin: the scheme, host
//! and port of the URL they are sent with. Redirects are followed here, not by
//! reqwest, so that the headers go only to hops within that origin; a hop
//! from `https` to `http` is refused, and at most [`MAX_REDIRECTS`] hops are
//! followed. [`SourceHeaders`] applies the same rule to the links a source's
//! documents name (`hydra:next`): its headers go only to the origin of the
//! configured source URL.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

/// Most redirect hops followed for one request (reqwest's default).
pub const MAX_REDIRECTS: usize = 10;

/// What the harvester announces itself as.
pub const USER_AGENT: &str = concat!(
    "dcat-catalog-harvester/",
    env!("CARGO_PKG_VERSION"),
    " (federated DCAT-AP catalog; +https://github.com/)"
);

/// Accept header for RDF documents: Turtle first, then RDF/XML and JSON-LD.
pub const RDF_ACCEPT: &str = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.9, \
application/n-triples;q=0.8, application/trig;q=0.7, application/n-quads;q=0.7, \
application/xml;q=0.5, text/xml;q=0.4, */*;q=0.1";

/// Limits applied to every fetch.
#[derive(Debug, Clone)]
pub struct FetchLimits {
    /// Total time for one request, body included.
    pub timeout: Duration,
    /// Longest time without receiving a byte.
    pub read_timeout: Duration,
    /// Largest accepted body, after decompression.
    pub max_bytes: u64,
    /// Most requests in flight to one host.
    pub host_connections: usize,
    /// Shortest pause between the starts of two requests to one host.
    pub host_delay: Duration,
    /// Retries after a transient failure (0: none).
    pub retries: u32,
    /// First backoff; doubled per retry, plus up to 50 % jitter.
    pub retry_base: Duration,
    /// Longest single wait before a retry (also caps `Retry-After`).
    pub retry_max: Duration,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(30),
            max_bytes: 256 * 1024 * 1024,
            host_connections: 4,
            host_delay: Duration::ZERO,
            retries: 0,
            retry_base: Duration::from_millis(500),
            retry_max: Duration::from_secs(60),
        }
    }
}

/// Per-host politeness state shared by the clones of a [`Fetcher`].
#[derive(Debug, Default)]
struct HostGate {
    hosts: std::sync::Mutex<std::collections::HashMap<String, HostSlot>>,
}

#[derive(Debug)]
struct HostSlot {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    /// The earliest start of the next request to this host.
    next_start: tokio::time::Instant,
}

/// A request's place at a host: holds one of the host's connections and, when
/// dropped (the request has ended), pushes the host's next start to at least
/// `host_delay` after the end. So the delay separates the end of one request
/// from the start of the next as the server sees them, whatever the time to
/// connect or to answer.
#[derive(Debug)]
struct HostPass {
    _permit: Option<tokio::sync::OwnedSemaphorePermit>,
    gate: std::sync::Arc<HostGate>,
    host: String,
    delay: Duration,
}

impl Drop for HostPass {
    fn drop(&mut self) {
        if self.delay.is_zero() {
            return;
        }
        let mut hosts = self.gate.hosts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = hosts.get_mut(&self.host) {
            let after = tokio::time::Instant::now() + self.delay;
            slot.next_start = slot.next_start.max(after);
        }
    }
}

impl HostGate {
    /// Waits for a slot of `host` and for the host's minimum delay; the slot
    /// is held until the returned pass is dropped.
    async fn enter(self: &std::sync::Arc<Self>, host: &str, limits: &FetchLimits) -> HostPass {
        let permits = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts
                .entry(host.to_owned())
                .or_insert_with(|| HostSlot {
                    permits: std::sync::Arc::new(tokio::sync::Semaphore::new(
                        limits.host_connections.max(1),
                    )),
                    next_start: tokio::time::Instant::now(),
                })
                .permits
                .clone()
        };
        let permit = permits.acquire_owned().await.ok();
        if !limits.host_delay.is_zero() {
            let start = {
                let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
                let now = tokio::time::Instant::now();
                match hosts.get_mut(host) {
                    Some(slot) => {
                        let start = slot.next_start.max(now);
                        slot.next_start = start + limits.host_delay;
                        start
                    }
                    None => now,
                }
            };
            tokio::time::sleep_until(start).await;
        }
        HostPass {
            _permit: permit,
            gate: self.clone(),
            host: host.to_owned(),
            delay: limits.host_delay,
        }
    }
}

/// The host (and port) of a URL, the unit of politeness.
fn host_key(url: &str) -> String {
    Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(0)))
        })
        .unwrap_or_default()
}

/// The wait before retry number `attempt` (1-based): `Retry-After` when the
/// server sent one, else `base * 2^(attempt-1)` plus up to 50 % jitter;
/// never more than `max`.
pub fn retry_wait(
    attempt: u32,
    retry_after: Option<u64>,
    base: Duration,
    max: Duration,
) -> Duration {
    let wait = match retry_after {
        Some(secs) => Duration::from_secs(secs),
        None => {
            let exp = base.saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16));
            exp + exp.mul_f64(jitter() * 0.5)
        }
    };
    wait.min(max)
}

/// A pseudo-random number in [0, 1) (jitter only; not for secrets).
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Where a source's documents come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Http(Url),
    File(PathBuf),
}

impl Location {
    /// Reads a location from config: an http(s) URL, a `file:` URL, or a path
    /// (relative paths are resolved against `base_dir`).
    pub fn parse(input: &str, base_dir: &Path) -> Result<Self, String> {
        if input.starts_with("http://") || input.starts_with("https://") {
            return Url::parse(input)
                .map(Location::Http)
                .map_err(|e| format!("invalid URL {input:?}: {e}"));
        }
        if input.starts_with("file:") {
            let url = Url::parse(input).map_err(|e| format!("invalid file URL {input:?}: {e}"))?;
            return url
                .to_file_path()
                .map(Location::File)
                .map_err(|()| format!("file URL {input:?} does not name a local path"));
        }
        if let Some((scheme, _)) = input.split_once("://") {
            return Err(format!(
                "unsupported URL scheme {scheme:?} in {input:?} (use http, https or a file path)"
            ));
        }
        let path = Path::new(input);
        Ok(Location::File(if path.is_absolute() {
            path.to_path_buf()
        } else {
            base_dir.join(path)
        }))
    }

    /// The location as an absolute URL string (file paths become `file:` URLs).
    pub fn as_url(&self) -> String {
        match self {
            Location::Http(u) => u.to_string(),
            Location::File(p) => {
                let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
                Url::from_file_path(&abs)
                    .map(|u| u.to_string())
                    .unwrap_or_else(|()| format!("file://{}", abs.display()))
            }
        }
    }

    /// Resolves a link found in a document at this location.
    pub fn join(&self, link: &str) -> Result<Location, String> {
        let base = Url::parse(&self.as_url()).map_err(|e| e.to_string())?;
        let joined = base
            .join(link)
            .map_err(|e| format!("invalid link {link:?}: {e}"))?;
        match joined.scheme() {
            "http" | "https" => Ok(Location::Http(joined)),
            "file" if matches!(self, Location::File(_)) => joined
                .to_file_path()
                .map(Location::File)
                .map_err(|()| format!("link {link:?} is not a local path")),
            other => Err(format!(
                "link {link:?} has scheme {other:?}, which this source may not follow"
            )),
        }
    }
}

/// A fetched document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The URL as requested.
    pub url: String,
    /// The URL after redirects (base for relative IRIs).
    pub final_url: String,
    /// The media type of the `Content-Type` header, lower-cased, without parameters.
    pub media_type: Option<String>,
    /// The response's `ETag` and `Last-Modified` (none for local files).
    pub validators: Validators,
    pub body: Bytes,
}

/// The cache validators of an HTTP response, sent back in a conditional
/// request (`If-None-Match`, `If-Modified-Since`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header, exactly as sent (weak tags keep their `W/`).
    pub etag: Option<String>,
    /// The `Last-Modified` header, exactly as sent.
    pub last_modified: Option<String>,
}

impl Validators {
    /// No validator: a conditional request is impossible.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }

    fn of(headers: &reqwest::header::HeaderMap) -> Self {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Self {
            etag: text(reqwest::header::ETAG),
            last_modified: text(reqwest::header::LAST_MODIFIED),
        }
    }
}

/// The answer to a conditional request.
#[derive(Debug, Clone)]
pub enum Conditional {
    /// The document (it changed, or the server ignored the condition).
    Modified(Document),
    /// `304 Not Modified`: the copy described by the validators sent is current.
    NotModified,
}

/// Why a fetch failed. Every variant names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: timed out ({detail})")]
    Timeout { url: String, detail: String },
    #[error("{url}: response is larger than the limit of {limit} bytes (after decompression)")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: HTTP status {status}{}", retry_after.map(|s| format!(" (Retry-After {s} s)")).unwrap_or_default())]
    Status {
        url: String,
        status: u16,
        retry_after: Option<u64>,
    },
    #[error("{url}: {detail}")]
    Transport { url: String, detail: String },
    /// A redirect from `https` to plain `http`, refused.
    #[error(
        "{url}: refusing the redirect from {from} to {to}: it would leave HTTPS for plain HTTP"
    )]
    Downgrade {
        url: String,
        from: String,
        to: String,
    },
    /// A redirect that cannot be followed: too many hops, an unreadable
    /// `Location`, a scheme other than http(s).
    #[error("{url}: {detail}")]
    Redirect { url: String, detail: String },
    /// The URL cannot be requested at all.
    #[error("{url}: invalid URL ({detail})")]
    InvalidUrl { url: String, detail: String },
    #[error("{path}: {detail}")]
    File { path: String, detail: String },
}

impl FetchError {
    /// Whether retrying later may succeed (timeouts, connection problems, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Transport { .. } => true,
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::TooLarge { .. }
            | FetchError::Downgrade { .. }
            | FetchError::Redirect { .. }
            | FetchError::InvalidUrl { .. }
            | FetchError::File { .. } => false,
        }
    }
}

/// The origin of an http(s) URL: scheme, host and port (the scheme's default
/// port when the URL names none). Other URLs have no origin to share.
fn http_origin(url: &Url) -> Option<url::Origin> {
    matches!(url.scheme(), "http" | "https").then(|| url.origin())
}

/// An origin as text for logs (`https://example.org:8443`, `none`).
fn origin_text(origin: Option<&url::Origin>) -> String {
    origin
        .map(url::Origin::ascii_serialization)
        .unwrap_or_else(|| "none".to_owned())
}

/// The hosts already named in a "headers withheld" log line, so that each is
/// logged once (forgotten after 1024, so the set stays small).
#[derive(Debug, Default)]
struct Withheld(Mutex<HashSet<String>>);

impl Withheld {
    /// Whether `host` has not been logged yet (it is remembered now).
    fn first(&self, host: &str) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= 1024 {
            seen.clear();
        }
        seen.insert(host.to_owned())
    }
}

fn header_names(headers: &[(String, String)]) -> Vec<&str> {
    headers.iter().map(|(name, _)| name.as_str()).collect()
}

/// A source's extra headers (API keys, tokens) and the one origin they belong
/// to: scheme, host and port of the configured source URL. Pages that a
/// source's documents link to elsewhere (`hydra:next` to another host) are
/// requested without them; a source read from a file has no origin, so its
/// headers go nowhere.
#[derive(Debug, Default)]
pub struct SourceHeaders {
    origin: Option<url::Origin>,
    headers: Vec<(String, String)>,
    withheld: Withheld,
}

impl SourceHeaders {
    /// The headers of the source configured with `source_url`.
    pub fn new(source_url: &str, headers: &[(String, String)]) -> Self {
        Self {
            origin: Url::parse(source_url).ok().as_ref().and_then(http_origin),
            headers: headers.to_vec(),
            withheld: Withheld::default(),
        }
    }

    /// The headers to send with a request to `url`: all of them when `url` is
    /// at the source's origin, none elsewhere (logged once per host).
    pub fn for_url(&self, url: &str) -> &[(String, String)] {
        if self.headers.is_empty() {
            return &[];
        }
        let target = Url::parse(url).ok().as_ref().and_then(http_origin);
        if target.is_some() && target == self.origin {
            return &self.headers;
        }
        let host = match &target {
            Some(o) => o.ascii_serialization(),
            None => url.to_owned(),
        };
        if self.withheld.first(&host) {
            tracing::info!(
                source_origin = %origin_text(self.origin.as_ref()),
                target = %host,
                headers = ?header_names(&self.headers),
                "source headers withheld: the link leads outside the source's origin"
            );
        }
        &[]
    }
}

/// Where a redirect from `from` (hop number `hop`, 1-based, of a request for
/// `url`) with `Location: location` leads, or why it may not be followed:
/// more than [`MAX_REDIRECTS`] hops, a `Location` that is no URL, a scheme
/// other than http(s), or a downgrade from `https` to `http`.
pub fn redirect_target(
    url: &str,
    from: &Url,
    location: &str,
    hop: usize,
) -> Result<Url, FetchError> {
    if hop > MAX_REDIRECTS {
        return Err(FetchError::Redirect {
            url: url.to_owned(),
            detail: format!(
                "more than {MAX_REDIRECTS} redirects (the last from {from} to {location})"
            ),
        });
    }
    let to = from.join(location).map_err(|e| FetchError::Redirect {
        url: url.to_owned(),
        detail: format!("{from} redirects to {location:?}, which is not a URL: {e}"),
    })?;
    match (from.scheme(), to.scheme()) {
        ("https", "http") => Err(FetchError::Downgrade {
            url: url.to_owned(),
            from: from.to_string(),
            to: to.to_string(),
        }),
        (_, "http" | "https") => Ok(to),
        (_, other) => Err(FetchError::Redirect {
            url: url.to_owned(),
            detail: format!("{from} redirects to {to}, whose scheme {other:?} is not followed"),
        }),
    }
}

/// What one request sends, whichever URL a redirect takes it to.
struct Spec<'a> {
    method: reqwest::Method,
    accept: &'a str,
    /// Extra headers, sent only within the origin of the requested URL.
    headers: &'a [(String, String)],
    /// Content type and body.
    body: Option<(&'a str, Bytes)>,
    /// Validators of a conditional request.
    validators: Option<&'a Validators>,
}

/// An HTTP client configured for harvesting.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: FetchLimits,
    hosts: Arc<HostGate>,
    withheld: Arc<Withheld>,
}

impl Fetcher {
    pub fn new(limits: FetchLimits, user_agent: Option<&str>) -> Result<Self, FetchError> {
        Self::with_client(limits, user_agent, reqwest::Client::builder())
    }

    /// A fetcher on a client the caller prepared (extra root certificates, a
    /// proxy). The fetcher's user agent, timeouts, decompression and redirect
    /// handling are set on top of it.
    pub fn with_client(
        limits: FetchLimits,
        user_agent: Option<&str>,
        builder: reqwest::ClientBuilder,
    ) -> Result<Self, FetchError> {
        let client = builder
            .user_agent(user_agent.unwrap_or(USER_AGENT))
            .timeout(limits.timeout)
            .read_timeout(limits.read_timeout)
            .connect_timeout(Duration::from_secs(15).min(limits.timeout))
            // Redirects are followed in `send_once`, which decides per hop
            // which headers go along.
            .redirect(reqwest::redirect::Policy::none())
            .gzip(true)
            .deflate(true)
            .brotli(true)
            .build()
            .map_err(|e| FetchError::Transport {
                url: String::new(),
                detail: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(Self {
            client,
            limits,
            hosts: Arc::default(),
            withheld: Arc::default(),
        })
    }

    pub fn limits(&self) -> &FetchLimits {
        &self.limits
    }

    /// Fetches a location with the given `Accept` header and extra headers
    /// (sent only within the location's origin; see [`Fetcher::get`]).
    pub async fn fetch(
        &self,
        location: &Location,
        accept: &str,
        headers: &[(String, String)],
    ) -> Result<Document, FetchError> {
        match location {
            Location::Http(url) => self.get(url.as_str(), accept, headers).await,
            Location::File(path) => self.read_file(path).await,
        }
    }

    /// Fetches a location, conditionally when `known` holds validators of an
    /// earlier answer: `If-None-Match` (ETag) and/or `If-Modified-Since`
    /// (Last-Modified) are sent and a `304 Not Modified` is
    /// [`Conditional::NotModified`]. Local files are always read.
    pub async fn fetch_if_modified(
        &self,
        location: &Location,
        accept: &str,
        headers: &[(String, String)],
        known: Option<&Validators>,
    ) -> Result<Conditional, FetchError> {
        let url = match location {
            Location::Http(url) => url.as_str(),
            Location::File(path) => return self.read_file(path).await.map(Conditional::Modified),
        };
        let spec = Spec {
            method: reqwest::Method::GET,
            accept,
            headers,
            body: None,
            validators: known.filter(|v| !v.is_empty()),
        };
        self.send(url, &spec).await
    }

    /// HTTP GET with the harvesting limits. `headers` are sent to `url` and
    /// to redirect hops within its origin (scheme, host and port), never to a
    /// hop that leaves it.
    pub async fn get(
        &self,
        url: &str,
        accept: &str,
        headers: &[(String, String)],
    ) -> Result<Document, FetchError> {
        let spec = Spec {
            method: reqwest::Method::GET,
            accept,
            headers,
            body: None,
            validators: None,
        };
        Self::document(url, self.send(url, &spec).await)
    }

    /// The document of an unconditional request (a 304 there is an error).
    fn document(
        url: &str,
        answer: Result<Conditional, FetchError>,
    ) -> Result<Document, FetchError> {
        match answer? {
            Conditional::Modified(doc) => Ok(doc),
            Conditional::NotModified => Err(FetchError::Status {
                url: url.to_owned(),
                status: 304,
                retry_after: None,
            }),
        }
    }

    /// HTTP POST of a body with the harvesting limits; `headers` as for
    /// [`Fetcher::get`]. A 307/308 redirect repeats the POST, a 301/302/303
    /// turns it into a GET without body.
    pub async fn post(
        &self,
        url: &str,
        accept: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(String, String)],
    ) -> Result<Document, FetchError> {
        let spec = Spec {
            method: reqwest::Method::POST,
            accept,
            headers,
            body: Some((content_type, Bytes::from(body))),
            validators: None,
        };
        Self::document(url, self.send(url, &spec).await)
    }

    /// The time left until `deadline` for a request of `url` (and its
    /// redirects), or the timeout error once none is left.
    fn remaining(
        &self,
        url: &str,
        deadline: tokio::time::Instant,
        hop: usize,
    ) -> Result<Duration, FetchError> {
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        if remaining.is_zero() {
            return Err(FetchError::Timeout {
                url: url.to_owned(),
                detail: format!(
                    "no answer within {:?} after {hop} redirects",
                    self.limits.timeout
                ),
            });
        }
        Ok(remaining)
    }

    /// Sends a request through the host gate, retrying transient failures.
    /// A request with validators may be answered by a 304.
    async fn send(&self, url: &str, spec: &Spec<'_>) -> Result<Conditional, FetchError> {
        let host = host_key(url);
        let mut attempt = 0u32;
        loop {
            let result = {
                let _slot = self.hosts.enter(&host, &self.limits).await;
                self.send_once(url, spec).await
            };
            match result {
                Err(e) if e.is_transient() && attempt < self.limits.retries => {
                    attempt += 1;
                    let retry_after = match &e {
                        FetchError::Status { retry_after, .. } => *retry_after,
                        _ => None,
                    };
                    let wait = retry_wait(
                        attempt,
                        retry_after,
                        self.limits.retry_base,
                        self.limits.retry_max,
                    );
                    tracing::info!(%url, attempt, wait_ms = wait.as_millis() as u64, "transient failure, retrying: {e}");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    if attempt > 0 {
                        tracing::warn!(%url, attempts = attempt + 1, "giving up after retries: {e}");
                    }
                    return Err(e);
                }
                ok => return ok,
            }
        }
    }

    /// One request, following redirects: the extra headers go only to hops
    /// within the origin of `url` (once a hop leaves it they stay behind),
    /// `https` to `http` is refused, at most [`MAX_REDIRECTS`] hops, and
    /// `limits.timeout` bounds the whole chain.
    async fn send_once(&self, url: &str, spec: &Spec<'_>) -> Result<Conditional, FetchError> {
        let start = Url::parse(url).map_err(|e| FetchError::InvalidUrl {
            url: url.to_owned(),
            detail: e.to_string(),
        })?;
        let origin = http_origin(&start);
        let deadline = tokio::time::Instant::now() + self.limits.timeout;
        let mut current = start;
        let mut method = spec.method.clone();
        let mut body = spec.body.clone();
        let mut with_headers = true;
        let mut hop = 0usize;
        let response = loop {
            let remaining = self.remaining(url, deadline, hop)?;
            let mut request = self
                .client
                .request(method.clone(), current.clone())
                .timeout(remaining)
                .header(reqwest::header::ACCEPT, spec.accept);
            if let Some(v) = spec.validators {
                if let Some(etag) = &v.etag {
                    request = request.header(reqwest::header::IF_NONE_MATCH, etag.as_str());
                }
                if let Some(date) = &v.last_modified {
                    request = request.header(reqwest::header::IF_MODIFIED_SINCE, date.as_str());
                }
            }
            if let Some((content_type, bytes)) = &body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, *content_type)
                    .body(bytes.clone());
            }
            if with_headers {
                for (name, value) in spec.headers {
                    request = request.header(name.as_str(), value.as_str());
                }
            }
            let response = request.send().await.map_err(|e| classify(url, e))?;
            let status = response.status().as_u16();
            if !matches!(status, 301 | 302 | 303 | 307 | 308) {
                break response;
            }
            let Some(location) = response.headers().get(reqwest::header::LOCATION) else {
                // A redirect without a target: the status is the answer.
                break response;
            };
            let location = location.to_str().map_err(|_| FetchError::Redirect {
                url: url.to_owned(),
                detail: format!("{current} redirects to a Location that is not text"),
            })?;
            hop += 1;
            let next = redirect_target(url, &current, location, hop)?;
            tracing::debug!(%url, from = %current, to = %next, status, "following redirect");
            if status == 303 && method != reqwest::Method::HEAD
                || matches!(status, 301 | 302) && method == reqwest::Method::POST
            {
                method = reqwest::Method::GET;
                body = None;
            }
            if with_headers && http_origin(&next) != origin {
                with_headers = false;
                if !spec.headers.is_empty() {
                    let host = origin_text(http_origin(&next).as_ref());
                    if self.withheld.first(&host) {
                        tracing::info!(
                            %url,
                            origin = %origin_text(origin.as_ref()),
                            target = %host,
                            headers = ?header_names(spec.headers),
                            "headers withheld: a redirect leaves the origin they belong to"
                        );
                    }
                }
            }
            current = next;
        };
        self.read_response(url, current, response, spec.validators.is_some())
            .await
    }

    /// Reads the final answer of a request (`final_url`: where redirects led).
    /// The body is read chunk by chunk after decompression and given up as
    /// soon as it passes `max_bytes`.
    async fn read_response(
        &self,
        url: &str,
        final_url: Url,
        response: reqwest::Response,
        conditional: bool,
    ) -> Result<Conditional, FetchError> {
        let status = response.status();
        if conditional && status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Conditional::NotModified);
        }
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            return Err(FetchError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
                retry_after,
            });
        }
        let media_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(media_type_of);
        let validators = Validators::of(response.headers());
        let limit = self.limits.max_bytes;
        // Known only for bodies without Content-Encoding (the length of a
        // compressed body says nothing of what it inflates to): a body
        // announced as too large is refused before reading.
        if let Some(len) = response.content_length() {
            if len > limit {
                return Err(FetchError::TooLarge {
                    url: url.to_owned(),
                    limit,
                });
            }
        }
        // The stream yields decompressed chunks as they are inflated, so the
        // check below counts decompressed bytes and stops the inflation (by
        // dropping the stream) at the first chunk past the limit.
        let mut body = BytesMut::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| classify(url, e))?;
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge {
                    url: url.to_owned(),
                    limit,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Conditional::Modified(Document {
            url: url.to_owned(),
            final_url: final_url.to_string(),
            media_type,
            validators,
            body: body.freeze(),
        }))
    }

    async fn read_file(&self, path: &Path) -> Result<Document, FetchError> {
        let shown = path.display().to_string();
        let err = |detail: String| FetchError::File {
            path: shown.clone(),
            detail,
        };
        let meta = tokio::fs::metadata(path)
            .await
            .map_err(|e| err(e.to_string()))?;
        if !meta.is_file() {
            return Err(err("not a regular file".into()));
        }
        if meta.len() > self.limits.max_bytes {
            return Err(FetchError::TooLarge {
                url: shown,
                limit: self.limits.max_bytes,
            });
        }
        let body = tokio::fs::read(path)
            .await
            .map_err(|e| err(e.to_string()))?;
        let url = Location::File(path.to_path_buf()).as_url();
        Ok(Document {
            url: url.clone(),
            final_url: url,
            media_type: media_type_for_extension(path).map(str::to_owned),
            validators: Validators::default(),
            body: Bytes::from(body),
        })
    }
}

/// What checking a link found: the final answer after redirects, or why
/// there was none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkAnswer {
    /// The final HTTP status; `None`: no answer (see `error`).
    pub status: Option<u16>,
    /// Why there was no answer (timeout, connection, redirect loop).
    pub error: Option<String>,
    /// The media type of the final answer.
    pub content_type: Option<String>,
    /// Where redirects led (the URL itself when there were none).
    pub final_url: Option<String>,
    /// Time from the first request to the final answer.
    pub elapsed: Duration,
    /// Whether the answer came from the `GET` with `Range: bytes=0-0` that
    /// follows a refused `HEAD`.
    pub by_get: bool,
}

/// `HEAD` answers that say "ask with GET" rather than "not there": 405
/// and 501 (method not supported), and 400, 403, 404 and 406, which
/// servers and storage services also give to a `HEAD` they do not serve.
pub const HEAD_REFUSED: [u16; 6] = [400, 403, 404, 405, 406, 501];

impl Fetcher {
    /// Checks a link without reading its body: `HEAD`, then, when the
    /// answer is one of [`HEAD_REFUSED`] or the connection failed without
    /// an answer, `GET` with `Range: bytes=0-0` (its body is not read).
    /// Each request goes through the host gate (`host_connections`,
    /// `host_delay`), follows at most [`MAX_REDIRECTS`] redirects (an
    /// `https` → `http` hop is followed: a link check sends no secrets),
    /// and `limits.timeout` bounds each request with its redirects. No
    /// retries: a failed link is checked again later.
    pub async fn check_link(&self, url: &str) -> LinkAnswer {
        let started = tokio::time::Instant::now();
        let head = self.probe(url, reqwest::Method::HEAD).await;
        let refused = match &head {
            Ok((status, _, _)) => HEAD_REFUSED.contains(status),
            Err(FetchError::Transport { .. }) => true,
            Err(_) => false,
        };
        let (answer, by_get) = if refused {
            (self.probe(url, reqwest::Method::GET).await, true)
        } else {
            (head, false)
        };
        let elapsed = started.elapsed();
        match answer {
            Ok((status, content_type, final_url)) => LinkAnswer {
                status: Some(status),
                error: None,
                content_type,
                final_url: Some(final_url),
                elapsed,
                by_get,
            },
            Err(e) => LinkAnswer {
                status: None,
                error: Some(e.to_string()),
                content_type: None,
                final_url: None,
                elapsed,
                by_get,
            },
        }
    }

    /// One request of a link check (through the host gate, redirects
    /// followed): status, media type and final URL.
    async fn probe(
        &self,
        url: &str,
        method: reqwest::Method,
    ) -> Result<(u16, Option<String>, String), FetchError> {
        let mut current = Url::parse(url).map_err(|e| FetchError::InvalidUrl {
            url: url.to_owned(),
            detail: e.to_string(),
        })?;
        let _slot = self.hosts.enter(&host_key(url), &self.limits).await;
        let deadline = tokio::time::Instant::now() + self.limits.timeout;
        let mut hop = 0usize;
        loop {
            let remaining = self.remaining(url, deadline, hop)?;
            let mut request = self
                .client
                .request(method.clone(), current.clone())
                .timeout(remaining)
                .header(reqwest::header::ACCEPT, "*/*");
            if method == reqwest::Method::GET {
                request = request.header(reqwest::header::RANGE, "bytes=0-0");
            }
            let response = request.send().await.map_err(|e| classify(url, e))?;
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok());
            match (status, location) {
                (301 | 302 | 303 | 307 | 308, Some(location)) => {
                    hop += 1;
                    current = match redirect_target(url, &current, location, hop) {
                        Ok(next) => next,
                        // A link check follows where a browser would.
                        Err(FetchError::Downgrade { to, .. }) => {
                            Url::parse(&to).map_err(|e| FetchError::InvalidUrl {
                                url: url.to_owned(),
                                detail: e.to_string(),
                            })?
                        }
                        Err(e) => return Err(e),
                    };
                }
                _ => {
                    let media_type = response
                        .headers()
                        .get(reqwest::header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .map(media_type_of);
                    return Ok((status, media_type, current.to_string()));
                }
            }
        }
    }
}

fn classify(url: &str, e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        FetchError::Timeout {
            url: url.to_owned(),
            detail: error_chain(&e),
        }
    } else {
        FetchError::Transport {
            url: url.to_owned(),
            detail: error_chain(&e),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// `Retry-After` as seconds (delta-seconds or an HTTP date).
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(std::time::SystemTime::now())
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

/// The lower-cased media type of a `Content-Type` value, without parameters.
pub fn media_type_of(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// A media type guessed from a file extension (local sources have no headers).
pub fn media_type_for_extension(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "ttl" => "text/turtle",
        "nt" => "application/n-triples",
        "nq" => "application/n-quads",
        "trig" => "application/trig",
        "rdf" | "owl" => "application/rdf+xml",
        "xml" => "application/xml",
        "jsonld" => "application/ld+json",
        "json" => "application/json",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        let base = Path::new("/etc/catalog");
        assert_eq!(
            Location::parse("samples/a.ttl", base).unwrap(),
            Location::File(PathBuf::from("/etc/catalog/samples/a.ttl"))
        );
        assert!(matches!(
            Location::parse("https://example.org/catalog.ttl", base).unwrap(),
            Location::Http(_)
        ));
        assert!(Location::parse("ftp://example.org/x", base).is_err());
        let page = Location::parse("/data/page-1.jsonld", base).unwrap();
        assert_eq!(
            page.join("page-2.jsonld").unwrap(),
            Location::File(PathBuf::from("/data/page-2.jsonld"))
        );
        // A local file may not send the harvester to arbitrary schemes.
        assert!(page.join("gopher://x/").is_err());
        let http = Location::parse("https://example.org/catalog?page=1", base).unwrap();
        assert_eq!(
            http.join("?page=2").unwrap(),
            Location::Http(Url::parse("https://example.org/catalog?page=2").unwrap())
        );
        // An HTTP source may not read local files through its links.
        assert!(http.join("file:///etc/passwd").is_err());
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        for attempt in 1..=3u32 {
            let w = retry_wait(attempt, None, base, max);
            let floor = base * (1 << (attempt - 1));
            assert!(w >= floor && w <= floor.mul_f64(1.5), "{attempt}: {w:?}");
        }
        assert_eq!(retry_wait(10, None, base, max), max);
        assert_eq!(
            retry_wait(1, Some(3), base, Duration::from_secs(60)),
            Duration::from_secs(3)
        );
        assert_eq!(retry_wait(1, Some(300), base, max), max);
        assert_eq!(host_key("http://127.0.0.1:8080/a?b"), "127.0.0.1:8080");
        assert_eq!(host_key("https://example.org/x"), "example.org:443");
    }

    #[test]
    fn redirect_targets() {
        let from = Url::parse("https://portal.example/catalog?page=1").unwrap();
        let url = "https://portal.example/start";
        assert_eq!(
            redirect_target(url, &from, "/v2/catalog", 1)
                .unwrap()
                .as_str(),
            "https://portal.example/v2/catalog"
        );
        assert_eq!(
            redirect_target(url, &from, "https://mirror.example/c", MAX_REDIRECTS)
                .unwrap()
                .as_str(),
            "https://mirror.example/c"
        );
        // https -> http is refused, naming both URLs.
        let e = redirect_target(url, &from, "http://portal.example/catalog", 1).unwrap_err();
        assert!(
            matches!(&e, FetchError::Downgrade { from: f, to, .. }
                if f == "https://portal.example/catalog?page=1" && to == "http://portal.example/catalog"),
            "{e}"
        );
        assert!(!e.is_transient());
        // http -> https is an upgrade.
        let plain = Url::parse("http://portal.example/catalog").unwrap();
        assert!(redirect_target(url, &plain, "https://portal.example/catalog", 1).is_ok());
        // Hop 11 is one too many; other schemes are not followed.
        let e = redirect_target(url, &from, "/x", MAX_REDIRECTS + 1).unwrap_err();
        assert!(e.to_string().contains("more than 10 redirects"), "{e}");
        assert!(matches!(
            redirect_target(url, &from, "file:///etc/passwd", 1),
            Err(FetchError::Redirect { .. })
        ));
        assert!(matches!(
            redirect_target(url, &from, "http://[::1", 1),
            Err(FetchError::Redirect { .. })
        ));
    }

    #[test]
    fn source_headers_stay_at_the_origin() {
        let key = vec![("X-Api-Key".to_owned(), "secret".to_owned())];
        let h = SourceHeaders::new("https://portal.example/catalog?page=1", &key);
        assert_eq!(h.for_url("https://portal.example/catalog?page=2"), &key[..]);
        assert_eq!(h.for_url("https://PORTAL.example:443/other"), &key[..]);
        assert!(h
            .for_url("https://mirror.example/catalog?page=2")
            .is_empty());
        assert!(h.for_url("https://portal.example:8443/catalog").is_empty());
        assert!(h.for_url("http://portal.example/catalog").is_empty());
        assert!(h.for_url("not a url").is_empty());
        // Logged once per host.
        assert!(!h.withheld.first("https://mirror.example"));
        // A file source has no origin: its headers go nowhere.
        let file = SourceHeaders::new("file:///data/page-1.ttl", &key);
        assert!(file.for_url("file:///data/page-2.ttl").is_empty());
        assert!(file.for_url("https://portal.example/").is_empty());
    }

    #[test]
    fn retry_after() {
        assert_eq!(parse_retry_after("120"), Some(120));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"), Some(0));
        assert!(parse_retry_after("Tue, 06 Nov 2074 08:49:37 GMT").unwrap() > 1_000_000);
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn media_types() {
        assert_eq!(
            media_type_of("Text/Turtle; charset=utf-8"),
            "text/turtle".to_owned()
        );
        assert_eq!(
            media_type_for_extension(Path::new("a/b.JSONLD")),
            Some("application/ld+json")
        );
    }
}
