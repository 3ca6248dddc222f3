//! The home page (also what a browser gets from `/sparql` without a query)
//! and `/health`.

use super::{ApiError, AppState};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The portal's home page: search box, dataset counts, the EU data
/// themes with counts, the newest datasets and the sources
/// ([`super::web::pages::home_page`]).
#[utoipa::path(
    get,
    path = "/",
    tag = "service",
    responses((status = 200, description = "The portal's home page (HTML).", body = String, content_type = "text/html")),
)]
pub(super) async fn index(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    super::web::pages::home_page(state, headers, raw.unwrap_or_default()).await
}

/// Below this much free disk space `/health` reports the store unhealthy.
pub const MIN_FREE_DISK: u64 = 1024 * 1024 * 1024;

/// The answer of `/health` (fields in alphabetical order, as the API
/// reference shows it).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Graphs in the record archive (null when the archive is unavailable).
    pub archived_graphs: Option<u64>,
    /// Free space on the data folder's disk (null when unknown).
    pub free_disk_bytes: Option<u64>,
    /// The failed checks, empty when healthy.
    pub problems: Vec<String>,
    pub sources_configured: usize,
    /// Sources with records in the store.
    pub sources_stored: usize,
    /// `ok` (answered 200) or `unhealthy` (answered 503).
    #[schema(pattern = "^(ok|unhealthy)$")]
    pub status: &'static str,
    /// Runs running for more than twice their time limit (or a day).
    pub stuck_runs: Vec<String>,
    /// The server's version.
    pub version: &'static str,
}

/// `/health`: the store, the archive, free disk space and stuck runs; 200
/// with `"status": "ok"` when all are well, 503 with the failing checks
/// otherwise.
#[utoipa::path(
    get,
    path = "/health",
    tag = "service",
    responses(
        (status = 200, description = "Healthy.", body = Health),
        (status = 503, description = "A check failed: store, archive, free disk space (at least 1 GiB) or a stuck run; `problems` says which.", body = Health),
        (status = 500, description = "The checks could not run.", body = ApiError, content_type = "text/plain"),
    )
)]
pub(super) async fn health(State(state): State<Arc<AppState>>) -> Response {
    let store = state.store.clone();
    let config = state.config();
    let result = tokio::task::spawn_blocking(move || {
        let mut problems: Vec<String> = Vec::new();
        let sources = match store.stored_sources() {
            Ok(s) => s.len(),
            Err(e) => {
                problems.push(format!("store unavailable: {e}"));
                0
            }
        };
        let graphs = match store.check_archive() {
            Ok(n) => Some(n),
            Err(e) => {
                problems.push(format!("record archive unavailable: {e}"));
                None
            }
        };
        let free = match store.free_disk_bytes() {
            Ok(free) => {
                if free < MIN_FREE_DISK {
                    problems.push(format!(
                        "only {} free on the data folder's disk (less than {})",
                        bytesize::ByteSize::b(free),
                        bytesize::ByteSize::b(MIN_FREE_DISK)
                    ));
                }
                Some(free)
            }
            Err(e) => {
                problems.push(format!("free disk space unknown: {e}"));
                None
            }
        };
        // A run is stuck when it has been running for twice its time limit,
        // or a day without one.
        let limit = config
            .harvest
            .run_timeout
            .map(|t| t * 2)
            .unwrap_or(std::time::Duration::from_secs(24 * 3600));
        let now = std::time::SystemTime::now();
        let mut stuck = Vec::new();
        for s in &config.sources {
            if let Ok(Some(run)) = store.last_run(&s.id.0) {
                let started = crate::store::parse_xsd_time(&run.started);
                let age = started.and_then(|t| now.duration_since(t).ok());
                if run.status == "running" && age.is_some_and(|a| a > limit) {
                    stuck.push(run.id.clone());
                }
            }
        }
        if !stuck.is_empty() {
            problems.push(format!(
                "harvest runs running for more than {}: {}",
                humantime::format_duration(limit),
                stuck.join(", ")
            ));
        }
        (sources, graphs, free, stuck, problems)
    })
    .await;
    match result {
        Ok((sources, graphs, free, stuck, problems)) => {
            let status = if problems.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            let body = Health {
                status: if problems.is_empty() {
                    "ok"
                } else {
                    "unhealthy"
                },
                version: env!("CARGO_PKG_VERSION"),
                sources_configured: state.config().sources.len(),
                sources_stored: sources,
                archived_graphs: graphs,
                free_disk_bytes: free,
                stuck_runs: stuck,
                problems,
            };
            (status, axum::Json(body)).into_response()
        }
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}
