//! HTTP: the router and the state request handlers share, one module per
//! endpoint family.
//!
//! | module | endpoints |
//! |---|---|
//! | [`home`] | `/` (index page), `/health` |
//! | [`sparql`] | `/sparql` (SPARQL 1.1 Protocol, read-only) |
//! | [`search`] | `/api/search`, `/api/openapi.json` |
//! | [`datasets`] | `/api/datasets/{id}` (JSON), `/datasets/{id}` (RDF) |
//! | [`validate`] | `/api/validate`, `/api/datasets/{id}/validation` |
//! | [`admin`] | `/api/sources…`, `/api/runs/{id}`, `/api/admin/reload`, `/metrics` |
//!
//! [`error`] holds the error answer and content negotiation for all of them.

pub mod admin;
pub mod datasets;
pub mod error;
pub mod home;
pub mod search;
pub mod sparql;
pub mod validate;

pub use admin::AdminState;
pub use error::{negotiate, ApiError};

use crate::config::Config;
use crate::harvest::{Current, Harvesting};
use crate::metrics::Metrics;
use crate::store::CatalogStore;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use std::time::Instant;
use tower_http::cors::{Any, CorsLayer};

/// What request handlers share.
pub struct AppState {
    pub store: Arc<CatalogStore>,
    /// The harvesting in force (config, validation profiles): a reload swaps
    /// it, so handlers read it per request through [`AppState::config`] and
    /// [`AppState::harvesting`], never keep it.
    pub current: Arc<Current>,
    /// The search index (a follower of the store).
    pub search: Arc<catalog_search::SearchIndex>,
    /// Where SPARQL evaluations run ([`crate::sparql::Executor`]).
    pub sparql: Arc<crate::sparql::Executor>,
}

impl AppState {
    /// The config in force now.
    pub fn config(&self) -> Arc<Config> {
        self.current.config()
    }

    /// The harvesting in force now.
    pub fn harvesting(&self) -> Arc<Harvesting> {
        self.current.get()
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION]);
    Router::new()
        .route("/", get(home::index))
        .route("/health", get(home::health))
        .route("/sparql", get(sparql::sparql_get).post(sparql::sparql_post))
        .route(
            "/api/validate",
            axum::routing::post(validate::validate_upload)
                .layer(axum::extract::DefaultBodyLimit::max(validate::MAX_UPLOAD)),
        )
        .route(
            "/api/datasets/{rid}/validation",
            get(validate::stored_report),
        )
        .merge(search::routes())
        .merge(datasets::routes())
        .layer(cors)
        .with_state(state)
}

/// The whole HTTP application of `serve`: the public routes of
/// [`router`], the admin routes, and request metrics.
pub fn app(state: Arc<AppState>, admin: Arc<AdminState>) -> Router {
    let metrics = admin.metrics().clone();
    router(state)
        .merge(admin::router(admin))
        .layer(axum::middleware::from_fn_with_state(metrics, track))
}

/// Records the latency of every request by matched route.
async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    metrics.http_request(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
