//! Normalization of free-text values found in CKAN packages, ISO 19139 records
//! and the like to the controlled vocabularies DCAT-AP.de wants: EU file types
//! (+ IANA media types), DCAT-AP.de licences, EU data themes, EU frequencies
//! and EU languages.
//!
//! The knowledge lives in data tables under `vocabularies/normalization/`
//! (embedded at compile time, parsed once); the matching rules are documented
//! in that directory's `README.md`. In short, a value and every alias in the
//! tables are reduced to a *key*: lower case, umlauts and accents folded
//! (`ä` → `ae`, `é` → `e`), URL schemes and `www.` dropped, every run of
//! characters that are not letters or digits (punctuation, dashes of any kind,
//! slashes, dots, whitespace) turned into one space, trimmed. Two spellings
//! match when their keys are equal. On top of that, each function recognizes
//! the vocabulary's own IRIs and a few structural variants (media-type
//! parameters, file extensions of URLs, licence deed suffixes).

use std::collections::HashMap;
use std::sync::LazyLock;

/// Namespace of the EU file types.
pub const FILE_TYPE_NS: &str = "http://publications.europa.eu/resource/authority/file-type/";
/// Namespace of the EU data themes.
pub const DATA_THEME_NS: &str = "http://publications.europa.eu/resource/authority/data-theme/";
/// Namespace of the EU frequencies.
pub const FREQUENCY_NS: &str = "http://publications.europa.eu/resource/authority/frequency/";
/// Namespace of the EU languages.
pub const LANGUAGE_NS: &str = "http://publications.europa.eu/resource/authority/language/";
/// Namespace of the DCAT-AP.de licences.
pub const LICENSE_NS: &str = "http://dcat-ap.de/def/licenses/";
/// Namespace of IANA media types as DCAT-AP uses them for `dcat:mediaType`.
pub const IANA_MEDIA_TYPE_NS: &str = "https://www.iana.org/assignments/media-types/";

const FILE_TYPES_CSV: &str = include_str!("../../vocabularies/normalization/file-types.csv");
const LICENSES_CSV: &str = include_str!("../../vocabularies/normalization/licenses.csv");
const THEMES_CSV: &str = include_str!("../../vocabularies/normalization/themes.csv");
const FREQUENCIES_CSV: &str = include_str!("../../vocabularies/normalization/frequencies.csv");
const LANGUAGES_CSV: &str = include_str!("../../vocabularies/normalization/languages.csv");

/// An EU file type (`http://publications.europa.eu/resource/authority/file-type/…`) and its IANA media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileType {
    /// The file-type IRI, e.g. `http://publications.europa.eu/resource/authority/file-type/CSV`.
    pub iri: String,
    /// The IANA-registered media type (`text/csv`), when the format has one.
    pub media_type: Option<String>,
    /// The EU code, e.g. `CSV`.
    pub code: String,
}

impl FileType {
    /// The media type as an IANA IRI (`https://www.iana.org/assignments/media-types/text/csv`).
    pub fn media_type_iri(&self) -> Option<String> {
        self.media_type
            .as_ref()
            .map(|m| format!("{IANA_MEDIA_TYPE_NS}{m}"))
    }
}

/// One row of a table: the target value(s) and, for file types, a media type.
#[derive(Debug)]
struct Row {
    /// Target codes/ids (first one is the main one).
    values: Vec<String>,
    media_type: Option<String>,
}

/// A parsed table: rows plus an index from normalized key to row.
#[derive(Debug)]
struct Table {
    rows: Vec<Row>,
    index: HashMap<String, usize>,
}

