//! The ISO 19139 mapping tables under `vocabularies/iso19139/` (embedded at
//! compile time, parsed once). See that directory's `README.md`.

use crate::normalize::key;
use std::collections::HashMap;
use std::sync::LazyLock;

const INSPIRE_THEMES: &str = include_str!("../../../vocabularies/iso19139/inspire-themes.tsv");
const TOPIC_CATEGORIES: &str = include_str!("../../../vocabularies/iso19139/topic-categories.tsv");
const PROTOCOLS: &str = include_str!("../../../vocabularies/iso19139/protocols.tsv");
const ROLES: &str = include_str!("../../../vocabularies/iso19139/roles.tsv");
const LANGUAGE_TAGS: &str = include_str!("../../../vocabularies/iso19139/language-tags.tsv");
const ACCESS_PHRASES: &str = include_str!("../../../vocabularies/iso19139/access-phrases.tsv");

/// Namespace of INSPIRE theme IRIs.
pub const INSPIRE_THEME_NS: &str = "http://inspire.ec.europa.eu/theme/";
/// Namespace of EU data-theme IRIs.
pub const DATA_THEME_NS: &str = "http://publications.europa.eu/resource/authority/data-theme/";
/// Namespace of INSPIRE topic-category IRIs.
pub const TOPIC_CATEGORY_NS: &str = "http://inspire.ec.europa.eu/metadata-codelist/TopicCategory/";

fn rows(table: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    table
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect())
}

/// A table's rows, split once.
type Table = LazyLock<Vec<Vec<&'static str>>>;

static ROLE_ROWS: Table = LazyLock::new(|| rows(ROLES).collect());
static LANGUAGE_ROWS: Table = LazyLock::new(|| rows(LANGUAGE_TAGS).collect());
static ACCESS_ROWS: Table = LazyLock::new(|| rows(ACCESS_PHRASES).collect());

/// ISO topic category code → EU data-theme codes (through the INSPIRE
/// themes that are the same or broader), in the table's order.
static TOPIC_THEMES: LazyLock<HashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
    let mut out: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
    for r in rows(TOPIC_CATEGORIES) {
        let Some(topic) = r.first().copied() else {
            continue;
        };
        let eu = out.entry(topic).or_default();
        for code in r.get(1).map(|s| s.split_whitespace()).into_iter().flatten() {
            for &theme in eu_themes_of_inspire(code) {
                if !eu.contains(&theme) {
                    eu.push(theme);
                }
            }
        }
    }
    out
});

/// Protocol prefixes, lower-cased, longest first, with kind and format.
static PROTOCOL_ROWS: LazyLock<Vec<(String, ProtocolKind, Option<&'static str>)>> =
    LazyLock::new(|| {
        let mut out: Vec<_> = rows(PROTOCOLS)
            .filter_map(|r| {
                let prefix = r.first()?.to_ascii_lowercase();
                let kind = match r.get(1).copied() {
                    Some("service") => ProtocolKind::Service,
                    Some("download") => ProtocolKind::Download,
                    _ => ProtocolKind::Link,
                };
                let format = r.get(2).copied().filter(|s| !s.is_empty());
                Some((prefix, kind, format))
            })
            .collect();
        // Longest prefix wins; among equals, the first row (stable sort).
        out.sort_by_key(|(prefix, _, _)| std::cmp::Reverse(prefix.len()));
        out
    });

struct InspireTheme {
    code: &'static str,
    eu: Vec<&'static str>,
}

static INSPIRE: LazyLock<(Vec<InspireTheme>, HashMap<String, usize>)> = LazyLock::new(|| {
    let mut themes = Vec::new();
    let mut by_key = HashMap::new();
    for r in rows(INSPIRE_THEMES) {
        let Some(code) = r.first().copied() else {
            continue;
        };
        let idx = themes.len();
        for label in r.iter().skip(1).take(2) {
            by_key.insert(key(label), idx);
        }
        by_key.insert(key(code), idx);
        themes.push(InspireTheme {
            code,
            eu: r
                .get(3)
                .map(|s| s.split_whitespace().collect())
                .unwrap_or_default(),
        });
    }
    (themes, by_key)
});

/// An INSPIRE theme code from a keyword's label (English or German) or IRI.
pub fn inspire_theme(label_or_iri: &str) -> Option<&'static str> {
    let s = label_or_iri.trim();
    let (themes, by_key) = &*INSPIRE;
    if let Some(rest) = s
        .strip_prefix(INSPIRE_THEME_NS)
        .or_else(|| s.strip_prefix("https://inspire.ec.europa.eu/theme/"))
    {
        let code = rest.trim_end_matches('/').split('/').next().unwrap_or("");
        return themes.iter().find(|t| t.code == code).map(|t| t.code);
    }
    by_key.get(&key(s)).map(|&i| themes[i].code)
}

