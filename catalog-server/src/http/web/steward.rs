//! The data stewards' login and actions: `GET/POST /login`, `POST
//! /logout`, `POST /sources/{id}/harvest` and `POST /sources/{id}/preview`.
//! Every post needs the CSRF field ([`super::logins::csrf_ok`]); the
//! actions need a login whose role may act for the source (a steward
//! for their own source, the admin for all). Actions are audited like the
//! admin API's.

use super::logins::{self, csrf_ok, csrf_token, role_of_token, secure, Role};
use super::sources::redact;
use super::{PageContext, WebState};
use crate::http::ClientAddr;
use crate::store::Trigger;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use minijinja::{context, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// A `303 See Other` to `to`, with cookies to set.
fn see_other(to: &str, cookies: &[String]) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

/// The form's CSRF token for a page, set as cookie when new.
pub fn form_token(page: &mut PageContext, web: &WebState, headers: &HeaderMap) -> String {
    let secure = secure(&web.app.config(), headers);
    match csrf_token(headers, secure) {
        Ok((token, set)) => {
            page.cookies.extend(set);
            token
        }
        Err(e) => {
            tracing::error!("CSRF token: {e}");
            String::new()
        }
    }
}

/// `GET /login`: the login form, or who is logged in.
pub async fn login_page(
    State(web): State<Arc<WebState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let mut page = PageContext::new(&web.app, &headers, "/login", &raw.unwrap_or_default());
    let csrf = form_token(&mut page, &web, &headers);
    let role = web.logins.role(&headers);
    page.render(
        StatusCode::OK,
        "login.html",
        context! {
            nav => "login",
            csrf => csrf,
            role => role.as_ref().map(role_view),
        },
    )
}

fn role_view(role: &Role) -> Value {
    match role {
        Role::Admin => context! { admin => true },
        Role::Steward(s) => context! { admin => false, source => s },
    }
}

/// `POST /login` (`token`, `csrf`): starts a login for the token's role.
pub async fn login(
    State(web): State<Arc<WebState>>,
    headers: HeaderMap,
    client: ClientAddr,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let page = PageContext::new(&web.app, &headers, "/login", "");
    if !csrf_ok(&headers, form.get("csrf").map(String::as_str)) {
        tracing::warn!("login from {client} refused: no valid CSRF token");
        return page.error(
            StatusCode::FORBIDDEN,
            &super::text(page.lang, "csrf_refused"),
        );
    }
    let config = web.app.config();
    let Some(role) = role_of_token(&config, form.get("token").map(String::as_str).unwrap_or(""))
    else {
        tracing::warn!("login from {client} refused: unknown token");
        return page.error(
            StatusCode::FORBIDDEN,
            &super::text(page.lang, "login_refused"),
        );
    };
    let id = match web.logins.start(role.clone()) {
        Ok(id) => id,
        Err(e) => return page.error(StatusCode::INTERNAL_SERVER_ERROR, &e),
    };
    tracing::info!("login from {client}: {role:?}");
    let cookie = logins::cookie(
        "login",
        &id,
        Some(logins::LOGIN_LIFETIME),
        secure(&config, &headers),
    );
    let to = match &role {
        Role::Admin => "/sources".to_owned(),
        Role::Steward(s) => format!("/sources/{s}"),
    };
    see_other(&to, &[cookie])
}

/// `POST /logout` (`csrf`): ends the login.
pub async fn logout(
    State(web): State<Arc<WebState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let page = PageContext::new(&web.app, &headers, "/logout", "");
    if !csrf_ok(&headers, form.get("csrf").map(String::as_str)) {
        return page.error(
            StatusCode::FORBIDDEN,
            &super::text(page.lang, "csrf_refused"),
        );
    }
    web.logins.end(&headers);
    let cleared = logins::cookie(
        "login",
        "",
        Some(std::time::Duration::ZERO),
        secure(&web.app.config(), &headers),
    );
    see_other("/", &[cleared])
}

/// The login's role if it may act for `source` and the post carries the
/// CSRF token; else the refusal page.
fn authorize(
    web: &WebState,
    page: &PageContext,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    source: &str,
    client: ClientAddr,
) -> Result<Role, Box<Response>> {
    if !csrf_ok(headers, form.get("csrf").map(String::as_str)) {
        tracing::warn!("{client}: post for source {source} refused: no valid CSRF token");
        return Err(Box::new(page.error(
            StatusCode::FORBIDDEN,
            &super::text(page.lang, "csrf_refused"),
        )));
    }
    match web.logins.role(headers) {
        Some(role) if role.may_act_for(source) => Ok(role),
        Some(role) => {
            tracing::warn!("{client}: {role:?} may not act for source {source}");
            Err(Box::new(page.error(
                StatusCode::FORBIDDEN,
                &super::text(page.lang, "foreign_source"),
            )))
        }
        None => Err(Box::new(page.error(
            StatusCode::UNAUTHORIZED,
            &super::text(page.lang, "login_needed"),
        ))),
    }
}

/// `POST /sources/{id}/harvest` (`csrf`): starts a run of the source now.
pub async fn harvest(
    State(web): State<Arc<WebState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    client: ClientAddr,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let page = PageContext::new(&web.app, &headers, &format!("/sources/{id}"), "");
    if let Err(r) = authorize(&web, &page, &headers, &form, &id, client) {
        return *r;
    }
    let Some(admin) = &web.admin else {
        return page.error(
            StatusCode::SERVICE_UNAVAILABLE,
            "no scheduler in this server",
        );
    };
    let (status, outcome, to) = match admin.scheduler.trigger(&id, Trigger::Manual) {
        Ok(job) => (
            StatusCode::ACCEPTED,
            format!("run {} queued", job.run_id),
            format!("/sources/{id}?queued={}", job.run_id),
        ),
        Err(e) => {
            let message = e.to_string();
            admin.audit.record(
                "harvest",
                Some(&id),
                &client.to_string(),
                StatusCode::CONFLICT.as_u16(),
                message.clone(),
            );
            return page.error(StatusCode::CONFLICT, &message);
        }
    };
    admin.audit.record(
        "harvest",
        Some(&id),
        &client.to_string(),
        status.as_u16(),
        outcome,
    );
    see_other(&to, &[])
}

/// `POST /sources/{id}/preview` (`csrf`): the first records as the harvest
/// would store them, with their validation; shown to the steward only.
pub async fn preview(
    State(web): State<Arc<WebState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    client: ClientAddr,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut page = PageContext::new(&web.app, &headers, &format!("/sources/{id}"), "");
    if let Err(r) = authorize(&web, &page, &headers, &form, &id, client) {
        return *r;
    }
    let Some(admin) = &web.admin else {
        return page.error(
            StatusCode::SERVICE_UNAVAILABLE,
            "no scheduler in this server",
        );
    };
    let harvesting = admin.scheduler.harvesting();
    let (response, outcome) =
        crate::http::admin::run_preview(admin, harvesting, &id, Some("limit=10")).await;
    let status = response.status();
    admin.audit.record(
        "preview",
        Some(&id),
        &client.to_string(),
        status.as_u16(),
        outcome.clone(),
    );
    if !status.is_success() {
        return page.error(status, &outcome);
    }
    let body = match axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024).await {
        Ok(b) => b,
        Err(e) => return page.error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let preview: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return page.error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let csrf = form_token(&mut page, &web, &headers);
    page.render(
        StatusCode::OK,
        "preview.html",
        context! {
            nav => "sources",
            csrf => csrf,
            source => &id,
            preview => Value::from_serialize(&preview),
        },
    )
}

/// The role of the request's login (for pages that show steward
/// controls).
pub fn role(web: &WebState, headers: &HeaderMap) -> Option<Role> {
    web.logins.role(headers)
}

/// Error texts shown to the public: redacted unless the viewer may act
/// for the source.
pub fn shown(text: &str, may_see: bool) -> String {
    if may_see {
        text.to_owned()
    } else {
        redact(text)
    }
}
