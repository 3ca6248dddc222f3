//! The harvest lifecycle: the rules that decide, at the end of a run, which
//! records are withdrawn, purged or published again, and the run's start
//! and end as the store records them ([`crate::store`] holds run records
//! and record states as data).
//!
//! # Record states
//!
//! `published` → (absent from a complete listing) `withdrawn` → (grace period
//! over, at the next complete run) purged. A withdrawn record keeps its record
//! graph, meta and archive blob but loses its `dcat:dataset`/`dcat:record`
//! links, so export, search and the catalog graphs no longer show it. A
//! withdrawn record seen again is published again and counted as added.
//!
//! # Deletion safety
//!
//! Nothing is withdrawn after a run that did not read the complete listing,
//! had a failed page or store write, or failed records without an IRI; nor
//! when more than `harvest.max_withdraw_share` of the published records would
//! go. Purges, too, happen only after a complete listing.

use super::report::{ItemError, SourceReport};
use super::Harvesting;
use crate::config::{SourceConfig, SourceKind};
use crate::store::{
    parse_xsd_time, record_id, xsd_time, CatalogStore, DedupEffect, PreparedRecord, RecordFollower,
    StoreError, StoredRecord,
};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Where "now" comes from: the system clock, or a test's.
pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told (tests).
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    pub fn new(start: SystemTime) -> Self {
        Self(Mutex::new(start))
    }

    pub fn advance(&self, by: Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|e| *e.into_inner())
    }
}

/// What one run collects for the lifecycle decisions.
#[derive(Debug, Default)]
pub struct RunState {
    /// Records withdrawn when the run started.
    pub withdrawn_before: HashSet<String>,
    /// Records seen in the run (stored, unchanged or failed with a known IRI).
    pub seen: HashSet<String>,
    /// A record failed without an IRI: the listing is not known completely.
    pub unidentified_failures: usize,
    /// The full listing of dataset IRIs, when the harvester sent one.
    pub listing: Option<Vec<String>>,
    /// Some page could not be stored.
    pub store_failed: bool,
    /// CKAN: `modified_since` of an incremental run.
    pub since: Option<String>,
}

impl RunState {
    /// A page whose records were lost before they could be stored: a
    /// failed page, and the listing is incomplete, so nothing is withdrawn.
    pub fn page_lost(&mut self, report: &mut SourceReport, url: &str, reason: &str) {
        report.pages_failed += 1;
        self.store_failed = true;
        report.errors.push(ItemError {
            url: url.to_owned(),
            record: None,
            reason: reason.to_owned(),
            snippet: String::new(),
        });
    }

    /// Notes a failed record by its label (`<iri>` or anything else).
    pub fn failed_record(&mut self, source: &str, label: &str) {
        match label
            .strip_prefix('<')
            .and_then(|l| l.strip_suffix('>'))
            .filter(|iri| !iri.is_empty())
        {
            Some(iri) => {
                self.seen.insert(record_id(source, iri));
            }
            None => self.unidentified_failures += 1,
        }
    }
}

/// Deletion rules for one source.
#[derive(Debug, Clone, Copy)]
pub struct DeletionPolicy {
    /// Largest share (0..=1) of the published records one run may withdraw.
    pub max_withdraw_share: f64,
    /// How long a withdrawn record stays before it is purged.
    pub purge_after: Duration,
}

