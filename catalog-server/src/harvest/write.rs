//! Batched store writes: the records of consecutive pages are written in one
//! atomic store write on a blocking thread while the next pages are
//! prepared; once the store has committed, the followers are told.

use super::lifecycle::RunState;
use super::quickhash;
use super::report::{ItemError, SourceReport};
use super::Harvesting;
use crate::config::SourceConfig;
use crate::store::{Outcome, PreparedRecord, StoreError, Written};
use std::time::{Duration, Instant};

impl Harvesting {
    /// Starts writing a batch of prepared records; the returned
    /// [`PendingWrite`] accounts for the write when it is finished.
    pub(super) fn start_write(
        &self,
        source: &SourceConfig,
        catalog_iri: &str,
        batch: WriteBatch,
        now: &str,
    ) -> PendingWrite {
        let ok = batch.records;
        let store = self.store.clone();
        let source_id = source.id.0.clone();
        let catalog_iri = catalog_iri.to_owned();
        let now = now.to_owned();
        let count = ok.len();
        let rids: Vec<String> = ok.iter().map(|r| r.rid.clone()).collect();
        let followers = self.followers.clone();
        let quick = batch.quick;
        let handle = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let written = (|| {
                let Written { outcomes, dedup } =
                    store.write_batch(&source_id, &catalog_iri, &ok, &now)?;
                quickhash::remember(&store, &quick, &ok, &outcomes);
                // The store has committed; now the derived views follow.
                // Records that are duplicates of another source's are not
                // shown.
                let changed: Vec<&PreparedRecord> = ok
                    .iter()
                    .zip(&outcomes)
                    .filter(|(r, o)| **o != Outcome::Unchanged && !dedup.hidden.contains(&r.rid))
                    .map(|(r, _)| r)
                    .collect();
                let mut follower_errors = Vec::new();
                if !changed.is_empty() {
                    for f in &followers {
                        if let Err(e) = f.published(&source_id, &changed) {
                            follower_errors.push(format!("{}: {e}", f.name()));
                        }
                    }
                }
                follower_errors.extend(super::lifecycle::tell_dedup(&store, &followers, &dedup));
                Ok::<_, StoreError>((outcomes, follower_errors))
            })();
            (written, started.elapsed())
        });
        PendingWrite {
            handle,
            pages: batch.pages,
            rids,
            count,
        }
    }
}

pub(super) type WriteResult = (Result<(Vec<Outcome>, Vec<String>), StoreError>, Duration);

/// Records of consecutive pages written together: one atomic store write per
/// batch keeps the number of RocksDB files (and compaction work) low.
pub const WRITE_BATCH: usize = 5000;

#[derive(Default)]
pub(super) struct WriteBatch {
    pub(super) records: Vec<PreparedRecord>,
    /// Source hashes to remember once the records are stored.
    pub(super) quick: quickhash::Pending,
    /// (number, URL) of the pages the records come from.
    pub(super) pages: Vec<(usize, String)>,
}

/// A batch's store write running in the background.
pub(super) struct PendingWrite {
    handle: tokio::task::JoinHandle<WriteResult>,
    pages: Vec<(usize, String)>,
    rids: Vec<String>,
    count: usize,
}

impl PendingWrite {
    /// Waits for the write and accounts for it in the report.
    pub(super) async fn finish(self, report: &mut SourceReport, state: &mut RunState) {
        let count = self.count;
        let (first, last) = match (self.pages.first(), self.pages.last()) {
            (Some(f), Some(l)) => (f.clone(), l.clone()),
            _ => return,
        };
        let pages = if first.0 == last.0 {
            format!("page {}", first.0)
        } else {
            format!("pages {}–{}", first.0, last.0)
        };
        let page_error = |reason: String| ItemError {
            url: first.1.clone(),
            record: None,
            reason,
            snippet: String::new(),
        };
        match self.handle.await {
            Ok((written, took)) => {
                report.timings.store += took.as_secs_f64();
                match written {
                    Ok((outcomes, follower_errors)) => {
                        for (o, rid) in outcomes.into_iter().zip(&self.rids) {
                            match o {
                                // A withdrawn record seen again counts as added.
                                _ if state.withdrawn_before.contains(rid) => report.added += 1,
                                Outcome::Added => report.added += 1,
                                Outcome::Updated => report.updated += 1,
                                Outcome::Unchanged => report.unchanged += 1,
                            }
                        }
                        for e in follower_errors {
                            report.errors.push(page_error(format!(
                                "updating {e} after {pages} (the store is unaffected; it is repaired at the next start or by `reindex`)"
                            )));
                        }
                    }
                    Err(e) => {
                        state.store_failed = true;
                        report.failed += count;
                        report.errors.push(page_error(format!(
                            "storing the {count} records of {pages} failed: {e}"
                        )));
                    }
                }
            }
            Err(e) => {
                state.store_failed = true;
                report.failed += count;
                report
                    .errors
                    .push(page_error(format!("storing {pages} failed: {e}")));
            }
        }
    }
}
