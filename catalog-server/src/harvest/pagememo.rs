//! Page memos: what a complete run read from each page of a DCAT source, so
//! the next run can ask for the page conditionally (`If-None-Match`,
//! `If-Modified-Since`) and, on `304 Not Modified`, count the page's datasets
//! as seen and unchanged without fetching, parsing or writing anything.
//!
//! A memo (archive table `page_memos`, key `{source}\n{page URL}`) holds the
//! page's validators, its next-page link, the dataset IRIs it held with the
//! content hash each had in the store when the memo was written, and the
//! source's [`fingerprint`] (everything that decides mapping, hash and
//! validation). Rules:
//!
//! - memos are written only at the end of a run that read the complete
//!   listing (no failed page, no failed store write), only for pages with
//!   validators, without record errors, failed or rejected records or
//!   datasets already seen on an earlier page, and only when each of the
//!   page's records is published in the store (the hashes are read then);
//!   the source's other memos are dropped at the same time;
//! - at the start of a run, a memo counts only if its fingerprint is the
//!   source's current one and each of its datasets is published with the
//!   hash the memo names. A record changed, withdrawn or purged since (by a
//!   later, incomplete run, or a crash) thus voids the memo: a memo never
//!   claims a record the store does not hold as it was.

use super::Harvesting;
use crate::config::{Config, SourceConfig};
use crate::store::{CatalogStore, StoreError, StoredMemo};
use crate::validation::LoadedProfile;
use harvester::dcat::PageMemo;
use harvester::{Location, Validators};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Changes whenever the memo format or the meaning of its contents changes.
const FORMAT: &str = "page-memo-1";

/// What decides how a DCAT source's pages become stored records: the source
/// config as the pipeline uses it (kind, resolved URL, headers, profile and
/// policy, publisher defaults), the harvest limits that can reject a page or
/// record, the minting base, the validation profile's version and the
/// program version (mapping code). Not included: title, schedule, `enabled`,
/// `incremental` and deletion settings.
pub fn fingerprint(
    config: &Config,
    source: &SourceConfig,
    profile: Option<&LoadedProfile>,
) -> String {
    let location = Location::parse(&source.url, &config.base_dir())
        .map(|l| l.as_url())
        .unwrap_or_else(|_| source.url.clone());
    let profile = profile
        .map(|p| format!("{}@{}", p.name, p.fingerprint))
        .unwrap_or_else(|| "none".to_owned());
    let text = format!(
        "{FORMAT}\n{}\n{}\n{location}\n{:?}\n{profile}\n{:?}\n{:?}\n{:?}\n{:?}\n{}\n{}\n{}\n{}\n",
        env!("CARGO_PKG_VERSION"),
        source.kind.as_str(),
        source.headers,
        source.validation,
        source.publisher,
        source.contributor_id,
        source.geocoding,
        config.mint_base(),
        config.harvest.max_record_triples,
        config.harvest.max_page_bytes,
        config.harvest.fetch_remote_contexts,
    );
    hex::encode(&Sha256::digest(text.as_bytes())[..16])
}

/// The memos of a source that may be trusted now (see the module docs), as
/// the DCAT harvester takes them; `dropped` counts the others.
pub fn trusted(
    store: &CatalogStore,
    source: &str,
    fingerprint: &str,
) -> Result<(HashMap<String, PageMemo>, usize), StoreError> {
    let memos = store.page_memos(source)?;
    if memos.is_empty() {
        return Ok((HashMap::new(), 0));
    }
    let published = store.published_rids(source)?;
    let mut out = HashMap::new();
    let mut dropped = 0;
    for (url, memo) in memos {
        let iris: Vec<String> = memo.datasets.iter().map(|(d, _)| d.clone()).collect();
        let same = memo.fingerprint == fingerprint
            && store
                .published_hashes(source, &published, &iris)?
                .is_some_and(|hashes| {
                    hashes
                        .iter()
                        .zip(&memo.datasets)
                        .all(|(now, (_, then))| now == then)
                });
        if !same {
            dropped += 1;
            continue;
        }
        out.insert(
            url,
            PageMemo {
                validators: Validators {
                    etag: memo.etag,
                    last_modified: memo.last_modified,
                },
                next: memo.next,
                datasets: iris,
            },
        );
    }
    Ok((out, dropped))
}

/// A page read in a run that may become a memo at its end.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub url: String,
    pub validators: Validators,
    pub next: Option<String>,
    pub datasets: Vec<String>,
}

/// Writes the memos of a run that read the complete listing: one per
/// candidate whose records are all published (with their current hashes),
/// replacing all earlier memos of the source. Returns the number written.
pub fn remember(
    store: &CatalogStore,
    source: &str,
    fingerprint: &str,
    candidates: &[Candidate],
) -> Result<usize, StoreError> {
    let published = if candidates.iter().any(|c| !c.validators.is_empty()) {
        store.published_rids(source)?
    } else {
        Default::default()
    };
    let mut memos = Vec::new();
    for c in candidates {
        if c.validators.is_empty() {
            continue;
        }
        let Some(hashes) = store.published_hashes(source, &published, &c.datasets)? else {
            continue;
        };
        memos.push((
            c.url.clone(),
            StoredMemo {
                fingerprint: fingerprint.to_owned(),
                etag: c.validators.etag.clone(),
                last_modified: c.validators.last_modified.clone(),
                next: c.next.clone(),
                datasets: c.datasets.iter().cloned().zip(hashes).collect(),
            },
        ));
    }
    store.replace_page_memos(source, &memos)?;
    Ok(memos.len())
}

