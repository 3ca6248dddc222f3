//! The scheduler inside `serve`: runs each enabled source on its cron
//! `schedule` (in `harvest.time_zone`, default Europe/Berlin), runs sources on
//! request (admin API, `serve --harvest`), and reloads the config.
//!
//! # Invariants
//!
//! - **One run per source at a time.** A source has at most one job, queued or
//!   running. A request for a source that has one is refused
//!   ([`TriggerError::Busy`]: the admin API answers 409, a scheduled tick is
//!   skipped and logged); nothing is queued behind it, so a slow source cannot
//!   pile up runs.
//! - **A global limit.** At most `harvest.max_concurrent_runs` jobs run at
//!   once; the others wait (state `queued`) for a slot, in request order.
//! - **Reloads never lose jobs.** A reload builds a new [`Harvesting`] from the
//!   re-read config and swaps it into the shared [`Current`] handle (which
//!   the HTTP handlers read too); queued and running jobs keep the one they
//!   started with (a queued job reads its source's config when it starts, and
//!   is dropped if the source is gone). Timers are rebuilt from the new
//!   config; the slot count follows `max_concurrent_runs` (a lower limit takes
//!   effect as running jobs end). A config that fails to load, or changes
//!   `data_dir`, is refused and the old config stays.

use crate::config::{Config, SourceConfig};
use crate::harvest::{Current, Harvesting, SourceReport};
use crate::metrics::Metrics;
use crate::store::{new_run_id, xsd_time, Trigger};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// Whether a job waits for a slot or runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
}

/// A queued or running run of one source.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Job {
    pub run_id: String,
    pub source: String,
    pub trigger: Trigger,
    pub state: JobState,
    /// When the run was requested (UTC `xsd:dateTime`).
    pub requested: String,
}

/// Why a run was not started.
#[derive(Debug)]
pub enum TriggerError {
    UnknownSource(String),
    /// The source has a job (queued or running): one run per source at a time.
    Busy(Job),
}

impl std::fmt::Display for TriggerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TriggerError::UnknownSource(id) => write!(f, "no source {id:?} in the config"),
            TriggerError::Busy(job) => write!(
                f,
                "source {:?} already has a run {}: {} (trigger {}, requested {}); one run per source at a time",
                job.source,
                match job.state {
                    JobState::Queued => "queued",
                    JobState::Running => "running",
                },
                job.run_id,
                job.trigger.as_str(),
                job.requested
            ),
        }
    }
}

impl std::error::Error for TriggerError {}

/// What a reload changed.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct ReloadSummary {
    pub config: String,
    pub sources: usize,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    /// Jobs that go on with the config they started with.
    pub jobs_in_progress: usize,
}

