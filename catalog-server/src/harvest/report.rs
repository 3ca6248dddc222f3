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
    /// The metadata quality of the source's published records at the end
    /// of the run (`None`: none is scored); the run record keeps it, so
    /// the runs show the trend.
    pub quality: Option<QualityTally>,
    pub errors: Vec<ItemError>,
    /// What was repaired or left out of records that were stored (invalid
    /// IRIs and language tags), naming record and property.
    pub warnings: Vec<ItemError>,
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
            quality: None,
            errors: Vec::new(),
            warnings: Vec::new(),
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
        let mut counts = vec![
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
        ];
        if let Some(q) = &self.quality {
            counts.extend(q.counts());
        }
        counts
    }
}

/// The quality scores of a source's published records, summed up.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct QualityTally {
    /// Records with a score.
    pub scored: u64,
    /// The sum of their scores.
    pub points: u64,
    pub excellent: u64,
    pub good: u64,
    pub sufficient: u64,
    pub bad: u64,
}

impl QualityTally {
    /// The tally of `scores` (`None` when there are none).
    pub fn of(scores: &[u32]) -> Option<QualityTally> {
        use crate::validation::quality::Band;
        if scores.is_empty() {
            return None;
        }
        let mut t = QualityTally::default();
        for &s in scores {
            t.scored += 1;
            t.points += u64::from(s);
            match Band::of(s) {
                Band::Excellent => t.excellent += 1,
                Band::Good => t.good += 1,
                Band::Sufficient => t.sufficient += 1,
                Band::Bad => t.bad += 1,
            }
        }
        Some(t)
    }

    /// The run record's counts (names as [`QualityTally::from_counts`] reads them).
    pub fn counts(&self) -> [(&'static str, u64); 6] {
        [
            ("qualityScored", self.scored),
            ("qualityPoints", self.points),
            ("qualityExcellent", self.excellent),
            ("qualityGood", self.good),
            ("qualitySufficient", self.sufficient),
            ("qualityBad", self.bad),
        ]
    }

    /// The tally a run record's counts carry (`None`: the run stored none).
    pub fn from_counts(counts: &std::collections::BTreeMap<String, u64>) -> Option<QualityTally> {
        let get = |k: &str| counts.get(k).copied().unwrap_or(0);
        let scored = counts.get("qualityScored").copied()?;
        Some(QualityTally {
            scored,
            points: get("qualityPoints"),
            excellent: get("qualityExcellent"),
            good: get("qualityGood"),
            sufficient: get("qualitySufficient"),
            bad: get("qualityBad"),
        })
    }

    /// The mean score, to one decimal.
    pub fn mean(&self) -> Option<f64> {
        (self.scored > 0).then(|| (self.points as f64 / self.scored as f64 * 10.0).round() / 10.0)
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
            warnings: self
                .warnings
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
