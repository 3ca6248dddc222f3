//! Harvesting CKAN portals through the action API (`package_search`) and
//! mapping CKAN packages to DCAT-AP.de records.
//!
//! # Listing
//!
//! Pages of `/api/3/action/package_search?q=*:*&rows={rows}&start={start}&sort=id asc`
//! (plus `fq` when configured). `sort=id asc` keeps the paging stable. Every
//! answer must be JSON with `success: true`, a numeric `result.count` and a
//! list `result.results`; anything else (HTML error pages, truncated or
//! non-JSON bodies, `success: false` with CKAN's `error.__type`/`error.message`)
//! fails the page with a reason naming the URL and a snippet. The listing stops
//! when `start` reaches `result.count`, on an empty page, or (incomplete) after
//! `max_pages` pages. 429 and 503 answers are retried up to
//! [`client::MAX_RETRIES`] times, waiting `Retry-After` (at most
//! [`client::MAX_RETRY_WAIT`]). A failed page ends the run with
//! `Finished { complete: false }`; pages emitted before stay emitted.
//!
//! Offset paging shifts when packages are created or deleted during a run, so
//! a package may be skipped: when `result.count` changes between pages, or a
//! page comes back empty before `start` reaches the count, the remaining pages
//! are still harvested but the run ends with `complete: false` (no deletions
//! may follow from it). Records are deduplicated by dataset IRI within a run.
//!
//! All requests go to URLs built from the configured base URL; the source's
//! headers go only to its origin (scheme, host, port), also across redirects.
//!
//! # Incremental runs
//!
//! With `modified_since` set, the records come from the same query with
//! `fq=metadata_modified:[{since} TO *]` (AND-ed with the configured `fq`),
//! and a second, cheap listing (`fl=id,name,extras_uri`, same `fq` without the
//! date; CKANs too old for `fl` answer `success: false`, and the listing is then
//! repeated with full packages) yields the IRIs of *all* datasets: `Finished.listing = Some(iris)`,
//! `complete` only when both listings completed. In full mode `listing` is
//! `None` (the emitted records are the listing).
//!
//! # Dataset series
//!
//! `in_series` names series packages by CKAN id (or name). Before a page is
//! mapped, every `dataset_series` package of the listing is known by id and
//! name; ids the run has not seen are looked up with `package_show?id=…`
//! (at most [`MAX_SERIES_LOOKUPS`] per run, outcomes cached, failures
//! included). The series' dataset IRI is what [`map::dataset_iri_of_package`]
//! gives for it. An id that cannot be resolved gives no `dcat:inSeries` and a
//! warning in [`Page::warnings`] naming the package and the reason.
//!
//! # Mapping (CKAN field → DCAT-AP.de)
//!
//! The mapping table (ckanext-dcat's DCAT-AP 3 profile with ckanext-scheming
//! and ckanext-fluent, GovData's ckanext-dcatde, the OGPD schema) is in
//! `README.md` next to this file.
//!
//! A package that is not an object, has neither `id` nor `name`, or maps to
//! more than `max_record_triples` triples (50,000 tags, 10,000 resources…)
//! becomes a [`RecordError`]; the other packages of the page proceed.

pub mod client;
pub mod map;

use crate::fetch::{Fetcher, SourceHeaders};
use crate::record::{HarvestEvent, Page, PageError, RecordError, SourceDefaults};
use client::{action_url, get_with_retries, package_search, solr_date, CKAN_MAX_ROWS};
use map::{
    dataset_iri_of_package, in_series_refs, is_dataset_series, map_package_in_run, package_snippet,
    MapContext, SeriesIris,
};
use serde_json::Value;
use std::collections::HashSet;
use std::time::Instant;
use tokio::sync::mpsc;
use url::Url;

pub use map::{date_literal, MapError};

/// The most `package_show` look-ups of dataset series one run makes
/// (`in_series` ids not seen in the listing); failures count and are kept.
pub const MAX_SERIES_LOOKUPS: usize = 100;

/// A CKAN source as the harvester needs it.
#[derive(Debug, Clone)]
pub struct CkanSource {
    /// The portal's base URL (`https://ckan.example/` or `https://x.example/ckan/`).
    pub base_url: Url,
    /// A Solr filter query restricting the packages (e.g. `organization:stadt-musterstadt`).
    pub fq: Option<String>,
    /// Packages per page; capped to [`CKAN_MAX_ROWS`] (CKAN's default `rows_max`).
    pub rows: usize,
    /// Extra HTTP headers (an API token goes here as `Authorization`), sent
    /// only to the origin (scheme, host, port) of `base_url`.
    pub headers: Vec<(String, String)>,
    /// Incremental run: only packages modified at or after this UTC time
    /// (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.fff][Z]`).
    pub modified_since: Option<String>,
    /// The listing stops (incomplete) after this many pages (per listing).
    pub max_pages: usize,
    /// Defaults from the operator's config (contributor, geocoding, publisher).
    pub defaults: SourceDefaults,
    /// A package mapping to more triples than this is a record error.
    pub max_record_triples: usize,
}