/// Applies the end-of-run lifecycle: republishes withdrawn records seen again,
/// withdraws records absent from a complete listing (within the threshold),
/// purges records whose grace period is over. Fills the report's counts and
/// `deletions` note.
pub fn apply_deletions(
    store: &CatalogStore,
    source: &str,
    catalog_iri: &str,
    state: &RunState,
    policy: DeletionPolicy,
    now: SystemTime,
    report: &mut SourceReport,
) -> Result<Applied, StoreError> {
    let now_s = xsd_time(now);
    let mut present: HashSet<String> = state.seen.clone();
    if let Some(listing) = &state.listing {
        for iri in listing {
            present.insert(record_id(source, iri));
        }
    }
    // 1. Seen again: published again (even after an incomplete run: being
    // seen is proof enough).
    let back: Vec<String> = state
        .withdrawn_before
        .iter()
        .filter(|r| present.contains(*r))
        .cloned()
        .collect();
    let (republished, mut dedup) = store.republish(source, catalog_iri, &back)?;
    // Counted as added: records seen in pages were counted there; those only
    // in a listing are counted here.
    let listed_only = back.iter().filter(|r| !state.seen.contains(*r)).count();
    report.added += listed_only;
    report.republished = back.len();
    // 2. Withdrawals, only after a complete listing.
    let refuse = if !report.complete {
        Some(format!(
            "nothing withdrawn: the listing was not read completely ({})",
            report.end_reason.as_deref().unwrap_or("incomplete")
        ))
    } else if report.pages_failed > 0 || state.store_failed {
        Some("nothing withdrawn: some pages failed".to_owned())
    } else if state.unidentified_failures > 0 {
        Some(format!(
            "nothing withdrawn: {} failed record(s) have no IRI, so the listing is not known exactly",
            state.unidentified_failures
        ))
    } else {
        None
    };
    let mut withdrawn = Vec::new();
    let mut purged = Vec::new();
    if let Some(why) = refuse {
        report.deletions = Some(why);
    } else {
        let published = store.published_rids(source)?;
        let mut absent: Vec<String> = published
            .iter()
            .filter(|r| !present.contains(*r))
            .cloned()
            .collect();
        absent.sort();
        let share = if published.is_empty() {
            0.0
        } else {
            absent.len() as f64 / published.len() as f64
        };
        if !absent.is_empty() && share > policy.max_withdraw_share {
            report.deletions = Some(format!(
                "nothing withdrawn: {} of {} published records ({:.0}%) are missing from the listing, \
                 more than the allowed {:.0}% (harvest.max_withdraw_share); check the source, or raise \
                 the share for this source if the removal is intended",
                absent.len(),
                published.len(),
                share * 100.0,
                policy.max_withdraw_share * 100.0
            ));
        } else if !absent.is_empty() {
            dedup.extend(store.withdraw(source, catalog_iri, &absent, &now_s)?);
            report.withdrawn = absent.len();
            withdrawn = absent;
        }
        // 3. Purge, also only after a complete listing.
        let cutoff = now
            .checked_sub(policy.purge_after)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let gone = store.purge_withdrawn(source, &xsd_time(cutoff))?;
        dedup.extend(gone.dedup);
        purged = gone.rids;
        report.purged = purged.len();
    }
    Ok(Applied {
        republished,
        withdrawn,
        purged,
        dedup,
    })
}

/// What [`apply_deletions`] changed, for the followers.
#[derive(Debug, Default)]
pub struct Applied {
    pub republished: Vec<StoredRecord>,
    pub withdrawn: Vec<String>,
    pub purged: Vec<String>,
    /// Records hidden as duplicates or shown again by these changes.
    pub dedup: DedupEffect,
}

/// The `modified_since` for an incremental CKAN run: the start of the last
/// successful run minus `margin`, or `None` (full run).
pub fn incremental_since(
    store: &CatalogStore,
    source: &str,
    margin: Duration,
) -> Result<Option<String>, StoreError> {
    let Some(run) = store.last_complete_run(source)? else {
        return Ok(None);
    };
    Ok(parse_xsd_time(&run.started)
        .and_then(|t| t.checked_sub(margin))
        .map(xsd_time))
}

impl Harvesting {
    /// The deletion rules of a source (config, per-source override).
    pub fn deletion_policy(&self, source: &SourceConfig) -> DeletionPolicy {
        DeletionPolicy {
            max_withdraw_share: source
                .max_withdraw_share
                .unwrap_or(self.config.harvest.max_withdraw_share),
            purge_after: self.config.harvest.purge_after,
        }
    }

    /// Stores the run as `running` and collects what the run needs to know
    /// from the store before harvesting.
    pub(super) async fn begin_run(
        &self,
        source: &SourceConfig,
        report: &SourceReport,
        now: &str,
    ) -> Result<RunState, String> {
        let store = self.store.clone();
        let id = report.run_id.clone();
        let trigger = report.trigger;
        let now = now.to_owned();
        let sid = source.id.0.clone();
        let ckan = source.kind == SourceKind::Ckan && source.incremental;
        let margin = self.config.harvest.incremental_margin;
        tokio::task::spawn_blocking(move || -> Result<RunState, StoreError> {
            // The last successful run must be read before this run exists.
            let since = if ckan {
                incremental_since(&store, &sid, margin)?
            } else {
                None
            };
            store.begin_run(&id, &sid, trigger, &now)?;
            Ok(RunState {
                withdrawn_before: store.withdrawn_rids(&sid)?,
                since,
                ..RunState::default()
            })
        })
        .await
        .map_err(|e| format!("starting the run failed: {e}"))?
        .map_err(|e| format!("recording the start of the run failed: {e}"))
    }

