//! `/sparql` in a browser (HTML preferred, no `format`): a query editor
//! with example queries and the results as a table. The query runs through
//! the endpoint's own code and limits (asked for SPARQL JSON results or
//! Turtle); clients of the SPARQL protocol get what they got before.

use super::PageContext;
use crate::http::AppState;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::{context, Value};
use std::sync::Arc;

/// Example queries: (text key, query).
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "sparql_ex_count",
        "PREFIX dcat: <http://www.w3.org/ns/dcat#>\n\nSELECT (COUNT(DISTINCT ?dataset) AS ?datasets)\nWHERE { ?dataset a dcat:Dataset }",
    ),
    (
        "sparql_ex_themes",
        "PREFIX dcat: <http://www.w3.org/ns/dcat#>\n\nSELECT ?theme (COUNT(DISTINCT ?dataset) AS ?datasets)\nWHERE { ?dataset a dcat:Dataset ; dcat:theme ?theme }\nGROUP BY ?theme\nORDER BY DESC(?datasets)",
    ),
    (
        "sparql_ex_publishers",
        "PREFIX dcat: <http://www.w3.org/ns/dcat#>\nPREFIX dct: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n\nSELECT ?name (COUNT(DISTINCT ?dataset) AS ?datasets)\nWHERE { ?dataset a dcat:Dataset ; dct:publisher/foaf:name ?name }\nGROUP BY ?name\nORDER BY DESC(?datasets)\nLIMIT 20",
    ),
    (
        "sparql_ex_formats",
        "PREFIX dcat: <http://www.w3.org/ns/dcat#>\nPREFIX dct: <http://purl.org/dc/terms/>\n\nSELECT ?format (COUNT(?distribution) AS ?distributions)\nWHERE { ?dataset dcat:distribution ?distribution . ?distribution dct:format ?format }\nGROUP BY ?format\nORDER BY DESC(?distributions)\nLIMIT 20",
    ),
    (
        "sparql_ex_titles",
        "PREFIX dcat: <http://www.w3.org/ns/dcat#>\nPREFIX dct: <http://purl.org/dc/terms/>\n\nSELECT ?dataset ?title ?modified\nWHERE { ?dataset a dcat:Dataset ; dct:title ?title . OPTIONAL { ?dataset dct:modified ?modified } }\nORDER BY DESC(?modified)\nLIMIT 20",
    ),
];

/// The media types the page asks the endpoint for.
pub const PAGE_ACCEPT: &str = "application/sparql-results+json, text/turtle;q=0.9";

/// A result term as text.
fn term(v: &serde_json::Value) -> Value {
    let value = v["value"].as_str().unwrap_or("");
    let kind = v["type"].as_str().unwrap_or("");
    let lang = v["xml:lang"].as_str();
    context! {
        value => value,
        iri => kind == "uri",
        lang => lang,
    }
}

/// The page, with the query's answer when there was a query.
pub async fn page(
    state: Arc<AppState>,
    headers: HeaderMap,
    query: Option<String>,
    answer: Option<Response>,
) -> Response {
    let page = PageContext::new(&state, &headers, "/sparql", "");
    let lang = page.lang;
    let examples: Vec<Value> = EXAMPLES
        .iter()
        .map(|(key, q)| {
            context! {
                label => super::text(lang, key),
                href => format!("/sparql?{}", super::encode_query(&[("query".to_owned(), (*q).to_owned())])),
            }
        })
        .collect();
    let mut result = None;
    let mut problem = None;
    let mut status = StatusCode::OK;
    if let Some(answer) = answer {
        status = answer.status();
        let json = answer
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.contains("json"));
        let body = axum::body::to_bytes(answer.into_body(), 64 * 1024 * 1024)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_else(|e| e.to_string());
        if !status.is_success() {
            problem = Some(body);
        } else if json {
            match serde_json::from_str::<serde_json::Value>(&body) {
                Ok(v) if v.get("boolean").is_some() => {
                    result = Some(context! { boolean => v["boolean"].as_bool() });
                }
                Ok(v) => {
                    let vars: Vec<String> = v["head"]["vars"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect();
                    let rows: Vec<Vec<Option<Value>>> = v["results"]["bindings"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|b| vars.iter().map(|var| b.get(var).map(term)).collect())
                        .collect();
                    result = Some(context! { vars => vars, rows => rows });
                }
                Err(e) => problem = Some(e.to_string()),
            }
        } else {
            result = Some(context! { text => body });
        }
    }
    let shown = query.unwrap_or_else(|| EXAMPLES[0].1.to_owned());
    page.render(
        status,
        "sparql.html",
        context! {
            nav => "sparql",
            query => shown,
            examples => examples,
            result => result,
            problem => problem,
        },
    )
}
