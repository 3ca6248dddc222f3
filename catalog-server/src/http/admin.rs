//! The admin and status API and `/metrics`.
//!
//! | endpoint | |
//! |---|---|
//! | `GET /api/sources` | every configured source: schedule, next run, job, last run |
//! | `GET /api/sources/{id}/runs?limit=N` | the latest runs of a source (default 20) |
//! | `GET /api/runs/{id}` | one run (stored, or queued in the scheduler) |
//! | `POST /api/sources/{id}/harvest` | run now: 202 with the run id; 409 if the source has a run |
//! | `POST /api/sources/{id}/preview?limit=N` | dry run: fetch and map the first N records (default 10), store nothing |
//! | `POST /api/admin/reload` | re-read the config file (jobs in progress go on) |
//! | `GET /api/admin/audit?limit=N` | the last admin actions, newest first (default 100) |
//! | `GET /metrics` | Prometheus text |
//!
//! Read endpoints are public, except the audit trail. Write endpoints (every
//! `POST`) and the audit trail need `Authorization: Bearer <token>` with the
//! token of [`Config::admin_token`], compared in constant time (of SHA-256
//! digests, so the length does not leak either): no header → 401 with
//! `WWW-Authenticate`, a wrong token → 403, no usable token configured → 403.
//! Answers never name config files or variables the operator chose; each
//! refusal is logged (target `audit`, `warn`) with the client address, never
//! with the presented token. Authorized actions go to the audit trail
//! ([`super::audit`]). Admin `POST` bodies are limited to
//! [`MAX_ADMIN_BODY`] (none is read); previews run at most
//! `http.preview_concurrency` at once (beyond it 503 with `Retry-After`),
//! each at most `http.preview_timeout`.

use super::audit::AuditLog;
use super::limits::{body_limit, BodyLimit, HttpLimits, MAX_ADMIN_BODY};
use super::ClientAddr;
use crate::config::Config;
use crate::harvest::scheduler::{JobState, Scheduler, TriggerError};
use crate::metrics::Metrics;
use crate::store::Trigger;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use harvester::HarvestEvent;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Instant;
use subtle::ConstantTimeEq;

/// What the admin handlers share.
pub struct AdminState {
    pub scheduler: Arc<Scheduler>,
    /// The HTTP limits (preview slots and timeout).
    pub limits: Arc<HttpLimits>,
    /// The last admin actions.
    pub audit: AuditLog,
    /// The search index, copied by `POST /api/admin/backup` (none: a
    /// backup holds the store only and the index is built at restore).
    pub search: Option<Arc<catalog_search::SearchIndex>>,
}

impl AdminState {
    pub fn new(scheduler: Arc<Scheduler>, limits: Arc<HttpLimits>) -> Self {
        Self {
            scheduler,
            limits,
            audit: AuditLog::default(),
            search: None,
        }
    }

    /// The same, with the search index that backups copy.
    pub fn with_search(mut self, search: Arc<catalog_search::SearchIndex>) -> Self {
        self.search = Some(search);
        self
    }

    pub(super) fn metrics(&self) -> &Arc<Metrics> {
        self.scheduler.metrics()
    }
}

