//! The admin and status API and `/metrics`.
//!
//! | endpoint | |
//! |---|---|
//! | `GET /api/sources` | every configured source: schedule, next run, job, last run |
//! | `GET /api/sources/{id}/runs?limit=N` | the latest runs of a source (default 20) |
//! | `GET /api/sources/{id}/duplicates` | the source's records that are duplicates of another source's |
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

use super::audit::AuditEntry;
use super::audit::AuditLog;
use super::limits::{body_limit, BodyLimit, HttpLimits, MAX_ADMIN_BODY};
use super::ApiError;
use super::ClientAddr;
use crate::config::Config;
use crate::harvest::scheduler::{Job, ReloadSummary};
use crate::harvest::scheduler::{JobState, Scheduler, TriggerError};
use crate::metrics::Metrics;
use crate::store::{RunRecord, StoredError, Trigger};
use crate::validation::ReportView;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Json;
use harvester::HarvestEvent;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

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

/// The admin and status routes, and `/metrics`, each registered with its
/// OpenAPI description.
pub fn routes(state: Arc<AdminState>) -> OpenApiRouter {
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
    OpenApiRouter::new()
        .routes(routes!(list_sources))
        .routes(routes!(source_runs))
        .routes(routes!(source_duplicates))
        .routes(routes!(one_run))
        .routes(routes!(harvest_now).map(small))
        .routes(routes!(preview).map(small))
        .routes(routes!(reload).map(small))
        .routes(routes!(audit_trail))
        .routes(routes!(backup).map(small))
        .routes(routes!(metrics))
        .with_state(state)
}

/// The error answer of the admin API.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminError {
    /// What was wrong.
    pub error: String,
}

/// A JSON error answer `{"error": message}`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(AdminError {
            error: message.into(),
        }),
    )
        .into_response()
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
#[derive(Debug, Serialize, ToSchema)]
pub struct RunSummary {
    pub id: String,
    pub source: String,
    pub trigger: String,
    /// running, success, partial, failed or interrupted.
    pub status: String,
    pub started: String,
    pub ended: Option<String>,
    /// The listing was read to its end.
    pub complete: Option<bool>,
    pub end_reason: Option<String>,
    /// Why nothing was withdrawn, when a withdrawal was considered and refused.
    pub deletions: Option<String>,
    pub counts: BTreeMap<String, u64>,
    /// The number of item errors (`GET /api/runs/{id}` lists them).
    pub errors: usize,
    /// The number of item warnings: repairs in records that were stored
    /// (`GET /api/runs/{id}` lists them).
    pub warnings: usize,
}

impl From<&crate::store::RunRecord> for RunSummary {
    fn from(run: &crate::store::RunRecord) -> Self {
        Self {
            id: run.id.clone(),
            source: run.source.clone(),
            trigger: run.trigger.clone(),
            status: run.status.clone(),
            started: run.started.clone(),
            ended: run.ended.clone(),
            complete: run.complete,
            end_reason: run.end_reason.clone(),
            deletions: run.deletions.clone(),
            counts: run.counts.clone(),
            errors: run.errors.len(),
            warnings: run.warnings.len(),
        }
    }
}

/// `GET /api/sources`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourcesAnswer {
    /// The time zone of the schedules.
    pub time_zone: String,
    pub max_concurrent_runs: usize,
    /// Queued and running jobs.
    pub jobs: Vec<Job>,
    pub sources: Vec<SourceStatus>,
}

/// One configured source and its runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceStatus {
    pub id: String,
    pub title: String,
    /// dcat, ckan or csw.
    pub kind: String,
    pub url: String,
    pub enabled: bool,
    /// The validation profile (`none`: not validated).
    pub profile: String,
    /// The cron expression, if scheduled.
    pub schedule: Option<String>,
    /// The next scheduled run (RFC 3339).
    pub next_run: Option<String>,
    /// idle, queued or running.
    #[schema(pattern = "^(idle|queued|running)$")]
    pub state: &'static str,
    pub job: Option<Job>,
    pub last_run: Option<RunSummary>,
    pub last_success: Option<RunRef>,
    pub links: SourceLinks,
}

