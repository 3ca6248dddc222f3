//! A consistent copy of the store while it is in use: the Oxigraph
//! database as a RocksDB checkpoint and the archive as a new redb file,
//! both taken at one moment between two record writes.
//!
//! Consistency: every writer of records, catalogs and runs holds the
//! store's writer lock ([`CatalogStore::lock_writes`]). Holding it, the copy
//! first opens a read transaction of the archive (a snapshot), then makes
//! the Oxigraph checkpoint; then it lets writers go on and writes the
//! snapshot's tables into the new archive. The archive is written before
//! the Oxigraph transaction that names a hash, so every hash the
//! checkpoint names is in the snapshot. Source hashes and page memos are
//! written outside the lock; they are caches that the harvest checks
//! against the record they name, so an entry newer or older than the
//! records costs at most a slower next run.

use super::{page_memos::PAGE_MEMOS, source_hashes::SOURCE_HASHES};
use super::{CatalogStore, StoreError, BLOBS};
use redb::{ReadableDatabase, ReadableTable};
use std::path::Path;

/// What a store copy holds.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct StoreBackup {
    /// Archived exact graphs copied.
    pub archived_graphs: u64,
    /// Source-hash and page-memo entries copied.
    pub cache_entries: u64,
    /// Seconds the writers waited (the checkpoint).
    pub writers_paused_seconds: f64,
}

impl CatalogStore {
    /// Copies the store into `target` (`target/oxigraph`,
    /// `target/archive.redb`), a folder that must exist and be empty. The
    /// copy is a data folder of its own: a server started on it finds the
    /// store as it was at the moment of the copy.
    ///
    /// The checkpoint hard-links RocksDB's immutable files when `target` is
    /// on the same file system (a copy otherwise), so a copy on the same
    /// disk costs little space and does not protect against that disk's
    /// loss: copy it elsewhere (see docs/deployment.md).
    pub fn backup_to(&self, target: &Path) -> Result<StoreBackup, StoreError> {
        let started = std::time::Instant::now();
        let (snapshot, paused) = {
            let _guard = self.lock_writes()?;
            let snapshot = self.archive.begin_read()?;
            self.store.backup(target.join("oxigraph"))?;
            (snapshot, started.elapsed().as_secs_f64())
        };
        let archive = redb::Database::create(target.join("archive.redb"))
            .map_err(|e| StoreError::Archive(format!("the copy's archive: {e}")))?;
        let txn = archive.begin_write()?;
        let mut out = StoreBackup {
            writers_paused_seconds: paused,
            ..Default::default()
        };
        out.archived_graphs = copy_table!(snapshot, txn, BLOBS)?;
        out.cache_entries = copy_table!(snapshot, txn, SOURCE_HASHES)?;
        out.cache_entries += copy_table!(snapshot, txn, PAGE_MEMOS)?;
        txn.commit()?;
        Ok(out)
    }
}

/// Copies one table of the snapshot (absent: nothing) into a write
/// transaction; the number of entries copied. (A macro: the tables' key
/// types differ and redb's key lifetimes make a generic function awkward.)
macro_rules! copy_table {
    ($from:expr, $to:expr, $table:expr) => {{
        match $from.open_table($table) {
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(0u64),
            Err(e) => Err(StoreError::from(e)),
            Ok(source) => (|| {
                let mut target = $to.open_table($table)?;
                let mut n = 0u64;
                for entry in source.iter()? {
                    let (k, v) = entry?;
                    target.insert(k.value(), v.value())?;
                    n += 1;
                }
                Ok::<u64, StoreError>(n)
            })(),
        }
    }};
}
use copy_table;