/// The admin and status routes, and `/metrics`.
pub fn router(state: Arc<AdminState>) -> Router {
    // No admin request has a body: a few KiB of slack, then 413.
    let small = |route: MethodRouter<Arc<AdminState>>| {
        route
            .layer(DefaultBodyLimit::disable())
            .layer(axum::middleware::from_fn_with_state(
                BodyLimit {
                    limit: MAX_ADMIN_BODY,
                    setting: "admin requests",
                },
                body_limit,
            ))
    };
    Router::new()
        .route("/api/sources", get(list_sources))
        .route("/api/sources/{id}/runs", get(source_runs))
        .route("/api/runs/{id}", get(one_run))
        .route("/api/sources/{id}/harvest", small(post(harvest_now)))
        .route("/api/sources/{id}/preview", small(post(preview)))
        .route("/api/admin/reload", small(post(reload)))
        .route("/api/admin/audit", get(audit_trail))
        .route("/api/admin/backup", small(post(backup)))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// A JSON error answer `{"error": message}`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// Checks the bearer token of an admin request (`what`: the method and
/// path, for the log): `None` when authorized, else the refusal, which is
/// logged with the client's address (never with the presented token).
fn refusal(
    config: &Config,
    headers: &HeaderMap,
    client: ClientAddr,
    what: &str,
) -> Option<Response> {
    let (response, reason) = authorize(config, headers).err()?;
    tracing::warn!(
        target: "audit",
        client = %client,
        request = what,
        status = response.status().as_u16(),
        "admin request refused: {reason}"
    );
    Some(*response)
}

/// `Ok` when the request carries the admin token, else the answer and the
/// reason (for the log).
fn authorize(config: &Config, headers: &HeaderMap) -> Result<(), (Box<Response>, &'static str)> {
    let expected = match config.admin_token() {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Err((
                Box::new(error(
                    StatusCode::FORBIDDEN,
                    "write endpoints are disabled: no admin token is configured \
                     (the operator sets one in $CATALOG_ADMIN_TOKEN; see the operator guide)",
                )),
                "no admin token is configured",
            ))
        }
        Err(e) => {
            tracing::error!("admin API disabled: {e}");
            return Err((
                Box::new(error(
                    StatusCode::FORBIDDEN,
                    "write endpoints are disabled: the configured admin token is not usable (see the server log)",
                )),
                "the configured admin token is too short",
            ));
        }
    };
    let challenge = |status: StatusCode, message: &str, extra: &str| {
        let mut r = Box::new(error(status, message));
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer realm=\"dcat-catalog admin\"{extra}"))
        {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        r
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    let Some(given) = given else {
        return Err((
            challenge(
                StatusCode::UNAUTHORIZED,
                "this endpoint needs the header 'Authorization: Bearer <admin token>'",
                "",
            ),
            "no bearer token",
        ));
    };
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    if bool::from(a.as_slice().ct_eq(b.as_slice())) {
        Ok(())
    } else {
        Err((
            challenge(
                StatusCode::FORBIDDEN,
                "the admin token is wrong",
                ", error=\"invalid_token\"",
            ),
            "wrong token",
        ))
    }
}

/// Runs a store read off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, Response> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("reading the store failed: {e}"),
        )),
        Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
}

/// A run record without its item errors (their number instead), for lists.
fn run_summary(run: &crate::store::RunRecord) -> Value {
    let mut v = serde_json::to_value(run).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("errors".into(), json!(run.errors.len()));
    }
    v
}

