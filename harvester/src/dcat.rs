//! Harvesting a DCAT source: fetch a page, parse it, split it into records,
//! follow Hydra paging (`hydra:next` on a `PartialCollectionView` and the older
//! `hydra:nextPage` on a `PagedCollection`) with a visited-page set and a page
//! bound, so a server whose paging loops cannot trap the harvester.
//!
//! Conditional requests: for a page with a [`PageMemo`] (what an earlier
//! complete run read from it), the request carries the memo's validators
//! (`If-None-Match`, `If-Modified-Since`); a `304 Not Modified` becomes
//! [`HarvestEvent::PageUnchanged`] with the memo's datasets, and the listing
//! continues with the memo's next page (visited set and page bound still
//! apply). Any other answer is read as usual.
//!
//! The source's headers go only to the origin of its configured URL: a page
//! that `hydra:next` puts on another host is requested without them (see
//! [`SourceHeaders`]), and so is a redirect that leaves the origin.

use crate::fetch::{Conditional, Fetcher, Location, SourceHeaders, Validators, RDF_ACCEPT};
use crate::rdf::{parse_document, ParseOptions};
use crate::record::{HarvestEvent, Page, PageError, Record};
use crate::split::{split_page, SplitOptions};
use std::collections::{HashMap, HashSet};
use std::time::Instant;
use tokio::sync::mpsc;

/// A DCAT source as the harvester needs it.
#[derive(Debug, Clone)]
pub struct DcatSource {
    pub id: String,
    pub location: Location,
    /// Extra request headers (an API key), sent only to the origin (scheme,
    /// host, port) of `location`.
    pub headers: Vec<(String, String)>,
    /// The listing stops (incomplete) after this many pages.
    pub max_pages: usize,
    pub split: SplitOptions,
    pub parse: ParseOptions,
    /// What earlier runs read from pages, by page URL ([`Location::as_url`]):
    /// these pages are requested conditionally.
    pub memos: HashMap<String, PageMemo>,
}

/// What a page held when it was last read, for a conditional request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageMemo {
    /// The validators the page was served with.
    pub validators: Validators,
    /// The next page's URL, as resolved from the page (`None`: last page).
    pub next: Option<String>,
    /// The IRIs of the datasets the page held.
    pub datasets: Vec<String>,
}

/// Normalizes a page URL for the visited set (fragment dropped).
fn visit_key(location: &Location) -> String {
    let url = location.as_url();
    url.split('#').next().unwrap_or(&url).to_owned()
}

