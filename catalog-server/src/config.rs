//! The operator's configuration (TOML). Unknown keys and bad values are errors
//! that name the key and the line; relative paths are resolved against the
//! directory of the config file.

use serde::de::{self, Deserializer};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Invalid { path: String, message: String },
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file (for messages and reloads).
    pub path: PathBuf,
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// Public base IRI of this catalog, ending in `/`.
    pub base_iri: String,
    pub catalog: CatalogConfig,
    pub sparql: SparqlConfig,
    /// Limits of the HTTP server of `serve` (read at start).
    pub http: HttpConfig,
    pub harvest: HarvestConfig,
    pub validation: ValidationConfig,
    /// The metadata quality score's link checker.
    pub quality: QualityConfig,
    /// The web pages.
    pub web: WebConfig,
    pub sources: Vec<SourceConfig>,
    /// The admin API's bearer token, inline (prefer `admin_token_env`).
    pub admin_token: Option<String>,
    /// The environment variable that holds the admin API's bearer token.
    pub admin_token_env: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    data_dir: PathBuf,
    #[serde(default = "default_listen")]
    listen: SocketAddr,
    #[serde(default)]
    base_iri: Option<Iri>,
    #[serde(default)]
    catalog: CatalogConfig,
    #[serde(default)]
    sparql: SparqlConfig,
    #[serde(default)]
    http: HttpConfig,
    #[serde(default)]
    harvest: HarvestConfig,
    #[serde(default)]
    validation: ValidationConfig,
    #[serde(default)]
    quality: QualityConfig,
    #[serde(default)]
    web: WebConfig,
    #[serde(default)]
    sources: Vec<toml::Spanned<SourceConfig>>,
    #[serde(default)]
    admin_token: Option<String>,
    #[serde(default)]
    admin_token_env: Option<String>,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

/// The web pages.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// A map tile server (`https://…/{z}/{x}/{y}.png`): the search page's
    /// area filter gets a map whose view sets the coordinates. Unset: the
    /// coordinate fields alone (no request leaves for a tile server).
    #[serde(default)]
    pub tile_url: Option<String>,
    /// The attribution the tile server's licence asks for, shown on the
    /// map (e.g. "© OpenStreetMap contributors").
    #[serde(default)]
    pub tile_attribution: Option<String>,
}

impl WebConfig {
    /// Why `tile_url` is not a tile URL template, if it is not.
    fn check(&self) -> Result<(), String> {
        let Some(url) = &self.tile_url else {
            return Ok(());
        };
        let ok_scheme = url.starts_with("https://") || url.starts_with("http://");
        let placeholders = ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p));
        let parses = url::Url::parse(&url.replace(['{', '}'], "")).is_ok();
        if !(ok_scheme && placeholders && parses) {
            return Err(format!(
                "web.tile_url: {url:?} is not an http(s) tile URL template with {{z}}, {{x}} and {{y}} (e.g. \"https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png\")"
            ));
        }
        if self
            .tile_attribution
            .as_deref()
            .is_none_or(|a| a.trim().is_empty())
        {
            return Err(
                "web.tile_attribution: a map needs the attribution its tile server's licence asks for (e.g. \"© OpenStreetMap contributors\")".into(),
            );
        }
        Ok(())
    }
}

/// The consolidated catalog this installation publishes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogConfig {
    #[serde(default = "default_catalog_title")]
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub publisher: Option<Publisher>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub homepage: Option<Iri>,
    /// Datasets per page of the catalog endpoint (`/catalog.ttl`,
    /// `/catalogs/{source}.ttl`): at least 1, at most [`MAX_PAGE_SIZE`].
    #[serde(default = "default_page_size")]
    pub page_size: usize,
    /// The Land's `dcatde:contributorID`
    /// (`http://dcat-ap.de/def/contributors/…`): the catalog endpoint
    /// stamps it on every dataset in place of the dataset's own
    /// `dcat-ap.de` contributor IDs.
    #[serde(default)]
    pub contributor_id: Option<Iri>,
}

fn default_catalog_title() -> String {
    "Open-Data-Katalog".to_owned()
}

fn default_page_size() -> usize {
    100
}

/// The largest `catalog.page_size`.
pub const MAX_PAGE_SIZE: usize = 1_000;

impl Default for CatalogConfig {
    fn default() -> Self {
        Self {
            title: default_catalog_title(),
            description: None,
            publisher: None,
            language: None,
            homepage: None,
            page_size: default_page_size(),
            contributor_id: None,
        }
    }
}

/// A publisher (municipality, Land authority): name and IRI.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Publisher {
    pub name: String,
    pub iri: Iri,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SparqlConfig {
    /// Longest time a query may run.
    #[serde(default = "default_sparql_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
    /// Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) a query may return.
    #[serde(default = "default_max_results")]
    pub max_results: usize,
    /// Most bytes one answer may have.
    #[serde(default = "default_max_result_bytes", deserialize_with = "byte_size")]
    pub max_result_bytes: u64,
    /// Evaluations at once.
    #[serde(default = "default_sparql_concurrent")]
    pub max_concurrent: usize,
    /// Queries waiting for a free evaluation slot; beyond them, 503.
    #[serde(default = "default_sparql_queued")]
    pub max_queued: usize,
    /// Memory one evaluation may hold.
    #[serde(default = "default_sparql_memory", deserialize_with = "byte_size")]
    pub max_memory: u64,
    /// Longest query text.
    #[serde(default = "default_max_query_bytes", deserialize_with = "byte_size")]
    pub max_query_bytes: u64,
    /// Deepest nesting of brackets, braces and parentheses in a query.
    #[serde(default = "default_max_nesting")]
    pub max_nesting: usize,
    /// Largest factor by which a query's expressions may lengthen strings.
    #[serde(default = "default_max_growth")]
    pub max_growth: f64,
}

fn default_max_result_bytes() -> u64 {
    256 * 1024 * 1024
}
fn default_sparql_concurrent() -> usize {
    2
}
fn default_sparql_queued() -> usize {
    16
}
fn default_sparql_memory() -> u64 {
    512 * 1024 * 1024
}
fn default_max_query_bytes() -> u64 {
    64 * 1024
}
fn default_max_nesting() -> usize {
    64
}
fn default_max_growth() -> f64 {
    64.0
}

fn default_sparql_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_max_results() -> usize {
    100_000
}

impl Default for SparqlConfig {
    fn default() -> Self {
        Self {
            timeout: default_sparql_timeout(),
            max_results: default_max_results(),
            max_result_bytes: default_max_result_bytes(),
            max_concurrent: default_sparql_concurrent(),
            max_queued: default_sparql_queued(),
            max_memory: default_sparql_memory(),
            max_query_bytes: default_max_query_bytes(),
            max_nesting: default_max_nesting(),
            max_growth: default_max_growth(),
        }
    }
}

