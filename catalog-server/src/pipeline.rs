//! The harvest pipeline: a source's harvester emits pages; each page's records
//! are prepared (canonical form, hash, compression) on a blocking thread and
//! written to the store in one transaction per page. Fetching the next page
//! overlaps with preparing and writing the current one.
//!
//! A failed page or record never removes anything that was stored before.

use crate::config::{Config, SourceConfig, SourceKind, ValidationPolicy};
use crate::contexts;
use crate::follow::RecordFollower;
use crate::lifecycle::{Clock, RunState, SystemClock, Trigger};
use crate::store::{prepare, CatalogStore, Outcome, PreparedRecord, RecordValidation};
use crate::validation::LoadedProfile;
use harvester::vocab::{dcat, dcatde, dct, foaf, rdf};
use harvester::{Fetcher, HarvestEvent, Location, ParseOptions, SplitOptions};
use indicatif::ProgressBar;
use oxigraph::model::{Literal, NamedNode, Triple};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How a source run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Every page and record was read.
    Success,
    /// Some pages or records failed; the others were stored.
    Partial,
    /// Nothing usable was read.
    Failed,
    /// In progress (stored while the run lasts).
    Running,
    /// The process stopped during the run (found `running` at restart).
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Success => "success",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Running => "running",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

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
    fn new(source: &str) -> Self {
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
    fn fail_before_harvest(&mut self, url: &str, reason: String, started: Instant) {
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

/// Canonicalizes, hashes and compresses a record and validates it against
/// the profile; returns the first violation messages too (for rejections).
fn prepare_and_validate(
    source: &str,
    record: &harvester::Record,
    profile: Option<&LoadedProfile>,
) -> Result<(PreparedRecord, Vec<String>), String> {
    let mut p = prepare(source, record).map_err(|e| e.to_string())?;
    let mut first = Vec::new();
    if let Some(profile) = profile {
        // The canonical triples are the exact graph (same terms, lexical
        // forms untouched) with the blank-node labels the store uses, so
        // focus nodes in the stored report name stored nodes.
        let checked = profile.check(&p.triples)?;
        first = checked
            .report
            .results
            .iter()
            .filter(|r| r.severity == shacl::Severity::Violation)
            .take(3)
            .map(|r| {
                let path = r
                    .result_path
                    .as_ref()
                    .map(|p| format!("{p}: "))
                    .unwrap_or_default();
                format!("{path}{}", crate::validation::preferred_message(r))
            })
            .collect();
        p.validation = Some(RecordValidation {
            validated_with: format!("{}@{}", checked.profile, checked.fingerprint),
            violations: checked.violations,
            warnings: checked.warnings,
            infos: checked.infos,
            report: checked.report_triples(&p.rid, &p.triples),
        });
    }
    Ok((p, first))
}

/// The harvesting in force: swapped by a config reload
/// ([`crate::scheduler::Scheduler::reload`]), read by every request handler
/// and by the scheduler for new runs; runs in progress keep the one they
/// started with.
pub struct Current(std::sync::RwLock<Arc<Harvesting>>);

impl Current {
    pub fn new(harvesting: Arc<Harvesting>) -> Arc<Self> {
        Arc::new(Self(std::sync::RwLock::new(harvesting)))
    }

    /// The harvesting in force now.
    pub fn get(&self) -> Arc<Harvesting> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The config in force now.
    pub fn config(&self) -> Arc<Config> {
        self.get().config.clone()
    }

    pub(crate) fn set(&self, harvesting: Arc<Harvesting>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = harvesting;
    }
}

/// Shared pieces for running harvests.
pub struct Harvesting {
    pub config: Arc<Config>,
    pub store: Arc<CatalogStore>,
    pub fetcher: Fetcher,
    pub parse: ParseOptions,
    /// Derived views told of every published or withdrawn record.
    pub followers: Vec<Arc<dyn RecordFollower>>,
    /// Where run times, withdrawal and purge times come from.
    pub clock: Arc<dyn Clock>,
    /// The validation profiles (compiled on first use).
    pub profiles: Arc<crate::validation::Profiles>,
}

impl Harvesting {
    pub fn new(config: Arc<Config>, store: Arc<CatalogStore>) -> anyhow::Result<Self> {
        let limits = harvester::FetchLimits {
            timeout: config.harvest.timeout,
            read_timeout: config.harvest.read_timeout,
            max_bytes: config.harvest.max_page_bytes,
            host_connections: config.harvest.host_connections,
            host_delay: config.harvest.host_delay.unwrap_or_default(),
            retries: config.harvest.retries,
            retry_base: config.harvest.retry_base,
            retry_max: config.harvest.retry_max,
        };
        let fetcher = Fetcher::new(limits, config.harvest.user_agent.as_deref())?;
        let mut json_ld = contexts::offline_contexts();
        if config.harvest.fetch_remote_contexts {
            json_ld = json_ld.with_remote(contexts::remote_fetcher(fetcher.clone()));
        }
        let parse = ParseOptions {
            contexts: json_ld,
            max_entity_expansion: config.harvest.max_page_bytes.min(16 * 1024 * 1024),
        };
        // Page memos of sources no longer configured are of no use (a source
        // added again starts with plain requests).
        let configured: std::collections::HashSet<&str> =
            config.sources.iter().map(|s| s.id.0.as_str()).collect();
        match store.retain_page_memos(&configured) {
            Ok(0) => {}
            Ok(n) => tracing::info!("dropped {n} page memos of sources no longer configured"),
            Err(e) => tracing::warn!("could not drop the page memos of removed sources: {e}"),
        }
        Ok(Self {
            store,
            fetcher,
            parse,
            followers: Vec::new(),
            clock: Arc::new(SystemClock),
            profiles: Arc::new(crate::validation::Profiles::new(&config.validation)),
            config,
        })
    }

    /// The same harvesting with a new config (a reload): followers and clock
    /// carry over, and the followers are told of the new config; runs in
    /// progress keep the old harvesting.
    pub fn reconfigured(&self, config: Arc<Config>) -> anyhow::Result<Self> {
        let mut next = Self::new(config, self.store.clone())?;
        next.followers = self.followers.clone();
        next.clock = self.clock.clone();
        for f in &next.followers {
            f.reconfigured(&next.config);
        }
        Ok(next)
    }

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
        let now = crate::lifecycle::xsd_time(start_time);
        let mut report = SourceReport::new(&source.id.0);
        report.trigger = trigger;
        report.run_id =
            run_id.unwrap_or_else(|| crate::lifecycle::new_run_id(&source.id.0, start_time));
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
        if let Some(p) = &profile {
            report.validation.profile = Some(p.name.clone());
            report.validation.notes = p.notes.clone();
        }
        // DCAT: pages memoized by earlier complete runs are asked for
        // conditionally (not on full runs, which refresh the memos only).
        let memo_fingerprint = (source.kind == SourceKind::Dcat)
            .then(|| crate::pagememo::fingerprint(&self.config, source, profile.as_deref()));
        let memos = match &memo_fingerprint {
            Some(f) if source.incremental => self.trusted_memos(source, f).await,
            _ => HashMap::new(),
        };
        let mut candidates: Vec<crate::pagememo::Candidate> = Vec::new();
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
                        .then(|| crate::pagememo::Candidate {
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
                    let (page_url, page_number) = (page.url.clone(), page.number);
                    let (records, quick) = self
                        .prepare_page(source, profile.clone(), page, &mut report, &mut state)
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
                        let rid = crate::store::record_id(&source.id.0, d);
                        if state.withdrawn_before.contains(&rid) {
                            report.added += 1;
                        } else {
                            report.unchanged += 1;
                        }
                        state.seen.insert(rid);
                    }
                    if let (Some(memo), 0) = (memos.get(&url), duplicates) {
                        candidates.push(crate::pagememo::Candidate {
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

    /// Starts the source's harvester, which sends its events to `tx`.
    pub(crate) fn spawn_harvester(
        &self,
        source: &SourceConfig,
        tx: mpsc::Sender<HarvestEvent>,
        since: Option<String>,
        memos: HashMap<String, harvester::dcat::PageMemo>,
    ) -> Result<tokio::task::JoinHandle<()>, String> {
        let location = Location::parse(&source.url, &self.config.base_dir())?;
        let headers: Vec<(String, String)> = source
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let defaults = harvester::SourceDefaults {
            source_id: source.id.0.clone(),
            mint_base: self.config.mint_base(),
            publisher_name: source.publisher.as_ref().map(|p| p.name.clone()),
            publisher_iri: source.publisher.as_ref().map(|p| p.iri.0.clone()),
            contributor_id: source.contributor_id.as_ref().map(|i| i.0.clone()),
            geocoding: source.geocoding.as_ref().map(|i| i.0.clone()),
        };
        let http_url = || match &location {
            Location::Http(url) => Ok(url.clone()),
            Location::File(_) => Err(format!(
                "a {} source needs an http(s) URL, not a file",
                source.kind.as_str()
            )),
        };
        match source.kind {
            SourceKind::Ckan => {
                let mut spec = harvester::ckan::CkanSource::new(http_url()?);
                spec.fq = source.fq.clone();
                if let Some(rows) = source.rows {
                    spec.rows = rows;
                }
                spec.headers = headers;
                spec.max_pages = self.config.harvest.max_pages;
                spec.max_record_triples = self.config.harvest.max_record_triples;
                spec.defaults = defaults;
                // Incremental after a successful run; the full id listing
                // still drives withdrawals.
                spec.modified_since = since;
                let fetcher = self.fetcher.clone();
                Ok(tokio::spawn(async move {
                    harvester::ckan::harvest(&spec, &fetcher, tx).await;
                }))
            }
            SourceKind::Csw => {
                let mut spec = harvester::csw::CswSource::new(http_url()?, defaults);
                if let Some(size) = source.page_size {
                    spec.page_size = size;
                }
                spec.constraint = source
                    .constraint
                    .as_deref()
                    .and_then(harvester::csw::Constraint::parse);
                if let Some(schema) = &source.output_schema {
                    spec.output_schema = schema.clone();
                }
                spec.include_services = source.include_services;
                spec.headers = headers;
                spec.max_pages = self.config.harvest.max_pages;
                let fetcher = self.fetcher.clone();
                Ok(tokio::spawn(async move {
                    harvester::csw::harvest(&spec, &fetcher, tx).await;
                }))
            }
            SourceKind::Dcat => {
                let spec = harvester::dcat::DcatSource {
                    id: source.id.0.clone(),
                    location,
                    headers,
                    max_pages: self.config.harvest.max_pages,
                    split: SplitOptions {
                        source_id: source.id.0.clone(),
                        mint_base: self.config.mint_base(),
                        max_record_triples: self.config.harvest.max_record_triples,
                    },
                    parse: self.parse.clone(),
                    memos,
                };
                let fetcher = self.fetcher.clone();
                Ok(tokio::spawn(async move {
                    harvester::dcat::harvest(&spec, &fetcher, tx).await;
                }))
            }
        }
    }

    /// The page memos of a DCAT source that can be trusted now (see
    /// [`crate::pagememo`]); none when they cannot be read.
    async fn trusted_memos(
        &self,
        source: &SourceConfig,
        fingerprint: &str,
    ) -> HashMap<String, harvester::dcat::PageMemo> {
        let store = self.store.clone();
        let (sid, f) = (source.id.0.clone(), fingerprint.to_owned());
        let loaded =
            tokio::task::spawn_blocking(move || crate::pagememo::trusted(&store, &sid, &f)).await;
        match loaded {
            Ok(Ok((memos, dropped))) => {
                if dropped > 0 {
                    tracing::info!(source = %source.id.0, dropped, kept = memos.len(), "page memos dropped (config, profile or records changed)");
                }
                memos
            }
            Ok(Err(e)) => {
                tracing::warn!(source = %source.id.0, "page memos unreadable, fetching every page: {e}");
                HashMap::new()
            }
            Err(e) => {
                tracing::warn!(source = %source.id.0, "loading page memos failed, fetching every page: {e}");
                HashMap::new()
            }
        }
    }

    /// After a run that read the complete listing: replaces the source's page
    /// memos by those of this run's pages. A failure only costs the next run
    /// its conditional requests.
    async fn remember_memos(
        &self,
        source: &SourceConfig,
        fingerprint: &str,
        candidates: Vec<crate::pagememo::Candidate>,
    ) {
        let store = self.store.clone();
        let (sid, f) = (source.id.0.clone(), fingerprint.to_owned());
        let written = tokio::task::spawn_blocking(move || {
            crate::pagememo::remember(&store, &sid, &f, &candidates)
        })
        .await;
        match written {
            Ok(Ok(n)) => tracing::debug!(source = %source.id.0, memos = n, "page memos written"),
            Ok(Err(e)) => tracing::warn!(source = %source.id.0, "writing page memos failed: {e}"),
            Err(e) => tracing::warn!(source = %source.id.0, "writing page memos failed: {e}"),
        }
    }

    /// Canonicalizes, hashes and compresses a page's records (off the async
    /// runtime); records that fail are reported.
    async fn prepare_page(
        &self,
        source: &SourceConfig,
        profile: Option<Arc<LoadedProfile>>,
        page: harvester::Page,
        report: &mut SourceReport,
        state: &mut RunState,
    ) -> (Vec<PreparedRecord>, crate::quickhash::Pending) {
        let started = Instant::now();
        let source_id = source.id.0.clone();
        // Records certainly unchanged skip canonicalization, validation and
        // the store. The profile version is part of the pre-check, so a new
        // profile re-validates every record.
        let salt = profile
            .as_ref()
            .map(|p| format!("{}@{}", p.name, p.fingerprint))
            .unwrap_or_default();
        let (records, pending) = crate::quickhash::skip_unchanged(
            &self.store,
            &source_id,
            &salt,
            page.records,
            report,
            state,
        )
        .await;
        let prepared = tokio::task::spawn_blocking(move || {
            let one = |r: &harvester::Record| {
                (
                    r.dataset.as_str().to_owned(),
                    r.page_url.clone(),
                    prepare_and_validate(&source_id, r, profile.as_deref()),
                )
            };
            // Canonicalization and validation are CPU work per record: split
            // a page over the cores (order kept).
            let threads = std::thread::available_parallelism()
                .map_or(1, usize::from)
                .min(records.len() / 64)
                .max(1);
            if threads == 1 {
                return records.iter().map(one).collect::<Vec<_>>();
            }
            let chunk = records.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let handles: Vec<_> = records
                    .chunks(chunk)
                    .map(|part| scope.spawn(|| part.iter().map(one).collect::<Vec<_>>()))
                    .collect();
                let mut out = Vec::with_capacity(records.len());
                for (h, part) in handles.into_iter().zip(records.chunks(chunk)) {
                    match h.join() {
                        Ok(v) => out.extend(v),
                        // A panic in one chunk: report its records as failed.
                        Err(_) => out.extend(part.iter().map(|r| {
                            (
                                r.dataset.as_str().to_owned(),
                                r.page_url.clone(),
                                Err("preparing the record failed unexpectedly".to_owned()),
                            )
                        })),
                    }
                }
                out
            })
        })
        .await;
        let mut ok: Vec<PreparedRecord> = Vec::new();
        match prepared {
            Ok(prepared) => {
                ok.reserve(prepared.len());
                for (dataset, page_url, p) in prepared {
                    // Seen, even when it fails here: it is in the listing.
                    state
                        .seen
                        .insert(crate::store::record_id(&source.id.0, &dataset));
                    match p {
                        Ok((p, first_violations)) => {
                            if let Some(v) = &p.validation {
                                let c = &mut report.validation;
                                c.validated += 1;
                                c.violations += v.violations;
                                c.warnings += v.warnings;
                                c.with_violations += usize::from(v.violations > 0);
                                c.with_warnings += usize::from(v.warnings > 0);
                                if v.violations > 0 && source.validation == ValidationPolicy::Reject
                                {
                                    c.rejected += 1;
                                    report.errors.push(ItemError {
                                        url: page_url,
                                        record: Some(format!("<{dataset}>")),
                                        reason: format!(
                                            "rejected (validation = \"reject\"): {} violation(s) of profile {}: {}",
                                            v.violations,
                                            report.validation.profile.as_deref().unwrap_or(""),
                                            first_violations.join("; ")
                                        ),
                                        snippet: String::new(),
                                    });
                                    continue;
                                }
                            }
                            ok.push(p)
                        }
                        Err(e) => {
                            report.failed += 1;
                            report.errors.push(ItemError {
                                url: page_url,
                                record: Some(format!("<{dataset}>")),
                                reason: e,
                                snippet: String::new(),
                            });
                        }
                    }
                }
            }
            Err(e) => {
                // The page's records are unknown: the listing is incomplete.
                state.store_failed = true;
                report.failed += 1;
                report.errors.push(ItemError {
                    url: page.url.clone(),
                    record: None,
                    reason: format!("preparing records failed: {e}"),
                    snippet: String::new(),
                });
            }
        }
        report.timings.prepare += started.elapsed().as_secs_f64();
        (ok, pending)
    }

    /// The compiled profile of a source (`None`: profile `none`).
    async fn profile_of(
        &self,
        source: &SourceConfig,
    ) -> Result<Option<Arc<LoadedProfile>>, String> {
        let profiles = self.profiles.clone();
        let name = source.profile.0.clone();
        tokio::task::spawn_blocking(move || profiles.get(&name))
            .await
            .map_err(|e| format!("loading the validation profile failed: {e}"))?
            .map_err(|e| e.to_string())
    }

    /// Starts writing a batch of prepared records; the returned
    /// [`PendingWrite`] accounts for the write when it is finished.
    fn start_write(
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
                let outcomes = store.write_records(&source_id, &catalog_iri, &ok, &now)?;
                crate::quickhash::remember(&store, &quick, &ok, &outcomes);
                // The store has committed; now the derived views follow.
                let changed: Vec<&PreparedRecord> = ok
                    .iter()
                    .zip(&outcomes)
                    .filter(|(_, o)| **o != Outcome::Unchanged)
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
                Ok::<_, crate::store::StoreError>((outcomes, follower_errors))
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

    /// Writes the source's `dcat:Catalog` description from the config.
    fn write_catalog(&self, source: &SourceConfig, catalog_iri: &str) -> anyhow::Result<()> {
        let catalog = NamedNode::new(catalog_iri)?;
        let mut triples = vec![
            Triple::new(catalog.clone(), rdf::TYPE, dcat::CATALOG.into_owned()),
            Triple::new(
                catalog.clone(),
                dct::TITLE,
                Literal::new_simple_literal(&source.title),
            ),
        ];
        if let Ok(url) = NamedNode::new(
            Location::parse(&source.url, &self.config.base_dir())
                .map_err(anyhow::Error::msg)?
                .as_url(),
        ) {
            if url.as_str().starts_with("http") {
                triples.push(Triple::new(catalog.clone(), dct::SOURCE, url));
            }
        }
        if let Some(p) = &source.publisher {
            let agent = NamedNode::new(p.iri.as_str())?;
            triples.push(Triple::new(catalog.clone(), dct::PUBLISHER, agent.clone()));
            triples.push(Triple::new(
                agent.clone(),
                rdf::TYPE,
                foaf::AGENT.into_owned(),
            ));
            triples.push(Triple::new(
                agent,
                foaf::NAME,
                Literal::new_simple_literal(&p.name),
            ));
        }
        if let Some(c) = &source.contributor_id {
            triples.push(Triple::new(
                catalog.clone(),
                dcatde::CONTRIBUTOR_ID,
                NamedNode::new(c.as_str())?,
            ));
        }
        if let Some(g) = &source.geocoding {
            triples.push(Triple::new(
                catalog.clone(),
                dct::SPATIAL,
                NamedNode::new(g.as_str())?,
            ));
        }
        self.store
            .write_catalog_description(&source.id.0, &triples)?;
        Ok(())
    }
}

type WriteResult = (
    Result<(Vec<Outcome>, Vec<String>), crate::store::StoreError>,
    Duration,
);

/// Records of consecutive pages written together: one atomic store write per
/// batch keeps the number of RocksDB files (and compaction work) low.
pub const WRITE_BATCH: usize = 5000;

#[derive(Default)]
struct WriteBatch {
    records: Vec<PreparedRecord>,
    /// Source hashes to remember once the records are stored.
    quick: crate::quickhash::Pending,
    /// (number, URL) of the pages the records come from.
    pages: Vec<(usize, String)>,
}

/// A batch's store write running in the background.
struct PendingWrite {
    handle: tokio::task::JoinHandle<WriteResult>,
    pages: Vec<(usize, String)>,
    rids: Vec<String>,
    count: usize,
}

impl PendingWrite {
    /// Waits for the write and accounts for it in the report.
    async fn finish(self, report: &mut SourceReport, state: &mut RunState) {
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

/// The current time as a canonical `xsd:dateTime` in UTC.
pub fn now_xsd() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// Formats a duration for humans.
pub fn seconds(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64())
}