impl Table {
    /// Parses a table. `with_media_type`: the file-type layout `code,media_type,aliases`;
    /// otherwise `value(s),aliases`. The value column itself (and each value)
    /// is always an alias too. The first row to claim a key wins.
    fn parse(text: &str, with_media_type: bool) -> Table {
        let mut rows = Vec::new();
        let mut index = HashMap::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let n = if with_media_type { 3 } else { 2 };
            let mut fields = line.splitn(n, ',');
            let values: Vec<String> = fields
                .next()
                .unwrap_or("")
                .split('|')
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect();
            if values.is_empty() {
                continue;
            }
            let media_type = if with_media_type {
                fields
                    .next()
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(str::to_owned)
            } else {
                None
            };
            let aliases = fields.next().unwrap_or("");
            let row_index = rows.len();
            let mut add = |alias: &str| {
                let k = key(alias);
                if !k.is_empty() {
                    index.entry(k).or_insert(row_index);
                }
            };
            // A row with several values (themes) is reached by its aliases only;
            // single values are aliases of themselves.
            if values.len() == 1 {
                add(&values[0]);
            }
            if let Some(m) = &media_type {
                add(m);
            }
            for alias in aliases.split('|') {
                add(alias);
            }
            rows.push(Row { values, media_type });
        }
        Table { rows, index }
    }

    fn get(&self, k: &str) -> Option<&Row> {
        self.index.get(k).map(|&i| &self.rows[i])
    }

    /// The row whose (single) value equals `value`, case-insensitively.
    fn by_value(&self, value: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.values.len() == 1 && r.values[0].eq_ignore_ascii_case(value))
    }
}

static FILE_TYPES: LazyLock<Table> = LazyLock::new(|| Table::parse(FILE_TYPES_CSV, true));
static LICENSES: LazyLock<Table> = LazyLock::new(|| Table::parse(LICENSES_CSV, false));
static THEMES: LazyLock<Table> = LazyLock::new(|| Table::parse(THEMES_CSV, false));
static FREQUENCIES: LazyLock<Table> = LazyLock::new(|| Table::parse(FREQUENCIES_CSV, false));
static LANGUAGES: LazyLock<Table> = LazyLock::new(|| Table::parse(LANGUAGES_CSV, false));

/// Folds one lower-case character to ASCII (umlauts → two letters).
fn fold(c: char, out: &mut String) {
    match c {
        'ä' => out.push_str("ae"),
        'ö' => out.push_str("oe"),
        'ü' => out.push_str("ue"),
        'ß' => out.push_str("ss"),
        'à' | 'á' | 'â' | 'ã' | 'å' => out.push('a'),
        'ç' | 'č' | 'ć' => out.push('c'),
        'è' | 'é' | 'ê' | 'ë' | 'ě' => out.push('e'),
        'ì' | 'í' | 'î' | 'ï' => out.push('i'),
        'ñ' | 'ň' => out.push('n'),
        'ò' | 'ó' | 'ô' | 'õ' | 'ø' => out.push('o'),
        'ù' | 'ú' | 'û' | 'ů' => out.push('u'),
        'ý' | 'ÿ' => out.push('y'),
        'š' | 'ś' => out.push('s'),
        'ž' | 'ź' | 'ż' => out.push('z'),
        'ř' => out.push('r'),
        'ł' => out.push('l'),
        _ => out.push(c),
    }
}

/// The matching key of a value: see the module documentation.
pub fn key(input: &str) -> String {
    let mut s = input.trim();
    // URLs: scheme and "www." carry no meaning.
    if let Some(pos) = s.find("://") {
        if s[..pos].chars().all(|c| c.is_ascii_alphabetic()) {
            s = &s[pos + 3..];
        }
    }
    if s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("www.")) {
        s = &s[4..];
    }
    let mut folded = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        fold(c, &mut folded);
    }
    let mut out = String::with_capacity(folded.len());
    let mut pending_space = false;
    for c in folded.chars() {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else {
            pending_space = true;
        }
    }
    out
}

/// Strips an (http or https) namespace from an IRI, case-insensitively for the scheme and host.
fn strip_ns<'a>(input: &'a str, ns: &str) -> Option<&'a str> {
    let ns_rest = ns.split_once("://").map(|(_, r)| r).unwrap_or(ns);
    let rest = input
        .strip_prefix("http://")
        .or_else(|| input.strip_prefix("https://"))?;
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let ns_rest = ns_rest.strip_prefix("www.").unwrap_or(ns_rest);
    match rest.get(..ns_rest.len()) {
        Some(head) if head.eq_ignore_ascii_case(ns_rest) => Some(&rest[ns_rest.len()..]),
        _ => None,
    }
}

/// An EU code taken from a vocabulary IRI: upper-case letters, digits, `_`.
fn eu_code(rest: &str) -> Option<String> {
    let code = rest.trim().trim_end_matches('/');
    (!code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| code.to_ascii_uppercase())
}