/// Limits of the HTTP server of `serve`: connections, timeouts, request
/// bodies and the expensive endpoints. Read once at start (a reload does not
/// change them).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Longest time to receive a request's header, from the connection's
    /// start or the end of the previous answer (so also the longest idle
    /// time of a kept-alive connection).
    #[serde(default = "default_header_timeout", deserialize_with = "duration")]
    pub header_timeout: Duration,
    /// Longest time to receive a request's body, from the end of its header.
    #[serde(default = "default_body_timeout", deserialize_with = "duration")]
    pub body_timeout: Duration,
    /// Most open client connections; further ones wait in the listen queue.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Largest document `POST /api/validate` accepts.
    #[serde(default = "default_max_upload", deserialize_with = "byte_size")]
    pub max_upload: u64,
    /// Largest body of `POST /sparql`.
    #[serde(default = "default_max_query", deserialize_with = "byte_size")]
    pub max_query: u64,
    /// Most uploads validated at once; further ones are answered 503.
    #[serde(default = "default_validate_concurrency")]
    pub validate_concurrency: usize,
    /// Longest time one upload's validation may take.
    #[serde(default = "default_validate_timeout", deserialize_with = "duration")]
    pub validate_timeout: Duration,
    /// Most admin previews at once; further ones are answered 503.
    #[serde(default = "default_preview_concurrency")]
    pub preview_concurrency: usize,
    /// Longest time one admin preview may take.
    #[serde(default = "default_preview_timeout", deserialize_with = "duration")]
    pub preview_timeout: Duration,
}

fn default_header_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_body_timeout() -> Duration {
    Duration::from_secs(60)
}
fn default_max_connections() -> usize {
    512
}
fn default_max_upload() -> u64 {
    32 * 1024 * 1024
}
fn default_max_query() -> u64 {
    1024 * 1024
}
fn default_validate_concurrency() -> usize {
    2
}
fn default_validate_timeout() -> Duration {
    Duration::from_secs(60)
}
fn default_preview_concurrency() -> usize {
    2
}
fn default_preview_timeout() -> Duration {
    Duration::from_secs(120)
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            header_timeout: default_header_timeout(),
            body_timeout: default_body_timeout(),
            max_connections: default_max_connections(),
            max_upload: default_max_upload(),
            max_query: default_max_query(),
            validate_concurrency: default_validate_concurrency(),
            validate_timeout: default_validate_timeout(),
            preview_concurrency: default_preview_concurrency(),
            preview_timeout: default_preview_timeout(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarvestConfig {
    /// Total time for one request, body included.
    #[serde(default = "default_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
    /// Longest pause while receiving a response.
    #[serde(default = "default_read_timeout", deserialize_with = "duration")]
    pub read_timeout: Duration,
    /// Largest accepted response body (after decompression).
    #[serde(default = "default_max_page_bytes", deserialize_with = "byte_size")]
    pub max_page_bytes: u64,
    /// Most pages followed in one listing.
    #[serde(default = "default_max_pages")]
    pub max_pages: usize,
    /// Most triples in one record.
    #[serde(default = "default_max_record_triples")]
    pub max_record_triples: usize,
    /// Fetch JSON-LD contexts that are not shipped with the catalog.
    #[serde(default)]
    pub fetch_remote_contexts: bool,
    /// Sources harvested at the same time.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    #[serde(default)]
    pub user_agent: Option<String>,
    /// Run records kept per source (older ones are deleted).
    #[serde(default = "default_keep_runs")]
    pub keep_runs: usize,
    /// Largest share of a source's published records one run may withdraw.
    #[serde(default = "default_max_withdraw_share")]
    pub max_withdraw_share: f64,
    /// Grace period before a withdrawn record is purged.
    #[serde(default = "default_purge_after", deserialize_with = "duration")]
    pub purge_after: Duration,
    /// CKAN incremental runs ask for packages modified since the start of the
    /// last successful run minus this margin.
    #[serde(default = "default_incremental_margin", deserialize_with = "duration")]
    pub incremental_margin: Duration,
    /// `serve`: most runs (scheduled or manual) at the same time.
    #[serde(default = "default_concurrency")]
    pub max_concurrent_runs: usize,
    /// Time zone of the sources' cron schedules (IANA name).
    #[serde(default = "default_time_zone", deserialize_with = "time_zone")]
    pub time_zone: chrono_tz::Tz,
    /// Longest time one run may take; it is then stopped as partial (nothing
    /// is withdrawn). Unset: no limit.
    #[serde(default, deserialize_with = "optional_duration")]
    pub run_timeout: Option<Duration>,
    /// Most requests in flight to one host (over all sources).
    #[serde(default = "default_host_connections")]
    pub host_connections: usize,
    /// Shortest pause between the starts of two requests to one host.
    #[serde(default, deserialize_with = "optional_duration")]
    pub host_delay: Option<Duration>,
    /// Retries of a request after a transient failure (connection error,
    /// timeout, 5xx, 429), with exponential backoff and jitter.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// The first backoff; each retry doubles it (plus up to 50 % jitter).
    #[serde(default = "default_retry_base", deserialize_with = "duration")]
    pub retry_base: Duration,
    /// The longest single wait, whatever `Retry-After` or the backoff say.
    #[serde(default = "default_retry_max", deserialize_with = "duration")]
    pub retry_max: Duration,
}

fn default_time_zone() -> chrono_tz::Tz {
    chrono_tz::Europe::Berlin
}
fn default_host_connections() -> usize {
    4
}
fn default_retries() -> u32 {
    2
}
fn default_retry_base() -> Duration {
    Duration::from_millis(500)
}
fn default_retry_max() -> Duration {
    Duration::from_secs(60)
}

fn time_zone<'de, D: Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
    let s = String::deserialize(d)?;
    s.parse::<chrono_tz::Tz>().map_err(|_| {
        de::Error::custom(format!(
            "unknown time zone {s:?}: use an IANA name such as \"Europe/Berlin\" or \"UTC\""
        ))
    })
}

fn optional_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    duration(d).map(Some)
}

fn default_keep_runs() -> usize {
    50
}
fn default_max_withdraw_share() -> f64 {
    0.2
}
fn default_purge_after() -> Duration {
    Duration::from_secs(7 * 24 * 3600)
}
fn default_incremental_margin() -> Duration {
    Duration::from_secs(3600)
}

