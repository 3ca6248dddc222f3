//! The OpenAPI 3.1 document of the HTTP API, `GET /api/openapi.json`.
//!
//! It is generated when the router is built, never written by hand: every
//! route is registered through utoipa-axum's `routes!` from a handler
//! annotated with `#[utoipa::path]` (method, path, parameters, request
//! bodies, answers), so a route and its description are one declaration;
//! answer bodies are the Rust types the handlers serialize, described by
//! `utoipa::ToSchema`. `tests/openapi.rs` compares the router's routes and
//! methods with the document's paths and operations.

use super::search::{Count, FacetFilter, Page};
use super::ApiError;
use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The name of the admin bearer token's security scheme.
pub const ADMIN_TOKEN: &str = "admin_token";

/// What the document says besides the operations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "dcat-catalog",
        description = "A federated DCAT-AP catalog: full-text search with facets, dataset views in JSON and RDF, SPARQL 1.1 (read-only), SHACL validation, the harvest status and admin API, metrics and health. Errors of the public endpoints are plain text saying what to fix; errors of the admin API are JSON objects with an `error` member.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2")
    ),
    components(schemas(ApiError, FacetFilter, Count, Page)),
    modifiers(&AdminToken),
    tags(
        (name = "search", description = "Full-text search for citizens."),
        (name = "datasets", description = "One dataset: JSON view, exact RDF graph, stored validation report."),
        (name = "sparql", description = "SPARQL 1.1 Protocol, read-only; the default graph is the union of all graphs."),
        (name = "validation", description = "SHACL validation of uploaded documents."),
        (name = "quality", description = "Metadata quality: data.europa.eu's MQA score per source."),
        (name = "admin", description = "Harvest status (public) and admin actions (bearer token)."),
        (name = "service", description = "Index page, health, metrics and this document."),
    )
)]
struct ApiDoc;

/// Declares the admin bearer token (`Authorization: Bearer <token>`).
struct AdminToken;

impl Modify for AdminToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some(
            "The admin token of the server's configuration (at least 32 characters), as `Authorization: Bearer <token>`. Without the header: 401 with `WWW-Authenticate`; a wrong token, or none configured: 403."
                .to_owned(),
        );
        components.add_security_scheme(ADMIN_TOKEN, SecurityScheme::Http(scheme));
    }
}

/// An empty router carrying the document's info, tags and security scheme;
/// routes are added with `routes!`.
pub fn base<S: Send + Sync + Clone + 'static>() -> OpenApiRouter<S> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
}

/// The serialized document (or why it could not be), handed to
/// [`openapi_json`].
#[derive(Clone)]
struct Document(Result<Bytes, String>);

/// The OpenAPI document of this API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "service",
    responses(
        (status = 200, description = "This document (OpenAPI 3.1, JSON).", body = serde_json::Value, content_type = "application/json"),
        (status = 500, description = "The document could not be serialized.", body = ApiError, content_type = "text/plain"),
    )
)]
async fn openapi_json(Extension(doc): Extension<Document>) -> Response {
    match doc.0 {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => ApiError::internal(format!("the OpenAPI document: {e}")).into_response(),
    }
}

/// Adds `GET /api/openapi.json` to `routes` and splits them into the axum
/// router and the document it serves.
pub fn serve_document(routes: OpenApiRouter) -> (Router, utoipa::openapi::OpenApi) {
    let (router, doc) = routes.routes(routes!(openapi_json)).split_for_parts();
    let json = doc
        .to_pretty_json()
        .map(Bytes::from)
        .map_err(|e| e.to_string());
    (router.layer(Extension(Document(json))), doc)
}
