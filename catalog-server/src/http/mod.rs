//! HTTP: the router and the state request handlers share, one module per
//! endpoint family.
//!
//! | module | endpoints |
//! |---|---|
//! | [`home`] | `/` (index page), `/health` |
//! | [`sparql`] | `/sparql` (SPARQL 1.1 Protocol, read-only) |
//! | [`search`] | `/api/search`, `/api/suggest` |
//! | [`catalog`] | `/catalog[.ttl\|.rdf\|.jsonld\|.nt]`, `/catalogs/{source}[.ext]` (the paged catalog for harvesters upstream) |
//! | [`datasets`] | `/api/datasets/{id}` (JSON), `/datasets/{id}` (RDF) |
//! | [`validate`] | `/api/validate`, `/api/datasets/{id}/validation` |
//! | [`web`] | the web pages: `/`, `/datasets`, `/datasets/{id}` for browsers, `/assets/…` |
//! | [`admin`] | `/api/sources…`, `/api/runs/{id}`, `/api/admin/reload`, `/api/admin/audit`, `/metrics` |
//!
//! | [`openapi`] | `/api/openapi.json` |
//!
//! Every route is registered with utoipa-axum's `routes!` from a handler
//! annotated with `#[utoipa::path]`, so the OpenAPI document ([`openapi`])
//! describes exactly the routes there are.
//!
//! [`error`] holds the error answer and content negotiation for all of them;
//! [`limits`] the limits on request bodies and on the expensive endpoints;
//! [`audit`] the record of admin actions; [`server`] the HTTP/1.1 server of
//! `serve` (header timeout, connection limit, graceful shutdown).

pub mod admin;
pub mod audit;
pub mod catalog;
pub mod datasets;
pub mod error;
pub mod home;
pub mod limits;
pub mod openapi;
pub mod quality;
pub mod search;
pub mod server;
pub mod sparql;
pub mod validate;
pub mod web;

pub use admin::AdminState;
pub use error::{negotiate, ApiError};
pub use limits::HttpLimits;

use crate::config::Config;
use crate::harvest::{Current, Harvesting};
use crate::metrics::Metrics;
use crate::store::CatalogStore;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;
use axum::Router;
use limits::BodyLimit;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tower_http::cors::{Any, CorsLayer};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

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
    /// The HTTP limits (read at start) and the slots of the expensive
    /// endpoints.
    pub limits: Arc<HttpLimits>,
    /// The published records in catalog order, read once per store
    /// generation for the catalog endpoint.
    pub catalog_view: Arc<crate::export::pages::ViewCache>,
}

impl AppState {
    /// The state of `config`'s server: SPARQL's executor sized by
    /// `[sparql]`, an empty catalog view.
    pub fn new(
        store: Arc<CatalogStore>,
        current: Arc<Current>,
        search: Arc<catalog_search::SearchIndex>,
        config: &Config,
        limits: Arc<HttpLimits>,
    ) -> Self {
        Self {
            store,
            current,
            search,
            sparql: Arc::new(crate::sparql::Executor::new(
                config.sparql.max_concurrent,
                config.sparql.max_queued,
            )),
            limits,
            catalog_view: Default::default(),
        }
    }

    /// The config in force now.
    pub fn config(&self) -> Arc<Config> {
        self.current.config()
    }

    /// The harvesting in force now.
    pub fn harvesting(&self) -> Arc<Harvesting> {
        self.current.get()
    }
}

/// The public routes, each registered with its OpenAPI description.
fn public_routes(state: Arc<AppState>) -> OpenApiRouter {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION]);
    let query = BodyLimit {
        limit: state.limits.config.max_query,
        setting: "http.max_query",
    };
    let upload = BodyLimit {
        limit: state.limits.config.max_upload,
        setting: "http.max_upload",
    };
    openapi::base()
        .routes(routes!(home::index))
        .routes(routes!(home::health))
        .routes(
            routes!(sparql::sparql_get, sparql::sparql_post)
                .layer(DefaultBodyLimit::disable())
                .layer(from_fn_with_state(query, limits::body_limit)),
        )
        .routes(
            routes!(validate::validate_upload)
                .layer(DefaultBodyLimit::disable())
                .layer(from_fn_with_state(upload, limits::body_limit)),
        )
        .routes(routes!(validate::stored_report))
        .merge(search::routes())
        .merge(datasets::routes())
        .merge(quality::routes())
        .merge(catalog::routes())
        .layer(cors)
        .with_state(state)
}

/// The public routes and `/api/openapi.json` describing them.
pub fn router(state: Arc<AppState>) -> Router {
    openapi::serve_document(public_routes(state.clone()))
        .0
        .merge(web::routes(state, None))
}

/// The whole HTTP application of `serve`: the public routes of
/// [`router`], the admin routes, `/api/openapi.json` describing all of
/// them, the request body deadline (`http.body_timeout`) and request
/// metrics.
pub fn app(state: Arc<AppState>, admin: Arc<AdminState>) -> Router {
    app_and_document(state, admin).0
}

/// [`app`] and the OpenAPI document it serves.
pub fn app_and_document(
    state: Arc<AppState>,
    admin: Arc<AdminState>,
) -> (Router, utoipa::openapi::OpenApi) {
    let metrics = admin.metrics().clone();
    let limits = state.limits.clone();
    let (router, doc) =
        openapi::serve_document(public_routes(state.clone()).merge(admin::routes(admin.clone())));
    let router = router
        .merge(web::routes(state, Some(admin)))
        .layer(from_fn_with_state(limits, limits::guard_body_time))
        .layer(from_fn_with_state(metrics, track));
    (router, doc)
}

/// Records the latency of every request by matched route; the labels come
/// from fixed sets (see [`Metrics::http_request`]), whatever clients send.
async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| crate::metrics::UNMATCHED_ROUTE.to_owned());
    let method = req.method().clone();
    let started = Instant::now();
    let response = next.run(req).await;
    metrics.http_request(
        &route,
        method.as_str(),
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The client's address: the peer of the connection (`ConnectInfo`, set by
/// [`server::serve`]); `unknown` when the app runs without it (in tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<SocketAddr>);

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(a) => write!(f, "{a}"),
            None => f.write_str("unknown"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}
