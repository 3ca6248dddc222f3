//! Page memos as data (archive table `page_memos`, key `{source}\n{page
//! URL}`): what a complete run read from each page of a DCAT source. When a
//! memo is written and when it may be trusted is the harvest's rule
//! ([`crate::harvest::pagememo`]).

use super::vocab::graphs;
use super::{record_id, CatalogStore, StoreError};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

pub(super) const PAGE_MEMOS: TableDefinition<&str, &[u8]> = TableDefinition::new("page_memos");

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
    pub(crate) fn published_hashes(
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
