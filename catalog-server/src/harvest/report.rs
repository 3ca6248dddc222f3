//! What a run did: counts, errors and timings for the person who reads the
//! report, the run record the store keeps, and the metrics.

use crate::metrics::FinishedRun;
pub use crate::store::RunStatus;
use crate::store::{RunRecord, StoredError, Trigger};
use std::time::Instant;

/// One problem, for the report: where and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemError {
    pub url: String,
    /// The record, when the problem concerns one record.
    pub record: Option<String>,
    pub reason: String,
    pub snippet: String,
}

/// What a source run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceReport {
    pub source: String,
    /// The stored run record (`urn:dcat-catalog:run:{run_id}`).
    pub run_id: String,
    pub trigger: Trigger,
    pub status: RunStatus,
    /// The listing was read to its end without failures.
    pub complete: bool,
    pub end_reason: Option<String>,
    pub pages: usize,
    pub pages_failed: usize,
    /// Pages answered `304 Not Modified` to a conditional request (also in
    /// `pages`); their datasets count as unchanged.
    pub pages_not_modified: usize,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// Records withdrawn because a complete listing lacked them.
    pub withdrawn: usize,
    /// Withdrawn records removed after the grace period.
    pub purged: usize,
    /// Withdrawn records seen again and published again (also counted in `added`).
    pub republished: usize,
    /// Why nothing was withdrawn, when withdrawals were refused.
    pub deletions: Option<String>,
    /// The source's published records that are duplicates of another
    /// source's record at the end of the run (left out upstream and of
    /// search; `GET /api/sources/{id}/duplicates` lists them).
    pub duplicates: usize,
    pub bytes: u64,
    pub seconds: f64,
    /// SHACL validation of the records written (or rejected) in this run.
    pub validation: ValidationCounts,
    pub errors: Vec<ItemError>,
    pub timings: Timings,
}

/// What validation found in a run (records added or changed; unchanged
/// records keep their stored reports).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ValidationCounts {
    /// The source's profile (`None`: not validated).
    pub profile: Option<String>,
    pub validated: usize,
    /// Records with at least one violation / warning.
    pub with_violations: usize,
    pub with_warnings: usize,
    /// Results by severity, summed over records.
    pub violations: usize,
    pub warnings: usize,
    /// Records not published because of violations (policy `reject`).
    pub rejected: usize,
    /// Checks the profile could not run (missing vocabularies...).
    pub notes: Vec<String>,
}

/// Where the time went (seconds, summed over pages).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Timings {
    pub fetch: f64,
    pub parse_split: f64,
    pub prepare: f64,
    pub store: f64,
}

impl SourceReport {
    pub(crate) fn new(source: &str) -> Self {
        Self {
            source: source.to_owned(),
            run_id: String::new(),
            trigger: Trigger::Cli,
            status: RunStatus::Failed,
            complete: false,
            end_reason: None,
            pages: 0,
            pages_failed: 0,
            pages_not_modified: 0,
            added: 0,
            updated: 0,
            unchanged: 0,
            failed: 0,
            withdrawn: 0,
            purged: 0,
            republished: 0,
            deletions: None,
            duplicates: 0,
            bytes: 0,
            seconds: 0.0,
            validation: ValidationCounts::default(),
            errors: Vec::new(),
            timings: Timings::default(),
        }
    }

    pub fn records(&self) -> usize {
        self.added + self.updated + self.unchanged
    }

    /// The run ends before any page was read: one error naming the source.
    pub(crate) fn fail_before_harvest(&mut self, url: &str, reason: String, started: Instant) {
        self.errors.push(ItemError {
            url: url.to_owned(),
            record: None,
            reason: reason.clone(),
            snippet: String::new(),
        });
        self.end_reason = Some(reason);
        self.seconds = started.elapsed().as_secs_f64();
    }

    /// The counts stored in the run record, by name.
    pub fn counts(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("added", self.added as u64),
            ("updated", self.updated as u64),
            ("unchanged", self.unchanged as u64),
            ("withdrawn", self.withdrawn as u64),
            ("purged", self.purged as u64),
            ("republished", self.republished as u64),
            ("duplicates", self.duplicates as u64),
            ("failed", self.failed as u64),
            ("pages", self.pages as u64),
            ("pagesFailed", self.pages_failed as u64),
            ("pagesNotModified", self.pages_not_modified as u64),
            ("bytes", self.bytes),
            ("validated", self.validation.validated as u64),
            ("withViolations", self.validation.with_violations as u64),
            ("withWarnings", self.validation.with_warnings as u64),
            ("violations", self.validation.violations as u64),
            ("warnings", self.validation.warnings as u64),
            ("rejected", self.validation.rejected as u64),
        ]
    }
}
/// Convenience for error lists: a stored error from a report error.
impl From<&ItemError> for StoredError {
    fn from(e: &ItemError) -> Self {
        StoredError {
            url: e.url.clone(),
            record: e.record.clone(),
            reason: e.reason.clone(),
            snippet: e.snippet.clone(),
        }
    }
}

impl SourceReport {
    /// The run record the store keeps of this run (`started` and `ended`
    /// as `xsd:dateTime`).
    pub fn run_record(&self, started: &str, ended: &str) -> RunRecord {
        RunRecord {
            id: self.run_id.clone(),
            source: self.source.clone(),
            trigger: self.trigger.as_str().to_owned(),
            status: self.status.as_str().to_owned(),
            started: started.to_owned(),
            ended: Some(ended.to_owned()),
            complete: Some(self.complete),
            end_reason: self.end_reason.clone(),
            deletions: self.deletions.clone(),
            counts: self
                .counts()
                .into_iter()
                .map(|(name, n)| (name.to_owned(), n))
                .collect(),
            errors: self
                .errors
                .iter()
                .take(crate::store::MAX_STORED_ERRORS)
                .map(StoredError::from)
                .collect(),
        }
    }

    /// What the metrics count of this run.
    pub fn finished_run(&self) -> FinishedRun<'_> {
        FinishedRun {
            source: &self.source,
            status: self.status.as_str(),
            outcomes: [
                ("added", self.added),
                ("updated", self.updated),
                ("unchanged", self.unchanged),
                ("failed", self.failed),
                ("withdrawn", self.withdrawn),
                ("purged", self.purged),
            ],
            pages_failed: self.pages_failed,
            pages_not_modified: self.pages_not_modified,
            seconds: self.seconds,
        }
    }
}
