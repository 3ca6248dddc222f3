//! `catalog-server backup DIR`: a consistent copy of the store, its
//! archive and the search index, taken while the server runs (through
//! `POST /api/admin/backup`) or while nothing runs (by the command itself).
//!
//! The copy is a data folder: `DIR/oxigraph`, `DIR/archive.redb`,
//! `DIR/search` and `DIR/backup.json` (what was copied, and when). To
//! restore it, stop the server and make `DIR` the `data_dir` (or move it
//! there); the server repairs the search index from the store at start, so
//! an index copied a moment apart from the store is brought in line.

use crate::store::{CatalogStore, StoreBackup, StoreError};
use catalog_search::SearchIndex;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("backup folder {0}: {1}")]
    Target(String, String),
    #[error("copying the store: {0}")]
    Store(#[from] StoreError),
    #[error("copying the search index: {0}")]
    Search(#[from] catalog_search::SearchError),
}

impl BackupError {
    /// Whether the caller asked for something impossible (an existing or
    /// unusable folder) rather than the copy failing.
    pub fn is_target(&self) -> bool {
        matches!(self, BackupError::Target(..))
    }
}

/// What a backup holds: written as `backup.json` into the copy.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BackupReport {
    /// The folder written.
    #[schema(value_type = String)]
    pub dir: PathBuf,
    /// When the copy was taken (RFC 3339, UTC).
    pub taken: String,
    /// The program version that took it.
    pub version: &'static str,
    #[serde(flatten)]
    #[schema(inline)]
    pub store: StoreBackup,
    /// Documents of the search index copied (`None`: no index was copied;
    /// the server builds it from the store at its first start).
    pub search_documents: Option<u64>,
    /// Seconds the whole copy took.
    pub seconds: f64,
}

/// Copies the store (and the index, if given) into `target`, which must
/// not exist; its parent must. On failure the partial copy is removed.
pub fn backup(
    store: &CatalogStore,
    index: Option<&SearchIndex>,
    target: &Path,
) -> Result<BackupReport, BackupError> {
    let started = std::time::Instant::now();
    let shown = target.display().to_string();
    if target.exists() {
        return Err(BackupError::Target(
            shown,
            "already exists: a backup goes into a new folder".into(),
        ));
    }
    let target = absolute(target).map_err(|e| BackupError::Target(shown.clone(), e))?;
    std::fs::create_dir(&target).map_err(|e| BackupError::Target(shown.clone(), e.to_string()))?;
    let taken = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let result = (|| {
        let copied = store.backup_to(&target)?;
        let search_documents = match index {
            Some(index) => Some(index.copy_to(&target.join("search"))?),
            None => None,
        };
        let report = BackupReport {
            dir: target.clone(),
            taken,
            version: env!("CARGO_PKG_VERSION"),
            store: copied,
            search_documents,
            seconds: started.elapsed().as_secs_f64(),
        };
        let path = target.join("backup.json");
        let text = serde_json::to_vec_pretty(&report)
            .map_err(|e| BackupError::Target(shown.clone(), e.to_string()))?;
        std::fs::write(&path, text)
            .map_err(|e| BackupError::Target(path.display().to_string(), e.to_string()))?;
        Ok(report)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&target);
    }
    result
}

/// `target` made absolute against the current directory, its parent
/// required to exist (so that the server, which may have another current
/// directory, writes where the operator meant).
fn absolute(target: &Path) -> Result<PathBuf, String> {
    let full = std::path::absolute(target).map_err(|e| e.to_string())?;
    match full.parent() {
        Some(parent) if parent.is_dir() => Ok(full),
        Some(parent) => Err(format!("its parent {} is not a folder", parent.display())),
        None => Err("is not a folder path".into()),
    }
}
