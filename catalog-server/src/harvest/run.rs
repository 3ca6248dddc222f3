//! One run of one source: start the run record, start the harvester, take
//! its pages through the quick-hash check, preparation and batched writes,
//! then end the run with the lifecycle decisions and the run record.

use super::pagememo::Candidate;
use super::report::{ItemError, RunStatus, SourceReport};
use super::write::{PendingWrite, WriteBatch, WRITE_BATCH};
use super::Harvesting;
use crate::config::{SourceConfig, SourceKind};
use crate::store::{new_run_id, record_id, xsd_time, Trigger};
use harvester::HarvestEvent;
use indicatif::ProgressBar;
use std::collections::HashMap;
use std::time::Instant;
use tokio::sync::mpsc;

impl Harvesting {
    /// Harvests one source into the store.
    pub async fn run_source(
        &self,
        source: &SourceConfig,
        trigger: Trigger,
        progress: Option<ProgressBar>,
    ) -> SourceReport {
        self.run_source_as(source, trigger, progress, None).await
    }

    /// [`Self::run_source`] with a run id chosen beforehand (the scheduler
    /// announces it before the run starts).
    pub async fn run_source_as(
        &self,
        source: &SourceConfig,
        trigger: Trigger,
        progress: Option<ProgressBar>,
        run_id: Option<String>,
    ) -> SourceReport {
        let started = Instant::now();
        let start_time = self.clock.now();
        let now = xsd_time(start_time);
        let mut report = SourceReport::new(&source.id.0);
        report.trigger = trigger;
        report.run_id = run_id.unwrap_or_else(|| new_run_id(&source.id.0, start_time));
        let catalog_iri = self.config.source_catalog_iri(&source.id);
        let mut state = match self.begin_run(source, &report, &now).await {
            Ok(state) => state,
            Err(reason) => {
                report.fail_before_harvest(&source.url, reason, started);
                return report;
            }
        };
        // The profile first: a profile that cannot be compiled fails the run
        // before anything is fetched or changed.
        let profile = match self.profile_of(source).await {
            Ok(p) => p,
            Err(reason) => {
                report.fail_before_harvest(&source.url, reason, started);
                self.finish_run(source, &catalog_iri, &now, state, &mut report)
                    .await;
                return report;
            }
        };
        // The links' statuses the scores of this run use (read once).
        let links = match &profile {
            Some(_) => self.known_links().await,
            None => None,
        };
        if let Some(p) = &profile {
            report.validation.profile = Some(p.name.clone());
            report.validation.notes = p.notes.clone();
        }
        // DCAT: pages memoized by earlier complete runs are asked for
        // conditionally (not on full runs, which refresh the memos only).
        let memo_fingerprint = (source.kind == SourceKind::Dcat)
            .then(|| super::pagememo::fingerprint(&self.config, source, profile.as_deref()));
        let memos = match &memo_fingerprint {
            Some(f) if source.incremental => self.trusted_memos(source, f).await,
            _ => HashMap::new(),
        };
        let mut candidates: Vec<Candidate> = Vec::new();
        let (tx, mut rx) = mpsc::channel::<HarvestEvent>(4);
        let producer = match self.spawn_harvester(source, tx, state.since.clone(), memos.clone()) {
            Ok(handle) => handle,
            Err(reason) => {
                report.fail_before_harvest(&source.url, reason, started);
                self.finish_run(source, &catalog_iri, &now, state, &mut report)
                    .await;
                return report;
            }
        };
        // The previous batch's store write runs while the next pages are
        // prepared; writes stay in page order.
        let mut pending: Option<PendingWrite> = None;
        let mut batch = WriteBatch::default();
        // Records whose links name records not known yet: written last.
        let mut held = Vec::new();
        let deadline = self
            .config
            .harvest
            .run_timeout
            .map(|t| tokio::time::Instant::now() + t);
        let mut timed_out = false;
        loop {
            let next = match deadline {
                Some(at) => match tokio::time::timeout_at(at, rx.recv()).await {
                    Ok(next) => next,
                    Err(_) => {
                        timed_out = true;
                        break;
                    }
                },
                None => rx.recv().await,
            };
            let Some(event) = next else { break };
            match event {
                HarvestEvent::Page(page) => {
                    report.pages += 1;
                    report.bytes += page.bytes;
                    report.timings.fetch += page.fetch_time.as_secs_f64();
                    report.timings.parse_split += page.parse_time.as_secs_f64();
                    // A page may become a memo only if all its records are
                    // stored by this run (checked again at the end).
                    let failed_before = report.failed + report.validation.rejected;
                    let candidate = (memo_fingerprint.is_some()
                        && !page.validators.is_empty()
                        && page.record_errors.is_empty()
                        && page.duplicates == 0)
                        .then(|| Candidate {
                            url: page.url.clone(),
                            validators: page.validators.clone(),
                            next: page.next.clone(),
                            datasets: page
                                .records
                                .iter()
                                .map(|r| r.dataset.as_str().to_owned())
                                .collect(),
                        });
                    for e in &page.record_errors {
                        state.failed_record(&source.id.0, &e.record);
                        report.failed += 1;
                        report.errors.push(ItemError {
                            url: e.page_url.clone(),
                            record: Some(e.record.clone()),
                            reason: e.reason.clone(),
                            snippet: e.snippet.clone(),
                        });
                    }
                    for w in &page.warnings {
                        report.warnings.push(ItemError {
                            url: w.page_url.clone(),
                            record: Some(w.record.clone()),
                            reason: w.reason.clone(),
                            snippet: w.snippet.clone(),
                        });
                    }
                    let (page_url, page_number) = (page.url.clone(), page.number);
                    let (records, quick) = self
                        .prepare_page(
                            source,
                            profile.clone(),
                            links.clone(),
                            page,
                            &mut report,
                            &mut state,
                            &mut held,
                        )
                        .await;
                    if report.failed + report.validation.rejected == failed_before {
                        candidates.extend(candidate);
                    }
                    batch.records.extend(records);
                    batch.quick.extend(quick);
                    batch.pages.push((page_number, page_url));
                    if batch.records.len() >= WRITE_BATCH {
                        let write = self.start_write(
                            source,
                            &catalog_iri,
                            std::mem::take(&mut batch),
                            &now,
                        );
                        if let Some(previous) = pending.replace(write) {
                            previous.finish(&mut report, &mut state).await;
                        }
                    }
                    if let Some(pb) = &progress {
                        pb.set_message(format!(
                            "{} pages, {} records ({} new, {} changed), {} failed",
                            report.pages,
                            report.records(),
                            report.added,
                            report.updated,
                            report.failed + report.pages_failed
                        ));
                        pb.tick();
                    }
                }
                HarvestEvent::PageUnchanged {
                    url,
                    number: _,
                    datasets,
                    duplicates,
                    fetch_time,
                } => {
                    report.pages += 1;
                    report.pages_not_modified += 1;
                    report.timings.fetch += fetch_time.as_secs_f64();
                    for d in &datasets {
                        let rid = record_id(&source.id.0, d);
                        if state.withdrawn_before.contains(&rid) {
                            report.added += 1;
                        } else {
                            report.unchanged += 1;
                        }
                        state.seen.insert(rid);
                    }
                    if let (Some(memo), 0) = (memos.get(&url), duplicates) {
                        candidates.push(Candidate {
                            url,
                            validators: memo.validators.clone(),
                            next: memo.next.clone(),
                            datasets,
                        });
                    }
                }
                HarvestEvent::PageFailed(e) => {
                    report.pages_failed += 1;
                    report.errors.push(ItemError {
                        url: e.url,
                        record: None,
                        reason: format!("page {}: {}", e.number, e.reason),
                        snippet: String::new(),
                    });
                }
                HarvestEvent::Finished {
                    complete,
                    reason,
                    listing,
                } => {
                    report.complete = complete;
                    report.end_reason = reason;
                    state.listing = listing;
                }
            }
        }
        if !batch.pages.is_empty() {
            let write = self.start_write(source, &catalog_iri, batch, &now);
            if let Some(previous) = pending.replace(write) {
                previous.finish(&mut report, &mut state).await;
            }
        }
        if let Some(last) = pending.take() {
            last.finish(&mut report, &mut state).await;
        }
        self.write_held(
            source,
            &catalog_iri,
            &now,
            profile.clone(),
            links.clone(),
            held,
            &mut report,
            &mut state,
        )
        .await;
        if timed_out {
            // Stop fetching; what was read is stored, nothing is withdrawn.
            producer.abort();
            let limit = self.config.harvest.run_timeout.unwrap_or_default();
            let reason = format!(
                "the run took longer than harvest.run_timeout ({}) and was stopped",
                humantime::format_duration(limit)
            );
            report.complete = false;
            state.listing = None;
            report.errors.push(ItemError {
                url: source.url.clone(),
                record: None,
                reason: reason.clone(),
                snippet: String::new(),
            });
            report.end_reason = Some(reason);
        } else if let Err(e) = producer.await {
            report.complete = false;
            report.end_reason = Some(format!("harvester task failed: {e}"));
        }
        // Memos only after a complete listing whose pages were all stored;
        // written after the run's end so republished records count.
        let memoize = report.complete && report.pages_failed == 0 && !state.store_failed;
        if report.pages > 0 {
            if let Err(e) = self.write_catalog(source, &catalog_iri) {
                report.errors.push(ItemError {
                    url: source.url.clone(),
                    record: None,
                    reason: format!("writing the catalog description failed: {e}"),
                    snippet: String::new(),
                });
            }
        }
        report.status = if report.pages == 0 {
            RunStatus::Failed
        } else if report.complete && report.errors.is_empty() {
            RunStatus::Success
        } else {
            RunStatus::Partial
        };
        if report.status != RunStatus::Success && report.end_reason.is_none() {
            report.end_reason = report.errors.first().map(|e| e.reason.clone());
        }
        self.finish_run(source, &catalog_iri, &now, state, &mut report)
            .await;
        if let (Some(fingerprint), true) = (&memo_fingerprint, memoize) {
            self.remember_memos(source, fingerprint, candidates).await;
        }
        report.seconds = started.elapsed().as_secs_f64();
        report
    }
}