fn file_type_of_row(row: &Row) -> FileType {
    let code = row.values[0].clone();
    FileType {
        iri: format!("{FILE_TYPE_NS}{code}"),
        media_type: row.media_type.clone(),
        code,
    }
}

/// The last path segment of a URL or file name, without query and fragment.
fn last_segment(input: &str) -> &str {
    let s = input.split(['?', '#']).next().unwrap_or(input);
    let s = s.trim_end_matches('/');
    s.rsplit(['/', '\\']).next().unwrap_or(s)
}

/// Looks up the file extension(s) of a file name (`a.tar.gz`, `b.CSV`).
fn file_type_by_extension(name: &str) -> Option<FileType> {
    let name = name.trim();
    let lower = name.to_lowercase();
    let mut parts = lower.rsplitn(3, '.');
    let last = parts.next()?;
    let second = parts.next()?; // there must be at least one dot
    if last.is_empty() || last.len() > 8 || !last.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    if parts.next().is_some() && !second.is_empty() && second.len() <= 4 {
        // double extension: tar.gz, tar.xz, shp.zip (→ the outer one wins below)
        if let Some(row) = FILE_TYPES.get(&key(&format!("{second}.{last}"))) {
            return Some(file_type_of_row(row));
        }
    }
    FILE_TYPES.get(&key(last)).map(file_type_of_row)
}

/// Free-text format ("CSV", "csv", ".csv", "text/csv", "Excel", "XLSX", "Shape", "WMS", "application/vnd.ms-excel", a file-type IRI, a URL ending in .csv…) -> EU file type.
pub fn file_type(input: &str) -> Option<FileType> {
    let s = input.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(rest) = strip_ns(s, FILE_TYPE_NS) {
        let code = eu_code(rest)?;
        if let Some(row) = FILE_TYPES.by_value(&code) {
            return Some(file_type_of_row(row));
        }
        return Some(FileType {
            iri: format!("{FILE_TYPE_NS}{code}"),
            media_type: None,
            code,
        });
    }
    let mut s = s;
    if let Some(rest) = strip_ns(s, IANA_MEDIA_TYPE_NS) {
        s = rest;
    }
    let is_url = s.contains("://");
    // Media-type parameters: "text/csv; charset=utf-8".
    let bare = if is_url {
        s
    } else {
        s.split(';').next().unwrap_or(s).trim()
    };
    let k = key(bare);
    if k.is_empty() {
        return None;
    }
    if let Some(row) = FILE_TYPES.get(&k) {
        return Some(file_type_of_row(row));
    }
    // A URL or a file name: its extension.
    if is_url || (!bare.contains(char::is_whitespace) && bare.contains('.')) {
        return file_type_by_extension(last_segment(bare));
    }
    // "CSV (Semikolon-getrennt)", "XLSX Tabelle": the first word, if it is a known code.
    let first = k.split(' ').next().unwrap_or("");
    if first.len() < k.len() {
        if let Some(row) = FILE_TYPES.get(first) {
            return Some(file_type_of_row(row));
        }
    }
    None
}

/// Licence id, title or URL ("dl-by-de/2.0", "dl-de-by-2.0", "Datenlizenz Deutschland Namensnennung 2.0", "Datenlizenz Deutschland – Namensnennung – Version 2.0", "cc-by-4.0", "CC BY 4.0", "odc-odbl", `"https://creativecommons.org/licenses/by/4.0/"`, the DCAT-AP.de IRI itself…) -> DCAT-AP.de licence IRI (`http://dcat-ap.de/def/licenses/…`).
pub fn license(input: &str) -> Option<String> {
    let s = input.trim();
    if s.is_empty() {
        return None;
    }
    let iri = |row: &Row| format!("{LICENSE_NS}{}", row.values[0]);
    if let Some(rest) = strip_ns(s, LICENSE_NS) {
        let rest = rest.trim_matches('/');
        // Current and older (x_y) ids are all aliases of the current id.
        if let Some(row) = LICENSES.get(&key(rest)) {
            return Some(iri(row));
        }
        // An id of the namespace we do not know (a newer licence): keep it.
        let valid = !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
        return valid.then(|| format!("{LICENSE_NS}{rest}"));
    }
    let mut s = s.to_owned();
    if s.contains("://") {
        // Creative Commons deeds and legal codes name the same licence.
        let lower = s.to_ascii_lowercase();
        for suffix in [
            "/legalcode.de",
            "/legalcode.en",
            "/legalcode",
            "/deed.de",
            "/deed.en",
        ] {
            if let Some(pos) = lower.trim_end_matches('/').rfind(suffix) {
                if pos + suffix.len() == lower.trim_end_matches('/').len() {
                    s.truncate(pos);
                    break;
                }
            }
        }
    }
    let k = key(&s);
    if let Some(row) = LICENSES.get(&k) {
        return Some(iri(row));
    }
    // "… Version 2.0" / "… (CC BY 4.0)" spellings: drop the word "version"
    // and try again.
    let without_version: Vec<&str> = k.split(' ').filter(|w| *w != "version").collect();
    let k2 = without_version.join(" ");
    if k2 != k {
        if let Some(row) = LICENSES.get(&k2) {
            return Some(iri(row));
        }
    }
    None
}