/// The scheduler.
pub struct Scheduler {
    harvesting: Arc<Current>,
    jobs: Mutex<HashMap<String, Job>>,
    slots: Arc<Semaphore>,
    slot_count: Mutex<usize>,
    timers: Mutex<Vec<JoinHandle<()>>>,
    metrics: Arc<Metrics>,
    /// Serializes reloads.
    reloading: tokio::sync::Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Scheduler {
    /// A scheduler; call [`Scheduler::start`] to arm the timers.
    pub fn new(harvesting: Arc<Harvesting>, metrics: Arc<Metrics>) -> Arc<Self> {
        let n = harvesting.config.harvest.max_concurrent_runs.max(1);
        Arc::new(Self {
            harvesting: Current::new(harvesting),
            jobs: Mutex::new(HashMap::new()),
            slots: Arc::new(Semaphore::new(n)),
            slot_count: Mutex::new(n),
            timers: Mutex::new(Vec::new()),
            metrics,
            reloading: tokio::sync::Mutex::new(()),
        })
    }

    /// The current harvesting (config, store, fetcher).
    pub fn harvesting(&self) -> Arc<Harvesting> {
        self.harvesting.get()
    }

    /// The handle the HTTP handlers read the current harvesting from; a
    /// reload swaps what it holds.
    pub fn current(&self) -> Arc<Current> {
        self.harvesting.clone()
    }

    /// The current config.
    pub fn config(&self) -> Arc<Config> {
        self.harvesting().config.clone()
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Arms one timer per enabled source with a schedule (again after a reload).
    pub fn start(self: &Arc<Self>) {
        let config = self.config();
        let mut timers = lock(&self.timers);
        for t in timers.drain(..) {
            t.abort();
        }
        for source in config.sources.iter().filter(|s| s.enabled) {
            let Some(schedule) = source.schedule.clone() else {
                continue;
            };
            let weak = Arc::downgrade(self);
            let id = source.id.0.clone();
            let tz = config.harvest.time_zone;
            tracing::info!(source = %id, schedule = %schedule.expression, time_zone = %tz, "scheduled");
            timers.push(tokio::spawn(timer(weak, id, schedule.schedule, tz)));
        }
    }

    /// Stops the timers (jobs in progress go on).
    pub fn stop(&self) {
        for t in lock(&self.timers).drain(..) {
            t.abort();
        }
    }

    /// The next scheduled run of a source, in the configured time zone.
    pub fn next_run(&self, source: &SourceConfig) -> Option<String> {
        if !source.enabled {
            return None;
        }
        let tz = self.config().harvest.time_zone;
        next_fire(&source.schedule.as_ref()?.schedule, tz, Utc::now()).map(|t| t.to_rfc3339())
    }

    /// The job of a source, if it has one.
    pub fn job(&self, source: &str) -> Option<Job> {
        lock(&self.jobs).get(source).cloned()
    }

    /// The job with a run id, if it is queued or running.
    pub fn job_by_run(&self, run_id: &str) -> Option<Job> {
        lock(&self.jobs)
            .values()
            .find(|j| j.run_id == run_id)
            .cloned()
    }

    /// All queued and running jobs.
    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs: Vec<Job> = lock(&self.jobs).values().cloned().collect();
        jobs.sort_by(|a, b| a.requested.cmp(&b.requested).then(a.source.cmp(&b.source)));
        jobs
    }

    /// Requests a run of a source (even a disabled one). Returns the job,
    /// queued until a slot is free; refused if the source has a job.
    pub fn trigger(
        self: &Arc<Self>,
        source_id: &str,
        trigger: Trigger,
    ) -> Result<Job, TriggerError> {
        let harvesting = self.harvesting();
        if harvesting.config.source(source_id).is_none() {
            return Err(TriggerError::UnknownSource(source_id.to_owned()));
        }
        let now = harvesting.clock.now();
        let job = {
            let mut jobs = lock(&self.jobs);
            if let Some(existing) = jobs.get(source_id) {
                self.metrics.run_refused(source_id, trigger.as_str());
                return Err(TriggerError::Busy(existing.clone()));
            }
            let job = Job {
                run_id: new_run_id(source_id, now),
                source: source_id.to_owned(),
                trigger,
                state: JobState::Queued,
                requested: xsd_time(now),
            };
            jobs.insert(source_id.to_owned(), job.clone());
            job
        };
        self.metrics.active("queued", 1);
        let this = self.clone();
        let run = job.clone();
        tokio::spawn(async move { this.run_job(run).await });
        Ok(job)
    }

    async fn run_job(self: Arc<Self>, job: Job) {
        // Whatever happens below, the job leaves the table.
        let mut guard = JobGuard {
            scheduler: self.clone(),
            source: job.source.clone(),
            state: JobState::Queued,
        };
        let Ok(_slot) = self.slots.clone().acquire_owned().await else {
            return;
        };
        let harvesting = self.harvesting();
        let Some(source) = harvesting.config.source(&job.source).cloned() else {
            tracing::warn!(source = %job.source, run = %job.run_id, "source removed from the config before its run started; dropped");
            return;
        };
        if let Some(j) = lock(&self.jobs).get_mut(&job.source) {
            j.state = JobState::Running;
        }
        guard.state = JobState::Running;
        self.metrics.active("queued", -1);
        self.metrics.active("running", 1);
        tracing::info!(source = %job.source, run = %job.run_id, trigger = job.trigger.as_str(), "harvest started");
        let report = harvesting
            .run_source_as(&source, job.trigger, None, Some(job.run_id.clone()))
            .await;
        self.metrics.run_finished(&report.finished_run());
        log_report(&report);
    }
}

/// Removes a job from the table when its task ends (or is cancelled).
struct JobGuard {
    scheduler: Arc<Scheduler>,
    source: String,
    state: JobState,
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        lock(&self.scheduler.jobs).remove(&self.source);
        let state = match self.state {
            JobState::Queued => "queued",
            JobState::Running => "running",
        };
        self.scheduler.metrics.active(state, -1);
    }
}

fn log_report(r: &SourceReport) {
    tracing::info!(
        source = %r.source,
        run = %r.run_id,
        status = r.status.as_str(),
        added = r.added,
        updated = r.updated,
        unchanged = r.unchanged,
        withdrawn = r.withdrawn,
        failed = r.failed + r.pages_failed,
        pages_not_modified = r.pages_not_modified,
        seconds = r.seconds,
        "harvest finished"
    );
    for e in r.errors.iter().take(20) {
        tracing::warn!(source = %r.source, url = %e.url, record = ?e.record, "{}", e.reason);
    }
    for w in r.warnings.iter().take(20) {
        tracing::info!(source = %r.source, url = %w.url, record = ?w.record, "repaired: {}", w.reason);
    }
}

/// The first time `schedule` fires after `after`, in the time zone `tz`.
pub fn next_fire(
    schedule: &cron::Schedule,
    tz: chrono_tz::Tz,
    after: DateTime<Utc>,
) -> Option<DateTime<chrono_tz::Tz>> {
    schedule.after(&after.with_timezone(&tz)).next()
}

