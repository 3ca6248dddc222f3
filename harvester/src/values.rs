//! Values as sources write them, read by one rule for every mapping (CKAN,
//! ISO 19139): dates, http(s) IRIs, other IRIs and e-mail addresses. An IRI
//! or address that does not pass is left out by the mapping, never stored
//! ill-typed; a date that does not pass is kept as the text the source wrote
//! ([`date_or_text`]), with a warning for the steward.

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
    // A domain with an empty label is a placeholder (`http://www...`,
    // `http://.example`), never a page (a final dot is allowed).
    if let Some(url::Host::Domain(d)) = url.host() {
        if d.strip_suffix('.')
            .unwrap_or(d)
            .split('.')
            .any(str::is_empty)
        {
            return None;
        }
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
/// value is neither (see [`date_or_text`] for what the mappings keep then).
///
/// The value is kept as the source gives it (CKAN's timestamps have no
/// time zone; `xsd:dateTime` allows that). A year (`2012`) is an `xsd:gYear`, a
/// month (`2012-05`) an `xsd:gYearMonth`, as ckanext-dcat writes them. What
/// is repaired: a space between date and time (`2020-01-06 12:00:00` →
/// `2020-01-06T12:00:00`), a time without seconds (`2012-05-10T21:04` →
/// `2012-05-10T21:04:00`), a zone without colon (`+0200`, `+02` →
/// `+02:00`), and the German form day first (`31.12.2023`, `1.2.2024
/// 14:30 Uhr` → `2023-12-31`, `2024-02-01T14:30:00`).
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
        return german_date(v);
    }
    let day = &v[..10];
    let rest = &v[10..];
    if let Some(z) = zone(rest) {
        return Some(Literal::new_typed_literal(format!("{day}{z}"), xsd::DATE));
    }
    let time = rest.strip_prefix(['T', ' '])?;
    let tb = time.as_bytes();
    let t = |i: usize| tb.get(i).is_some_and(u8::is_ascii_digit);
    let hh_mm = tb.len() >= 5 && t(0) && t(1) && tb[2] == b':' && t(3) && t(4);
    if hh_mm && tb.get(5) != Some(&b':') {
        let z = zone(&time[5..])?;
        return Some(Literal::new_typed_literal(
            format!("{day}T{}:00{z}", &time[..5]),
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
    let mut clock = 8;
    if let Some(frac) = time[8..].strip_prefix('.') {
        let n = frac.chars().take_while(char::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        clock += 1 + n;
    }
    let z = zone(&time[clock..])?;
    Some(Literal::new_typed_literal(
        format!("{day}T{}{z}", &time[..clock]),
        xsd::DATE_TIME,
    ))
}

/// A time zone as XSD writes it (none, `Z` or `+hh:mm`), from that or
/// from `+hhmm` and `+hh`; `None` when the text is no zone.
fn zone(t: &str) -> Option<String> {
    let (sign, hh, mm) = match t.as_bytes() {
        [] | [b'Z'] => return Some(t.to_owned()),
        [s @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [s @ (b'+' | b'-'), h1, h2, m1, m2] => {
            (*s, [*h1, *h2], [*m1, *m2])
        }
        [s @ (b'+' | b'-'), h1, h2] => (*s, [*h1, *h2], *b"00"),
        _ => return None,
    };
    let two = |p: [u8; 2]| {
        p.iter()
            .all(u8::is_ascii_digit)
            .then(|| (p[0] - b'0') * 10 + (p[1] - b'0'))
    };
    let (hh, mm) = (two(hh)?, two(mm)?);
    if hh > 14 || mm > 59 {
        return None;
    }
    Some(format!("{}{hh:02}:{mm:02}", sign as char))
}

/// `D.M.YYYY` as German sources write dates (`31.12.2023`, `1.2.2024`),
/// optionally with a time (`31.12.2023 14:30`, `… 14:30:15`, `… 14:30 Uhr`).
fn german_date(v: &str) -> Option<Literal> {
    let (date, time) = match v.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (v, None),
    };
    let num = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let mut parts = date.split('.');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !(num(d, 1, 2) && num(m, 1, 2) && num(y, 4, 4)) {
        return None;
    }
    let (d, m): (u8, u8) = (d.parse().ok()?, m.parse().ok()?);
    if !(1..=31).contains(&d) || !(1..=12).contains(&m) {
        return None;
    }
    let day = format!("{y}-{m:02}-{d:02}");
    let Some(time) = time else {
        return Some(Literal::new_typed_literal(day, xsd::DATE));
    };
    let time = time.strip_suffix("Uhr").map_or(time, str::trim_end);
    let mut clock = time.split(':');
    let (h, min, sec) = (clock.next()?, clock.next()?, clock.next().unwrap_or("00"));
    if clock.next().is_some() || !(num(h, 1, 2) && num(min, 2, 2) && num(sec, 2, 2)) {
        return None;
    }
    let (h, min, sec): (u8, u8, u8) = (h.parse().ok()?, min.parse().ok()?, sec.parse().ok()?);
    if h > 23 || min > 59 || sec > 59 {
        return None;
    }
    Some(Literal::new_typed_literal(
        format!("{day}T{h:02}:{min:02}:{sec:02}"),
        xsd::DATE_TIME,
    ))
}

/// A date typed by [`date_literal`], else the value as the source wrote it
/// (a plain literal; `None` only for an empty value). ckanext-dcat keeps the
/// dates it cannot read the same way: the record keeps what its source
/// said, and [`crate::record::undated_warnings`] names record, property and
/// value to the steward, where leaving it out would hide it.
pub fn date_or_text(value: &str) -> Option<Literal> {
    date_literal(value).or_else(|| text_literal(value))
}

/// The trimmed value as a plain literal, `None` when it is empty.
pub fn text_literal(value: &str) -> Option<Literal> {
    let v = value.trim();
    (!v.is_empty()).then(|| Literal::new_simple_literal(v))
}

/// A telephone number as a `tel:` IRI: digits only, with an optional
/// leading `+` (`++49` and `0049` are `+49`); spaces, dashes, slashes,
/// dots and brackets are dropped, and so is the trunk prefix `(0)` after a
/// country code (`+49 (0)2841 201-0` → `tel:+4928412010`, `++49 0611 44`
/// → `tel:+4961144`). Anything else (letters, extensions) leaves it out.
/// A number without country code stays as written (`tel:028412010`).
pub fn tel(v: &str) -> Option<NamedNode> {
    let v = v.trim();
    let v = v
        .strip_prefix("tel:")
        .or_else(|| v.strip_prefix("TEL:"))
        .unwrap_or(v)
        .trim();
    let international = v
        .strip_prefix("++")
        .or_else(|| v.strip_prefix('+'))
        .or_else(|| {
            v.strip_prefix("00")
                .filter(|r| r.starts_with(|c: char| c.is_ascii_digit() && c != '0'))
        });
    let (plus, rest) = match international {
        Some(r) => ("+", r.replacen("(0)", "", 1)),
        None => ("", v.to_owned()),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '/' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    if plus == "+" {
        // The trunk 0 after a two-digit country code (`+49 0611 …`).
        let cc = digits.get(..2).unwrap_or("");
        // Countries whose numbers are dialled with a trunk 0 at home.
        if matches!(cc, "49" | "43" | "41" | "31" | "32" | "33" | "44")
            && digits[2..].starts_with('0')
        {
            digits.remove(2);
        }
    }
    if digits.len() < 3 {
        return None;
    }
    NamedNode::new(format!("tel:{plus}{digits}")).ok()
}

/// Characters percent-encoded in a minted IRI path segment: all but
/// RFC 3986's unreserved ones (letters, digits, `-`, `.`, `_`, `~`), which
/// producers should not encode (normalizers decode them).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A value (an identifier, a slug, a source id) as one IRI path segment:
/// percent-encoded but for the unreserved characters (`DE-BY_1.2` stays
/// as it is, `a b/c` is `a%20b%2Fc`); the dot segments `.` and `..` are
/// encoded, as IRI resolution would remove them.
pub fn path_segment(value: &str) -> String {
    if value == "." || value == ".." {
        return value.replace('.', "%2E");
    }
    percent_encoding::utf8_percent_encode(value, SEGMENT).to_string()
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
        for (given, value, datatype) in [
            ("2019-05-15", "2019-05-15", xsd::DATE),
            ("2019-05-15Z", "2019-05-15Z", xsd::DATE),
            (
                " 2019-05-15 09:00:00 ",
                "2019-05-15T09:00:00",
                xsd::DATE_TIME,
            ),
            ("2019-05-15T09:00", "2019-05-15T09:00:00", xsd::DATE_TIME),
            (
                "2019-05-15T09:00:00.123+02:00",
                "2019-05-15T09:00:00.123+02:00",
                xsd::DATE_TIME,
            ),
            ("2019-05", "2019-05", xsd::G_YEAR_MONTH),
            ("2019", "2019", xsd::G_YEAR),
            // Zones without colon, the German form.
            (
                "2019-05-15T09:00:00+0200",
                "2019-05-15T09:00:00+02:00",
                xsd::DATE_TIME,
            ),
            (
                "2019-05-15T09:00:00.5-03",
                "2019-05-15T09:00:00.5-03:00",
                xsd::DATE_TIME,
            ),
            (
                "2019-05-15T09:00+0530",
                "2019-05-15T09:00:00+05:30",
                xsd::DATE_TIME,
            ),
            ("15.05.2019", "2019-05-15", xsd::DATE),
            ("1.2.2024 14:30 Uhr", "2024-02-01T14:30:00", xsd::DATE_TIME),
            ("31.12.2023 23:59:58", "2023-12-31T23:59:58", xsd::DATE_TIME),
        ] {
            assert_eq!(
                typed(given),
                Some((value.to_owned(), datatype.into_owned())),
                "{given}"
            );
        }
        // Not dates, or not valid ones: not typed.
        for bad in [
            "2019-13",
            "2019-05-15T09:00:00+2500",
            "2019-05-15T09:00:00+02:0",
            "2019-05-15T09:00:00+020",
            "32.05.2019",
            "15.13.2019",
            "15.05.19",
            "15.05.2019 25:00",
            "15.05.2019 garbage",
            "2019-05-15 garbage",
            "2019-05-15é",
            "2019-05-15T09:00:00é",
            "unknown",
            "",
        ] {
            assert_eq!(typed(bad), None, "{bad}");
        }
        // What is no date is kept as the source wrote it.
        assert_eq!(
            date_or_text(" Sommer 2019 "),
            Some(Literal::new_simple_literal("Sommer 2019"))
        );
        assert_eq!(date_or_text("  "), None);
        assert_eq!(
            date_or_text("15.05.2019").map(|l| l.datatype().into_owned()),
            Some(xsd::DATE.into_owned())
        );
    }

    #[test]
    fn placeholder_hosts_are_no_iris() {
        assert!(http_iri("http://www...").is_none());
        assert!(http_iri("http://www..example.org/").is_none());
        assert!(http_iri("https://www.example.org./a").is_some());
        assert!(http_iri("http://127.0.0.1:8080/x").is_some());
    }

    #[test]
    fn path_segments_keep_unreserved_characters() {
        assert_eq!(
            path_segment("111c0076-b23f-76e5-c888-94327664111"),
            "111c0076-b23f-76e5-c888-94327664111"
        );
        assert_eq!(path_segment("DE-BY_1.2~x"), "DE-BY_1.2~x");
        assert_eq!(path_segment("a b/c?d#e"), "a%20b%2Fc%3Fd%23e");
        assert_eq!(path_segment("Straße"), "Stra%C3%9Fe");
        assert_eq!(path_segment(".."), "%2E%2E");
        assert_eq!(path_segment("."), "%2E");
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