/// A run, by id and time.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunRef {
    pub id: String,
    pub started: String,
    pub ended: Option<String>,
}

/// The source's admin endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceLinks {
    pub runs: String,
    pub harvest: String,
    pub preview: String,
}

/// Every configured source: schedule, next run, job, last run.
#[utoipa::path(
    get,
    path = "/api/sources",
    tag = "admin",
    responses(
        (status = 200, description = "The sources.", body = SourcesAnswer),
        (status = 500, description = "The store read could not run.", body = AdminError),
        (status = 503, description = "Reading the store failed.", body = AdminError),
    )
)]
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
    let sources: Vec<SourceStatus> = config
        .sources
        .iter()
        .zip(last)
        .map(|(s, (last_run, last_success))| {
            let job = scheduler.job(&s.id.0);
            SourceStatus {
                id: s.id.0.clone(),
                title: s.title.clone(),
                kind: s.kind.as_str().to_owned(),
                url: s.url.clone(),
                enabled: s.enabled,
                profile: s.profile.0.clone(),
                schedule: s.schedule.as_ref().map(|c| c.expression.clone()),
                next_run: scheduler.next_run(s),
                state: match &job {
                    Some(j) if j.state == JobState::Running => "running",
                    Some(_) => "queued",
                    None => "idle",
                },
                job,
                last_run: last_run.as_ref().map(RunSummary::from),
                last_success: last_success.map(|r| RunRef {
                    id: r.id,
                    started: r.started,
                    ended: r.ended,
                }),
                links: SourceLinks {
                    runs: format!("/api/sources/{}/runs", s.id.0),
                    harvest: format!("/api/sources/{}/harvest", s.id.0),
                    preview: format!("/api/sources/{}/preview", s.id.0),
                },
            }
        })
        .collect();
    Json(SourcesAnswer {
        time_zone: config.harvest.time_zone.name().to_owned(),
        max_concurrent_runs: config.harvest.max_concurrent_runs,
        jobs: scheduler.jobs(),
        sources,
    })
    .into_response()
}

/// The runs of a source, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceRuns {
    pub source: String,
    /// The source's queued or running job.
    pub job: Option<Job>,
    pub runs: Vec<RunRecord>,
}

/// The `limit` parameter of a query string (others are ignored): at most
/// once, a number from 1 to `max`; `default` without it.
fn parse_limit(raw: Option<&str>, default: usize, max: usize) -> Result<usize, String> {
    let mut given = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == "limit")
        .map(|(_, v)| v.into_owned());
    let limit = given.next();
    if given.next().is_some() {
        return Err("parameter limit given more than once".to_owned());
    }
    match limit {
        None => Ok(default),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(format!(
                "invalid parameter limit={s:?}: use a number from 1 to {max}"
            )),
        },
    }
}

/// The latest runs of a source.
#[utoipa::path(
    get,
    path = "/api/sources/{id}/runs",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The source id."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "How many runs (default 20)."),
    ),
    responses(
        (status = 200, description = "The runs, newest first.", body = SourceRuns),
        (status = 400, description = "A bad limit (JSON), or a path segment that is not UTF-8 once percent-decoded (plain text).", content((AdminError = "application/json"), (ApiError = "text/plain"))),
        (status = 404, description = "No such source in the config and no runs of it in the store.", body = AdminError),
        (status = 500, description = "The store read could not run.", body = AdminError),
        (status = 503, description = "Reading the store failed.", body = AdminError),
    )
)]
async fn source_runs(
    State(state): State<Arc<AdminState>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let limit = match parse_limit(q.as_deref(), 20, 1000) {
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
    let job = state.scheduler.job(&id);
    Json(SourceRuns {
        source: id,
        job,
        runs,
    })
    .into_response()
}

/// A source's records that are duplicates of another source's record.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceDuplicates {
    pub source: String,
    /// Sorted by record id.
    pub duplicates: Vec<Duplicate>,
}