fn default_timeout() -> Duration {
    Duration::from_secs(60)
}
fn default_read_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_max_page_bytes() -> u64 {
    256 * 1024 * 1024
}
fn default_max_pages() -> usize {
    10_000
}
fn default_max_record_triples() -> usize {
    50_000
}
fn default_concurrency() -> usize {
    2
}

impl Default for HarvestConfig {
    fn default() -> Self {
        Self {
            timeout: default_timeout(),
            read_timeout: default_read_timeout(),
            max_page_bytes: default_max_page_bytes(),
            max_pages: default_max_pages(),
            max_record_triples: default_max_record_triples(),
            fetch_remote_contexts: false,
            concurrency: default_concurrency(),
            user_agent: None,
            keep_runs: default_keep_runs(),
            max_withdraw_share: default_max_withdraw_share(),
            purge_after: default_purge_after(),
            incremental_margin: default_incremental_margin(),
            max_concurrent_runs: default_concurrency(),
            time_zone: default_time_zone(),
            run_timeout: None,
            host_connections: default_host_connections(),
            host_delay: None,
            retries: default_retries(),
            retry_base: default_retry_base(),
            retry_max: default_retry_max(),
        }
    }
}

/// `[quality]`: the link checker behind the score's two status-code
/// metrics (`accessUrlStatusCode`, `downloadUrlStatusCode`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityConfig {
    /// Check the distributions' links (`false`: the status-code metrics
    /// stay "not checked", nothing is fetched).
    #[serde(default = "default_true")]
    pub check_links: bool,
    /// Longest time for one check (one request with its redirects).
    #[serde(default = "default_link_timeout", deserialize_with = "duration")]
    pub link_timeout: Duration,
    /// Checks in flight at once.
    #[serde(default = "default_link_concurrency")]
    pub link_concurrency: usize,
    /// Checks in flight to one host.
    #[serde(default = "default_link_host_connections")]
    pub link_host_connections: usize,
    /// Shortest pause between the starts of two checks of one host
    /// (`"0s"`: none).
    #[serde(
        default = "default_link_host_delay",
        deserialize_with = "duration_or_zero"
    )]
    pub link_host_delay: Duration,
    /// After a success, a link is checked again after this times its
    /// successes in a row, at most four times this.
    #[serde(default = "default_recheck_after", deserialize_with = "duration")]
    pub recheck_after: Duration,
    /// After a failure, a link is checked again after this, doubled per
    /// failure in a row, at most `recheck_after`.
    #[serde(
        default = "default_failed_recheck_after",
        deserialize_with = "duration"
    )]
    pub failed_recheck_after: Duration,
    /// `serve`: how often the background checker looks for links that are
    /// due.
    #[serde(default = "default_check_interval", deserialize_with = "duration")]
    pub check_interval: Duration,
}

fn default_link_timeout() -> Duration {
    Duration::from_secs(20)
}
fn default_link_concurrency() -> usize {
    16
}
fn default_link_host_connections() -> usize {
    2
}
fn default_link_host_delay() -> Duration {
    Duration::from_secs(1)
}
fn default_recheck_after() -> Duration {
    Duration::from_secs(7 * 24 * 3600)
}
fn default_failed_recheck_after() -> Duration {
    Duration::from_secs(24 * 3600)
}
fn default_check_interval() -> Duration {
    Duration::from_secs(3600)
}

impl Default for QualityConfig {
    fn default() -> Self {
        Self {
            check_links: true,
            link_timeout: default_link_timeout(),
            link_concurrency: default_link_concurrency(),
            link_host_connections: default_link_host_connections(),
            link_host_delay: default_link_host_delay(),
            recheck_after: default_recheck_after(),
            failed_recheck_after: default_failed_recheck_after(),
            check_interval: default_check_interval(),
        }
    }
}

/// The kind of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// DCAT-AP RDF in any syntax, optionally Hydra-paged.
    Dcat,
    /// The CKAN Action API (`package_search`), mapped to DCAT-AP.de.
    Ckan,
    /// OGC CSW 2.0.2 GetRecords with ISO 19139 records, mapped to DCAT-AP.
    Csw,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Dcat => "dcat",
            SourceKind::Ckan => "ckan",
            SourceKind::Csw => "csw",
        }
    }
}

/// Validation settings: profiles the operator adds or changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationConfig {
    /// `[validation.profiles.NAME]`: a new profile, or a shipped one changed.
    #[serde(default)]
    pub profiles: BTreeMap<String, CustomProfile>,
}

/// An operator's profile: a shipped profile with shape or vocabulary files
/// added or replaced (e.g. the official DCAT-AP.de files).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomProfile {
    /// The shipped profile to start from (default: the profile of the same
    /// name if there is one, else nothing).
    #[serde(default)]
    pub base: Option<String>,
    /// Shape files (Turtle, RDF/XML, ...; relative to the config file).
    #[serde(default)]
    pub shapes: Vec<PathBuf>,
    /// Use only `shapes`, not the base profile's shapes.
    #[serde(default)]
    pub replace_shapes: bool,
    /// Vocabulary files added to the vocabulary graph.
    #[serde(default)]
    pub vocabularies: Vec<PathBuf>,
    /// Use only `vocabularies`, not the base profile's.
    #[serde(default)]
    pub replace_vocabularies: bool,
}

/// What happens to a record with SHACL violations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValidationPolicy {
    /// Stored and published; the report flags the violations.
    #[default]
    Store,
    /// Not published (an earlier version stays); reported in the run.
    Reject,
}

/// Validation profiles shipped with the catalog (`shapes/profiles.toml`);
/// `none` switches validation off.
pub const PROFILES: &[&str] = &[
    "dcat-ap-3",
    "dcat-ap-de-3",
    "dcat-ap-2.1.1",
    "dcat-ap-de-2",
    "dcat-ap-de-2-konventionen",
    "none",
];

