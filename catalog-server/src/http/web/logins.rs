//! Who is asking, and whether a form post is genuine.
//!
//! * CSRF: every form that changes anything carries the value of the
//!   browser's `csrf` cookie (random, HttpOnly, SameSite=Strict) in a hidden
//!   field; a post whose field does not equal the cookie is refused (403).
//!   A page on another site can neither read the cookie nor, with
//!   SameSite=Strict, send it.
//! * Stewards: `POST /login` with a source's steward token
//!   (`[[sources]] steward_token_env`) or the admin token starts a login:
//!   a random id in the `login` cookie (HttpOnly, SameSite=Strict, Secure
//!   when the catalog is served over https), held in memory for
//!   [`LOGIN_LIFETIME`]. A steward acts for their own source only, the
//!   admin token for every source.

use crate::config::Config;
use axum::http::HeaderMap;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// How long a steward login lasts.
pub const LOGIN_LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// Most logins held at once (the oldest are dropped beyond).
const MAX_LOGINS: usize = 10_000;

/// 128 random bits as 32 hex digits.
pub fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random numbers: {e}"))?;
    Ok(hex::encode(bytes))
}

fn well_formed(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether cookies must be `Secure`: the catalog's base IRI is https, or a
/// proxy in front says the request came over https.
pub fn secure(config: &Config, headers: &HeaderMap) -> bool {
    config.base_iri.starts_with("https://")
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`.
pub fn cookie(name: &str, value: &str, max_age: Option<Duration>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={}", age.as_secs()));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The browser's CSRF token, and the `Set-Cookie` value when it has none
/// yet.
pub fn csrf_token(headers: &HeaderMap, secure: bool) -> Result<(String, Option<String>), String> {
    if let Some(t) = super::cookie(headers, "csrf").filter(|t| well_formed(t)) {
        return Ok((t, None));
    }
    let t = random_token()?;
    let set = cookie("csrf", &t, None, secure);
    Ok((t, Some(set)))
}

/// Whether a form's `csrf` field equals the browser's `csrf` cookie.
pub fn csrf_ok(headers: &HeaderMap, field: Option<&str>) -> bool {
    let (Some(cookie), Some(field)) = (super::cookie(headers, "csrf"), field) else {
        return false;
    };
    well_formed(&cookie) && bool::from(cookie.as_bytes().ct_eq(field.as_bytes()))
}

/// What a login may act for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The Land's administrator: every source.
    Admin,
    /// The steward of one source.
    Steward(String),
}

impl Role {
    pub fn may_act_for(&self, source: &str) -> bool {
        match self {
            Role::Admin => true,
            Role::Steward(s) => s == source,
        }
    }
}

/// The role a token gives: the admin token, else the steward token of a
/// source. Tokens are compared in constant time; an empty or unset token
/// matches nothing.
pub fn role_of_token(config: &Config, token: &str) -> Option<Role> {
    let token = token.trim();
    if token.is_empty() {
        return None;
    }
    let same = |expected: &str| bool::from(expected.as_bytes().ct_eq(token.as_bytes()));
    if config
        .admin_token()
        .ok()
        .flatten()
        .as_deref()
        .is_some_and(same)
    {
        return Some(Role::Admin);
    }
    config
        .sources
        .iter()
        .find(|s| s.steward_token().as_deref().is_some_and(same))
        .map(|s| Role::Steward(s.id.0.clone()))
}

struct Login {
    role: Role,
    expires: Instant,
}

/// The steward logins, in memory (a restart logs everyone out).
#[derive(Default)]
pub struct Logins {
    logins: Mutex<HashMap<String, Login>>,
}

impl Logins {
    /// A new login for `role`; its id.
    pub fn start(&self, role: Role) -> Result<String, String> {
        let id = random_token()?;
        let now = Instant::now();
        let mut map = self.logins.lock().map_err(|_| "login table poisoned")?;
        map.retain(|_, s| s.expires > now);
        if map.len() >= MAX_LOGINS {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(
            id.clone(),
            Login {
                role,
                expires: now + LOGIN_LIFETIME,
            },
        );
        Ok(id)
    }

    /// The role of the request's `login` cookie, if it names a live
    /// login.
    pub fn role(&self, headers: &HeaderMap) -> Option<Role> {
        let id = super::cookie(headers, "login").filter(|t| well_formed(t))?;
        let map = self.logins.lock().ok()?;
        map.get(&id)
            .filter(|s| s.expires > Instant::now())
            .map(|s| s.role.clone())
    }

    /// Ends the request's login.
    pub fn end(&self, headers: &HeaderMap) {
        if let Some(id) = super::cookie(headers, "login") {
            if let Ok(mut map) = self.logins.lock() {
                map.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{header, HeaderValue};

    #[test]
    fn csrf_field_must_equal_the_cookie() {
        let token = random_token().expect("random");
        let mut h = HeaderMap::new();
        assert!(!csrf_ok(&h, Some(&token)), "no cookie");
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("lang=de; csrf={token}")).expect("header"),
        );
        assert!(csrf_ok(&h, Some(&token)));
        assert!(!csrf_ok(&h, None), "no field");
        assert!(
            !csrf_ok(&h, Some(&random_token().expect("random"))),
            "other token"
        );
        let (same, set) = csrf_token(&h, false).expect("token");
        assert_eq!((same, set), (token, None), "an existing cookie is kept");
        let (fresh, set) = csrf_token(&HeaderMap::new(), true).expect("token");
        let set = set.expect("a new cookie");
        assert!(set.starts_with(&format!("csrf={fresh};")) && set.contains("HttpOnly"));
        assert!(
            set.contains("SameSite=Strict") && set.ends_with("Secure"),
            "{set}"
        );
    }

    #[test]
    fn logins_know_their_role() {
        let logins = Logins::default();
        let id = logins.start(Role::Steward("kiel".into())).expect("login");
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("login={id}")).expect("header"),
        );
        let role = logins.role(&h).expect("a live login");
        assert!(role.may_act_for("kiel") && !role.may_act_for("luebeck"));
        assert!(Role::Admin.may_act_for("luebeck"));
        logins.end(&h);
        assert_eq!(logins.role(&h), None);
    }
}
