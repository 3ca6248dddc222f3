//! The link checker: the HTTP status of every link (`dcat:accessURL`,
//! `dcat:downloadURL`) that the distributions of published records name,
//! for the score's `accessUrlStatusCode` and `downloadUrlStatusCode`.
//!
//! - One check per distinct URL, however many distributions name it:
//!   `HEAD`, then `GET` with `Range: bytes=0-0` where `HEAD` is refused
//!   ([`harvester::Fetcher::check_link`]).
//! - Its own client and per-host gate (`[quality]` `link_host_connections`,
//!   `link_host_delay`, `link_timeout`), at most `link_concurrency` checks in
//!   flight: the harvest's fetcher is never used, so a harvest never waits
//!   for it; results are written in short transactions while checks go on.
//! - The schedule ([`next_check`]): a link that stays good is checked again
//!   after `recheck_after` times its successes in a row, at most four
//!   (data.europa.eu: one more week per success, up to four weeks); after
//!   a failure after `failed_recheck_after`, doubled per failure in a row,
//!   at most `recheck_after`.
//! - Rescoring: when a link's pass/fail changes, or it is checked for the
//!   first time, every record with a distribution naming it is scored again
//!   from its archived graph and stored violation count (no validation),
//!   and its measurements and meta replaced atomically
//!   ([`CatalogStore::replace_quality`]); the record followers (the search
//!   index, whose `quality` facet and sort read the score) are told of the
//!   rescored records that are shown, after the store has committed.

use crate::config::QualityConfig;
use crate::store::{
    parse_xsd_time, xsd_time, CatalogStore, LinkResult, PreparedRecord, QualityUpdate,
    RecordFollower, RecordLinks, RecordQuality, StoreError, StoredRecord,
};
use crate::validation::quality::{self, LinkStatus, QualityVocabularies};
use futures_util::StreamExt;
use harvester::{FetchLimits, Fetcher, LinkAnswer};
use oxigraph::model::NamedNode;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// Successes in a row after which the interval stops growing.
pub const MAX_SUCCESS_STEPS: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("link checker: {0}")]
    Store(#[from] StoreError),
    #[error("link checker: {0}")]
    Setup(String),
}

/// When a link is due again, checked at `now` with the given outcome and
/// streaks (counting this check).
pub fn next_check(
    now: SystemTime,
    ok: bool,
    successes: u32,
    failures: u32,
    config: &QualityConfig,
) -> SystemTime {
    let wait = if ok {
        config
            .recheck_after
            .saturating_mul(successes.clamp(1, MAX_SUCCESS_STEPS))
    } else {
        let doubled = config
            .failed_recheck_after
            .saturating_mul(1u32 << failures.saturating_sub(1).min(16));
        doubled.min(config.recheck_after)
    };
    now + wait
}

/// Whether an answer counts as available (2xx, 3xx).
pub fn passes(status: Option<u16>) -> bool {
    LinkStatus { status }.ok()
}

/// What one round of checks did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct CheckSummary {
    /// Distinct links of the records looked at.
    pub urls: usize,
    /// Links due (never checked, or past their next check).
    pub due: usize,
    pub checked: usize,
    /// Checked links that answered 2xx/3xx.
    pub ok: usize,
    pub broken: usize,
    /// Links checked for the first time or whose pass/fail changed.
    pub changed: usize,
    /// Records scored again.
    pub rescored: usize,
    pub seconds: f64,
}

/// Where the checker's "now" comes from (tests move it).
pub type ClockFn = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The link checker of one store.
#[derive(Clone)]
pub struct LinkChecker {
    store: Arc<CatalogStore>,
    fetcher: Fetcher,
    config: QualityConfig,
    clock: ClockFn,
    followers: Vec<Arc<dyn RecordFollower>>,
}

