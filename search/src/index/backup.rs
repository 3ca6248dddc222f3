//! A copy of the index's last commit while the index is in use.

use super::{SearchIndex, VERSION_FILE};
use crate::SearchError;
use std::collections::HashSet;
use std::path::Path;

/// Attempts before a copy gives up: a background merge that ends during a
/// copy may delete the files of the segments it merged.
const ATTEMPTS: usize = 3;

impl SearchIndex {
    /// Copies the last commit of the index into `target` (created; must
    /// not exist): the files of its segments, its `meta.json` and the
    /// schema version. No commit happens meanwhile (the copy holds the
    /// writer); searches go on. Returns the number of documents copied.
    ///
    /// A server opened on the copy repairs the index from its store (as at
    /// every start), so an index copied a little before or after the store
    /// it belongs to is brought in line with it.
    pub fn copy_to(&self, target: &Path) -> Result<u64, SearchError> {
        let _writer = self
            .writer
            .lock()
            .map_err(|_| SearchError::Corrupt("index writer lock poisoned".into()))?;
        let mut last = None;
        for _ in 0..ATTEMPTS {
            match self.copy_once(target) {
                Ok(n) => return Ok(n),
                Err(e) => {
                    // A partial copy goes; the next attempt starts over.
                    let _ = std::fs::remove_dir_all(target);
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| SearchError::Corrupt("index copy failed".into())))
    }

    fn copy_once(&self, target: &Path) -> Result<u64, SearchError> {
        let metas = self.index.load_metas()?;
        let ids: HashSet<String> = metas
            .segments
            .iter()
            .map(|s| s.id().uuid_string())
            .collect();
        std::fs::create_dir(target).map_err(|e| SearchError::io(target, e))?;
        let entries = std::fs::read_dir(&self.dir).map_err(|e| SearchError::io(&self.dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| SearchError::io(&self.dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            // Segment files are named `{segment id}.{component}` (deletes:
            // `{segment id}.{opstamp}.del`).
            let segment = name.split('.').next().unwrap_or_default();
            if ids.contains(segment) {
                let from = entry.path();
                std::fs::copy(&from, target.join(name)).map_err(|e| SearchError::io(&from, e))?;
            }
        }
        let version = self.dir.join(VERSION_FILE);
        std::fs::copy(&version, target.join(VERSION_FILE))
            .map_err(|e| SearchError::io(&version, e))?;
        // The commit copied, written last as tantivy writes it.
        let mut meta = serde_json::to_vec_pretty(&metas)
            .map_err(|e| SearchError::Corrupt(format!("index meta: {e}")))?;
        meta.push(b'\n');
        let path = target.join("meta.json");
        std::fs::write(&path, meta).map_err(|e| SearchError::io(&path, e))?;
        Ok(metas.segments.iter().map(|s| u64::from(s.num_docs())).sum())
    }
}