/// All EU data themes a category name stands for (GovData's "bildung_wissenschaft" is two).
pub fn themes(input: &str) -> Vec<String> {
    let s = input.trim();
    if s.is_empty() {
        return Vec::new();
    }
    if let Some(rest) = strip_ns(s, DATA_THEME_NS) {
        return eu_code(rest)
            .filter(|c| THEMES.by_value(c).is_some())
            .map(|c| vec![format!("{DATA_THEME_NS}{c}")])
            .unwrap_or_default();
    }
    THEMES
        .get(&key(s))
        .map(|row| {
            row.values
                .iter()
                .map(|c| format!("{DATA_THEME_NS}{c}"))
                .collect()
        })
        .unwrap_or_default()
}

/// CKAN group / category names (GovData's, e.g. "bildung_wissenschaft", "transport_verkehr", "umwelt_klima"; EU codes like "TRAN") -> EU data-theme IRIs.
///
/// Returns the main theme; see [`themes`] for categories that stand for two.
pub fn theme(input: &str) -> Option<String> {
    themes(input).into_iter().next()
}

/// Frequency words/codes ("daily", "täglich", "monthly", "irregular", ISO 19115 MD_MaintenanceFrequencyCode values like "annually", "asNeeded", "continual", EU codes) -> EU frequency IRIs.
pub fn frequency(input: &str) -> Option<String> {
    let s = input.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(rest) = strip_ns(s, FREQUENCY_NS) {
        let code = eu_code(rest)?;
        return FREQUENCIES
            .by_value(&code)
            .map(|r| format!("{FREQUENCY_NS}{}", r.values[0]));
    }
    let mut s = s;
    if s.contains("://") {
        // Dublin Core collection frequencies, ISO code-list URLs: the last segment.
        s = match s.rsplit_once('#') {
            Some((_, fragment)) => fragment,
            None => last_segment(s),
        };
    }
    let s = s.strip_prefix("MD_MaintenanceFrequencyCode_").unwrap_or(s);
    FREQUENCIES
        .get(&key(s))
        .map(|r| format!("{FREQUENCY_NS}{}", r.values[0]))
}