impl CkanSource {
    /// A source with the defaults: 1000 rows, 10,000 pages, 100,000 triples per record.
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            fq: None,
            rows: CKAN_MAX_ROWS,
            headers: Vec::new(),
            modified_since: None,
            max_pages: 10_000,
            defaults: SourceDefaults::default(),
            max_record_triples: 100_000,
        }
    }

    fn rows(&self) -> usize {
        self.rows.clamp(1, CKAN_MAX_ROWS)
    }
}

/// How one listing ended.
enum Outcome {
    /// All pages fetched.
    Complete,
    /// Stopped: the reason. A page failure has already been reported.
    Incomplete(String),
    /// The receiver is gone.
    Closed,
}

/// Harvests a CKAN source, sending pages to `tx` and finally exactly one
/// `Finished`. Returns early only when the receiver is gone.
pub async fn harvest(source: &CkanSource, fetcher: &Fetcher, tx: mpsc::Sender<HarvestEvent>) {
    let finish = |complete: bool, reason: Option<String>, listing: Option<Vec<String>>| {
        HarvestEvent::Finished {
            complete,
            reason,
            listing,
        }
    };
    let search = match action_url(&source.base_url, "package_search") {
        Ok(u) => u,
        Err(e) => {
            let _ = tx.send(finish(false, Some(e), None)).await;
            return;
        }
    };
    let since = match source.modified_since.as_deref().map(solr_date).transpose() {
        Ok(s) => s,
        Err(e) => {
            let _ = tx.send(finish(false, Some(e), None)).await;
            return;
        }
    };
    let base_fq = source
        .fq
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let records_fq = match (&base_fq, &since) {
        (Some(fq), Some(s)) => Some(format!("({fq}) AND metadata_modified:[{s} TO *]")),
        (None, Some(s)) => Some(format!("metadata_modified:[{s} TO *]")),
        (fq, None) => fq.clone(),
    };

    let mut number = 0usize;
    let outcome = run_listing(
        source,
        fetcher,
        &search,
        records_fq.as_deref(),
        None,
        &mut number,
        &mut |page, results, tx_page| {
            let ctx = MapContext {
                portal_base: source.base_url.clone(),
                defaults: source.defaults.clone(),
                page_url: page.url.clone(),
                max_record_triples: source.max_record_triples,
            };
            for (i, pkg) in results.iter().enumerate() {
                match map_package_in_run(pkg, &ctx, &tx_page.series) {
                    Ok(record) => {
                        // An in_series id that could not be resolved is left out.
                        for reference in in_series_refs(pkg) {
                            let reason = match tx_page.series.get(&reference) {
                                Some(Ok(_)) => continue,
                                Some(Err(reason)) => reason.clone(),
                                None => "no dataset series of that id or name is known".to_owned(),
                            };
                            page.warnings.push(RecordError {
                                page_url: page.url.clone(),
                                record: record.dataset.as_str().to_owned(),
                                reason: format!(
                                    "in_series {reference:?} is left out (no dcat:inSeries): {reason}"
                                ),
                                snippet: package_snippet(pkg),
                            });
                        }
                        if tx_page.seen.insert(record.dataset.as_str().to_owned()) {
                            page.warnings
                                .extend(crate::record::undated_warnings(&record, &page.url));
                            page.records.push(record);
                        }
                    }
                    Err(e) => page.record_errors.push(RecordError {
                        page_url: page.url.clone(),
                        record: if e.record.starts_with('(') {
                            format!("package #{} on page {}", i + 1, page.number)
                        } else {
                            e.record
                        },
                        reason: e.reason,
                        snippet: e.snippet,
                    }),
                }
            }
        },
        &tx,
    )
    .await;
    match outcome {
        Outcome::Closed => return,
        Outcome::Incomplete(reason) => {
            let _ = tx.send(finish(false, Some(reason), None)).await;
            return;
        }
        Outcome::Complete => {}
    }
    if since.is_none() {
        let _ = tx.send(finish(true, None, None)).await;
        return;
    }

    // Incremental: list every dataset IRI cheaply.
    let mut listing: Vec<String> = Vec::new();
    let mut listed: HashSet<String> = HashSet::new();
    let mut list_number = 0usize;
    let outcome = list_all(
        source,
        fetcher,
        &search,
        base_fq.as_deref(),
        &mut list_number,
        &mut listing,
        &mut listed,
    )
    .await;
    match outcome {
        Ok(()) => {
            let _ = tx.send(finish(true, None, Some(listing))).await;
        }
        Err(reason) => {
            let _ = tx
                .send(finish(
                    false,
                    Some(format!("the listing of all datasets failed: {reason}")),
                    None,
                ))
                .await;
        }
    }
}