/// One duplicate and the record shown instead.
#[derive(Debug, Serialize, ToSchema)]
pub struct Duplicate {
    /// The duplicate's record id.
    pub id: String,
    /// The winner's record id (`/api/datasets/{id}`).
    pub duplicate_of: String,
}

/// The published records of a source that are duplicates: stored and
/// published in their source's catalog graph, left out of the catalog
/// endpoint and of search.
#[utoipa::path(
    get,
    path = "/api/sources/{id}/duplicates",
    tag = "admin",
    params(("id" = String, Path, description = "The source id.")),
    responses(
        (status = 200, description = "The duplicates, by record id.", body = SourceDuplicates),
        (status = 400, description = "A path segment that is not UTF-8 once percent-decoded.", body = ApiError, content_type = "text/plain"),
        (status = 404, description = "No such source in the config or the store.", body = AdminError),
        (status = 500, description = "The store read could not run.", body = AdminError),
        (status = 503, description = "Reading the store failed.", body = AdminError),
    )
)]
async fn source_duplicates(
    State(state): State<Arc<AdminState>>,
    Path(id): Path<String>,
) -> Response {
    let harvesting = state.scheduler.harvesting();
    let store = harvesting.store.clone();
    let sid = id.clone();
    let found = match blocking(move || {
        Ok::<_, crate::store::StoreError>((
            store.duplicates(&sid)?,
            store.stored_sources()?.contains(&sid),
        ))
    })
    .await
    {
        Ok(r) => r,
        Err(r) => return r,
    };
    let (duplicates, stored) = found;
    if !stored && harvesting.config.source(&id).is_none() {
        return error(
            StatusCode::NOT_FOUND,
            format!("no source {id:?} in the config or the store"),
        );
    }
    Json(SourceDuplicates {
        source: id,
        duplicates: duplicates
            .into_iter()
            .map(|(id, duplicate_of)| Duplicate { id, duplicate_of })
            .collect(),
    })
    .into_response()
}

/// A run that is queued in the scheduler and not stored yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedRun {
    pub id: String,
    pub source: String,
    pub trigger: Trigger,
    pub status: JobState,
    /// When the run was requested (RFC 3339).
    pub requested: String,
}

/// A run: stored (running or ended), or queued.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum RunAnswer {
    Stored(RunRecord),
    Queued(QueuedRun),
}

/// One run, with its item errors.
#[utoipa::path(
    get,
    path = "/api/runs/{id}",
    tag = "admin",
    params(("id" = String, Path, description = "The run id (`{source}-{unix milliseconds}`).")),
    responses(
        (status = 200, description = "The run.", body = RunAnswer),
        (status = 400, description = "A path segment that is not UTF-8 once percent-decoded.", body = ApiError, content_type = "text/plain"),
        (status = 404, description = "No such run.", body = AdminError),
        (status = 500, description = "The store read could not run.", body = AdminError),
        (status = 503, description = "Reading the store failed.", body = AdminError),
    )
)]
async fn one_run(State(state): State<Arc<AdminState>>, Path(id): Path<String>) -> Response {
    let store = state.scheduler.harvesting().store.clone();
    let rid = id.clone();
    match blocking(move || store.run(&rid)).await {
        Ok(Some(run)) => Json(RunAnswer::Stored(run)).into_response(),
        Ok(None) => match state.scheduler.job_by_run(&id) {
            // Not stored until it starts.
            Some(job) => Json(RunAnswer::Queued(QueuedRun {
                id: job.run_id,
                source: job.source,
                trigger: job.trigger,
                status: job.state,
                requested: job.requested,
            }))
            .into_response(),
            None => error(StatusCode::NOT_FOUND, format!("no run {id:?}")),
        },
        Err(r) => r,
    }
}

/// A run accepted by `POST /api/sources/{id}/harvest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HarvestAccepted {
    pub run_id: String,
    pub source: String,
    pub state: JobState,
    /// Where the run is: `/api/runs/{run_id}`.
    pub run: String,
}

