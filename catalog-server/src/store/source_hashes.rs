//! Source hashes as data (archive table `source_hashes`, key: record id):
//! the source hash of a record's last stored form together with the
//! canonical hash it was computed for. What a source hash is and when it
//! lets a record skip the slow path is the harvest's rule
//! ([`crate::harvest::quickhash`]).

use super::vocab::graphs;
use super::{CatalogStore, StoreError};
use redb::{ReadableDatabase, TableDefinition};

pub(super) const SOURCE_HASHES: TableDefinition<&str, &[u8]> =
    TableDefinition::new("source_hashes");

impl CatalogStore {
    /// For each (rid, source hash): is the record stored with exactly this content?
    pub fn unchanged_by_source_hash(
        &self,
        source: &str,
        items: &[(String, [u8; 32])],
    ) -> Result<Vec<bool>, StoreError> {
        let txn = self.archive.begin_read()?;
        let table = match txn.open_table(SOURCE_HASHES) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(vec![false; items.len()]),
            Err(e) => return Err(e.into()),
        };
        let meta = graphs::meta(source);
        let mut out = Vec::with_capacity(items.len());
        for (rid, qh) in items {
            let Some(entry) = table.get(rid.as_str())? else {
                out.push(false);
                continue;
            };
            let entry = entry.value();
            if entry.len() != 64 || entry[..32] != qh[..] {
                out.push(false);
                continue;
            }
            let canonical = hex::encode(&entry[32..]);
            let current = self.hash_of(&graphs::record(rid), &meta)?;
            out.push(current.as_deref() == Some(canonical.as_str()));
        }
        Ok(out)
    }

    /// Remembers source hashes of records just written (or found unchanged).
    pub fn remember_source_hashes(
        &self,
        items: &[(&str, [u8; 32], &str)],
    ) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let mut txn = self.archive.begin_write()?;
        // A lost entry only costs the slow path next time.
        txn.set_durability(redb::Durability::None)
            .map_err(|e| StoreError::Archive(e.to_string()))?;
        {
            let mut table = txn.open_table(SOURCE_HASHES)?;
            for (rid, qh, canonical) in items {
                let mut value = Vec::with_capacity(64);
                value.extend_from_slice(qh);
                value.extend(hex::decode(canonical).map_err(|e| StoreError::Other(e.to_string()))?);
                table.insert(*rid, value.as_slice())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Forgets the source hashes of records (purged ones).
    pub fn forget_source_hashes(&self, rids: &[String]) -> Result<(), StoreError> {
        if rids.is_empty() {
            return Ok(());
        }
        let txn = self.archive.begin_write()?;
        {
            let mut table = txn.open_table(SOURCE_HASHES)?;
            for rid in rids {
                table.remove(rid.as_str())?;
            }
        }
        txn.commit()?;
        Ok(())
    }
}