/// EU data-theme codes for an INSPIRE theme code.
pub fn eu_themes_of_inspire(code: &str) -> &'static [&'static str] {
    INSPIRE
        .0
        .iter()
        .find(|t| t.code == code)
        .map_or(&[], |t| t.eu.as_slice())
}

/// EU data-theme codes for an ISO topic category (through the INSPIRE themes
/// that are the same or broader).
pub fn eu_themes_of_topic(topic: &str) -> &'static [&'static str] {
    TOPIC_THEMES.get(topic.trim()).map_or(&[], Vec::as_slice)
}

/// Whether a topic category code is one of ISO 19115's.
pub fn is_topic_category(topic: &str) -> bool {
    TOPIC_THEMES.contains_key(topic.trim())
}

/// What an online resource protocol says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolKind {
    Service,
    Download,
    Link,
}

/// The kind and format term of an online resource protocol (longest prefix wins).
pub fn protocol(protocol: &str) -> Option<(ProtocolKind, Option<&'static str>)> {
    let p = protocol.trim().as_bytes();
    PROTOCOL_ROWS
        .iter()
        .find(|(prefix, _, _)| {
            p.len() >= prefix.len() && p[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        })
        .map(|(_, kind, format)| (*kind, *format))
}

/// The property (CURIE from `roles.tsv`) for a CI_RoleCode.
pub fn role_property(role: &str) -> Option<&'static str> {
    let role = role.trim();
    ROLE_ROWS
        .iter()
        .find(|r| r.first().is_some_and(|c| c.eq_ignore_ascii_case(role)))
        .and_then(|r| r.get(1).copied())
}

/// A BCP 47 tag for an ISO 639-2 (or already 639-1) language code.
pub fn language_tag(code: &str) -> Option<String> {
    let c = code.trim().to_ascii_lowercase();
    if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_lowercase()) {
        return Some(c);
    }
    // Code-list URL forms: ".../language/ger" or "...#ger".
    let c = c.rsplit(['/', '#']).next().unwrap_or(&c).to_owned();
    LANGUAGE_ROWS
        .iter()
        .find(|r| r.first().copied() == Some(c.as_str()))
        .and_then(|r| r.get(1).map(|s| (*s).to_owned()))
}

/// A constraint phrase from `access-phrases.tsv`: (IRI, is licence).
pub fn access_phrase(text: &str) -> Option<(&'static str, bool)> {
    let k = key(text);
    ACCESS_ROWS
        .iter()
        .find(|r| r.first().copied() == Some(k.as_str()))
        .and_then(|r| Some((*r.get(1)?, r.get(2).copied() == Some("license"))))
}

