//! Values as sources write them, read by one rule for every mapping (CKAN,
//! ISO 19139): dates, http(s) IRIs, other IRIs and e-mail addresses. A value
//! that does not pass is left out by the mapping, never stored ill-typed.

use crate::vocab::xsd;
use oxrdf::{Literal, NamedNode};
use url::Url;

/// A valid absolute http(s) IRI, or `None`.
pub fn http_iri(s: &str) -> Option<NamedNode> {
    let s = s.trim();
    let url = Url::parse(s).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    // Keep the IRI as written when it is valid; else the parsed (escaped) form.
    NamedNode::new(s)
        .ok()
        .or_else(|| NamedNode::new(url.as_str()).ok())
}

/// Any valid absolute IRI (urn:, mailto: …), or `None`.
pub fn any_iri(s: &str) -> Option<NamedNode> {
    let s = s.trim();
    let (scheme, rest) = s.split_once(':')?;
    if scheme.is_empty()
        || rest.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    NamedNode::new(s).ok()
}

/// A date or dateTime literal typed by its lexical form, or `None` when the
/// value is neither (it is then left out: DCAT-AP.de wants typed dates).
///
/// The value is kept as the source gives it (CKAN's timestamps have no
/// time zone; `xsd:dateTime` allows that). A year (`2012`) is an `xsd:gYear`, a
/// month (`2012-05`) an `xsd:gYearMonth`, as ckanext-dcat writes them. Two
/// things are repaired: a space between date and time (`2020-01-06
/// 12:00:00` → `2020-01-06T12:00:00`) and a time without seconds
/// (`2012-05-10T21:04` → `2012-05-10T21:04:00`).
pub fn date_literal(value: &str) -> Option<Literal> {
    let v = value.trim();
    let b = v.as_bytes();
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    if b.len() == 4 && (0..4).all(d) {
        return Some(Literal::new_typed_literal(v, xsd::G_YEAR));
    }
    if b.len() == 7
        && (0..4).all(d)
        && b[4] == b'-'
        && d(5)
        && d(6)
        && (1..=12).contains(&((b[5] - b'0') * 10 + (b[6] - b'0')))
    {
        return Some(Literal::new_typed_literal(v, xsd::G_YEAR_MONTH));
    }
    let is_date = b.len() >= 10
        && (0..4).all(d)
        && b[4] == b'-'
        && d(5)
        && d(6)
        && b[7] == b'-'
        && d(8)
        && d(9);
    if !is_date {
        return None;
    }
    let rest = &v[10..];
    let tz_ok = |t: &str| {
        let z = t.as_bytes();
        z.is_empty()
            || z == b"Z"
            || (z.len() == 6
                && (z[0] == b'+' || z[0] == b'-')
                && z[1..3].iter().all(u8::is_ascii_digit)
                && z[3] == b':'
                && z[4..].iter().all(u8::is_ascii_digit))
    };
    if rest.is_empty() || tz_ok(rest) {
        return Some(Literal::new_typed_literal(v, xsd::DATE));
    }
    let (sep, time) = rest.split_at(1);
    if sep != "T" && sep != " " {
        return None;
    }
    let tb = time.as_bytes();
    let t = |i: usize| tb.get(i).is_some_and(u8::is_ascii_digit);
    let hh_mm = tb.len() >= 5 && t(0) && t(1) && tb[2] == b':' && t(3) && t(4);
    if hh_mm && tb.get(5) != Some(&b':') && tz_ok(&time[5..]) {
        return Some(Literal::new_typed_literal(
            format!("{}T{}:00{}", &v[..10], &time[..5], &time[5..]),
            xsd::DATE_TIME,
        ));
    }
    if !(tb.len() >= 8
        && t(0)
        && t(1)
        && tb[2] == b':'
        && t(3)
        && t(4)
        && tb[5] == b':'
        && t(6)
        && t(7))
    {
        return None;
    }
    let mut tail = &time[8..];
    if let Some(frac) = tail.strip_prefix('.') {
        let n = frac.chars().take_while(char::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        tail = &frac[n..];
    }
    if !tz_ok(tail) {
        return None;
    }
    Some(Literal::new_typed_literal(
        format!("{}T{}", &v[..10], time),
        xsd::DATE_TIME,
    ))
}

/// An e-mail address as a `mailto:` IRI (a `mailto:` prefix in the input is accepted).
pub fn mailto(email: &str) -> Option<NamedNode> {
    let e = email.trim();
    let e = e
        .strip_prefix("mailto:")
        .or_else(|| e.strip_prefix("MAILTO:"))
        .unwrap_or(e)
        .trim();
    let (local, domain) = e.split_once('@')?;
    if local.is_empty()
        || domain.is_empty()
        || !domain.contains('.')
        || e.chars()
            .any(|c| c.is_whitespace() || "<>\"{}|\\^`".contains(c))
    {
        return None;
    }
    NamedNode::new(format!("mailto:{e}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_dates() {
        let typed =
            |v: &str| date_literal(v).map(|l| (l.value().to_owned(), l.datatype().into_owned()));
        assert_eq!(
            typed("2019-05-15"),
            Some(("2019-05-15".into(), xsd::DATE.into_owned()))
        );
        assert_eq!(
            typed("2019-05-15Z"),
            Some(("2019-05-15Z".into(), xsd::DATE.into_owned()))
        );
        assert_eq!(
            typed(" 2019-05-15 09:00:00 "),
            Some(("2019-05-15T09:00:00".into(), xsd::DATE_TIME.into_owned()))
        );
        assert_eq!(
            typed("2019-05-15T09:00"),
            Some(("2019-05-15T09:00:00".into(), xsd::DATE_TIME.into_owned()))
        );
        assert_eq!(
            typed("2019-05-15T09:00:00.123+02:00"),
            Some((
                "2019-05-15T09:00:00.123+02:00".into(),
                xsd::DATE_TIME.into_owned()
            ))
        );
        assert_eq!(
            typed("2019-05"),
            Some(("2019-05".into(), xsd::G_YEAR_MONTH.into_owned()))
        );
        assert_eq!(
            typed("2019"),
            Some(("2019".into(), xsd::G_YEAR.into_owned()))
        );
        // Not dates, or not valid ones: left out rather than stored ill-typed.
        for bad in [
            "2019-13",
            "2019-05-15T09:00:00+0200",
            "15.05.2019",
            "unknown",
            "",
        ] {
            assert_eq!(typed(bad), None, "{bad}");
        }
    }

    #[test]
    fn one_rule_for_iris_and_mail() {
        assert_eq!(
            http_iri(" https://example.org/a ").map(|n| n.into_string()),
            Some("https://example.org/a".into())
        );
        assert_eq!(http_iri("ftp://example.org/a"), None);
        assert_eq!(http_iri("http://"), None);
        assert_eq!(
            http_iri("https://example.org/a b").map(|n| n.into_string()),
            Some("https://example.org/a%20b".into())
        );
        assert!(any_iri("urn:uuid:1").is_some());
        assert!(any_iri("no iri").is_none());
        assert_eq!(
            mailto("MAILTO: amt@stadt.example ").map(|n| n.into_string()),
            Some("mailto:amt@stadt.example".into())
        );
        for bad in [
            "amt",
            "amt@",
            "@stadt.example",
            "amt@localhost",
            "a b@stadt.example",
        ] {
            assert_eq!(mailto(bad), None, "{bad}");
        }
    }
}