/// `POST /api/sources/{id}/harvest` refused: the source has a job already.
#[derive(Debug, Serialize, ToSchema)]
pub struct HarvestConflict {
    pub error: String,
    pub current: Job,
}

/// Starts a run of the source now.
#[utoipa::path(
    post,
    path = "/api/sources/{id}/harvest",
    tag = "admin",
    params(("id" = String, Path, description = "The source id.")),
    security(("admin_token" = [])),
    responses(
        (status = 202, description = "The run is queued.", body = HarvestAccepted,
            headers(("Location" = String, description = "The run: /api/runs/{run_id}."))),
        (status = 401, description = "No bearer token (with WWW-Authenticate).", body = AdminError,
            headers(("WWW-Authenticate" = String))),
        (status = 403, description = "A wrong token, or no usable token configured.", body = AdminError),
        (status = 400, description = "A path segment that is not UTF-8 once percent-decoded.", body = ApiError, content_type = "text/plain"),
        (status = 404, description = "No such source in the config.", body = AdminError),
        (status = 409, description = "The source has a queued or running job: one run per source at a time.", body = HarvestConflict),
        (status = 408, description = "The body did not arrive within http.body_timeout.", body = ApiError, content_type = "text/plain"),
        (status = 413, description = "A body (none is read) larger than 4 KiB.", body = ApiError, content_type = "text/plain"),
    )
)]
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
                Json(HarvestAccepted {
                    run_id: job.run_id.clone(),
                    source: job.source.clone(),
                    state: job.state,
                    run: location.clone(),
                }),
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
        Err(TriggerError::Busy(job)) => {
            let message = TriggerError::Busy(job.clone()).to_string();
            (
                (
                    StatusCode::CONFLICT,
                    Json(HarvestConflict {
                        error: message.clone(),
                        current: job,
                    }),
                )
                    .into_response(),
                message,
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

/// Re-reads the config file; jobs in progress go on with the config they
/// started with.
#[utoipa::path(
    post,
    path = "/api/admin/reload",
    tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "What the reload changed.", body = ReloadSummary),
        (status = 401, description = "No bearer token (with WWW-Authenticate).", body = AdminError,
            headers(("WWW-Authenticate" = String))),
        (status = 403, description = "A wrong token, or no usable token configured.", body = AdminError),
        (status = 422, description = "The config is invalid, or changes data_dir; the config in force stays.", body = AdminError),
        (status = 408, description = "The body did not arrive within http.body_timeout.", body = ApiError, content_type = "text/plain"),
        (status = 413, description = "A body (none is read) larger than 4 KiB.", body = ApiError, content_type = "text/plain"),
    )
)]
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
            state.limits.warn_if_changed(&state.scheduler.config().http);
            let outcome = format!(
                "reloaded: added [{}], removed [{}], changed [{}]",
                summary.added.join(" "),
                summary.removed.join(" "),
                summary.changed.join(" ")
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

/// The last admin actions, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditAnswer {
    pub actions: Vec<AuditEntry>,
}

/// `GET /api/admin/audit?limit=N`: the last admin actions, newest first.
#[utoipa::path(
    get,
    path = "/api/admin/audit",
    tag = "admin",
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "How many actions (default 100).")),
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The actions.", body = AuditAnswer),
        (status = 400, description = "A bad limit.", body = AdminError),
        (status = 401, description = "No bearer token (with WWW-Authenticate).", body = AdminError,
            headers(("WWW-Authenticate" = String))),
        (status = 403, description = "A wrong token, or no usable token configured.", body = AdminError),
    )
)]
async fn audit_trail(
    State(state): State<Arc<AdminState>>,
    RawQuery(q): RawQuery,
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
    let limit = match parse_limit(q.as_deref(), 100, super::audit::AUDIT_CAPACITY) {
        Ok(n) => n,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    Json(AuditAnswer {
        actions: state.audit.recent(limit),
    })
    .into_response()
}

/// The process's metrics.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    responses((status = 200, description = "Prometheus text exposition (version 0.0.4).", body = String, content_type = "text/plain")),
)]
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