/// Harvests all pages of a DCAT source, sending events to `tx`. Returns when
/// the listing ended (always with a `Finished` event) or the receiver is gone.
pub async fn harvest(source: &DcatSource, fetcher: &Fetcher, tx: mpsc::Sender<HarvestEvent>) {
    let mut visited: HashSet<String> = HashSet::new();
    let mut seen_datasets: HashSet<String> = HashSet::new();
    let mut location = source.location.clone();
    let headers = SourceHeaders::new(&location.as_url(), &source.headers);
    let mut number = 0usize;
    let finish = |complete: bool, reason: Option<String>| HarvestEvent::Finished {
        complete,
        reason,
        listing: None,
    };
    loop {
        number += 1;
        if number > source.max_pages {
            let _ = tx
                .send(finish(
                    false,
                    Some(format!(
                        "stopped after {} pages (harvest.max_pages); the listing may be longer",
                        source.max_pages
                    )),
                ))
                .await;
            return;
        }
        visited.insert(visit_key(&location));
        let url = location.as_url();
        let started = Instant::now();
        let memo = source.memos.get(&url);
        let answer = fetcher
            .fetch_if_modified(
                &location,
                RDF_ACCEPT,
                headers.for_url(&url),
                memo.map(|m| &m.validators),
            )
            .await;
        let doc = match (answer, memo) {
            (Ok(Conditional::Modified(doc)), _) => doc,
            (Ok(Conditional::NotModified), Some(memo)) => {
                let before = memo.datasets.len();
                let datasets: Vec<String> = memo
                    .datasets
                    .iter()
                    .filter(|d| seen_datasets.insert((*d).clone()))
                    .cloned()
                    .collect();
                let event = HarvestEvent::PageUnchanged {
                    url: url.clone(),
                    number,
                    duplicates: before - datasets.len(),
                    datasets,
                    fetch_time: started.elapsed(),
                };
                if tx.send(event).await.is_err() {
                    return;
                }
                let next = memo.next.as_deref().map(|n| location.join(n));
                match step(&tx, next, &visited, number, &url).await {
                    Some(next) => {
                        location = next;
                        continue;
                    }
                    None => return,
                }
            }
            (failed, _) => {
                let reason = match failed {
                    Err(e) => e.to_string(),
                    // Without a memo the request is unconditional: a 304
                    // cannot be an answer to it.
                    Ok(_) => "HTTP status 304 to an unconditional request".to_owned(),
                };
                fail(
                    &tx,
                    &url,
                    number,
                    reason.clone(),
                    format!("page {number} failed: {reason}"),
                )
                .await;
                return;
            }
        };
        let fetch_time = started.elapsed();
        let bytes = doc.body.len() as u64;
        let validators = doc.validators.clone();
        let parse = source.parse.clone();
        let split = source.split.clone();
        let parse_started = Instant::now();
        let joined = tokio::task::spawn_blocking(move || {
            parse_document(&doc, &parse).map(|parsed| {
                let note = parsed.note;
                let split = split_page(parsed.triples, &doc.final_url, &split);
                let warnings = crate::record::repair_warnings(
                    &parsed.repairs,
                    &split.records,
                    doc.final_url.as_str(),
                );
                (split, note, warnings)
            })
        })
        .await;
        let parsed = match joined {
            Ok(r) => r,
            Err(e) => Err(crate::rdf::ParseError {
                message: format!("parser crashed: {e}"),
                snippet: String::new(),
            }),
        };
        let parsed = parsed.and_then(|(split, note, warnings)| {
            if split.triple_count > 0 && !split.has_dcat {
                Err(crate::rdf::ParseError {
                    message: format!(
                        "the document holds {} triples but no DCAT or Hydra terms: is the URL of \
                         the catalog right?",
                        split.triple_count
                    ),
                    snippet: String::new(),
                })
            } else {
                Ok((split, note, warnings))
            }
        });
        let (split, note, warnings) = match parsed {
            Ok(v) => v,
            Err(e) => {
                let mut reason = e.message.clone();
                if !e.snippet.is_empty() {
                    reason.push_str(&format!(" near: {}", e.snippet));
                }
                let end = format!("page {number} ({url}) could not be used: {}", e.message);
                fail(&tx, &url, number, reason, end).await;
                return;
            }
        };
        if let Some(note) = note {
            tracing::warn!(source = %source.id, %url, "{note}");
        }
        let found = split.records.len();
        let records: Vec<Record> = split
            .records
            .into_iter()
            .filter(|r| seen_datasets.insert(r.dataset.as_str().to_owned()))
            .collect();
        let next = pick_next(&split.next_links, &location);
        let page = Page {
            url: url.clone(),
            number,
            duplicates: found - records.len(),
            records,
            record_errors: split.errors,
            warnings,
            bytes,
            fetch_time,
            parse_time: parse_started.elapsed(),
            validators,
            next: match &next {
                Some(Ok(l)) => Some(l.as_url()),
                _ => None,
            },
        };
        if tx.send(HarvestEvent::Page(page)).await.is_err() {
            return;
        }
        match step(&tx, next, &visited, number, &url).await {
            Some(next) => location = next,
            None => return,
        }
    }
}

/// Goes on to the next page, or ends the listing (`None`): complete on the
/// last page, incomplete on a bad link or a paging loop.
async fn step(
    tx: &mpsc::Sender<HarvestEvent>,
    next: Option<Result<Location, String>>,
    visited: &HashSet<String>,
    number: usize,
    url: &str,
) -> Option<Location> {
    let end = |complete: bool, reason: Option<String>| HarvestEvent::Finished {
        complete,
        reason,
        listing: None,
    };
    match next {
        None => {
            let _ = tx.send(end(true, None)).await;
            None
        }
        Some(Err(reason)) => {
            let _ = tx.send(end(false, Some(reason))).await;
            None
        }
        Some(Ok(next)) if visited.contains(&visit_key(&next)) => {
            let reason = format!(
                "paging loop: page {number} ({url}) links to the already visited page {}",
                next.as_url()
            );
            let _ = tx.send(end(false, Some(reason))).await;
            None
        }
        Some(Ok(next)) => Some(next),
    }
}

/// Reports a failed page and ends the listing as incomplete.
async fn fail(
    tx: &mpsc::Sender<HarvestEvent>,
    url: &str,
    number: usize,
    reason: String,
    end: String,
) {
    let _ = tx
        .send(HarvestEvent::PageFailed(PageError {
            url: url.to_owned(),
            number,
            reason,
        }))
        .await;
    let _ = tx
        .send(HarvestEvent::Finished {
            complete: false,
            reason: Some(end),
            listing: None,
        })
        .await;
}

/// Chooses the next page among the links found on a page.
fn pick_next(links: &[String], current: &Location) -> Option<Result<Location, String>> {
    let resolved: Vec<Result<Location, String>> = links.iter().map(|l| current.join(l)).collect();
    let mut ok: Vec<Location> = Vec::new();
    for r in &resolved {
        match r {
            Ok(l) if !ok.contains(l) => ok.push(l.clone()),
            Ok(_) => {}
            Err(e) => return Some(Err(format!("cannot follow next-page link: {e}"))),
        }
    }
    match ok.len() {
        0 => None,
        1 => ok.pop().map(Ok),
        _ => Some(Err(format!(
            "page has {} different next-page links ({}); refusing to guess",
            ok.len(),
            ok.iter()
                .map(Location::as_url)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}
