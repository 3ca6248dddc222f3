//! `GET /validate` and `POST /validate`: upload a file or paste RDF, pick
//! a profile, read the report grouped by focus node. The post is
//! `multipart/form-data` with the CSRF field; it runs the validation of
//! `POST /api/validate` ([`crate::http::validate::run_validation`]) under
//! the same slots, size limit and timeout.

use super::steward::form_token;
use super::{text, PageContext, WebState};
use crate::validation::ReportFormat;
use axum::extract::{Multipart, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minijinja::{context, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The default profile of the form.
const DEFAULT_PROFILE: &str = "dcat-ap-de-3";

fn profiles(web: &WebState) -> Vec<String> {
    let mut names = crate::validation::shipped_profiles();
    names.extend(web.app.config().validation.profiles.keys().cloned());
    names.sort();
    names.dedup();
    names
}

/// What the form shows besides the fields' choices.
#[derive(Default)]
struct Shown {
    profile: String,
    pasted: String,
    report: Option<Value>,
    problem: Option<String>,
}

fn form_page(
    mut page: PageContext,
    web: &WebState,
    headers: &HeaderMap,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let csrf = form_token(&mut page, web, headers);
    page.render(
        status,
        "validate.html",
        context! {
            nav => "validate",
            csrf => csrf,
            profiles => profiles(web),
            chosen => shown.profile,
            pasted => shown.pasted,
            report => shown.report,
            problem => shown.problem,
        },
    )
}

/// `GET /validate`: the form.
pub async fn validate_page(
    State(web): State<Arc<WebState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = PageContext::new(&web.app, &headers, "/validate", &raw.unwrap_or_default());
    let shown = Shown {
        profile: DEFAULT_PROFILE.to_owned(),
        ..Default::default()
    };
    form_page(page, &web, &headers, StatusCode::OK, shown)
}

/// The JSON report grouped by focus node, for the template.
fn grouped(report: &serde_json::Value) -> Value {
    let mut by_focus: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for r in report["results"].as_array().into_iter().flatten() {
        let focus = r["focus_node"].as_str().unwrap_or("").to_owned();
        by_focus.entry(focus).or_default().push(r.clone());
    }
    let nodes: Vec<Value> = by_focus
        .into_iter()
        .map(|(focus, results)| context! { focus => focus, results => Value::from_serialize(&results) })
        .collect();
    context! {
        profile => report["profile"].as_str(),
        conforms => report["conforms"].as_bool(),
        violations => report["violations"].as_u64(),
        warnings => report["warnings"].as_u64(),
        infos => report["infos"].as_u64(),
        notes => Value::from_serialize(&report["notes"]),
        repairs => Value::from_serialize(&report["repairs"]),
        nodes => nodes,
    }
}

/// `POST /validate`: validates the uploaded file, else the pasted text.
pub async fn validate_post(
    State(web): State<Arc<WebState>>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let page = PageContext::new(&web.app, &headers, "/validate", "");
    let lang = page.lang;
    let mut csrf = None;
    let mut profile = DEFAULT_PROFILE.to_owned();
    let mut pasted = String::new();
    let mut file: Option<(bytes::Bytes, Option<String>)> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return page.error(e.status(), &e.body_text()),
        };
        let name = field.name().unwrap_or("").to_owned();
        let media = field
            .file_name()
            .and_then(|n| crate::validation::media_type_for_path(std::path::Path::new(n)))
            .map(str::to_owned);
        let data = match field.bytes().await {
            Ok(d) => d,
            Err(e) => return page.error(e.status(), &e.body_text()),
        };
        match name.as_str() {
            "csrf" => csrf = Some(String::from_utf8_lossy(&data).into_owned()),
            "profile" => profile = String::from_utf8_lossy(&data).trim().to_owned(),
            "text" => pasted = String::from_utf8_lossy(&data).into_owned(),
            "file" if !data.is_empty() => file = Some((data, media)),
            _ => {}
        }
    }
    if !super::logins::csrf_ok(&headers, csrf.as_deref()) {
        return page.error(StatusCode::FORBIDDEN, &text(lang, "csrf_refused"));
    }
    let (body, media) = match file {
        Some(f) => f,
        None if !pasted.trim().is_empty() => (bytes::Bytes::from(pasted.clone()), None),
        None => {
            let shown = Shown {
                profile,
                pasted,
                report: None,
                problem: Some(text(lang, "validate_empty")),
            };
            return form_page(page, &web, &headers, StatusCode::BAD_REQUEST, shown);
        }
    };
    let slot = match web.app.limits.validations.try_take() {
        Ok(s) => s,
        Err(_) => {
            return page.error(
                StatusCode::SERVICE_UNAVAILABLE,
                &text(lang, "validate_busy"),
            )
        }
    };
    let result = crate::http::validate::run_validation(
        &web.app,
        slot,
        body,
        media,
        profile.clone(),
        ReportFormat::Json,
    )
    .await;
    match result {
        Ok(json) => match serde_json::from_str::<serde_json::Value>(&json) {
            Ok(report) => {
                let shown = Shown {
                    profile,
                    pasted,
                    report: Some(grouped(&report)),
                    problem: None,
                };
                form_page(page, &web, &headers, StatusCode::OK, shown)
            }
            Err(e) => page.error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let shown = Shown {
                profile,
                pasted,
                report: None,
                problem: Some(e.message),
            };
            form_page(page, &web, &headers, StatusCode::BAD_REQUEST, shown)
        }
        Err(e) => page.error(e.status, &e.message),
    }
}