/// One municipal source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub id: SourceId,
    pub title: String,
    pub kind: SourceKind,
    /// http(s) URL or file path (relative to the config file).
    pub url: String,
    pub schedule: Option<CronSchedule>,
    #[serde(default = "default_profile")]
    pub profile: Profile,
    /// `store` (default) or `reject` records with SHACL violations.
    #[serde(default)]
    pub validation: ValidationPolicy,
    pub publisher: Option<Publisher>,
    pub contributor_id: Option<Iri>,
    pub geocoding: Option<Iri>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// CKAN: Solr filter query, e.g. `organization:stadt-kiel`.
    #[serde(default)]
    pub fq: Option<String>,
    /// CKAN: packages per page (at most 1000).
    #[serde(default)]
    pub rows: Option<usize>,
    /// CKAN: after a successful run, ask only for packages modified since
    /// (default true; false for portals whose `metadata_modified` is unreliable).
    /// DCAT: ask for memoized pages conditionally (ETag / Last-Modified;
    /// default true; false for servers whose validators cannot be trusted).
    #[serde(default = "default_true")]
    pub incremental: bool,
    /// CSW: records per GetRecords page.
    #[serde(default)]
    pub page_size: Option<usize>,
    /// CSW: a constraint, CQL text (`type = 'dataset'`) or an `<ogc:Filter>`.
    #[serde(default)]
    pub constraint: Option<String>,
    /// CSW: the output schema (default ISO 19139, the only one mapped).
    #[serde(default)]
    pub output_schema: Option<String>,
    /// CSW: map service records to `dcat:DataService` (default: skip them).
    #[serde(default)]
    pub include_services: bool,
    /// Overrides `harvest.max_withdraw_share` for this source.
    #[serde(default)]
    pub max_withdraw_share: Option<f64>,
    /// Cross-source deduplication: among records of one dataset with equal
    /// `dct:modified`, the one of the source with the higher priority wins.
    #[serde(default)]
    pub priority: i32,
    /// The environment variable that holds this source's steward token
    /// (the web pages' login for the source's data steward).
    #[serde(default)]
    pub steward_token_env: Option<String>,
}

impl SourceConfig {
    /// The source's steward token from `steward_token_env`, without
    /// surrounding white space; none when unset, empty or shorter than
    /// [`MIN_ADMIN_TOKEN_CHARS`] (logged: a weak token never logs anyone in).
    pub fn steward_token(&self) -> Option<String> {
        let name = self.steward_token_env.as_deref()?;
        let token = std::env::var(name).ok()?.trim().to_owned();
        if token.is_empty() {
            return None;
        }
        if let Err(e) = check_admin_token(&token, &format!("${name}")) {
            tracing::error!("source {}: steward token refused: {e}", self.id.0);
            return None;
        }
        Some(token)
    }
}

fn default_true() -> bool {
    true
}
fn default_profile() -> Profile {
    Profile("dcat-ap-de-3".to_owned())
}

/// A source id: lower-case letters, digits, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub String);

impl<'de> Deserialize<'de> for SourceId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.is_empty()
            || s.len() > 64
            || !s
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return Err(de::Error::custom(format!(
                "invalid source id {s:?}: use 1 to 64 characters a-z, 0-9, '-' and '_'"
            )));
        }
        Ok(SourceId(s))
    }
}

impl std::fmt::Display for SourceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An absolute IRI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iri(pub String);

impl<'de> Deserialize<'de> for Iri {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        oxrdf::NamedNode::new(s.clone())
            .map_err(|e| de::Error::custom(format!("invalid IRI {s:?}: {e}")))?;
        Ok(Iri(s))
    }
}

impl Iri {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validation profile name: one of [`PROFILES`] or a
/// `[validation.profiles.NAME]` of the config (checked after parsing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile(pub String);

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.is_empty()
            || !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(de::Error::custom(format!(
                "invalid validation profile name {s:?} (letters, digits, '-', '_', '.')"
            )));
        }
        Ok(Profile(s))
    }
}

/// A cron schedule: 5 fields (minute hour day-of-month month day-of-week) as in
/// crontab, or 6/7 fields with seconds first (and a year last).
#[derive(Debug, Clone)]
pub struct CronSchedule {
    pub expression: String,
    pub schedule: cron::Schedule,
}

impl CronSchedule {
    pub fn parse(s: &str) -> Result<Self, String> {
        let fields = s.split_whitespace().count();
        let full = match fields {
            5 => {
                // crontab counts weekdays 0-7 from Sunday (0 and 7); the cron
                // crate counts 1-7 from Sunday. Map numeric weekdays.
                let mut parts: Vec<String> = s.split_whitespace().map(str::to_owned).collect();
                parts[4] = crontab_weekdays(&parts[4])?;
                format!("0 {}", parts.join(" "))
            }
            6 | 7 => s.to_owned(),
            n => {
                return Err(format!(
                    "invalid cron expression {s:?}: expected 5 fields (min hour dom month dow) or 6/7 with seconds, found {n}"
                ))
            }
        };
        let schedule = cron::Schedule::from_str(&full)
            .map_err(|e| format!("invalid cron expression {s:?}: {e}"))?;
        Ok(Self {
            expression: s.to_owned(),
            schedule,
        })
    }
}

/// Maps crontab weekday numbers (0-7, Sunday = 0 or 7) to the cron crate's
/// (1-7, Sunday = 1) in a day-of-week field; names and `*` pass unchanged.
fn crontab_weekdays(field: &str) -> Result<String, String> {
    let map = |n: &str| -> Result<String, String> {
        match n.parse::<u8>() {
            Ok(d @ 0..=6) => Ok((d + 1).to_string()),
            Ok(7) => Ok("1".to_owned()),
            Ok(d) => Err(format!(
                "invalid weekday {d} in cron expression (use 0-7 or names)"
            )),
            Err(_) => Ok(n.to_owned()),
        }
    };
    field
        .split(',')
        .map(|item| {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (item, None),
            };
            let range = match range.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (map(a)?, map(b)?);
                    // "5-7" (Fri-Sun) becomes 6-1: write it as a list.
                    match (a.parse::<u8>(), b.parse::<u8>()) {
                        (Ok(x), Ok(y)) if y < x => format!("{x}-7,1-{y}"),
                        _ => format!("{a}-{b}"),
                    }
                }
                None => map(range)?,
            };
            Ok(match step {
                Some(s) => format!("{range}/{s}"),
                None => range,
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map(|v| v.join(","))
}

impl<'de> Deserialize<'de> for CronSchedule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CronSchedule::parse(&s).map_err(de::Error::custom)
    }
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    let parsed = humantime::parse_duration(&s).map_err(|e| {
        de::Error::custom(format!(
            "invalid duration {s:?} ({e}); write e.g. \"30s\" or \"5m\""
        ))
    })?;
    if parsed.is_zero() {
        return Err(de::Error::custom("duration must be greater than zero"));
    }
    Ok(parsed)
}

/// A duration where zero is allowed (`"0s"`: off).
fn duration_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_duration(&s).map_err(|e| {
        de::Error::custom(format!(
            "invalid duration {s:?} ({e}); write e.g. \"1s\", \"250ms\" or \"0s\""
        ))
    })
}