/// Fires a source's schedule until aborted or the scheduler is gone.
async fn timer(
    scheduler: Weak<Scheduler>,
    source: String,
    schedule: cron::Schedule,
    tz: chrono_tz::Tz,
) {
    let mut after = Utc::now().with_timezone(&tz);
    loop {
        let Some(next) = schedule.after(&after).next() else {
            tracing::info!(source = %source, "the schedule has no further run");
            return;
        };
        let wait = (next.with_timezone(&Utc) - Utc::now())
            .to_std()
            .unwrap_or_default();
        tokio::time::sleep(wait).await;
        let Some(s) = scheduler.upgrade() else { return };
        // Ticks missed while the process was busy are not caught up.
        let now: DateTime<chrono_tz::Tz> = Utc::now().with_timezone(&tz);
        after = if now > next { now } else { next };
        match s.trigger(&source, Trigger::Schedule) {
            Ok(job) => {
                tracing::debug!(source = %source, run = %job.run_id, "scheduled run requested")
            }
            Err(e) => tracing::info!(source = %source, "scheduled run skipped: {e}"),
        }
    }
}

impl Scheduler {
    /// Re-reads the config file and applies it (see the module doc).
    pub async fn reload(self: &Arc<Self>) -> Result<ReloadSummary, String> {
        let _one = self.reloading.lock().await;
        let old = self.harvesting();
        let path = old.config.path.clone();
        let config = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || Config::load(&path))
                .await
                .map_err(|e| format!("reading the config failed: {e}"))?
                .map_err(|e| format!("{e}; the previous config stays in force"))?
        };
        if config.data_dir != old.config.data_dir {
            return Err(format!(
                "{}: data_dir changed from {} to {}; that needs a restart (the previous config stays in force)",
                path.display(),
                old.config.data_dir.display(),
                config.data_dir.display()
            ));
        }
        let describe = |s: &SourceConfig| format!("{s:?}");
        let mut summary = ReloadSummary {
            config: path.display().to_string(),
            sources: config.sources.len(),
            ..ReloadSummary::default()
        };
        for s in &config.sources {
            match old.config.source(&s.id.0) {
                None => summary.added.push(s.id.0.clone()),
                Some(o) if describe(o) != describe(s) => summary.changed.push(s.id.0.clone()),
                Some(_) => {}
            }
        }
        for s in &old.config.sources {
            if config.source(&s.id.0).is_none() {
                summary.removed.push(s.id.0.clone());
            }
        }
        let limit = config.harvest.max_concurrent_runs.max(1);
        let next = old.reconfigured(Arc::new(config)).map_err(|e| {
            format!("applying the new config failed: {e}; the previous config stays in force")
        })?;
        self.harvesting.set(Arc::new(next));
        self.resize(limit);
        self.start();
        summary.jobs_in_progress = lock(&self.jobs).len();
        tracing::info!(
            config = %summary.config,
            added = ?summary.added,
            removed = ?summary.removed,
            changed = ?summary.changed,
            "config reloaded"
        );
        Ok(summary)
    }

    /// Sets the number of run slots.
    fn resize(&self, n: usize) {
        let mut count = lock(&self.slot_count);
        if n > *count {
            self.slots.add_permits(n - *count);
        } else if n < *count {
            // Take the surplus slots out as they come free.
            let surplus = (*count - n) as u32;
            let slots = self.slots.clone();
            tokio::spawn(async move {
                if let Ok(p) = slots.acquire_many_owned(surplus).await {
                    p.forget();
                }
            });
        }
        *count = n;
    }
}

#[cfg(test)]
mod tests {
    use super::next_fire;
    use crate::config::CronSchedule;
    use chrono::{DateTime, Utc};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn schedules_follow_the_time_zone_and_its_daylight_saving_time() {
        let nightly = CronSchedule::parse("0 3 * * *").unwrap().schedule;
        let berlin = chrono_tz::Europe::Berlin;
        // Winter: 03:00 in Berlin is 02:00 UTC.
        let next = next_fire(&nightly, berlin, at("2026-11-26T12:00:00Z")).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-11-27T03:00:00+01:00");
        assert_eq!(next.with_timezone(&Utc), at("2026-11-27T02:00:00Z"));
        // The night summer time starts (02:00 → 03:00 on 29 March 2026).
        let next = next_fire(&nightly, berlin, at("2026-03-28T12:00:00Z")).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-03-29T03:00:00+02:00");
        // The same expression in UTC.
        let next = next_fire(&nightly, chrono_tz::UTC, at("2026-11-26T12:00:00Z")).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-11-27T03:00:00+00:00");
        // Seconds-first expressions, and crontab weekdays (1 = Monday).
        let every2 = CronSchedule::parse("*/2 * * * * *").unwrap().schedule;
        let next = next_fire(&every2, berlin, at("2026-11-26T12:00:01Z")).unwrap();
        assert_eq!(next.with_timezone(&Utc), at("2026-11-26T12:00:02Z"));
        let mondays = CronSchedule::parse("30 6 * * 1").unwrap().schedule;
        let next = next_fire(&mondays, berlin, at("2026-11-26T12:00:00Z")).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-11-30T06:30:00+01:00");
    }
}