/// Fetches and maps the first records of a source, stores nothing.
#[utoipa::path(
    post,
    path = "/api/sources/{id}/preview",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The source id."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "How many records (default 10)."),
    ),
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The records as the harvest would store them, with their validation reports.", body = Preview),
        (status = 400, description = "A bad limit (JSON), or a path segment that is not UTF-8 once percent-decoded (plain text).", content((AdminError = "application/json"), (ApiError = "text/plain"))),
        (status = 401, description = "No bearer token (with WWW-Authenticate).", body = AdminError,
            headers(("WWW-Authenticate" = String))),
        (status = 403, description = "A wrong token, or no usable token configured.", body = AdminError),
        (status = 404, description = "No such source in the config.", body = AdminError),
        (status = 422, description = "The source cannot be read (its profile or its harvester setup failed).", body = AdminError),
        (status = 500, description = "Loading the profile could not run.", body = AdminError),
        (status = 503, description = "http.preview_concurrency previews are running already (with Retry-After).", body = ApiError, content_type = "text/plain",
            headers(("Retry-After" = String, description = "Seconds to wait."))),
        (status = 408, description = "The body did not arrive within http.body_timeout.", body = ApiError, content_type = "text/plain"),
        (status = 413, description = "A body (none is read) larger than 4 KiB.", body = ApiError, content_type = "text/plain"),
    )
)]
async fn preview(
    State(state): State<Arc<AdminState>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    client: ClientAddr,
    headers: HeaderMap,
) -> Response {
    let harvesting = state.scheduler.harvesting();
    let what = format!("POST /api/sources/{id}/preview");
    if let Some(r) = refusal(&harvesting.config, &headers, client, &what) {
        return r;
    }
    let (response, outcome) = run_preview(&state, harvesting, &id, q.as_deref()).await;
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
pub(crate) async fn run_preview(
    state: &AdminState,
    harvesting: Arc<crate::harvest::Harvesting>,
    id: &str,
    q: Option<&str>,
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
    let mut records: Vec<PreviewRecord> = Vec::new();
    let mut errors: Vec<StoredError> = Vec::new();
    let mut pages = 0usize;
    let mut finished: Option<(bool, Option<String>)> = None;
    let started = Instant::now();
    let collect = async {
        while let Some(event) = rx.recv().await {
            match event {
                HarvestEvent::Page(page) => {
                    pages += 1;
                    for e in page.record_errors.into_iter().chain(page.warnings) {
                        errors.push(StoredError {
                            url: e.page_url,
                            record: Some(e.record),
                            reason: e.reason,
                            snippet: e.snippet,
                        });
                    }
                    let room = limit.saturating_sub(records.len());
                    let profile = profile.clone();
                    let slot = slot.clone();
                    let store = harvesting.store.clone();
                    let source_id = source.id.0.clone();
                    let page_records = page.records;
                    let mapped = tokio::task::spawn_blocking(move || {
                        let _slot = slot;
                        // Links to other records are checked against the
                        // types of the page's records and the stored ones.
                        let known = match profile {
                            Some(_) => {
                                crate::harvest::known_types(&store, &source_id, &page_records)
                            }
                            None => Default::default(),
                        };
                        page_records
                            .iter()
                            .take(room)
                            .map(|r| preview_record(r, profile.as_deref(), &known))
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
                HarvestEvent::PageFailed(e) => errors.push(StoredError {
                    url: e.url,
                    record: None,
                    reason: format!("page {}: {}", e.number, e.reason),
                    snippet: String::new(),
                }),
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
        errors.push(StoredError {
            url: source.url.clone(),
            record: None,
            reason: format!(
                "the preview was stopped after {} s (http.preview_timeout)",
                preview_timeout.as_secs_f64()
            ),
            snippet: String::new(),
        });
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
    let answer = Json(Preview {
        source: id,
        kind: source.kind.as_str().to_owned(),
        url: source.url.clone(),
        limit,
        pages_read: pages,
        listing_complete: finished.as_ref().map(|f| f.0),
        end_reason: finished.and_then(|f| f.1),
        records,
        errors,
        profile: source.profile.0.clone(),
        stored: false,
        seconds: started.elapsed().as_secs_f64(),
    })
    .into_response();
    (answer, outcome)
}

/// The answer of a preview.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    pub source: String,
    pub kind: String,
    pub url: String,
    pub limit: usize,
    pub pages_read: usize,
    /// Whether the whole listing was read (false when the limit cut it;
    /// null when the preview stopped before the harvester finished).
    pub listing_complete: Option<bool>,
    pub end_reason: Option<String>,
    pub records: Vec<PreviewRecord>,
    /// Failed pages and records, and what was repaired in the records
    /// shown (invalid IRIs, language tags).
    pub errors: Vec<StoredError>,
    /// The source's validation profile.
    pub profile: String,
    /// Always false: a preview stores nothing.
    pub stored: bool,
    pub seconds: f64,
}

/// One previewed record: its canonical N-Triples, hash and, when the source
/// has a profile, its validation report (as `POST /api/validate` gives it).
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewRecord {
    pub dataset: String,
    pub page_url: String,
    /// The dataset IRI was minted (the source used a blank node).
    pub minted_iri: bool,
    pub triples: usize,
    /// SHA-256 of the canonical N-Triples.
    pub hash: String,
    pub ntriples: String,
    /// Null when the source's profile is `none`.
    pub validation: Option<PreviewValidation>,
}

/// A previewed record's validation: the report, or why there is none.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PreviewValidation {
    Report(ReportView),
    Failed { error: String },
}

fn preview_record(
    r: &harvester::Record,
    profile: Option<&crate::validation::LoadedProfile>,
    known: &crate::validation::references::KnownTypes,
) -> PreviewRecord {
    let (canonical, _) = harvester::canonical_form(&r.triples);
    let (context, _) = known.context(&crate::validation::references::outside_links(&r.triples));
    let validation = profile.map(|p| match p.check_in(&r.triples, &context) {
        Ok(c) => PreviewValidation::Report(ReportView::new(&p.name, &p.notes, &c.report)),
        Err(error) => PreviewValidation::Failed { error },
    });
    PreviewRecord {
        dataset: r.dataset.as_str().to_owned(),
        page_url: r.page_url.clone(),
        minted_iri: r.minted,
        triples: r.triples.len(),
        hash: hex::encode(Sha256::digest(canonical.as_bytes())),
        ntriples: canonical,
        validation,
    }
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
struct BackupRequest {
    /// The folder to create, an absolute path on the server's machine.
    dir: String,
}

/// `POST /api/admin/backup` with `{"dir": "/absolute/new/folder"}`: a
/// consistent copy of store, archive and search index into a new folder
/// (see [`crate::backup`]); `catalog-server backup DIR` sends it when the
/// server holds the store.
#[utoipa::path(
    post,
    path = "/api/admin/backup",
    tag = "admin",
    security(("admin_token" = [])),
    request_body(content = BackupRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "What the copy holds (also written as backup.json into it).", body = crate::backup::BackupReport),
        (status = 400, description = "The body is not {\"dir\": \"...\"} or dir is not an absolute path.", body = AdminError),
        (status = 401, description = "No bearer token (with WWW-Authenticate).", body = AdminError,
            headers(("WWW-Authenticate" = String))),
        (status = 403, description = "A wrong token, or no usable token configured.", body = AdminError),
        (status = 409, description = "dir exists already, or its parent is not a folder.", body = AdminError),
        (status = 408, description = "The body did not arrive within http.body_timeout.", body = ApiError, content_type = "text/plain"),
        (status = 413, description = "A body larger than 4 KiB.", body = ApiError, content_type = "text/plain"),
        (status = 500, description = "The copy failed (the partial copy is removed).", body = AdminError),
    )
)]
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