fn byte_size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        Number(u64),
        Text(String),
    }
    match Size::deserialize(d)? {
        Size::Number(n) => Ok(n),
        Size::Text(s) => bytesize::ByteSize::from_str(&s)
            .map(|b| b.as_u64())
            .map_err(|e| {
                de::Error::custom(format!("invalid size {s:?} ({e}); write e.g. \"256 MiB\""))
            }),
    }
}

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses config text; `path` locates relative paths and names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.display().to_string(),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let line_of = |span: std::ops::Range<usize>| {
            text[..span.start.min(text.len())].lines().count().max(1)
        };
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut sources = Vec::new();
        let mut source_lines = Vec::new();
        for spanned in raw.sources {
            let span = spanned.span();
            let line = line_of(span.clone());
            let source = spanned.into_inner();
            if let Some(first) = seen.insert(source.id.0.clone(), line) {
                return Err(invalid(format!(
                    "sources.id: duplicate source id {:?} at line {line} (first defined at line {first})",
                    source.id.0
                )));
            }
            harvester::Location::parse(&source.url, &base_dir).map_err(|e| {
                invalid(format!(
                    "sources.url of source {:?} (line {line}): {e}",
                    source.id.0
                ))
            })?;
            let only = |key: &str, set: bool, kind: SourceKind| -> Result<(), ConfigError> {
                if set && source.kind != kind {
                    return Err(invalid(format!(
                        "sources.{key} of source {:?} (line {line}) applies only to kind = \"{}\"",
                        source.id.0,
                        kind.as_str()
                    )));
                }
                Ok(())
            };
            only("fq", source.fq.is_some(), SourceKind::Ckan)?;
            only("rows", source.rows.is_some(), SourceKind::Ckan)?;
            if !source.incremental && source.kind == SourceKind::Csw {
                return Err(invalid(format!(
                    "sources.incremental of source {:?} (line {line}) applies only to kind = \"ckan\" or \"dcat\"",
                    source.id.0
                )));
            }
            only("page_size", source.page_size.is_some(), SourceKind::Csw)?;
            only("constraint", source.constraint.is_some(), SourceKind::Csw)?;
            only(
                "output_schema",
                source.output_schema.is_some(),
                SourceKind::Csw,
            )?;
            only("include_services", source.include_services, SourceKind::Csw)?;
            if source.kind != SourceKind::Dcat
                && !(source.url.starts_with("http://") || source.url.starts_with("https://"))
            {
                return Err(invalid(format!(
                    "sources.url of source {:?} (line {line}): a {} source needs an http(s) URL",
                    source.id.0,
                    source.kind.as_str()
                )));
            }
            if matches!(source.rows, Some(0)) || matches!(source.page_size, Some(0)) {
                return Err(invalid(format!(
                    "sources of source {:?} (line {line}): rows and page_size must be at least 1",
                    source.id.0
                )));
            }
            for name in source.headers.keys() {
                if reqwest_header_name_ok(name).is_err() {
                    return Err(invalid(format!(
                        "sources.headers of source {:?} (line {line}): invalid header name {name:?}",
                        source.id.0
                    )));
                }
            }
            // The line of the source's `profile` key (for later checks).
            let profile_at = text
                .get(span.start..)
                .and_then(|rest| {
                    // This source's lines: up to the next table header.
                    let end = rest
                        .get(1..)
                        .and_then(|r| r.find("\n["))
                        .map_or(rest.len(), |i| i + 1);
                    rest[..end].find("\nprofile")
                })
                .map_or(span.start, |i| span.start + i + 1);
            source_lines.push(text[..profile_at.min(text.len())].matches('\n').count() + 1);
            sources.push(source);
        }
        let data_dir = if raw.data_dir.is_absolute() {
            raw.data_dir
        } else {
            base_dir.join(raw.data_dir)
        };
        let mut base_iri = raw
            .base_iri
            .map(|i| i.0)
            .unwrap_or_else(|| format!("http://{}/", raw.listen));
        if !base_iri.ends_with('/') {
            base_iri.push('/');
        }
        let share_ok = |s: f64| (0.0..=1.0).contains(&s);
        if !share_ok(raw.harvest.max_withdraw_share) {
            return Err(invalid(
                "harvest.max_withdraw_share must be between 0 and 1 (e.g. 0.2 for 20%)".into(),
            ));
        }
        if let Some(s) = sources
            .iter()
            .find(|s| s.max_withdraw_share.is_some_and(|v| !share_ok(v)))
        {
            return Err(invalid(format!(
                "sources.max_withdraw_share of source {:?} must be between 0 and 1",
                s.id.0
            )));
        }
        let mut validation = raw.validation;
        for (name, p) in validation.profiles.iter_mut() {
            if name == "none" {
                return Err(invalid(
                    "validation.profiles.none: \"none\" means no validation and cannot be defined"
                        .into(),
                ));
            }
            let base = p
                .base
                .clone()
                .or_else(|| PROFILES.contains(&name.as_str()).then(|| name.clone()));
            if let Some(b) = &base {
                if !PROFILES.contains(&b.as_str()) || b == "none" {
                    return Err(invalid(format!(
                        "validation.profiles.{name}.base: unknown shipped profile {b:?}; shipped: {}",
                        PROFILES[..PROFILES.len() - 1].join(", ")
                    )));
                }
            }
            p.base = base;
            if p.base.is_none() && p.shapes.is_empty() {
                return Err(invalid(format!(
                    "validation.profiles.{name}: needs `shapes` files or a `base` profile"
                )));
            }
            for f in p.shapes.iter_mut() {
                if f.is_relative() {
                    *f = base_dir.join(&*f);
                }
                if !f.is_file() {
                    return Err(invalid(format!(
                        "validation.profiles.{name}.shapes: no such file {}",
                        f.display()
                    )));
                }
            }
            // A missing vocabulary file is not an error: validation reports it
            // once and skips the checks that need it.
            for f in p.vocabularies.iter_mut() {
                if f.is_relative() {
                    *f = base_dir.join(&*f);
                }
            }
        }
        if let Some((s, line)) = sources.iter().zip(&source_lines).find(|(s, _)| {
            !PROFILES.contains(&s.profile.0.as_str())
                && !validation.profiles.contains_key(&s.profile.0)
        }) {
            let mut known: Vec<&str> = PROFILES.to_vec();
            known.extend(validation.profiles.keys().map(String::as_str));
            return Err(invalid(format!(
                "sources.profile of source {:?} (line {line}): unknown validation profile {:?}; known profiles: {}",
                s.id.0,
                s.profile.0,
                known.join(", ")
            )));
        }
        if raw.catalog.page_size == 0 || raw.catalog.page_size > MAX_PAGE_SIZE {
            return Err(invalid(format!(
                "catalog.page_size must be between 1 and {MAX_PAGE_SIZE}, not {}",
                raw.catalog.page_size
            )));
        }
        if raw.harvest.concurrency == 0 {
            return Err(invalid("harvest.concurrency must be at least 1".into()));
        }
        if raw.harvest.max_concurrent_runs == 0 || raw.harvest.host_connections == 0 {
            return Err(invalid(
                "harvest.max_concurrent_runs and harvest.host_connections must be at least 1"
                    .into(),
            ));
        }
        if raw.quality.link_concurrency == 0 || raw.quality.link_host_connections == 0 {
            return Err(invalid(
                "quality.link_concurrency and quality.link_host_connections must be at least 1"
                    .into(),
            ));
        }
        if let Some(var) = &raw.admin_token_env {
            if var.is_empty() || var.contains('=') || var.contains('\0') {
                return Err(invalid(format!(
                    "admin_token_env: {var:?} is not an environment variable name"
                )));
            }
        }
        if let Some(token) = &raw.admin_token {
            check_admin_token(token, "admin_token").map_err(|e| invalid(e.to_string()))?;
        }
        let h = &raw.http;
        if h.max_connections == 0
            || h.validate_concurrency == 0
            || h.preview_concurrency == 0
            || h.max_upload == 0
            || h.max_query == 0
        {
            return Err(invalid(
                "http.max_connections, http.validate_concurrency, http.preview_concurrency, \
                 http.max_upload and http.max_query must be at least 1"
                    .into(),
            ));
        }
        raw.web.check().map_err(invalid)?;
        Ok(Config {
            path: path.to_path_buf(),
            data_dir,
            listen: raw.listen,
            base_iri,
            catalog: raw.catalog,
            sparql: raw.sparql,
            http: raw.http,
            harvest: raw.harvest,
            validation,
            quality: raw.quality,
            web: raw.web,
            sources,
            admin_token: raw.admin_token,
            admin_token_env: raw.admin_token_env,
        })
    }

    /// The directory of the config file (base of relative source paths).
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// The admin API's bearer token: the variable named by `admin_token_env`,
    /// else `admin_token`, else `$CATALOG_ADMIN_TOKEN`, without surrounding
    /// white space (as a presented token is read); empty means none. A token
    /// shorter than [`MIN_ADMIN_TOKEN_CHARS`] is an error (`serve` refuses to
    /// start with it; a reload that brings one disables the write endpoints).
    pub fn admin_token(&self) -> Result<Option<String>, WeakAdminToken> {
        let from_env = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .map(|t| (t, format!("${name}")))
        };
        let found = match &self.admin_token_env {
            Some(name) => from_env(name),
            None => self
                .admin_token
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| (t.to_owned(), "admin_token".to_owned()))
                .or_else(|| from_env("CATALOG_ADMIN_TOKEN")),
        };
        match found {
            None => Ok(None),
            Some((token, origin)) => {
                check_admin_token(&token, &origin)?;
                Ok(Some(token))
            }
        }
    }

    pub fn source(&self, id: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.id.0 == id)
    }

    /// The IRI of the consolidated catalog.
    pub fn catalog_iri(&self) -> String {
        format!("{}catalog", self.base_iri)
    }

    /// The IRI of a source's catalog (the municipality's `dcat:Catalog`).
    pub fn source_catalog_iri(&self, source: &SourceId) -> String {
        format!("{}catalogs/{}", self.base_iri, source.0)
    }

    /// The namespace for dataset IRIs minted for blank-node datasets.
    pub fn mint_base(&self) -> String {
        format!("{}id/dataset/", self.base_iri)
    }
}