impl LinkChecker {
    /// A checker with the `[quality]` settings and its own HTTP client.
    pub fn new(
        store: Arc<CatalogStore>,
        config: &QualityConfig,
        user_agent: Option<&str>,
    ) -> Result<Self, LinkError> {
        let limits = FetchLimits {
            timeout: config.link_timeout,
            read_timeout: config.link_timeout,
            max_bytes: 0,
            host_connections: config.link_host_connections,
            host_delay: config.link_host_delay,
            retries: 0,
            ..FetchLimits::default()
        };
        let fetcher = Fetcher::with_client(
            limits,
            user_agent,
            // Many hosts, few requests each: keep few idle connections.
            reqwest::Client::builder().pool_max_idle_per_host(2),
        )
        .map_err(|e| LinkError::Setup(e.to_string()))?;
        Ok(Self {
            store,
            fetcher,
            config: config.clone(),
            clock: Arc::new(SystemTime::now),
            followers: Vec::new(),
        })
    }

    /// The same checker telling `followers` of the records it scores again.
    pub fn with_followers(mut self, followers: Vec<Arc<dyn RecordFollower>>) -> Self {
        self.followers = followers;
        self
    }

    /// The same checker with another clock.
    pub fn with_clock(mut self, clock: ClockFn) -> Self {
        self.clock = clock;
        self
    }

    /// Checks URLs, at most `link_concurrency` at once; `each` sees every
    /// answer as it arrives.
    pub async fn check_urls(&self, urls: Vec<String>, mut each: impl FnMut(String, LinkAnswer)) {
        let fetcher = &self.fetcher;
        let mut answers = futures_util::stream::iter(urls)
            .map(|url| async move {
                let answer = fetcher.check_link(&url).await;
                (url, answer)
            })
            .buffer_unordered(self.config.link_concurrency.max(1));
        while let Some((url, answer)) = answers.next().await {
            each(url, answer);
        }
    }