/// The IANA name of an ISO 19139 `MD_CharacterSetCode` (as SEMIC's
/// GeoDCAT-AP XSLT names them for `cnt:characterEncoding`); `None` for
/// codes that are not in the code list.
pub fn character_set(code: &str) -> Option<&'static str> {
    let code = code.trim();
    if let Some(part) = code.strip_prefix("8859part") {
        const PARTS: [&str; 16] = [
            "ISO-8859-1",
            "ISO-8859-2",
            "ISO-8859-3",
            "ISO-8859-4",
            "ISO-8859-5",
            "ISO-8859-6",
            "ISO-8859-7",
            "ISO-8859-8",
            "ISO-8859-9",
            "ISO-8859-10",
            "ISO-8859-11",
            "ISO-8859-12",
            "ISO-8859-13",
            "ISO-8859-14",
            "ISO-8859-15",
            "ISO-8859-16",
        ];
        return part
            .parse::<usize>()
            .ok()
            .and_then(|n| PARTS.get(n.checked_sub(1)?))
            .copied();
    }
    Some(match code.to_ascii_lowercase().as_str() {
        "ucs2" => "ISO-10646-UCS-2",
        "ucs4" => "ISO-10646-UCS-4",
        "utf7" => "UTF-7",
        "utf8" => "UTF-8",
        "utf16" => "UTF-16",
        "jis" => "JIS_Encoding",
        "shiftjis" => "Shift_JIS",
        "eucjp" => "EUC-JP",
        "usascii" => "US-ASCII",
        "ebcdic" => "IBM037",
        "euckr" => "EUC-KR",
        "big5" => "Big5",
        "gb2312" => "GB2312",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn character_sets_get_their_iana_names() {
        assert_eq!(super::character_set("utf8"), Some("UTF-8"));
        assert_eq!(super::character_set(" 8859part15 "), Some("ISO-8859-15"));
        assert_eq!(super::character_set("8859part1"), Some("ISO-8859-1"));
        assert_eq!(super::character_set("8859part0"), None);
        assert_eq!(super::character_set("8859part17"), None);
        assert_eq!(super::character_set("shiftJIS"), Some("Shift_JIS"));
        assert_eq!(super::character_set("klingon"), None);
    }

    use super::*;

    #[test]
    fn tables() {
        assert_eq!(inspire_theme("Bodennutzung"), Some("lu"));
        assert_eq!(inspire_theme("Land use"), Some("lu"));
        assert_eq!(
            inspire_theme("http://inspire.ec.europa.eu/theme/hy"),
            Some("hy")
        );
        assert_eq!(eu_themes_of_inspire("lu"), vec!["ECON", "ENVI"]);
        assert_eq!(eu_themes_of_topic("inlandWaters"), vec!["ENVI", "TECH"]);
        assert!(is_topic_category("intelligenceMilitary"));
        assert_eq!(
            protocol("OGC:WMS-1.1.1-http-get-map"),
            Some((ProtocolKind::Service, Some("WMS")))
        );
        assert_eq!(
            protocol("OGC:WMTS"),
            Some((ProtocolKind::Service, Some("WMTS")))
        );
        assert_eq!(
            protocol("WWW:DOWNLOAD-1.0-http--download").map(|p| p.0),
            Some(ProtocolKind::Download)
        );
        // Case-insensitive, longest prefix first: `HTTP` and `https` are
        // links, `GLG:KMZ` a download of its own format, `geojson` not `json`.
        assert_eq!(
            protocol(" ogc:wfs "),
            Some((ProtocolKind::Service, Some("WFS")))
        );
        assert_eq!(protocol("https"), Some((ProtocolKind::Link, None)));
        assert_eq!(
            protocol("glg:kmz"),
            Some((ProtocolKind::Download, Some("KMZ")))
        );
        assert_eq!(
            protocol("GeoJSON"),
            Some((ProtocolKind::Download, Some("GEOJSON")))
        );
        assert_eq!(protocol("Ö-Protokoll"), None);
        assert_eq!(protocol(""), None);
        assert!(!is_topic_category("inlandwaters"));
        assert!(eu_themes_of_topic("unbekannt").is_empty());
        assert_eq!(role_property("owner"), Some("dct:rightsHolder"));
        assert_eq!(language_tag("ger").as_deref(), Some("de"));
        assert_eq!(language_tag("de").as_deref(), Some("de"));
        assert_eq!(
            access_phrase("Es gelten keine Bedingungen"),
            Some(("http://inspire.ec.europa.eu/metadata-codelist/ConditionsApplyingToAccessAndUse/noConditionsApply", true))
        );
    }
}