/// State shared across the pages of the record listing.
struct PageState {
    seen: HashSet<String>,
    /// `result.count` of the first page.
    first_count: Option<u64>,
    /// Set when `result.count` changed between pages.
    changed: Option<String>,
    /// The dataset series of the run by package id and name: those of the
    /// listing, and those looked up with `package_show` (failures kept).
    series: SeriesIris,
    /// `package_show` look-ups made so far (at most [`MAX_SERIES_LOOKUPS`]).
    series_lookups: usize,
}

/// The URL of one `package_search` page.
fn page_url(search: &Url, rows: usize, start: usize, fq: Option<&str>, fl: Option<&str>) -> String {
    let mut url = search.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("q", "*:*");
        if let Some(fq) = fq {
            q.append_pair("fq", fq);
        }
        if let Some(fl) = fl {
            q.append_pair("fl", fl);
        }
        q.append_pair("sort", "id asc");
        q.append_pair("rows", &rows.to_string());
        q.append_pair("start", &start.to_string());
    }
    url.to_string()
}

/// Runs the paged record listing, emitting one event per page.
#[allow(clippy::too_many_arguments)]
async fn run_listing(
    source: &CkanSource,
    fetcher: &Fetcher,
    search: &Url,
    fq: Option<&str>,
    fl: Option<&str>,
    number: &mut usize,
    on_page: &mut (dyn FnMut(&mut Page, &[serde_json::Value], &mut PageState) + Send),
    tx: &mpsc::Sender<HarvestEvent>,
) -> Outcome {
    let rows = source.rows();
    let headers = SourceHeaders::new(source.base_url.as_str(), &source.headers);
    let mut start = 0usize;
    let mut state = PageState {
        seen: HashSet::new(),
        first_count: None,
        changed: None,
        series: SeriesIris::default(),
        series_lookups: 0,
    };
    loop {
        if *number >= source.max_pages {
            return Outcome::Incomplete(format!(
                "stopped after {} pages (max_pages); the listing may be longer",
                source.max_pages
            ));
        }
        *number += 1;
        let url = page_url(search, rows, start, fq, fl);
        let fetched = package_search(fetcher, &url, headers.for_url(&url)).await;
        let result = match fetched {
            Ok(r) => r,
            Err(reason) => {
                tracing::warn!(%url, "CKAN page failed: {reason}");
                let page_error = PageError {
                    url: url.clone(),
                    number: *number,
                    reason: reason.clone(),
                };
                if tx.send(HarvestEvent::PageFailed(page_error)).await.is_err() {
                    return Outcome::Closed;
                }
                return Outcome::Incomplete(format!("page {} failed: {reason}", *number));
            }
        };
        let lookups_started = Instant::now();
        resolve_series(source, fetcher, &headers, &result.results, &mut state).await;
        let lookup_time = lookups_started.elapsed();
        let parse_started = Instant::now();
        let n = result.results.len();
        let mut page = Page {
            url: url.clone(),
            number: *number,
            bytes: result.bytes,
            fetch_time: result.fetch_time + lookup_time,
            ..Page::default()
        };
        on_page(&mut page, &result.results, &mut state);
        page.parse_time = parse_started.elapsed();
        let first_page = state.first_count.is_none();
        let count_note = count_change(&mut state.first_count, result.count);
        if state.changed.is_none() {
            state.changed = count_note;
        }
        if n == 0 {
            // An empty page ends the listing; report it only if it is the
            // first (an empty source is a valid, complete listing).
            if first_page && tx.send(HarvestEvent::Page(page)).await.is_err() {
                return Outcome::Closed;
            }
            return end_of_listing(start, result.count, state.changed);
        }
        if tx.send(HarvestEvent::Page(page)).await.is_err() {
            return Outcome::Closed;
        }
        start += n; // n > 0: start always advances
        if start as u64 >= result.count {
            return end_of_listing(start, result.count, state.changed);
        }
    }
}

/// Makes the dataset series a page's packages name in `in_series` known
/// before the page is mapped: the page's own series first, then
/// `package_show` for ids the run has not seen (at most
/// [`MAX_SERIES_LOOKUPS`] per run; a failure is kept as the reason).
async fn resolve_series(
    source: &CkanSource,
    fetcher: &Fetcher,
    headers: &SourceHeaders,
    results: &[Value],
    state: &mut PageState,
) {
    for pkg in results {
        state.series.add_series(pkg, &source.base_url);
    }
    for pkg in results {
        for reference in in_series_refs(pkg) {
            if state.series.get(&reference).is_some() {
                continue;
            }
            let resolved = if state.series_lookups >= MAX_SERIES_LOOKUPS {
                Err(format!(
                    "not looked up: the run's {MAX_SERIES_LOOKUPS} package_show look-ups are used"
                ))
            } else {
                state.series_lookups += 1;
                show_series(source, fetcher, headers, &reference).await
            };
            if let Err(reason) = &resolved {
                tracing::info!(reference, "CKAN in_series not resolved: {reason}");
            }
            state.series.insert(&reference, resolved);
        }
    }
}