async fn list_sources(State(state): State<Arc<AdminState>>) -> Response {
    let scheduler = state.scheduler.clone();
    let harvesting = scheduler.harvesting();
    let config = harvesting.config.clone();
    let store = harvesting.store.clone();
    let ids: Vec<String> = config.sources.iter().map(|s| s.id.0.clone()).collect();
    let last = match blocking(move || {
        ids.iter()
            .map(|id| Ok((store.last_run(id)?, store.last_complete_run(id)?)))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let sources: Vec<Value> = config
        .sources
        .iter()
        .zip(last)
        .map(|(s, (last_run, last_success))| {
            let job = scheduler.job(&s.id.0);
            json!({
                "id": s.id.0,
                "title": s.title,
                "kind": s.kind.as_str(),
                "url": s.url,
                "enabled": s.enabled,
                "profile": s.profile.0,
                "schedule": s.schedule.as_ref().map(|c| c.expression.clone()),
                "next_run": scheduler.next_run(s),
                "state": match &job {
                    Some(j) if j.state == JobState::Running => "running",
                    Some(_) => "queued",
                    None => "idle",
                },
                "job": job,
                "last_run": last_run.as_ref().map(run_summary),
                "last_success": last_success.map(|r| json!({"id": r.id, "started": r.started, "ended": r.ended})),
                "links": {
                    "runs": format!("/api/sources/{}/runs", s.id.0),
                    "harvest": format!("/api/sources/{}/harvest", s.id.0),
                    "preview": format!("/api/sources/{}/preview", s.id.0),
                },
            })
        })
        .collect();
    Json(json!({
        "time_zone": config.harvest.time_zone.name(),
        "max_concurrent_runs": config.harvest.max_concurrent_runs,
        "jobs": scheduler.jobs(),
        "sources": sources,
    }))
    .into_response()
}

#[derive(serde::Deserialize)]
struct LimitQuery {
    limit: Option<String>,
}

fn parse_limit(q: &LimitQuery, default: usize, max: usize) -> Result<usize, String> {
    match &q.limit {
        None => Ok(default),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(format!(
                "invalid parameter limit={s:?}: use a number from 1 to {max}"
            )),
        },
    }
}

async fn source_runs(
    State(state): State<Arc<AdminState>>,
    Path(id): Path<String>,
    Query(q): Query<LimitQuery>,
) -> Response {
    let limit = match parse_limit(&q, 20, 1000) {
        Ok(n) => n,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let harvesting = state.scheduler.harvesting();
    let store = harvesting.store.clone();
    let sid = id.clone();
    let runs = match blocking(move || store.runs(&sid, limit)).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    if runs.is_empty() && harvesting.config.source(&id).is_none() {
        return error(
            StatusCode::NOT_FOUND,
            format!("no source {id:?} in the config and no runs of it in the store"),
        );
    }
    Json(json!({ "source": id, "job": state.scheduler.job(&id), "runs": runs })).into_response()
}

async fn one_run(State(state): State<Arc<AdminState>>, Path(id): Path<String>) -> Response {
    let store = state.scheduler.harvesting().store.clone();
    let rid = id.clone();
    match blocking(move || store.run(&rid)).await {
        Ok(Some(run)) => Json(run).into_response(),
        Ok(None) => match state.scheduler.job_by_run(&id) {
            // Not stored until it starts.
            Some(job) => Json(json!({
                "id": job.run_id,
                "source": job.source,
                "trigger": job.trigger,
                "status": job.state,
                "requested": job.requested,
            }))
            .into_response(),
            None => error(StatusCode::NOT_FOUND, format!("no run {id:?}")),
        },
        Err(r) => r,
    }
}

async fn harvest_now(
    State(state): State<Arc<AdminState>>,
    Path(id): Path<String>,
    client: ClientAddr,
    headers: HeaderMap,
) -> Response {
    let what = format!("POST /api/sources/{id}/harvest");
    if let Some(r) = refusal(&state.scheduler.config(), &headers, client, &what) {
        return r;
    }
    let (response, outcome) = match state.scheduler.trigger(&id, Trigger::Manual) {
        Ok(job) => {
            let location = format!("/api/runs/{}", job.run_id);
            let mut r = (
                StatusCode::ACCEPTED,
                Json(json!({
                    "run_id": job.run_id,
                    "source": job.source,
                    "state": job.state,
                    "run": location,
                })),
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            (r, format!("run {} queued", job.run_id))
        }
        Err(TriggerError::UnknownSource(_)) => (
            error(
                StatusCode::NOT_FOUND,
                format!("no source {id:?} in the config"),
            ),
            "no such source".to_owned(),
        ),
        Err(e @ TriggerError::Busy(_)) => {
            let current = match &e {
                TriggerError::Busy(job) => json!(job),
                TriggerError::UnknownSource(_) => Value::Null,
            };
            (
                (
                    StatusCode::CONFLICT,
                    Json(json!({ "error": e.to_string(), "current": current })),
                )
                    .into_response(),
                e.to_string(),
            )
        }
    };
    state.audit.record(
        "harvest",
        Some(&id),
        &client.to_string(),
        response.status().as_u16(),
        outcome,
    );
    response
}

async fn reload(
    State(state): State<Arc<AdminState>>,
    client: ClientAddr,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = refusal(
        &state.scheduler.config(),
        &headers,
        client,
        "POST /api/admin/reload",
    ) {
        return r;
    }
    let (response, outcome) = match state.scheduler.reload().await {
        Ok(summary) => {
            let v = serde_json::to_value(&summary).unwrap_or(Value::Null);
            let list = |k: &str| {
                v[k].as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_default()
            };
            state.limits.warn_if_changed(&state.scheduler.config().http);
            let outcome = format!(
                "reloaded: added [{}], removed [{}], changed [{}]",
                list("added"),
                list("removed"),
                list("changed")
            );
            (Json(summary).into_response(), outcome)
        }
        Err(e) => (error(StatusCode::UNPROCESSABLE_ENTITY, e.clone()), e),
    };
    state.audit.record(
        "reload",
        None,
        &client.to_string(),
        response.status().as_u16(),
        outcome,
    );
    response
}

/// `GET /api/admin/audit?limit=N`: the last admin actions, newest first.
async fn audit_trail(
    State(state): State<Arc<AdminState>>,
    Query(q): Query<LimitQuery>,
    client: ClientAddr,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = refusal(
        &state.scheduler.config(),
        &headers,
        client,
        "GET /api/admin/audit",
    ) {
        return r;
    }
    let limit = match parse_limit(&q, 100, super::audit::AUDIT_CAPACITY) {
        Ok(n) => n,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    Json(json!({ "actions": state.audit.recent(limit) })).into_response()
}

async fn metrics(State(state): State<Arc<AdminState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics().render(),
    )
        .into_response()
}

async fn preview(
    State(state): State<Arc<AdminState>>,
    Path(id): Path<String>,
    Query(q): Query<LimitQuery>,
    client: ClientAddr,
    headers: HeaderMap,
) -> Response {
    let harvesting = state.scheduler.harvesting();
    let what = format!("POST /api/sources/{id}/preview");
    if let Some(r) = refusal(&harvesting.config, &headers, client, &what) {
        return r;
    }
    let (response, outcome) = run_preview(&state, harvesting, &id, &q).await;
    state.audit.record(
        "preview",
        Some(&id),
        &client.to_string(),
        response.status().as_u16(),
        outcome,
    );
    response
}

/// An error answer and its message (for the audit trail).
fn failed(status: StatusCode, message: String) -> (Response, String) {
    (error(status, message.clone()), message)
}

/// The preview itself (authorized): at most `http.preview_concurrency` at
/// once, each stopped after `http.preview_timeout`.
async fn run_preview(
    state: &AdminState,
    harvesting: Arc<crate::harvest::Harvesting>,
    id: &str,
    q: &LimitQuery,
) -> (Response, String) {
    let id = id.to_owned();
    // Held until the last piece of work (also blocking validation that
    // outlives a timeout) ends.
    let slot = match state.limits.previews.try_take() {
        Ok(s) => Arc::new(s),
        Err(busy) => return (busy.into_response(), "refused: busy".to_owned()),
    };
    let preview_timeout = state.limits.config.preview_timeout;
    let limit = match parse_limit(q, 10, 1000) {
        Ok(n) => n,
        Err(e) => return failed(StatusCode::BAD_REQUEST, e),
    };
    let Some(source) = harvesting.config.source(&id).cloned() else {
        return failed(
            StatusCode::NOT_FOUND,
            format!("no source {id:?} in the config"),
        );
    };
    // The source's validation profile: each previewed record comes with its report.
    let profiles = harvesting.profiles.clone();
    let profile_name = source.profile.0.clone();
    let profile = match tokio::task::spawn_blocking(move || profiles.get(&profile_name)).await {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            return failed(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("source {id:?}: {e}"),
            )
        }
        Err(e) => return failed(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<HarvestEvent>(2);
    // A full listing (no incremental query); nothing touches the store.
    let producer = match harvesting.spawn_harvester(&source, tx, None, Default::default()) {
        Ok(p) => p,
        Err(reason) => {
            return failed(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("source {id:?}: {reason}"),
            )
        }
    };
    let mut records: Vec<Value> = Vec::new();
    let mut errors: Vec<Value> = Vec::new();
    let mut pages = 0usize;
    let mut finished: Option<(bool, Option<String>)> = None;
    let started = Instant::now();
    let collect = async {
        while let Some(event) = rx.recv().await {
            match event {
                HarvestEvent::Page(page) => {
                    pages += 1;
                    for e in page.record_errors {
                        errors.push(json!({
                            "url": e.page_url, "record": e.record,
                            "reason": e.reason, "snippet": e.snippet,
                        }));
                    }
                    let room = limit.saturating_sub(records.len());
                    let take: Vec<harvester::Record> =
                        page.records.into_iter().take(room).collect();
                    let profile = profile.clone();
                    let slot = slot.clone();
                    let mapped = tokio::task::spawn_blocking(move || {
                        let _slot = slot;
                        take.iter()
                            .map(|r| preview_record(r, profile.as_deref()))
                            .collect::<Vec<_>>()
                    })
                    .await
                    .unwrap_or_default();
                    records.extend(mapped);
                    if records.len() >= limit {
                        break;
                    }
                }
                // Unreachable here: a preview asks without page memos.
                HarvestEvent::PageUnchanged { .. } => pages += 1,
                HarvestEvent::PageFailed(e) => errors.push(json!({
                    "url": e.url, "record": null,
                    "reason": format!("page {}: {}", e.number, e.reason), "snippet": "",
                })),
                HarvestEvent::Finished {
                    complete, reason, ..
                } => finished = Some((complete, reason)),
            }
        }
    };
    let timed_out = tokio::time::timeout(preview_timeout, collect)
        .await
        .is_err();
    producer.abort();
    if timed_out {
        errors.push(json!({
            "url": source.url, "record": null,
            "reason": format!(
                "the preview was stopped after {} s (http.preview_timeout)",
                preview_timeout.as_secs_f64()
            ),
            "snippet": "",
        }));
    }
    let outcome = format!(
        "previewed {} records from {} pages{}",
        records.len(),
        pages,
        if timed_out {
            ", stopped by http.preview_timeout"
        } else {
            ""
        }
    );
    let answer = Json(json!({
        "source": id,
        "kind": source.kind.as_str(),
        "url": source.url,
        "limit": limit,
        "pages_read": pages,
        // Whether the whole listing was read (false when the limit cut it).
        "listing_complete": finished.as_ref().map(|f| f.0),
        "end_reason": finished.and_then(|f| f.1),
        "records": records,
        "errors": errors,
        "profile": source.profile.0,
        "stored": false,
        "seconds": started.elapsed().as_secs_f64(),
    }))
    .into_response();
    (answer, outcome)
}

/// One previewed record: its canonical N-Triples, hash and, when the source
/// has a profile, its validation report (as `POST /api/validate` gives it).
fn preview_record(
    r: &harvester::Record,
    profile: Option<&crate::validation::LoadedProfile>,
) -> Value {
    let (canonical, _) = harvester::canonical_form(&r.triples);
    let validation = match profile {
        None => Value::Null,
        Some(p) => match p.check(&r.triples) {
            Ok(c) => serde_json::to_value(crate::validation::ReportView::new(
                &p.name, &p.notes, &c.report,
            ))
            .unwrap_or(Value::Null),
            Err(e) => json!({ "error": e }),
        },
    };
    json!({
        "dataset": r.dataset.as_str(),
        "page_url": r.page_url,
        "minted_iri": r.minted,
        "triples": r.triples.len(),
        "hash": hex::encode(Sha256::digest(canonical.as_bytes())),
        "ntriples": canonical,
        "validation": validation,
    })
}

#[derive(serde::Deserialize)]
struct BackupRequest {
    /// The folder to create, an absolute path on the server's machine.
    dir: String,
}

/// `POST /api/admin/backup` with `{"dir": "/absolute/new/folder"}`: a
/// consistent copy of store, archive and search index into a new folder
/// (see [`crate::backup`]); `catalog-server backup DIR` sends it when the
/// server holds the store.
async fn backup(
    State(state): State<Arc<AdminState>>,
    client: ClientAddr,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(r) = refusal(
        &state.scheduler.config(),
        &headers,
        client,
        "POST /api/admin/backup",
    ) {
        return r;
    }
    let request: BackupRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("the body must be JSON {{\"dir\": \"/absolute/new/folder\"}}: {e}"),
            )
        }
    };
    let dir = std::path::PathBuf::from(&request.dir);
    let (response, outcome) = if !dir.is_absolute() {
        let m = format!("dir {:?} must be an absolute path", request.dir);
        (error(StatusCode::BAD_REQUEST, m.clone()), m)
    } else {
        let store = state.scheduler.harvesting().store.clone();
        let search = state.search.clone();
        let copy = tokio::task::spawn_blocking(move || {
            crate::backup::backup(&store, search.as_deref(), &dir)
        })
        .await;
        match copy {
            Ok(Ok(report)) => {
                let outcome = format!(
                    "{} archived graphs into {} in {:.1} s",
                    report.store.archived_graphs,
                    report.dir.display(),
                    report.seconds
                );
                (Json(report).into_response(), outcome)
            }
            Ok(Err(e)) if e.is_target() => {
                (error(StatusCode::CONFLICT, e.to_string()), e.to_string())
            }
            Ok(Err(e)) => {
                tracing::error!("backup failed: {e}");
                (
                    error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
                    e.to_string(),
                )
            }
            Err(e) => (
                error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
                e.to_string(),
            ),
        }
    };
    state.audit.record(
        "backup",
        None,
        &client.to_string(),
        response.status().as_u16(),
        outcome,
    );
    response
}
