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

use crate::config::{Config, SourceConfig};
use crate::store::{record_id, CatalogStore, StoreError};
use crate::validation::LoadedProfile;
use crate::vocab::graphs;
use harvester::dcat::PageMemo;
use harvester::{Location, Validators};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const PAGE_MEMOS: TableDefinition<&str, &[u8]> = TableDefinition::new("page_memos");

/// Changes whenever the memo format or the meaning of its contents changes.
const FORMAT: &str = "page-memo-1";

/// A page memo as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredMemo {
    pub fingerprint: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub next: Option<String>,
    /// (dataset IRI, content hash in the store when the memo was written).
    pub datasets: Vec<(String, String)>,
}

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

fn key(source: &str, url: &str) -> String {
    format!("{source}\n{url}")
}

impl CatalogStore {
    /// The stored memos of a source, by page URL. Unreadable entries are skipped.
    pub fn page_memos(&self, source: &str) -> Result<Vec<(String, StoredMemo)>, StoreError> {
        let txn = self.archive.begin_read()?;
        let table = match txn.open_table(PAGE_MEMOS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let prefix = key(source, "");
        let mut out = Vec::new();
        for entry in table.range(prefix.as_str()..)? {
            let (k, v) = entry?;
            let Some(url) = k.value().strip_prefix(prefix.as_str()) else {
                break;
            };
            match serde_json::from_slice::<StoredMemo>(v.value()) {
                Ok(memo) => out.push((url.to_owned(), memo)),
                Err(e) => tracing::warn!(%source, %url, "ignoring an unreadable page memo: {e}"),
            }
        }
        Ok(out)
    }

    /// Removes the memos of every source not in `keep`; returns how many.
    pub fn retain_page_memos(
        &self,
        keep: &std::collections::HashSet<&str>,
    ) -> Result<usize, StoreError> {
        let stale: Vec<String> = {
            let txn = self.archive.begin_read()?;
            let table = match txn.open_table(PAGE_MEMOS) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(0),
                Err(e) => return Err(e.into()),
            };
            let mut stale = Vec::new();
            for entry in table.iter()? {
                let (k, _) = entry?;
                let k = k.value();
                let source = k.split_once('\n').map_or(k, |(s, _)| s);
                if !keep.contains(source) {
                    stale.push(k.to_owned());
                }
            }
            stale
        };
        if stale.is_empty() {
            return Ok(0);
        }
        let txn = self.archive.begin_write()?;
        {
            let mut table = txn.open_table(PAGE_MEMOS)?;
            for k in &stale {
                table.remove(k.as_str())?;
            }
        }
        txn.commit()?;
        Ok(stale.len())
    }

    /// Replaces all memos of a source (an empty list removes them).
    pub fn replace_page_memos(
        &self,
        source: &str,
        memos: &[(String, StoredMemo)],
    ) -> Result<(), StoreError> {
        if memos.is_empty() && self.page_memos(source)?.is_empty() {
            return Ok(());
        }
        let prefix = key(source, "");
        let txn = self.archive.begin_write()?;
        {
            let mut table = txn.open_table(PAGE_MEMOS)?;
            let old: Vec<String> = table
                .range(prefix.as_str()..)?
                .map(|e| e.map(|(k, _)| k.value().to_owned()))
                .take_while(|k| k.as_ref().map_or(true, |k| k.starts_with(&prefix)))
                .collect::<Result<_, _>>()?;
            for k in &old {
                table.remove(k.as_str())?;
            }
            for (url, memo) in memos {
                let value =
                    serde_json::to_vec(memo).map_err(|e| StoreError::Other(e.to_string()))?;
                table.insert(key(source, url).as_str(), value.as_slice())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// The content hash of each record of `source` named by `datasets`, or
    /// `None` when one of them is not published.
    fn published_hashes(
        &self,
        source: &str,
        published: &std::collections::HashSet<String>,
        datasets: &[String],
    ) -> Result<Option<Vec<String>>, StoreError> {
        let meta = graphs::meta(source);
        let mut out = Vec::with_capacity(datasets.len());
        for d in datasets {
            let rid = record_id(source, d);
            if !published.contains(&rid) {
                return Ok(None);
            }
            match self.hash_of(&graphs::record(&rid), &meta)? {
                Some(h) => out.push(h),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::prepare;
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