/// Language codes/names ("de", "ger", "deu", "Deutsch", "en", "eng") -> EU language IRIs (`http://publications.europa.eu/resource/authority/language/DEU`).
pub fn language(input: &str) -> Option<String> {
    let s = input.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(rest) = strip_ns(s, LANGUAGE_NS) {
        // The EU list is far longer than our table: keep any well-formed code.
        let code = eu_code(rest)?;
        return Some(format!("{LANGUAGE_NS}{code}"));
    }
    let s = if s.contains("://") {
        last_segment(s)
    } else {
        s
    };
    let k = key(s);
    let found = LANGUAGES.get(&k).or_else(|| {
        // Locale tags: "de-AT", "en_US.UTF-8".
        k.split(' ').next().and_then(|first| LANGUAGES.get(first))
    });
    found.map(|r| format!("{LANGUAGE_NS}{}", r.values[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ft(input: &str) -> Option<String> {
        file_type(input).map(|f| f.code)
    }

    #[test]
    fn keys() {
        assert_eq!(
            key("  Datenlizenz Deutschland – Namensnennung – Version 2.0 "),
            "datenlizenz deutschland namensnennung version 2 0"
        );
        assert_eq!(key(".CSV"), "csv");
        assert_eq!(key("Täglich"), "taeglich");
        assert_eq!(
            key("https://www.govdata.de/dl-de/by-2-0"),
            "govdata de dl de by 2 0"
        );
        assert_eq!(key("---"), "");
    }

    #[test]
    fn file_types_from_real_world_spellings() {
        for (input, code) in [
            ("CSV", "CSV"),
            ("csv", "CSV"),
            (".csv", "CSV"),
            (" .CSV ", "CSV"),
            ("text/csv", "CSV"),
            ("text/csv; charset=utf-8", "CSV"),
            ("Text/CSV;charset=UTF-8", "CSV"),
            ("CSV (Semikolon-getrennt)", "CSV"),
            ("Excel", "XLS"),
            ("XLSX", "XLSX"),
            ("xlsx", "XLSX"),
            ("application/vnd.ms-excel", "XLS"),
            (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "XLSX",
            ),
            ("Shape", "SHP"),
            ("ESRI Shapefile", "SHP"),
            ("SHP", "SHP"),
            ("WMS", "WMS_SRVC"),
            ("wfs", "WFS_SRVC"),
            ("Web Map Service", "WMS_SRVC"),
            ("GeoJSON", "GEOJSON"),
            ("geojson", "GEOJSON"),
            ("application/geo+json", "GEOJSON"),
            ("JSON", "JSON"),
            ("json-ld", "JSON_LD"),
            ("PDF", "PDF"),
            ("pdf", "PDF"),
            ("HTML", "HTML"),
            ("ZIP", "ZIP"),
            ("application/zip", "ZIP"),
            ("KML", "KML"),
            ("RDF/XML", "RDF_XML"),
            ("application/rdf+xml", "RDF_XML"),
            ("Turtle", "RDF_TURTLE"),
            ("text/turtle", "RDF_TURTLE"),
            ("XML", "XML"),
            ("text/xml", "XML"),
            ("tar.gz", "TAR_GZ"),
            ("GeoTIFF", "GEOTIFF"),
            ("tif", "TIFF"),
            ("jpg", "JPEG"),
            ("ODS", "ODS"),
            ("docx", "DOCX"),
            ("TXT", "TXT"),
            (
                "http://publications.europa.eu/resource/authority/file-type/CSV",
                "CSV",
            ),
            (
                "https://publications.europa.eu/resource/authority/file-type/xlsx",
                "XLSX",
            ),
            (
                "http://publications.europa.eu/resource/authority/file-type/SOMETHING_NEW",
                "SOMETHING_NEW",
            ),
            (
                "https://www.iana.org/assignments/media-types/text/csv",
                "CSV",
            ),
            ("https://example.org/data/baeume.csv", "CSV"),
            ("https://example.org/data/export.XLSX?download=1", "XLSX"),
            ("https://example.org/data/archive.tar.gz", "TAR_GZ"),
            ("baeume-2024.csv", "CSV"),
        ] {
            assert_eq!(ft(input).as_deref(), Some(code), "{input}");
        }
        for input in [
            "",
            "  ",
            "unbekanntes Format",
            "https://example.org/service",
            "foo/bar",
        ] {
            assert_eq!(ft(input), None, "{input}");
        }
        let csv = file_type("csv").unwrap();
        assert_eq!(
            csv.iri,
            "http://publications.europa.eu/resource/authority/file-type/CSV"
        );
        assert_eq!(csv.media_type.as_deref(), Some("text/csv"));
        assert_eq!(
            csv.media_type_iri().as_deref(),
            Some("https://www.iana.org/assignments/media-types/text/csv")
        );
        // Services have no IANA media type.
        assert_eq!(file_type("WMS").unwrap().media_type, None);
    }

    #[test]
    fn licenses_from_real_world_spellings() {
        let l = |s: &str| license(s).map(|i| i.trim_start_matches(LICENSE_NS).to_owned());
        for (input, id) in [
            ("dl-by-de/2.0", "dl-by-de/2.0"),
            ("dl-de-by-2.0", "dl-by-de/2.0"),
            ("DL-DE-BY-2.0", "dl-by-de/2.0"),
            ("dl-de/by-2-0", "dl-by-de/2.0"),
            ("Datenlizenz Deutschland Namensnennung 2.0", "dl-by-de/2.0"),
            (
                "Datenlizenz Deutschland – Namensnennung – Version 2.0",
                "dl-by-de/2.0",
            ),
            (
                "Datenlizenz Deutschland - Namensnennung - Version 2.0",
                "dl-by-de/2.0",
            ),
            ("https://www.govdata.de/dl-de/by-2-0", "dl-by-de/2.0"),
            (
                "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
                "dl-by-de/2.0",
            ),
            (
                "https://dcat-ap.de/def/licenses/dl-by-de/2_0",
                "dl-by-de/2.0",
            ),
            ("dl-de-zero-2.0", "dl-zero-de/2.0"),
            (
                "Datenlizenz Deutschland – Zero – Version 2.0",
                "dl-zero-de/2.0",
            ),
            ("cc-by-4.0", "cc-by/4.0"),
            // data.gv.at's CKAN licence ids.
            ("cc-by-40", "cc-by/4.0"),
            ("cc-by-sa-40", "cc-by-sa/4.0"),
            ("CC BY 4.0", "cc-by/4.0"),
            ("CC-BY 4.0", "cc-by/4.0"),
            (
                "Creative Commons Namensnennung – 4.0 International (CC BY 4.0)",
                "cc-by/4.0",
            ),
            ("https://creativecommons.org/licenses/by/4.0/", "cc-by/4.0"),
            (
                "http://creativecommons.org/licenses/by/4.0/deed.de",
                "cc-by/4.0",
            ),
            (
                "https://creativecommons.org/licenses/by/4.0/legalcode",
                "cc-by/4.0",
            ),
            ("http://dcat-ap.de/def/licenses/cc-by/4_0", "cc-by/4.0"),
            ("cc-by", "cc-by"),
            ("cc-by-sa", "cc-by-sa"),
            ("cc-by-sa-4.0", "cc-by-sa/4.0"),
            ("cc-zero", "cc-zero"),
            ("CC0-1.0", "cc-zero"),
            ("cc-nc", "cc-by-nc"),
            ("odc-odbl", "odbl"),
            ("ODbL", "odbl"),
            ("odc-by", "odby"),
            ("odc-pddl", "odcpddl"),
            ("http://dcat-ap.de/def/licenses/od-bl", "odbl"),
            ("official-work", "officialWork"),
            (
                "Amtliches Werk, lizenzfrei nach §5 Abs. 1 UrhG",
                "officialWork",
            ),
            (
                "http://dcat-ap.de/def/licenses/official-work",
                "officialWork",
            ),
            ("other-closed", "other-closed"),
            ("app_commercial", "other-commercial"),
            ("geonutzv-de-2013-03-19", "geonutz/20130319"),
            ("cc-by-de/3.0", "cc-by-de/3.0"),
            ("CC BY 3.0 DE", "cc-by-de/3.0"),
            (
                "http://dcat-ap.de/def/licenses/some-future-licence",
                "some-future-licence",
            ),
        ] {
            assert_eq!(l(input).as_deref(), Some(id), "{input}");
        }
        for input in [
            "",
            "notspecified",
            "Proprietär",
            "https://example.org/licence",
        ] {
            assert_eq!(license(input), None, "{input}");
        }
    }

    #[test]
    fn themes_from_categories() {
        let t = |s: &str| theme(s).map(|i| i.trim_start_matches(DATA_THEME_NS).to_owned());
        for (input, code) in [
            ("bildung_wissenschaft", "EDUC"),
            ("transport_verkehr", "TRAN"),
            ("umwelt_klima", "ENVI"),
            ("wirtschaft_arbeit", "ECON"),
            ("gesetze_justiz", "JUST"),
            ("politik_wahlen", "GOVE"),
            ("verwaltung", "GOVE"),
            ("gesundheit", "HEAL"),
            ("bevoelkerung", "SOCI"),
            ("Bevölkerung", "SOCI"),
            ("kultur_freizeit_sport_tourismus", "EDUC"),
            ("TRAN", "TRAN"),
            ("tran", "TRAN"),
            ("Environment", "ENVI"),
            ("Umwelt", "ENVI"),
            ("Regierung und öffentlicher Sektor", "GOVE"),
            (
                "http://publications.europa.eu/resource/authority/data-theme/AGRI",
                "AGRI",
            ),
        ] {
            assert_eq!(t(input).as_deref(), Some(code), "{input}");
        }
        assert_eq!(themes("bildung_wissenschaft").len(), 2);
        for input in ["geo", "infrastruktur_bauen_wohnen", "", "katzen"] {
            assert_eq!(theme(input), None, "{input}");
        }
    }

    #[test]
    fn frequencies() {
        let f = |s: &str| frequency(s).map(|i| i.trim_start_matches(FREQUENCY_NS).to_owned());
        for (input, code) in [
            ("daily", "DAILY"),
            ("täglich", "DAILY"),
            ("Täglich", "DAILY"),
            ("monthly", "MONTHLY"),
            ("monatlich", "MONTHLY"),
            ("irregular", "IRREG"),
            ("unregelmäßig", "IRREG"),
            ("annually", "ANNUAL"),
            ("jährlich", "ANNUAL"),
            ("asNeeded", "IRREG"),
            ("continual", "CONT"),
            ("notPlanned", "NEVER"),
            ("biannually", "ANNUAL_2"),
            ("fortnightly", "BIWEEKLY"),
            ("unknown", "UNKNOWN"),
            ("ANNUAL", "ANNUAL"),
            ("annual_2", "ANNUAL_2"),
            ("http://publications.europa.eu/resource/authority/frequency/WEEKLY", "WEEKLY"),
            ("http://purl.org/cld/freq/quarterly", "QUARTERLY"),
            ("http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_MaintenanceFrequencyCode_daily", "DAILY"),
            ("vierteljährlich", "QUARTERLY"),
        ] {
            assert_eq!(f(input).as_deref(), Some(code), "{input}");
        }
        assert_eq!(frequency("whenever"), None);
        assert_eq!(
            frequency("http://publications.europa.eu/resource/authority/frequency/NOPE"),
            None
        );
    }

    #[test]
    fn languages() {
        let l = |s: &str| language(s).map(|i| i.trim_start_matches(LANGUAGE_NS).to_owned());
        for (input, code) in [
            ("de", "DEU"),
            ("DE", "DEU"),
            ("ger", "DEU"),
            ("deu", "DEU"),
            ("Deutsch", "DEU"),
            ("de-DE", "DEU"),
            ("de_AT", "DEU"),
            ("en", "ENG"),
            ("eng", "ENG"),
            ("English", "ENG"),
            ("Englisch", "ENG"),
            ("fr", "FRA"),
            ("Französisch", "FRA"),
            (
                "http://publications.europa.eu/resource/authority/language/DEU",
                "DEU",
            ),
            ("http://id.loc.gov/vocabulary/iso639-1/de", "DEU"),
            ("http://lexvo.org/id/iso639-3/deu", "DEU"),
        ] {
            assert_eq!(l(input).as_deref(), Some(code), "{input}");
        }
        assert_eq!(language("klingonisch"), None);
    }

    /// The tables must not contradict themselves: an alias claimed by two
    /// rows would silently go to the first.
    #[test]
    fn tables_have_no_conflicting_aliases() {
        for (name, text, media) in [
            ("file-types", FILE_TYPES_CSV, true),
            ("licenses", LICENSES_CSV, false),
            ("themes", THEMES_CSV, false),
            ("frequencies", FREQUENCIES_CSV, false),
            ("languages", LANGUAGES_CSV, false),
        ] {
            let mut seen: HashMap<String, String> = HashMap::new();
            let mut conflicts = Vec::new();
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let n = if media { 3 } else { 2 };
                let fields: Vec<&str> = line.splitn(n, ',').collect();
                let value = fields[0].to_owned();
                let mut aliases: Vec<&str> = fields[n - 1].split('|').collect();
                if !value.contains('|') {
                    aliases.push(fields[0]);
                }
                for a in aliases {
                    let k = key(a);
                    if k.is_empty() {
                        continue;
                    }
                    if let Some(prev) = seen.get(&k) {
                        if *prev != value {
                            conflicts.push(format!("{a:?} → {prev} and {value}"));
                        }
                    } else {
                        seen.insert(k, value.clone());
                    }
                }
            }
            assert!(conflicts.is_empty(), "{name}: {conflicts:#?}");
        }
    }
}