/// The fewest characters an admin token may have (`openssl rand -hex 32`
/// gives 64).
pub const MIN_ADMIN_TOKEN_CHARS: usize = 32;

/// A configured admin token that is too short to be a secret.
#[derive(Debug, thiserror::Error)]
#[error(
    "the admin token in {origin} has {chars} characters; at least {MIN_ADMIN_TOKEN_CHARS} are needed \
     (make one with `openssl rand -hex 32`)"
)]
pub struct WeakAdminToken {
    /// Where it was found: `admin_token` or `$VARIABLE`.
    pub origin: String,
    pub chars: usize,
}

/// Refuses a token (trimmed, non-empty) shorter than [`MIN_ADMIN_TOKEN_CHARS`].
fn check_admin_token(token: &str, origin: &str) -> Result<(), WeakAdminToken> {
    let chars = token.trim().chars().count();
    if chars == 0 || chars >= MIN_ADMIN_TOKEN_CHARS {
        Ok(())
    } else {
        Err(WeakAdminToken {
            origin: origin.to_owned(),
            chars,
        })
    }
}

fn reqwest_header_name_ok(name: &str) -> Result<(), ()> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    {
        Ok(())
    } else {
        Err(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
data_dir = "data"
listen = "127.0.0.1:9000"

[catalog]
title = "Open Data Land"
publisher = { name = "Land", iri = "https://land.example/" }

[harvest]
timeout = "10s"
max_page_bytes = "1 MiB"

[[sources]]
id = "kiel"
title = "Kiel"
kind = "dcat"
url = "samples/kiel.ttl"
schedule = "0 3 * * *"
profile = "dcat-ap-de-3"
publisher = { name = "Kiel", iri = "https://kiel.example/" }
headers = { "X-Api-Key" = "secret" }
"#;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/catalog/catalog.toml"))
    }

    #[test]
    fn good_config() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/etc/catalog/data"));
        assert_eq!(c.base_iri, "http://127.0.0.1:9000/");
        assert_eq!(c.harvest.max_page_bytes, 1024 * 1024);
        assert_eq!(c.harvest.timeout, Duration::from_secs(10));
        assert_eq!(c.sources.len(), 1);
        assert_eq!(
            c.sources[0].schedule.as_ref().unwrap().expression,
            "0 3 * * *"
        );
        assert_eq!(c.mint_base(), "http://127.0.0.1:9000/id/dataset/");
    }

    fn error_of(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn web_map_needs_a_tile_template_and_its_attribution() {
        assert!(parse(GOOD).unwrap().web.tile_url.is_none());
        let with = |web: &str| GOOD.replace("[harvest]", &format!("[web]\n{web}\n[harvest]"));
        let c = parse(&with(
            "tile_url = \"https://tile.example/{z}/{x}/{y}.png\"\ntile_attribution = \"© Tiles\"",
        ))
        .unwrap();
        assert_eq!(
            c.web.tile_url.as_deref(),
            Some("https://tile.example/{z}/{x}/{y}.png")
        );
        for bad in [
            "tile_url = \"https://tile.example/{z}/{x}.png\"\ntile_attribution = \"x\"",
            "tile_url = \"javascript:alert(1)/{z}/{x}/{y}\"\ntile_attribution = \"x\"",
        ] {
            assert!(error_of(&with(bad)).contains("web.tile_url"), "{bad}");
        }
        let e = error_of(&with("tile_url = \"https://tile.example/{z}/{x}/{y}.png\""));
        assert!(e.contains("web.tile_attribution"), "{e}");
    }

    #[test]
    fn validation_profiles_and_policy() {
        let c = parse(&GOOD.replace(
            "profile = \"dcat-ap-de-3\"",
            "profile = \"dcat-ap-3\"\nvalidation = \"reject\"",
        ))
        .unwrap();
        assert_eq!(c.sources[0].validation, ValidationPolicy::Reject);
        assert_eq!(
            parse(GOOD).unwrap().sources[0].validation,
            ValidationPolicy::Store
        );
        let e = error_of(&GOOD.replace(
            "profile = \"dcat-ap-de-3\"",
            "profile = \"dcat-ap-de-3\"\nvalidation = \"drop\"",
        ));
        assert!(e.contains("drop") && e.contains("line"), "{e}");
        // A custom profile: a missing shapes file is an error naming the key;
        // a shipped base name is checked; the source may use the profile.
        let dir = std::env::temp_dir().join(format!("config-profiles-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let shapes = dir.join("official.ttl");
        let _ = std::fs::write(&shapes, "");
        let custom = |base: &str, file: &str| {
            format!(
                "{}\n[validation.profiles.amtlich]\nbase = \"{base}\"\nshapes = [\"{file}\"]\nvocabularies = [\"lists-not-here.ttl\"]\n",
                GOOD.replace("profile = \"dcat-ap-de-3\"", "profile = \"amtlich\"")
            )
        };
        let c = Config::parse(
            &custom("dcat-ap-de-3", "official.ttl"),
            &dir.join("catalog.toml"),
        )
        .unwrap();
        assert_eq!(c.sources[0].profile.0, "amtlich");
        assert_eq!(
            c.validation.profiles["amtlich"].shapes,
            vec![shapes.clone()]
        );
        let e = Config::parse(
            &custom("dcat-ap-de-3", "nope.ttl"),
            &dir.join("catalog.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("validation.profiles.amtlich.shapes") && e.contains("nope.ttl"),
            "{e}"
        );
        let e = Config::parse(
            &custom("dcat-ap-7", "official.ttl"),
            &dir.join("catalog.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("validation.profiles.amtlich.base") && e.contains("dcat-ap-7"),
            "{e}"
        );
    }

    #[test]
    fn lifecycle_settings() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.harvest.keep_runs, 50);
        assert_eq!(c.harvest.max_withdraw_share, 0.2);
        assert_eq!(c.harvest.purge_after, Duration::from_secs(7 * 86400));
        assert_eq!(c.harvest.incremental_margin, Duration::from_secs(3600));
        assert_eq!(c.sources[0].max_withdraw_share, None);
        let c = parse(&GOOD.replace(
            "timeout = \"10s\"",
            "timeout = \"10s\"\nkeep_runs = 3\nmax_withdraw_share = 0.5\npurge_after = \"2d\"",
        ))
        .unwrap();
        assert_eq!(c.harvest.keep_runs, 3);
        assert_eq!(c.harvest.max_withdraw_share, 0.5);
        assert_eq!(c.harvest.purge_after, Duration::from_secs(2 * 86400));
        let e = error_of(&GOOD.replace(
            "timeout = \"10s\"",
            "timeout = \"10s\"\nmax_withdraw_share = 20",
        ));
        assert!(e.contains("max_withdraw_share"), "{e}");
        let e = error_of(&GOOD.replace("enabled", "x").replace(
            "profile = \"dcat-ap-de-3\"",
            "profile = \"dcat-ap-de-3\"\nmax_withdraw_share = -1.0",
        ));
        assert!(
            e.contains("max_withdraw_share") && e.contains("kiel"),
            "{e}"
        );
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let e = error_of(&GOOD.replace("profile = ", "profil = \"x\"\nprofile = "));
        assert!(e.contains("profil"), "{e}");
        assert!(e.contains("line 19"), "{e}");
    }

    #[test]
    fn bad_values_name_key_and_line() {
        let e = error_of(&GOOD.replace("0 3 * * *", "every night"));
        assert!(e.contains("cron") && e.contains("line 18"), "{e}");
        let e = error_of(&GOOD.replace("\"dcat-ap-de-3\"", "\"dcat-ap-9\""));
        assert!(
            e.contains("unknown validation profile") && e.contains("line 19"),
            "{e}"
        );
        let e = error_of(&GOOD.replace("id = \"kiel\"", "id = \"Kiel City\""));
        assert!(
            e.contains("invalid source id") && e.contains("line 14"),
            "{e}"
        );
        let e = error_of(&GOOD.replace("\"10s\"", "\"ten seconds\""));
        assert!(
            e.contains("invalid duration") && e.contains("line 10"),
            "{e}"
        );
        let e = error_of(&GOOD.replace("kind = \"dcat\"", "kind = \"oai-pmh\""));
        assert!(e.contains("oai-pmh") && e.contains("line 16"), "{e}");
        let e = error_of(&GOOD.replace("https://kiel.example/", "not an iri"));
        assert!(e.contains("invalid IRI") && e.contains("line 20"), "{e}");
        let e = error_of(&GOOD.replace("samples/kiel.ttl", "ftp://x.example/c.ttl"));
        assert!(e.contains("sources.url") && e.contains("kiel"), "{e}");
    }

    #[test]
    fn crontab_weekdays_follow_crontab() {
        use chrono_free_weekday as wd;
        // Every Monday at 03:00: crontab "0 3 * * 1".
        let s = CronSchedule::parse("0 3 * * 1").unwrap();
        assert_eq!(wd(&s), "Mon");
        let s = CronSchedule::parse("0 3 * * 0").unwrap();
        assert_eq!(wd(&s), "Sun");
        let s = CronSchedule::parse("0 3 * * 7").unwrap();
        assert_eq!(wd(&s), "Sun");
        let s = CronSchedule::parse("0 3 * * Sat").unwrap();
        assert_eq!(wd(&s), "Sat");
        assert_eq!(crontab_weekdays("1-5").unwrap(), "2-6");
        assert_eq!(crontab_weekdays("5-7").unwrap(), "6-7,1-1");
        assert_eq!(crontab_weekdays("*/2").unwrap(), "*/2");
        assert!(CronSchedule::parse("0 3 * * 9").is_err());
        // Seconds-first expressions are the cron crate's own syntax.
        assert!(CronSchedule::parse("0 0 3 * * Mon").is_ok());
    }

    /// The weekday of the next run, via the cron crate's own calendar.
    fn chrono_free_weekday(s: &CronSchedule) -> String {
        let next = s.schedule.upcoming(chrono::Utc).next().unwrap();
        next.format("%a").to_string()
    }

    #[test]
    fn kind_specific_keys() {
        let ckan = GOOD
            .replace(
                "kind = \"dcat\"",
                "kind = \"ckan\"\nfq = \"organization:kiel\"\nrows = 500",
            )
            .replace("samples/kiel.ttl", "https://ckan.kiel.example/");
        let c = parse(&ckan).unwrap();
        assert_eq!(c.sources[0].kind, SourceKind::Ckan);
        assert_eq!(c.sources[0].rows, Some(500));
        let e = error_of(&GOOD.replace("kind = \"dcat\"", "kind = \"dcat\"\nfq = \"x\""));
        assert!(
            e.contains("sources.fq") && e.contains("only to kind = \"ckan\""),
            "{e}"
        );
        let e = error_of(&GOOD.replace("kind = \"dcat\"", "kind = \"csw\""));
        assert!(e.contains("needs an http(s) URL"), "{e}");
        // incremental: CKAN (modified since) and DCAT (conditional requests).
        let c = parse(&GOOD.replace("kind = \"dcat\"", "kind = \"dcat\"\nincremental = false"))
            .unwrap();
        assert!(!c.sources[0].incremental);
        let csw = GOOD
            .replace("kind = \"dcat\"", "kind = \"csw\"\nincremental = false")
            .replace("samples/kiel.ttl", "https://csw.kiel.example/");
        let e = error_of(&csw);
        assert!(
            e.contains("sources.incremental") && e.contains("\"dcat\""),
            "{e}"
        );
    }

    #[test]
    fn shipped_configs_parse() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut paths = vec![root.join("config/catalog.toml")];
        for e in std::fs::read_dir(root.join("config/examples")).unwrap() {
            paths.push(e.unwrap().path());
        }
        for p in paths {
            let c = Config::load(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(!c.sources.is_empty(), "{}", p.display());
        }
    }

    #[test]
    fn scheduling_and_politeness_settings() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.harvest.max_concurrent_runs, 2);
        assert_eq!(c.harvest.time_zone, chrono_tz::Europe::Berlin);
        assert_eq!(c.harvest.run_timeout, None);
        assert_eq!(c.harvest.retries, 2);
        let c = parse(&GOOD.replace(
            "timeout = \"10s\"",
            "timeout = \"10s\"\nmax_concurrent_runs = 1\ntime_zone = \"UTC\"\nrun_timeout = \"2h\"\nhost_delay = \"250ms\"\nhost_connections = 1\nretries = 0",
        ))
        .unwrap();
        assert_eq!(c.harvest.max_concurrent_runs, 1);
        assert_eq!(c.harvest.time_zone, chrono_tz::UTC);
        assert_eq!(c.harvest.run_timeout, Some(Duration::from_secs(7200)));
        assert_eq!(c.harvest.host_delay, Some(Duration::from_millis(250)));
        assert_eq!(c.harvest.retries, 0);
        let e = error_of(&GOOD.replace(
            "timeout = \"10s\"",
            "timeout = \"10s\"\ntime_zone = \"Mars/Olympus\"",
        ));
        assert!(
            e.contains("unknown time zone") && e.contains("line 11"),
            "{e}"
        );
        let e = error_of(&GOOD.replace(
            "timeout = \"10s\"",
            "timeout = \"10s\"\nmax_concurrent_runs = 0",
        ));
        assert!(e.contains("max_concurrent_runs"), "{e}");
    }

    #[test]
    fn admin_token_sources() {
        let long = "0123456789abcdef0123456789abcdef";
        let var = "CATALOG_TEST_TOKEN_VAR_CONFIG_RS";
        let c = parse(&format!("admin_token_env = \"{var}\"\n{GOOD}")).unwrap();
        // SAFETY (edition 2021: safe fn): only this test uses this variable.
        std::env::remove_var(var);
        assert_eq!(c.admin_token().unwrap(), None);
        // Trimmed like a presented token.
        std::env::set_var(var, format!("  {long}\n"));
        assert_eq!(c.admin_token().unwrap().as_deref(), Some(long));
        // Too short: an error that names the variable, never the token.
        std::env::set_var(var, " t0ken-t0ken ");
        let e = c.admin_token().unwrap_err().to_string();
        assert!(
            e.contains(var) && e.contains("11 characters") && e.contains("32"),
            "{e}"
        );
        assert!(!e.contains("t0ken"), "{e}");
        std::env::remove_var(var);
        let c = parse(&format!("admin_token = \" {long} \"\n{GOOD}")).unwrap();
        assert_eq!(c.admin_token().unwrap().as_deref(), Some(long));
        let c = parse(&format!("admin_token = \"  \"\n{GOOD}")).unwrap();
        assert_eq!(
            c.admin_token().ok().flatten(),
            std::env::var("CATALOG_ADMIN_TOKEN")
                .ok()
                .map(|t| t.trim().to_owned())
                .filter(|t| t.len() >= MIN_ADMIN_TOKEN_CHARS)
        );
        // A short inline token is refused when the config is read.
        let e = error_of(&format!("admin_token = \"inline-secret\"\n{GOOD}"));
        assert!(
            e.contains("admin_token")
                && e.contains("13 characters")
                && !e.contains("inline-secret"),
            "{e}"
        );
    }

    #[test]
    fn http_limits() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.http, HttpConfig::default());
        assert_eq!(c.http.header_timeout, Duration::from_secs(10));
        assert_eq!(c.http.max_upload, 32 * 1024 * 1024);
        let c = parse(&format!(
            "{GOOD}\n[http]\nheader_timeout = \"2s\"\nmax_query = \"64 KiB\"\nvalidate_concurrency = 1\n"
        ))
        .unwrap();
        assert_eq!(c.http.header_timeout, Duration::from_secs(2));
        assert_eq!(c.http.max_query, 64 * 1024);
        assert_eq!(c.http.validate_concurrency, 1);
        let e = error_of(&format!("{GOOD}\n[http]\nmax_connections = 0\n"));
        assert!(e.contains("http.max_connections"), "{e}");
        let e = error_of(&format!("{GOOD}\n[http]\nheader_timeout = \"soon\"\n"));
        assert!(e.contains("invalid duration"), "{e}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let twice = format!("{GOOD}\n{}", &GOOD[GOOD.find("[[sources]]").unwrap()..]);
        let e = error_of(&twice);
        assert!(e.contains("duplicate source id \"kiel\""), "{e}");
    }
}