    /// Applies withdrawals/purge/republishing, tells followers, and stores the
    /// final run record (pruning old ones).
    pub(super) async fn finish_run(
        &self,
        source: &SourceConfig,
        catalog_iri: &str,
        started: &str,
        state: RunState,
        report: &mut SourceReport,
    ) {
        let store = self.store.clone();
        let sid = source.id.0.clone();
        let policy = self.deletion_policy(source);
        let now = self.clock.now();
        let keep = self.config.harvest.keep_runs;
        let followers = self.followers.clone();
        let catalog_iri = catalog_iri.to_owned();
        let started = started.to_owned();
        let url = source.url.clone();
        let clock = self.clock.clone();
        let mut r = report.clone();
        let st = state;
        let done = tokio::task::spawn_blocking(move || {
            if r.pages == 0 && st.listing.is_none() {
                r.deletions = Some("nothing withdrawn: no page of the listing was read".into());
            } else {
                match apply_deletions(&store, &sid, &catalog_iri, &st, policy, now, &mut r) {
                    Ok(Applied {
                        republished,
                        withdrawn,
                        purged,
                        dedup,
                    }) => {
                        let mut prepared = Vec::new();
                        for rec in &republished {
                            match store.prepared_from_archive(rec) {
                                Ok(p) => prepared.push(p),
                                Err(e) => r.errors.push(ItemError {
                                    url: url.clone(),
                                    record: Some(format!("<{}>", rec.dataset)),
                                    reason: format!("republishing: {e}"),
                                    snippet: String::new(),
                                }),
                            }
                        }
                        let refs: Vec<&PreparedRecord> = prepared
                            .iter()
                            .filter(|p| !dedup.hidden.contains(&p.rid))
                            .collect();
                        let gone: Vec<String> = withdrawn.into_iter().chain(purged).collect();
                        for f in &followers {
                            let mut fail = |what: &str, e: String| {
                                r.errors.push(ItemError {
                                    url: url.clone(),
                                    record: None,
                                    reason: format!(
                                        "updating {} ({what}): {e} (the store is unaffected)",
                                        f.name()
                                    ),
                                    snippet: String::new(),
                                })
                            };
                            if !refs.is_empty() {
                                if let Err(e) = f.published(&sid, &refs) {
                                    fail("republished records", e);
                                }
                            }
                            if !gone.is_empty() {
                                if let Err(e) = f.withdrawn(&gone) {
                                    fail("withdrawn records", e);
                                }
                            }
                        }
                        for e in tell_dedup(&store, &followers, &dedup) {
                            r.errors.push(ItemError {
                                url: url.clone(),
                                record: None,
                                reason: format!("{e} (the store is unaffected)"),
                                snippet: String::new(),
                            });
                        }
                    }
                    Err(e) => r.errors.push(ItemError {
                        url: url.clone(),
                        record: None,
                        reason: format!("withdrawal/purge failed (nothing was withdrawn): {e}"),
                        snippet: String::new(),
                    }),
                }
            }
            match store.duplicates(&sid) {
                Ok(d) => r.duplicates = d.len(),
                Err(e) => tracing::warn!(source = %sid, "counting duplicates failed: {e}"),
            }
            match store.published_scores(&sid) {
                Ok(scores) => r.quality = super::report::QualityTally::of(&scores),
                Err(e) => tracing::warn!(source = %sid, "summing up quality scores failed: {e}"),
            }
            let ended = xsd_time(clock.now());
            if let Err(e) = store.finish_run(&r.run_record(&started, &ended)) {
                tracing::error!(source = %sid, run = %r.run_id, "storing the run record failed: {e}");
            }
            if let Err(e) = store.prune_runs(&sid, keep.max(1)) {
                tracing::warn!(source = %sid, "pruning old run records failed: {e}");
            }
            r
        })
        .await;
        match done {
            Ok(r) => *report = r,
            Err(e) => {
                report.errors.push(ItemError {
                    url: source.url.clone(),
                    record: None,
                    reason: format!("finishing the run failed: {e}"),
                    snippet: String::new(),
                });
            }
        }
    }
}

/// Tells the followers what deduplication changed: duplicates leave the
/// derived views, records shown again enter them (from the archive).
/// Returns the followers' errors.
pub(super) fn tell_dedup(
    store: &CatalogStore,
    followers: &[Arc<dyn RecordFollower>],
    effect: &DedupEffect,
) -> Vec<String> {
    let mut errors = Vec::new();
    if effect.is_empty() {
        return errors;
    }
    let mut shown: BTreeMap<&str, Vec<PreparedRecord>> = BTreeMap::new();
    for rec in &effect.shown {
        match store.prepared_from_archive(rec) {
            Ok(p) => shown.entry(rec.source.as_str()).or_default().push(p),
            Err(e) => errors.push(format!(
                "showing record {} of source {} (no longer a duplicate): {e}",
                rec.rid, rec.source
            )),
        }
    }
    for f in followers {
        if !effect.hidden.is_empty() {
            if let Err(e) = f.withdrawn(&effect.hidden) {
                errors.push(format!("updating {} (duplicates hidden): {e}", f.name()));
            }
        }
        for (source, records) in &shown {
            let refs: Vec<&PreparedRecord> = records.iter().collect();
            if let Err(e) = f.published(source, &refs) {
                errors.push(format!(
                    "updating {} (records of {source} no longer duplicates): {e}",
                    f.name()
                ));
            }
        }
    }
    errors
}
