//! Harvesting an OGC CSW 2.0.2 catalogue: GetRecords pages with full ISO 19139
//! records (`gmd:MD_Metadata`, `gmi:MI_Metadata`, InGrid IDF), mapped to
//! DCAT-AP following the GeoDCAT-AP core mapping with DCAT-AP.de conventions.
//!
//! Flow ([`harvest`]):
//!
//! 1. `GetCapabilities` (GET/KVP): GetRecords must be offered; the offered
//!    output schemas, POST support, constraint languages and ISO queryables are
//!    read ([`client::Capabilities`]).
//! 2. `GetRecords` pages, POSTed as XML (`resultType=results`,
//!    `ElementSetName=full`, `outputSchema=http://www.isotc211.org/2005/gmd`,
//!    `typeNames=gmd:MD_Metadata`, `SortBy apiso:Identifier ASC` when the
//!    server lists the `Identifier` queryable or lists none); GET/KVP when
//!    the capabilities offer only GET or a POST fails with a 4xx status. If
//!    the first page is refused while sorting, it is retried unsorted.
//! 3. Each page is parsed with quick-xml in one streaming pass
//!    ([`xml`]: no DTDs or entities, depth/record/page bounds), every record is
//!    read into [`iso::IsoRecord`] and mapped by [`map::map_record`].
//!    Paging rules are in [`client`].
//!
//! Events: one [`HarvestEvent::Page`] per GetRecords page (records that could
//! not be used are `record_errors` with position, reason and an XML snippet),
//! [`HarvestEvent::PageFailed`] for a page that could not be fetched or was an
//! `ows:ExceptionReport`, and exactly one `Finished { complete, reason,
//! listing: None }`. A service record is skipped silently unless
//! `include_services` is set; the same dataset IRI twice in one harvest is
//! emitted once.
//!
//! The mapping table (ISO XPath -> DCAT property) is in `README.md` next to
//! this file.

pub mod client;
pub mod codes;
pub mod iso;
pub mod map;
pub mod xml;

use crate::fetch::{FetchError, Fetcher};
use crate::record::{HarvestEvent, SourceDefaults};
use tokio::sync::mpsc;
use url::Url;

pub use client::{Capabilities, Method};
pub use map::{map_record, MapOptions, Mapped};
pub use xml::{ExceptionReport, XmlLimits};

/// The ISO 19139 output schema.
pub const GMD_SCHEMA: &str = "http://www.isotc211.org/2005/gmd";

/// A GetRecords constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    /// OGC CQL text, e.g. `type = 'dataset'` (sent as `csw:CqlText`, or
    /// `constraintLanguage=CQL_TEXT` over GET).
    Cql(String),
    /// An OGC Filter 1.1 document, `<ogc:Filter xmlns:ogc="http://www.opengis.net/ogc">…</ogc:Filter>`
    /// (the `ogc`, `gml` and `apiso` prefixes are declared by the request).
    Filter(String),
}

impl Constraint {
    /// Reads a constraint from config: text starting with `<` is a Filter,
    /// anything else CQL.
    pub fn parse(text: &str) -> Option<Constraint> {
        let t = text.trim();
        if t.is_empty() {
            None
        } else if t.starts_with('<') {
            Some(Constraint::Filter(t.to_owned()))
        } else {
            Some(Constraint::Cql(t.to_owned()))
        }
    }
}

/// A CSW source as the harvester needs it.
#[derive(Debug, Clone)]
pub struct CswSource {
    /// The CSW endpoint (GetCapabilities and GetRecords are sent here; URLs in
    /// the capabilities are not followed).
    pub endpoint: Url,
    /// `maxRecords` per GetRecords page (default 100; servers may cap it).
    pub page_size: usize,
    /// Optional GetRecords constraint.
    pub constraint: Option<Constraint>,
    /// `outputSchema` (default [`GMD_SCHEMA`]; only ISO 19139 is mapped).
    pub output_schema: String,
    /// Map service records to `dcat:DataService` records (default: skip them).
    pub include_services: bool,
    /// Extra HTTP headers (e.g. authorization), sent only to the origin
    /// (scheme, host, port) of `endpoint`.
    pub headers: Vec<(String, String)>,
    /// The listing stops (incomplete) after this many pages.
    pub max_pages: usize,
    /// Largest single ISO record in bytes; larger ones become record errors.
    pub max_record_bytes: usize,
    /// Source id, minting base, publisher and DCAT-AP.de defaults.
    pub defaults: SourceDefaults,
}

impl CswSource {
    /// A source with the defaults: page size 100, ISO 19139, no constraint,
    /// no services, 10,000 pages, 4 MiB per record.
    pub fn new(endpoint: Url, defaults: SourceDefaults) -> Self {
        Self {
            endpoint,
            page_size: 100,
            constraint: None,
            output_schema: GMD_SCHEMA.to_owned(),
            include_services: false,
            headers: Vec::new(),
            max_pages: 10_000,
            max_record_bytes: 4 * 1024 * 1024,
            defaults,
        }
    }
}

/// Why a CSW request failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CswError {
    /// The server answered with an `ows:ExceptionReport`.
    #[error("{0}")]
    Exception(ExceptionReport),
    /// An HTTP status other than success.
    #[error("{url}: HTTP status {status}")]
    Http { url: String, status: u16 },
    /// Any other fetch problem (timeouts, size, transport).
    #[error("{0}")]
    Fetch(String),
    /// The response is not usable XML or not a GetRecords response.
    #[error("{url}: {message}{}", if snippet.is_empty() { String::new() } else { format!(" near: {snippet}") })]
    Xml {
        url: String,
        message: String,
        snippet: String,
    },
    /// The capabilities are unusable.
    #[error("{0}")]
    Capabilities(String),
}

impl CswError {
    fn from_fetch(e: FetchError) -> Self {
        match e {
            FetchError::Status { url, status, .. } => CswError::Http { url, status },
            other => CswError::Fetch(other.to_string()),
        }
    }
}

/// Harvests all GetRecords pages of a CSW source, sending events to `tx`:
/// `Page` per page, `PageFailed` for a failed page, then exactly one
/// `Finished { complete, reason, listing: None }`. Returns when the listing
/// ended or the receiver is gone.
pub async fn harvest(source: &CswSource, fetcher: &Fetcher, tx: mpsc::Sender<HarvestEvent>) {
    client::run(source, fetcher, tx).await
}