/// The dataset IRI of the package `package_show?id={reference}` returns.
async fn show_series(
    source: &CkanSource,
    fetcher: &Fetcher,
    headers: &SourceHeaders,
    reference: &str,
) -> Result<oxrdf::NamedNode, String> {
    let mut url = action_url(&source.base_url, "package_show")?;
    url.query_pairs_mut().append_pair("id", reference);
    let url = url.to_string();
    let doc = get_with_retries(fetcher, &url, headers.for_url(&url))
        .await
        .map_err(|e| format!("package_show failed: {e}"))?;
    let pkg = client::parse_show_body(&doc.body).map_err(|e| format!("{url}: {e}"))?;
    if !is_dataset_series(&pkg) {
        return Err(format!(
            "{url}: the package is no dataset series (type {})",
            pkg.get("type")
                .map_or("none".to_owned(), ToString::to_string)
        ));
    }
    dataset_iri_of_package(&pkg, &source.base_url).ok_or_else(|| {
        format!(
            "{url}: the package has neither uri, name nor id: {}",
            package_snippet(&pkg)
        )
    })
}

/// Notes a change of `result.count` between pages: packages created or
/// deleted during the run shift offset paging, so a package may have been
/// skipped. Such a listing must not justify deletions.
fn count_change(first: &mut Option<u64>, count: u64) -> Option<String> {
    match *first {
        None => {
            *first = Some(count);
            None
        }
        Some(c) if c != count => Some(format!(
            "the number of packages changed during the run ({c} → {count}); paging may have \
             skipped packages, so the listing is treated as incomplete"
        )),
        Some(_) => None,
    }
}

fn end_of_listing(start: usize, count: u64, changed: Option<String>) -> Outcome {
    if let Some(reason) = changed {
        return Outcome::Incomplete(reason);
    }
    if (start as u64) < count {
        return Outcome::Incomplete(format!(
            "CKAN returned an empty page at start={start} although it counts {count} packages"
        ));
    }
    Outcome::Complete
}

/// Lists the dataset IRIs of all packages (`fl=id,name,extras_uri`).
async fn list_all(
    source: &CkanSource,
    fetcher: &Fetcher,
    search: &Url,
    fq: Option<&str>,
    number: &mut usize,
    listing: &mut Vec<String>,
    listed: &mut HashSet<String>,
) -> Result<(), String> {
    let rows = source.rows();
    let headers = SourceHeaders::new(source.base_url.as_str(), &source.headers);
    let mut start = 0usize;
    let mut fl = Some("id,name,extras_uri");
    let mut first_count: Option<u64> = None;
    loop {
        if *number >= source.max_pages {
            return Err(format!(
                "stopped after {} pages (max_pages); the listing may be longer",
                source.max_pages
            ));
        }
        *number += 1;
        let url = page_url(search, rows, start, fq, fl);
        let page = match package_search(fetcher, &url, headers.for_url(&url)).await {
            Ok(p) => p,
            // Old CKANs reject `fl` ("Invalid search parameters"): list full packages instead.
            Err(e)
                if fl.is_some()
                    && (e.contains("success: false")
                        || e.contains("HTTP status 400")
                        || e.contains("HTTP status 409")) =>
            {
                tracing::info!(%url, "CKAN rejected fl; listing full packages instead: {e}");
                fl = None;
                *number -= 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        let n = page.results.len();
        for pkg in &page.results {
            match dataset_iri_of_package(pkg, &source.base_url) {
                Some(iri) => {
                    if listed.insert(iri.as_str().to_owned()) {
                        listing.push(iri.as_str().to_owned());
                    }
                }
                None => {
                    // Without an IRI we cannot tell what is present: the
                    // listing cannot justify deletions.
                    return Err(format!(
                        "{url}: a listed package has neither uri, name nor id: {}",
                        map::package_snippet(pkg)
                    ));
                }
            }
        }
        if let Some(note) = count_change(&mut first_count, page.count) {
            return Err(note);
        }
        let done = n == 0 || start + n >= page.count as usize;
        if done {
            return match end_of_listing(start + n, page.count, None) {
                Outcome::Incomplete(reason) => Err(reason),
                _ => Ok(()),
            };
        }
        start += n;
    }
}