    /// One round: the links of published records (of `source`, or all)
    /// that are due (`all`: every one) are checked, their results stored
    /// and the records whose links changed scored again. `progress` is told
    /// (done, due) after each check.
    pub async fn run(
        &self,
        source: Option<&str>,
        all: bool,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<CheckSummary, LinkError> {
        let started = Instant::now();
        let store = self.store.clone();
        let src = source.map(str::to_owned);
        // Every source's records: a link one source's round checks may be
        // named by another source's records too, which are scored again
        // with it.
        let (links, only, known) = blocking(move || {
            let only: Option<BTreeSet<String>> = match src {
                Some(s) => Some(store.record_links(Some(&s))?.by_url.into_keys().collect()),
                None => None,
            };
            Ok((store.record_links(None)?, only, store.link_results()?))
        })
        .await?;
        let now = (self.clock)();
        let considered: Vec<&String> = links
            .by_url
            .keys()
            .filter(|url| only.as_ref().is_none_or(|o| o.contains(*url)))
            .collect();
        let due: Vec<String> = considered
            .iter()
            .filter(|url| {
                all || known
                    .get(**url)
                    .is_none_or(|r| parse_xsd_time(&r.next_check).is_none_or(|next| next <= now))
            })
            .map(|url| (*url).clone())
            .collect();
        let mut summary = CheckSummary {
            urls: considered.len(),
            due: due.len(),
            ..CheckSummary::default()
        };
        progress(0, due.len());
        if due.is_empty() {
            summary.seconds = started.elapsed().as_secs_f64();
            return Ok(summary);
        }
        // Results go to a writer task in batches while checks go on.
        let (tx, rx) = tokio::sync::mpsc::channel::<LinkResult>(1024);
        let writer = tokio::spawn(write_results(
            self.store.clone(),
            Arc::new(links),
            known.clone(),
            rx,
            self.clock.clone(),
            self.followers.clone(),
        ));
        let total = due.len();
        let mut done = 0usize;
        let mut queue: Vec<LinkResult> = Vec::new();
        let config = &self.config;
        let clock = &self.clock;
        self.check_urls(due, |url, answer| {
            let previous = known.get(&url);
            let ok = passes(answer.status);
            let (successes, failures) = match (ok, previous) {
                (true, Some(p)) => (p.successes.saturating_add(1), 0),
                (true, None) => (1, 0),
                (false, Some(p)) => (0, p.failures.saturating_add(1)),
                (false, None) => (0, 1),
            };
            let checked = clock();
            queue.push(LinkResult {
                url,
                status: answer.status,
                ok,
                error: answer.error,
                content_type: answer.content_type,
                final_url: answer.final_url,
                millis: answer.elapsed.as_millis() as u64,
                checked: xsd_time(checked),
                next_check: xsd_time(next_check(checked, ok, successes, failures, config)),
                successes,
                failures,
            });
            done += 1;
            progress(done, total);
            // Hand over what the channel takes now; the rest waits for the
            // next answer (or the end).
            while let Some(r) = queue.pop() {
                match tx.try_send(r) {
                    Ok(()) => {}
                    Err(tokio::sync::mpsc::error::TrySendError::Full(r)) => {
                        queue.push(r);
                        break;
                    }
                    Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => break,
                }
            }
        })
        .await;
        for r in queue {
            if tx.send(r).await.is_err() {
                break;
            }
        }
        drop(tx);
        let written = writer
            .await
            .map_err(|e| LinkError::Setup(format!("the result writer failed: {e}")))??;
        summary.checked = written.checked;
        summary.ok = written.ok;
        summary.broken = written.checked - written.ok;
        summary.changed = written.changed;
        summary.rescored = written.rescored;
        summary.seconds = started.elapsed().as_secs_f64();
        Ok(summary)
    }
}

/// What the writer task wrote.
#[derive(Debug, Default)]
struct Written {
    checked: usize,
    ok: usize,
    changed: usize,
    rescored: usize,
}

/// Results per store write.
const BATCH: usize = 256;

/// Writes results in batches and scores again the records whose links
/// changed (checked for the first time, or pass/fail flipped).
async fn write_results(
    store: Arc<CatalogStore>,
    links: Arc<RecordLinks>,
    known: HashMap<String, LinkResult>,
    mut rx: tokio::sync::mpsc::Receiver<LinkResult>,
    clock: ClockFn,
    followers: Vec<Arc<dyn RecordFollower>>,
) -> Result<Written, LinkError> {
    // The statuses scores are computed with: the stored ones, updated as
    // results arrive.
    let statuses: HashMap<String, Option<u16>> =
        known.iter().map(|(u, r)| (u.clone(), r.status)).collect();
    let statuses = Arc::new(std::sync::Mutex::new(statuses));
    let mut written = Written::default();
    let mut buf: Vec<LinkResult> = Vec::with_capacity(BATCH);
    loop {
        buf.clear();
        if rx.recv_many(&mut buf, BATCH).await == 0 {
            break;
        }
        let batch = std::mem::take(&mut buf);
        let changed: Vec<String> = batch
            .iter()
            .filter(|r| known.get(&r.url).is_none_or(|p| p.ok != r.ok))
            .map(|r| r.url.clone())
            .collect();
        written.checked += batch.len();
        written.ok += batch.iter().filter(|r| r.ok).count();
        written.changed += changed.len();
        let (store, links, shared) = (store.clone(), links.clone(), statuses.clone());
        let followers = followers.clone();
        let now = xsd_time(clock());
        written.rescored += blocking(move || {
            {
                let mut map = shared.lock().unwrap_or_else(|e| e.into_inner());
                for r in &batch {
                    map.insert(r.url.clone(), r.status);
                }
            }
            store.write_link_results(&batch)?;
            let rescored = {
                let map = shared.lock().unwrap_or_else(|e| e.into_inner());
                rescore(&store, &links, &changed, &map, &now)?
            };
            let count = rescored.len();
            tell_followers(&store, &followers, &rescored);
            Ok(count)
        })
        .await?;
    }
    Ok(written)
}

/// Tells the followers of the rescored records that are shown (their
/// documents carry the score). A follower that fails is left behind, never
/// the store: the next repair of the view brings it up to date.
fn tell_followers(
    store: &CatalogStore,
    followers: &[Arc<dyn RecordFollower>],
    rescored: &[(&StoredRecord, bool)],
) {
    if followers.is_empty() {
        return;
    }
    let mut by_source: std::collections::BTreeMap<&str, Vec<PreparedRecord>> =
        std::collections::BTreeMap::new();
    for (record, shown) in rescored {
        if !shown {
            continue;
        }
        match store.prepared_from_archive(record) {
            Ok(p) => by_source.entry(record.source.as_str()).or_default().push(p),
            Err(e) => tracing::warn!(
                source = %record.source,
                record = %record.rid,
                "rescored record not passed to the followers ({e}); the next repair brings them up to date"
            ),
        }
    }
    for (source, records) in &by_source {
        let refs: Vec<&PreparedRecord> = records.iter().collect();
        for f in followers {
            if let Err(e) = f.published(source, &refs) {
                tracing::warn!(
                    %source,
                    "updating {} with rescored records failed ({e}); the store is unaffected and the next repair brings it up to date",
                    f.name()
                );
            }
        }
    }
}

/// Scores again the records that name any of `urls`, with `statuses`:
/// the records updated and whether each is shown.
fn rescore<'a>(
    store: &CatalogStore,
    links: &'a RecordLinks,
    urls: &[String],
    statuses: &HashMap<String, Option<u16>>,
    now: &str,
) -> Result<Vec<(&'a StoredRecord, bool)>, StoreError> {
    let records: BTreeSet<usize> = urls
        .iter()
        .filter_map(|u| links.by_url.get(u))
        .flatten()
        .copied()
        .collect();
    let lookup =
        |url: &str| -> Option<LinkStatus> { statuses.get(url).map(|s| LinkStatus { status: *s }) };
    let mut updates = Vec::new();
    let mut updated = Vec::new();
    for i in records {
        let Some(record) = links.records.get(i) else {
            continue;
        };
        let Some(violations) = store.scored_violations(record)? else {
            continue;
        };
        let Ok(dataset) = NamedNode::new(&record.dataset) else {
            continue;
        };
        let triples = store.exact_graph(record)?;
        let scored = quality::score(
            &triples,
            dataset.as_ref(),
            Some(violations),
            Some(&lookup),
            QualityVocabularies::shipped(),
        );
        updates.push(QualityUpdate {
            source: record.source.clone(),
            rid: record.rid.clone(),
            hash: record.hash.clone(),
            measurements: scored.dqv_triples(&record.rid, dataset.as_ref(), now),
            quality: RecordQuality {
                score: scored.score,
                band: scored.band.name().to_owned(),
                points: scored.points(),
            },
        });
        updated.push(record);
    }
    Ok(store
        .replace_quality(&updates)?
        .into_iter()
        .filter_map(|(at, shown)| updated.get(at).map(|r| (*r, shown)))
        .collect())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, LinkError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| LinkError::Setup(format!("a store task failed: {e}")))?
        .map_err(LinkError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const DAY: u64 = 24 * 3600;

    #[test]
    fn rechecks_space_out_while_good_and_come_sooner_after_a_failure() {
        let config = QualityConfig::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000 * DAY);
        let after = |ok, s, f| {
            next_check(t0, ok, s, f, &config)
                .duration_since(t0)
                .map(|d| d.as_secs() / DAY)
                .unwrap_or(0)
        };
        // One more week per success in a row, up to four weeks.
        assert_eq!(
            (1..=6).map(|s| after(true, s, 0)).collect::<Vec<_>>(),
            vec![7, 14, 21, 28, 28, 28]
        );
        // After a failure: one day, doubled per failure, at most a week.
        assert_eq!(
            (1..=5).map(|f| after(false, 0, f)).collect::<Vec<_>>(),
            vec![1, 2, 4, 7, 7]
        );
    }

    #[test]
    fn pass_is_2xx_or_3xx() {
        assert!(passes(Some(200)) && passes(Some(206)) && passes(Some(304)));
        assert!(!passes(Some(404)) && !passes(Some(500)) && !passes(None));
    }
}
