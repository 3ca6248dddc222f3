//! Harvesting a DCAT source: fetch a page, parse it, split it into records,
//! follow Hydra paging (`hydra:next` on a `PartialCollectionView` and the older
//! `hydra:nextPage` on a `PagedCollection`) with a visited-page set and a page
//! bound, so a server whose paging loops cannot trap the harvester.

use crate::fetch::{Fetcher, Location, RDF_ACCEPT};
use crate::rdf::{parse_document, ParseOptions};
use crate::record::{HarvestEvent, Page, PageError, Record};
use crate::split::{split_page, SplitOptions};
use std::collections::HashSet;
use std::time::Instant;
use tokio::sync::mpsc;

/// A DCAT source as the harvester needs it.
#[derive(Debug, Clone)]
pub struct DcatSource {
    pub id: String,
    pub location: Location,
    pub headers: Vec<(String, String)>,
    /// The listing stops (incomplete) after this many pages.
    pub max_pages: usize,
    pub split: SplitOptions,
    pub parse: ParseOptions,
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
        let doc = match fetcher.fetch(&location, RDF_ACCEPT, &source.headers).await {
            Ok(doc) => doc,
            Err(e) => {
                let reason = e.to_string();
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
        let parse = source.parse.clone();
        let split = source.split.clone();
        let parse_started = Instant::now();
        let joined = tokio::task::spawn_blocking(move || {
            parse_document(&doc, &parse).map(|parsed| {
                let note = parsed.note;
                (split_page(parsed.triples, &doc.final_url, &split), note)
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
        let parsed = parsed.and_then(|(split, note)| {
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
                Ok((split, note))
            }
        });
        let (split, note) = match parsed {
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
        let records: Vec<Record> = split
            .records
            .into_iter()
            .filter(|r| seen_datasets.insert(r.dataset.as_str().to_owned()))
            .collect();
        let next = pick_next(&split.next_links, &location);
        let page = Page {
            url: url.clone(),
            number,
            records,
            record_errors: split.errors,
            bytes,
            fetch_time,
            parse_time: parse_started.elapsed(),
        };
        if tx.send(HarvestEvent::Page(page)).await.is_err() {
            return;
        }
        match next {
            None => {
                let _ = tx.send(finish(true, None)).await;
                return;
            }
            Some(Err(reason)) => {
                let _ = tx.send(finish(false, Some(reason))).await;
                return;
            }
            Some(Ok(next)) => {
                if visited.contains(&visit_key(&next)) {
                    let _ = tx
                        .send(finish(
                            false,
                            Some(format!(
                                "paging loop: page {number} ({url}) links to the already visited page {}",
                                next.as_url()
                            )),
                        ))
                        .await;
                    return;
                }
                location = next;
            }
        }
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