impl Harvesting {
    /// The page memos of a DCAT source that can be trusted now (see
    /// [`super::pagememo`]); none when they cannot be read.
    pub(super) async fn trusted_memos(
        &self,
        source: &SourceConfig,
        fingerprint: &str,
    ) -> HashMap<String, harvester::dcat::PageMemo> {
        let store = self.store.clone();
        let (sid, f) = (source.id.0.clone(), fingerprint.to_owned());
        let loaded = tokio::task::spawn_blocking(move || trusted(&store, &sid, &f)).await;
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
    pub(super) async fn remember_memos(
        &self,
        source: &SourceConfig,
        fingerprint: &str,
        candidates: Vec<Candidate>,
    ) {
        let store = self.store.clone();
        let (sid, f) = (source.id.0.clone(), fingerprint.to_owned());
        let written =
            tokio::task::spawn_blocking(move || remember(&store, &sid, &f, &candidates)).await;
        match written {
            Ok(Ok(n)) => tracing::debug!(source = %source.id.0, memos = n, "page memos written"),
            Ok(Err(e)) => tracing::warn!(source = %source.id.0, "writing page memos failed: {e}"),
            Err(e) => tracing::warn!(source = %source.id.0, "writing page memos failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::prepare;
    use crate::store::record_id;
    use oxigraph::model::{Literal, NamedNode, Triple};

    fn record(n: usize, title: &str) -> harvester::Record {
        let ds = NamedNode::new_unchecked(format!("https://stadt.example/ds/{n}"));
        harvester::Record {
            dataset: ds.clone(),
            triples: vec![Triple::new(
                ds,
                NamedNode::new_unchecked("http://purl.org/dc/terms/title"),
                Literal::new_simple_literal(title),
            )],
            page_url: "https://stadt.example/catalog".into(),
            minted: false,
        }
    }

    fn candidate(datasets: &[usize]) -> Candidate {
        Candidate {
            url: "https://stadt.example/catalog?page=1".into(),
            validators: Validators {
                etag: Some("\"v1\"".into()),
                last_modified: None,
            },
            next: Some("https://stadt.example/catalog?page=2".into()),
            datasets: datasets
                .iter()
                .map(|n| format!("https://stadt.example/ds/{n}"))
                .collect(),
        }
    }

    #[test]
    fn memos_name_only_stored_records_and_die_with_them() {
        let dir = std::env::temp_dir().join(format!("catalog-pagememo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = CatalogStore::open(&dir).unwrap();
        let cat = "http://land.example/catalogs/stadt";
        let write = |r: &harvester::Record, at: &str| {
            store
                .write_records("stadt", cat, &[prepare("stadt", r).unwrap()], at)
                .unwrap();
        };
        write(&record(1, "A"), "2026-01-01T00:00:00Z");
        write(&record(2, "B"), "2026-01-01T00:00:00Z");

        // A page naming a record that is not stored is not memoized.
        assert_eq!(
            remember(&store, "stadt", "f1", &[candidate(&[1, 3])]).unwrap(),
            0
        );
        assert_eq!(
            remember(&store, "stadt", "f1", &[candidate(&[1, 2])]).unwrap(),
            1
        );
        let (memos, dropped) = trusted(&store, "stadt", "f1").unwrap();
        assert_eq!(dropped, 0);
        let memo = &memos["https://stadt.example/catalog?page=1"];
        assert_eq!(memo.validators.etag.as_deref(), Some("\"v1\""));
        assert_eq!(memo.datasets.len(), 2);
        // Another source is not affected; another fingerprint voids the memo.
        assert!(trusted(&store, "stadt2", "f1").unwrap().0.is_empty());
        assert_eq!(trusted(&store, "stadt", "f2").unwrap(), (HashMap::new(), 1));

        // A record changed since (e.g. by an incomplete run): the memo is void.
        write(&record(2, "B2"), "2026-01-02T00:00:00Z");
        assert_eq!(trusted(&store, "stadt", "f1").unwrap(), (HashMap::new(), 1));

        // A withdrawn record voids it too.
        assert_eq!(
            remember(&store, "stadt", "f1", &[candidate(&[1, 2])]).unwrap(),
            1
        );
        assert_eq!(trusted(&store, "stadt", "f1").unwrap().0.len(), 1);
        store
            .withdraw(
                "stadt",
                cat,
                &[record_id("stadt", "https://stadt.example/ds/1")],
                "2026-01-03T00:00:00Z",
            )
            .unwrap();
        assert_eq!(trusted(&store, "stadt", "f1").unwrap(), (HashMap::new(), 1));

        // Replacing with nothing removes the source's memos.
        store.replace_page_memos("stadt", &[]).unwrap();
        assert!(store.page_memos("stadt").unwrap().is_empty());

        // Memos of a source no longer configured are dropped; others stay.
        write(&record(2, "B"), "2026-01-04T00:00:00Z");
        assert_eq!(
            remember(&store, "stadt", "f1", &[candidate(&[2])]).unwrap(),
            1
        );
        assert_eq!(store.page_memos("stadt").unwrap().len(), 1);
        let keep: std::collections::HashSet<&str> = ["stadt"].into_iter().collect();
        assert_eq!(store.retain_page_memos(&keep).unwrap(), 0);
        assert_eq!(store.page_memos("stadt").unwrap().len(), 1);
        let keep: std::collections::HashSet<&str> = ["stadt2"].into_iter().collect();
        assert_eq!(store.retain_page_memos(&keep).unwrap(), 1);
        assert!(store.page_memos("stadt").unwrap().is_empty());
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
