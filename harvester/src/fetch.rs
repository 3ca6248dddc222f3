//! Fetching documents over HTTP(S) or from local files, with a total timeout,
//! a stall timeout and a size cap that also bounds decompressed bodies.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

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
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(30),
            max_bytes: 256 * 1024 * 1024,
        }
    }
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
    pub body: Bytes,
}

/// Why a fetch failed. Every variant names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: timed out ({detail})")]
    Timeout { url: String, detail: String },
    #[error("{url}: response is larger than the limit of {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: HTTP status {status}{}", retry_after.map(|s| format!(" (Retry-After {s} s)")).unwrap_or_default())]
    Status {
        url: String,
        status: u16,
        retry_after: Option<u64>,
    },
    #[error("{url}: {detail}")]
    Transport { url: String, detail: String },
    #[error("{path}: {detail}")]
    File { path: String, detail: String },
}

impl FetchError {
    /// Whether retrying later may succeed (timeouts, connection problems, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Transport { .. } => true,
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::TooLarge { .. } | FetchError::File { .. } => false,
        }
    }
}

/// An HTTP client configured for harvesting.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: FetchLimits,
}

impl Fetcher {
    pub fn new(limits: FetchLimits, user_agent: Option<&str>) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(user_agent.unwrap_or(USER_AGENT))
            .timeout(limits.timeout)
            .read_timeout(limits.read_timeout)
            .connect_timeout(Duration::from_secs(15).min(limits.timeout))
            .redirect(reqwest::redirect::Policy::limited(10))
            .gzip(true)
            .deflate(true)
            .brotli(true)
            .build()
            .map_err(|e| FetchError::Transport {
                url: String::new(),
                detail: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(Self { client, limits })
    }

    pub fn limits(&self) -> &FetchLimits {
        &self.limits
    }

    /// Fetches a location with the given `Accept` header and extra headers.
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

    /// HTTP GET with the harvesting limits.
    pub async fn get(
        &self,
        url: &str,
        accept: &str,
        headers: &[(String, String)],
    ) -> Result<Document, FetchError> {
        let mut request = self.client.get(url).header(reqwest::header::ACCEPT, accept);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        self.send(url, request).await
    }

    /// HTTP POST of a body with the harvesting limits.
    pub async fn post(
        &self,
        url: &str,
        accept: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(String, String)],
    ) -> Result<Document, FetchError> {
        let mut request = self
            .client
            .post(url)
            .header(reqwest::header::ACCEPT, accept)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        self.send(url, request).await
    }

    async fn send(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Document, FetchError> {
        let response = request.send().await.map_err(|e| classify(url, e))?;
        let status = response.status();
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
        let final_url = response.url().to_string();
        let media_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(media_type_of);
        let limit = self.limits.max_bytes;
        // Content-Length is of the encoded body; a compressed body may still
        // grow past the limit, which the loop below catches.
        if let Some(len) = response.content_length() {
            if len > limit {
                return Err(FetchError::TooLarge {
                    url: url.to_owned(),
                    limit,
                });
            }
        }
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
        Ok(Document {
            url: url.to_owned(),
            final_url,
            media_type,
            body: body.freeze(),
        })
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
            body: Bytes::from(body),
        })
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
