//! Harvesting: runs a source's harvester and turns its pages into stored
//! records, by stage:
//!
//! - [`run`]: one run of one source, from its start to its run record;
//! - [`sources`]: which harvester a source kind gets, and its catalog description;
//! - [`quickhash`]: records certainly unchanged skip the slow path;
//! - [`prepare`]: canonical form, hash, compression and validation;
//! - [`write`]: batches of pages written to the store, then told to the followers;
//! - [`lifecycle`]: what a run decides at its end (withdraw, purge, republish);
//! - [`pagememo`]: conditional requests for DCAT pages that a complete run read;
//! - [`report`]: what a run did, for people and for the run record;
//! - [`scheduler`]: runs on schedules and on request, config reloads.
//!
//! The pipeline overlaps fetching the next page with preparing and writing
//! the current one. A failed page or record never removes anything that
//! was stored before.

pub mod lifecycle;
pub mod pagememo;
mod prepare;
pub mod quickhash;
pub mod report;
mod run;
pub mod scheduler;
mod sources;
mod write;

pub use lifecycle::{Clock, ManualClock, SystemClock};
pub(crate) use prepare::known_types;
pub use report::{ItemError, QualityTally, SourceReport, Timings, ValidationCounts};
pub use write::WRITE_BATCH;

use crate::config::Config;
use crate::contexts;
use crate::store::{CatalogStore, RecordFollower};
use harvester::{Fetcher, ParseOptions};
use std::sync::Arc;

/// The harvesting in force: swapped by a config reload
/// ([`crate::harvest::scheduler::Scheduler::reload`]), read by every request handler
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
        let parse = ParseOptions { contexts: json_ld };
        // Page memos of sources no longer configured are of no use (a source
        // added again starts with plain requests).
        let configured: std::collections::HashSet<&str> =
            config.sources.iter().map(|s| s.id.0.as_str()).collect();
        store.set_priorities(config.sources.iter().map(|s| (s.id.0.clone(), s.priority)));
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
}
