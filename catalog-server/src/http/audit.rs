//! The audit trail of the admin API: every authorized admin action (harvest
//! now, preview, reload, backup) with its time, the client address and the outcome.
//!
//! Each action is logged at `info` with the `tracing` target `audit` (fields
//! `action`, `source`, `client`, `status`, `outcome`), and the last
//! [`AUDIT_CAPACITY`] are kept in memory for `GET /api/admin/audit`.
//! Refused attempts (no or a wrong token) are logged with target `audit` at
//! `warn` by the authorization check, but are not kept here, so that a flood
//! of refused requests cannot push the real actions out.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Actions kept in memory (the oldest go first).
pub const AUDIT_CAPACITY: usize = 1000;

/// One admin action.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// When the answer was given (RFC 3339, UTC).
    pub time: String,
    /// `harvest`, `preview`, `reload` or `backup`.
    pub action: &'static str,
    /// The source acted on, if any.
    pub source: Option<String>,
    /// The client's address (the peer of the connection; behind a reverse
    /// proxy, the proxy's).
    pub client: String,
    /// The HTTP status answered.
    pub status: u16,
    /// What happened, in a few words (a run id, a record count, an error).
    pub outcome: String,
}

/// The in-memory ring of the last admin actions.
#[derive(Debug, Default)]
pub struct AuditLog {
    entries: Mutex<VecDeque<AuditEntry>>,
}

impl AuditLog {
    /// Logs an action and keeps it.
    pub fn record(
        &self,
        action: &'static str,
        source: Option<&str>,
        client: &str,
        status: u16,
        outcome: impl Into<String>,
    ) {
        let entry = AuditEntry {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            action,
            source: source.map(str::to_owned),
            client: client.to_owned(),
            status,
            outcome: outcome.into(),
        };
        tracing::info!(
            target: "audit",
            action = entry.action,
            source = entry.source.as_deref().unwrap_or(""),
            client = %entry.client,
            status = entry.status,
            outcome = %entry.outcome,
            "admin action"
        );
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= AUDIT_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The last `limit` actions, newest first.
    pub fn recent(&self, limit: usize) -> Vec<AuditEntry> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().rev().take(limit).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_entries_newest_first() {
        let log = AuditLog::default();
        for i in 0..AUDIT_CAPACITY + 5 {
            log.record("reload", None, "127.0.0.1:1", 200, format!("n{i}"));
        }
        let all = log.recent(usize::MAX);
        assert_eq!(all.len(), AUDIT_CAPACITY);
        assert_eq!(all[0].outcome, format!("n{}", AUDIT_CAPACITY + 4));
        assert_eq!(all[AUDIT_CAPACITY - 1].outcome, "n5");
        assert_eq!(log.recent(2).len(), 2);
    }
}
