//! Followers: derived views of the store's published records (the search
//! index is one) that the pipeline keeps in step with every write.
//!
//! The store is the truth. The pipeline calls a follower *after* the store
//! write it reflects has committed; a follower that fails (or a crash between
//! the two commits) leaves the view behind, never the store, and the view is
//! repaired by comparing it with the store (`catalog-server reindex`, and at
//! start-up).

use super::PreparedRecord;
use crate::config::Config;

/// A derived view of published records.
pub trait RecordFollower: Send + Sync {
    /// A short name for logs and reports ("search index").
    fn name(&self) -> &str;

    /// Records of `source` that were added or changed and are published.
    fn published(&self, source: &str, records: &[&PreparedRecord]) -> Result<(), String>;

    /// Records (by record id) that are no longer published: withdrawn or purged.
    fn withdrawn(&self, rids: &[String]) -> Result<(), String>;

    /// The config was reloaded: later calls describe records under `config`.
    fn reconfigured(&self, _config: &Config) {}
}
