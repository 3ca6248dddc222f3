//! The index page (also what a browser gets from `/sparql` without a query)
//! and `/health`.

use super::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

pub(super) async fn index(State(state): State<Arc<AppState>>) -> Html<String> {
    let c = state.config();
    let mut sources = String::new();
    for s in &c.sources {
        sources.push_str(&format!(
            "<li><code>{}</code> — {} ({}{})</li>",
            escape(&s.id.0),
            escape(&s.title),
            s.kind.as_str(),
            if s.enabled { "" } else { ", disabled" }
        ));
    }
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.5}}code{{background:#eee;padding:0 .2em}}</style></head>
<body><h1>{title}</h1>
<p>A federated DCAT-AP catalog. Endpoints:</p>
<ul>
<li><a href="/sparql">/sparql</a> — SPARQL 1.1 query endpoint (GET <code>?query=</code>, POST form or <code>application/sparql-query</code>); the default graph is the union of all graphs.
 Try <a href="/sparql?query=SELECT%20(COUNT(DISTINCT%20%3Fd)%20AS%20%3Fdatasets)%20WHERE%20%7B%20%3Fd%20a%20%3Chttp%3A%2F%2Fwww.w3.org%2Fns%2Fdcat%23Dataset%3E%20%7D&amp;format=json">counting the datasets</a>.</li>
<li><a href="/api/search?q=">/api/search</a> — full-text search with facets (<a href="/api/openapi.json">OpenAPI</a>).</li>
<li><a href="/health">/health</a> — liveness and store status.</li>
</ul>
<h2>Sources</h2><ul>{sources}</ul>
</body></html>"#,
        title = escape(&c.catalog.title),
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) async fn health(State(state): State<Arc<AppState>>) -> Response {
    let store = state.store.clone();
    let result = tokio::task::spawn_blocking(move || store.stored_sources()).await;
    match result {
        Ok(Ok(sources)) => axum::Json(serde_json::json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "sources_configured": state.config().sources.len(),
            "sources_stored": sources.len(),
        }))
        .into_response(),
        Ok(Err(e)) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("store unavailable: {e}"),
        )
        .into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}
