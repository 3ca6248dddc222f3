//! Mapping one CKAN package (the JSON of `package_show` / a `package_search`
//! result) to a DCAT-AP.de [`Record`]. See the module documentation of
//! [`crate::ckan`] for the table of fields.

use crate::iri::is_valid_language;
use crate::normalize;
use crate::record::{snippet, Record, SourceDefaults};
use crate::values::{any_iri, date_or_text, mailto, path_segment, tel, text_literal};
pub use crate::values::{date_literal, http_iri};
use crate::vocab::{
    adms, dcat, dcatap, dcatde, dct, foaf, gsp, hvd, locn, rdf, rdfs, skos, spdx, vcard, xsd,
};
use oxrdf::{BlankNode, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use url::Url;

const POLITICAL_GEOCODING_NS: &str = "http://dcat-ap.de/def/politicalGeocoding/";
const FREQUENCY_NS: &str = "http://publications.europa.eu/resource/authority/frequency/";

/// What the mapping needs besides the package.
#[derive(Debug, Clone)]
pub struct MapContext {
    /// The portal's base URL (`https://ckan.example/`), for `{base}/dataset/{name}`.
    pub portal_base: Url,
    /// Defaults from the operator's config.
    pub defaults: SourceDefaults,
    /// The URL of the page the package came from.
    pub page_url: String,
    /// A package mapping to more triples than this is rejected.
    pub max_record_triples: usize,
}

/// Why a package could not be mapped.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{reason}")]
pub struct MapError {
    /// Identifies the package (dataset IRI, id or name, or its position).
    pub record: String,
    /// Why it was rejected.
    pub reason: String,
    /// A short snippet of the package (id, name, title).
    pub snippet: String,
}

/// A short description of a package for error messages.
pub fn package_snippet(pkg: &Value) -> String {
    let mut out = Map::new();
    if let Some(obj) = pkg.as_object() {
        for key in ["id", "name", "title"] {
            if let Some(v) = obj.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        if out.is_empty() {
            return snippet(&pkg.to_string(), 200);
        }
        return snippet(&Value::Object(out).to_string(), 200);
    }
    snippet(&pkg.to_string(), 200)
}

/// A non-empty trimmed string from a JSON value (numbers and booleans as text).
fn text(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// The package's extras: `[{key, value}]`, or an object as some portals send.
fn plain_extras(pkg: &Map<String, Value>) -> Vec<(&str, &Value)> {
    match pkg.get("extras") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|e| {
                let key = e.get("key")?.as_str()?.trim();
                (!key.is_empty()).then_some((key, e.get("value").unwrap_or(&Value::Null)))
            })
            .collect(),
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        _ => Vec::new(),
    }
}

/// Looks a field up at the top level (ckanext-scheming) and then in the
/// extras, where ckanext-dcat also accepts the key with a `dcat_` prefix.
struct Fields<'a> {
    pkg: &'a Map<String, Value>,
    extras: Vec<(&'a str, &'a Value)>,
    /// One bit per hash of every key present (extras also without `dcat_`):
    /// most fields asked for are absent, and a clear bit says so at once.
    present: u128,
    /// The same for the keys' parts before the first `_` (`maintainer` of
    /// `maintainer_tel`), for [`Fields::has_role`].
    roles: u128,
}

/// The bit of a key in [`Fields::present`] (FNV-1a).
fn key_bit(key: &str) -> u128 {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    1u128 << (h % 128)
}

impl<'a> Fields<'a> {
    fn new(pkg: &'a Map<String, Value>) -> Self {
        let extras = plain_extras(pkg);
        let role_bit = |k: &str| key_bit(k.split('_').next().unwrap_or(k));
        let (mut present, mut roles) = (0u128, 0u128);
        for k in pkg.keys() {
            present |= key_bit(k);
            roles |= role_bit(k);
        }
        for (k, _) in &extras {
            let stripped = k.strip_prefix("dcat_").unwrap_or(k);
            present |= key_bit(k) | key_bit(stripped);
            roles |= role_bit(stripped);
        }
        Self {
            pkg,
            extras,
            present,
            roles,
        }
    }

    fn raw(&self, key: &str) -> Option<&'a Value> {
        if self.present & key_bit(key) == 0 {
            return None;
        }
        match self.pkg.get(key) {
            Some(v) if !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()) => Some(v),
            _ => self
                .extras
                .iter()
                .find(|(k, _)| *k == key || k.strip_prefix("dcat_") == Some(key))
                .map(|(_, v)| *v)
                .filter(|v| !v.is_null()),
        }
    }

    fn text(&self, key: &str) -> Option<String> {
        text(self.raw(key))
    }

    /// The first of several keys that has a value.
    fn first(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.text(k))
    }

    /// A list value: a JSON array, a JSON-encoded array in a string, or a
    /// comma-separated string (as ckanext-dcat reads them).
    fn list(&self, key: &str) -> Vec<String> {
        list_value(self.raw(key))
    }

    /// Whether any field is `prefix` or starts with `prefix_` (a quick
    /// check before looking up a role's many flat fields).
    fn has_role(&self, prefix: &str) -> bool {
        if self.roles & key_bit(prefix) == 0 {
            return false;
        }
        let matches = |k: &str| {
            let k = k.strip_prefix("dcat_").unwrap_or(k);
            k.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
        };
        self.pkg.keys().any(|k| matches(k)) || self.extras.iter().any(|(k, _)| matches(k))
    }
}

fn list_value(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(|i| text(Some(i))).collect(),
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.starts_with('[') {
                if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(s) {
                    return items.iter().filter_map(|i| text(Some(i))).collect();
                }
            }
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        }
        Some(other) => text(Some(other)).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The http(s) IRIs of a list value; other items are left out.
fn iri_list(v: Option<&Value>) -> Vec<NamedNode> {
    list_value(v).iter().filter_map(|i| http_iri(i)).collect()
}

/// Free-text values: a JSON array, a JSON-encoded array in a string, or
/// one text (never split at commas).
fn text_list(v: Option<&Value>) -> Vec<String> {
    if let Some(Value::String(s)) = v {
        if s.trim().starts_with('[') {
            if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(s.trim()) {
                return items.iter().filter_map(|i| text(Some(i))).collect();
            }
        }
    }
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(|i| text(Some(i))).collect(),
        other => text(other).into_iter().collect(),
    }
}

/// A structured value: arrays and objects as given, and JSON-encoded
/// arrays or objects in strings (as extras hold them) parsed.
fn structured(v: Option<&Value>) -> Option<Cow<'_, Value>> {
    match v? {
        Value::String(s) => {
            let t = s.trim();
            let framed = (t.starts_with('[') && t.ends_with(']'))
                || (t.starts_with('{') && t.ends_with('}'));
            if !framed {
                return None;
            }
            match serde_json::from_str::<Value>(t) {
                Ok(parsed @ (Value::Array(_) | Value::Object(_))) => Some(Cow::Owned(parsed)),
                _ => None,
            }
        }
        other @ (Value::Array(_) | Value::Object(_)) => Some(Cow::Borrowed(other)),
        _ => None,
    }
}

/// The objects of a ckanext-scheming repeating field (a list of objects,
/// one object, or either JSON-encoded in a string); empty objects are left out.
fn objects_of(v: Option<&Value>) -> Vec<Map<String, Value>> {
    let Some(value) = structured(v) else {
        return Vec::new();
    };
    let non_empty = |o: &Map<String, Value>| {
        o.values().any(|x| match x {
            Value::Null => false,
            Value::String(s) => !s.trim().is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Object(m) => !m.is_empty(),
            _ => true,
        })
    };
    match value.as_ref() {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_object)
            .filter(|o| non_empty(o))
            .cloned()
            .collect(),
        Value::Object(o) if non_empty(o) => vec![o.clone()],
        _ => Vec::new(),
    }
}

/// A language-tagged literal; the tag is lower-cased and must be valid.
fn tagged(value: &str, lang: &str) -> Option<Literal> {
    let value = value.trim();
    let lang = lang.trim().to_ascii_lowercase();
    if value.is_empty() || !is_valid_language(&lang) {
        return None;
    }
    Literal::new_language_tagged_literal(value, lang).ok()
}

/// The literals of a ckanext-fluent value `{lang: text}` (or `{lang:
/// [texts]}`, also JSON-encoded in a string): one per language and text;
/// invalid language tags are left out. Empty for anything else.
fn lang_literals(v: Option<&Value>) -> Vec<Literal> {
    let Some(value) = v else {
        return Vec::new();
    };
    let parsed;
    let map = match value {
        Value::Object(m) => m,
        Value::String(s) if s.trim_start().starts_with('{') => match structured(Some(value)) {
            Some(Cow::Owned(Value::Object(m))) => {
                parsed = m;
                &parsed
            }
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for (lang, texts) in map {
        match texts {
            Value::Array(items) => {
                out.extend(items.iter().filter_map(|t| tagged(&text(Some(t))?, lang)));
            }
            other => out.extend(text(Some(other)).and_then(|t| tagged(&t, lang))),
        }
    }
    out
}

/// The literals of a text value: tagged ones for a `{lang: text}` object,
/// else the text itself untagged.
fn literals(v: Option<&Value>) -> Vec<Literal> {
    let tagged = lang_literals(v);
    if !tagged.is_empty() {
        return tagged;
    }
    text(v)
        .map(Literal::new_simple_literal)
        .into_iter()
        .collect()
}

/// The translations of a field (`title_translated`…) when there are any,
/// else the field's own literals.
fn translated_or(translated: Option<&Value>, plain: Option<&Value>) -> Vec<Literal> {
    let t = lang_literals(translated);
    if t.is_empty() {
        literals(plain)
    } else {
        t
    }
}

/// A GeoJSON geometry: an object with a `type`, given as JSON or as a
/// JSON-encoded string (kept as written).
fn geojson(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => {
            let s = s.trim();
            serde_json::from_str::<Value>(s)
                .ok()
                .filter(|g| g.get("type").is_some_and(Value::is_string))
                .map(|_| s.to_owned())
        }
        o @ Value::Object(m) if m.get("type").is_some_and(Value::is_string) => {
            serde_json::to_string(o).ok()
        }
        _ => None,
    }
}

/// A distribution status as DCAT-AP.de wants it (the EU distribution-status
/// vocabulary): EU IRIs as given, the ADMS status IRIs of DCAT-AP 2
/// (`http://purl.org/adms/status/Completed`) and bare codes translated.
fn distribution_status(v: &str) -> Option<NamedNode> {
    const EU: &str = "http://publications.europa.eu/resource/authority/distribution-status/";
    if v.starts_with(EU) {
        return http_iri(v);
    }
    let code = v.trim().rsplit('/').next().unwrap_or("");
    let eu = match code.to_ascii_lowercase().as_str() {
        "completed" => "COMPLETED",
        "deprecated" => "DEPRECATED",
        "underdevelopment" | "develop" => "DEVELOP",
        "withdrawn" => "WITHDRAWN",
        _ => return None,
    };
    NamedNode::new(format!("{EU}{eu}")).ok()
}

/// The IRI of a package's dataset: the `uri` extra when it is a valid absolute
/// http(s) IRI, else `{portal base}/dataset/{name}` (the id when there is no name).
pub fn dataset_iri(
    uri: Option<&str>,
    name: Option<&str>,
    id: Option<&str>,
    portal_base: &Url,
) -> Option<NamedNode> {
    if let Some(n) = uri.and_then(http_iri) {
        return Some(n);
    }
    let slug = name
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or(id.map(str::trim).filter(|s| !s.is_empty()))?;
    let base = portal_base.as_str().trim_end_matches('/');
    NamedNode::new(format!("{base}/dataset/{}", path_segment(slug))).ok()
}

/// The `uri` of a package: the top-level field (ckanext-scheming), the
/// `extras_uri` of an `fl` listing, else the `uri` extra.
fn package_uri(obj: &Map<String, Value>) -> Option<String> {
    text(obj.get("uri"))
        .or_else(|| text(obj.get("extras_uri")))
        .or_else(|| text(extra_value(obj, "uri")))
}

/// The value of the extra `key` (exactly that key), without collecting the
/// extras.
fn extra_value<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    match obj.get("extras")? {
        Value::Array(items) => items
            .iter()
            .find(|e| e.get("key").and_then(Value::as_str).map(str::trim) == Some(key))
            .and_then(|e| e.get("value")),
        Value::Object(map) => map.get(key),
        _ => None,
    }
}

/// The dataset IRI of a package as found in a listing (full dict, or the
/// `fl=id,name,extras_uri` form).
pub fn dataset_iri_of_package(pkg: &Value, portal_base: &Url) -> Option<NamedNode> {
    let obj = pkg.as_object()?;
    dataset_iri(
        package_uri(obj).as_deref(),
        text(obj.get("name")).as_deref(),
        text(obj.get("id")).as_deref(),
        portal_base,
    )
}

/// Whether a package is a ckanext-dcat dataset series (`type: dataset_series`).
pub fn is_dataset_series(pkg: &Value) -> bool {
    series_type(pkg.get("type").and_then(Value::as_str))
}

/// ckanext-dcat's `dataset_series`, and the `collection` of
/// Schleswig-Holstein's portal (ckanext-odsh), whose members are its
/// `child_of` relationships.
fn series_type(t: Option<&str>) -> bool {
    matches!(t.map(str::trim), Some("dataset_series" | "collection"))
}

/// The packages a package is `child_of` (CKAN relationships: `object`, or
/// `__extras.object_package_id` as some portals return them).
fn parent_packages(obj: &Map<String, Value>) -> Vec<String> {
    let Some(Value::Array(relationships)) = obj.get("relationships_as_subject") else {
        return Vec::new();
    };
    relationships
        .iter()
        .filter(|r| text(r.get("type")).as_deref() == Some("child_of"))
        .filter_map(|r| {
            text(r.get("object")).or_else(|| text(r.get("__extras")?.get("object_package_id")))
        })
        .collect()
}

/// The `in_series` entries of a package that name a CKAN package (id or
/// name) rather than giving an IRI: they need the series' dataset IRI.
/// Dataset series themselves have none.
pub fn in_series_refs(pkg: &Value) -> Vec<String> {
    let Some(obj) = pkg.as_object() else {
        return Vec::new();
    };
    if is_dataset_series(pkg) {
        return Vec::new();
    }
    let value = match obj.get("in_series") {
        Some(v) if !v.is_null() => Some(v),
        _ => extra_value(obj, "in_series")
            .or_else(|| extra_value(obj, "dcat_in_series"))
            .filter(|v| !v.is_null()),
    };
    let mut refs: Vec<String> = list_value(value)
        .into_iter()
        .filter(|r| http_iri(r).is_none())
        .collect();
    for parent in parent_packages(obj) {
        if !refs.contains(&parent) {
            refs.push(parent);
        }
    }
    refs
}

/// The dataset IRIs of dataset series by CKAN package id and name (what
/// `in_series` lists), or why a reference could not be resolved.
#[derive(Debug, Clone, Default)]
pub struct SeriesIris {
    known: HashMap<String, Result<NamedNode, String>>,
}

impl SeriesIris {
    /// What is known about a reference: its IRI, or why it has none.
    pub fn get(&self, reference: &str) -> Option<&Result<NamedNode, String>> {
        self.known.get(reference.trim())
    }

    /// Records the outcome for a reference.
    pub fn insert(&mut self, reference: &str, resolved: Result<NamedNode, String>) {
        self.known.insert(reference.trim().to_owned(), resolved);
    }

    /// Records a package under its id and name when it is a dataset series
    /// with a dataset IRI; returns whether it was one.
    pub fn add_series(&mut self, pkg: &Value, portal_base: &Url) -> bool {
        if !is_dataset_series(pkg) {
            return false;
        }
        let Some(iri) = dataset_iri_of_package(pkg, portal_base) else {
            return false;
        };
        for key in ["id", "name"] {
            if let Some(k) = text(pkg.get(key)) {
                self.known.insert(k, Ok(iri.clone()));
            }
        }
        true
    }

    /// How many references are known (resolved or not).
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// Whether nothing is known yet.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}

/// Collects triples under a bound.
struct Graph {
    triples: Vec<Triple>,
    limit: usize,
}

#[derive(Debug)]
struct TooLarge;

impl Graph {
    fn add(
        &mut self,
        s: impl Into<NamedOrBlankNode>,
        p: NamedNodeRef<'_>,
        o: impl Into<Term>,
    ) -> Result<(), TooLarge> {
        if self.triples.len() >= self.limit {
            return Err(TooLarge);
        }
        self.triples.push(Triple::new(s, p, o));
        Ok(())
    }

    fn lit(&mut self, s: &NamedOrBlankNode, p: NamedNodeRef<'_>, v: &str) -> Result<(), TooLarge> {
        self.add(s.clone(), p, Literal::new_simple_literal(v))
    }

    fn has(&self, s: &NamedOrBlankNode, p: NamedNodeRef<'_>) -> bool {
        self.triples
            .iter()
            .any(|t| &t.subject == s && t.predicate.as_ref() == p)
    }
}

/// A byte size: a non-negative integer (also as a string, or a float with no fraction).
fn byte_size(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 9.0e15)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

/// Whether a URL names a file (an extension of a known file type other than
/// web pages): such URLs are also `dcat:downloadURL`s.
fn looks_like_file(url: &str) -> bool {
    let Ok(parsed) = Url::parse(url) else {
        return false;
    };
    let last = parsed.path().rsplit('/').next().unwrap_or("");
    let Some((_, ext)) = last.rsplit_once('.') else {
        return false;
    };
    if ext.is_empty() || ext.len() > 8 {
        return false;
    }
    match normalize::file_type(&format!(".{ext}")) {
        Some(ft) => !matches!(
            ft.code.as_str(),
            "HTML" | "XHTML" | "HTML_SIMPL" | "XHTML_SIMPL"
        ),
        None => false,
    }
}

/// The SPDX algorithm of a checksum: given (IRI or name) or guessed from its length.
fn checksum_algorithm(hash: &str, given: Option<&str>) -> Option<NamedNode> {
    const NS: &str = "http://spdx.org/rdf/terms#checksumAlgorithm_";
    if let Some(g) = given {
        if let Some(n) = http_iri(g) {
            return Some(n);
        }
        let name: String = g
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if !name.is_empty() {
            return NamedNode::new(format!("{NS}{name}")).ok();
        }
    }
    let name = match hash.len() {
        32 => "md5",
        40 => "sha1",
        64 => "sha256",
        128 => "sha512",
        _ => return None,
    };
    NamedNode::new(format!("{NS}{name}")).ok()
}

/// Builds the licence term of a `license_id`/`license_url`/`license_title`
/// triple, adding a `dct:LicenseDocument` description for unknown licences.
/// Returns `None` when there is no licence information (or it says "not specified").
fn license_term(
    g: &mut Graph,
    id: Option<&str>,
    url: Option<&str>,
    title: Option<&str>,
) -> Result<Option<Term>, TooLarge> {
    let id = id.filter(|i| !i.eq_ignore_ascii_case("notspecified"));
    for candidate in [id, url, title].into_iter().flatten() {
        if let Some(iri) = normalize::license(candidate).and_then(|i| NamedNode::new(i).ok()) {
            return Ok(Some(iri.into()));
        }
    }
    if id.is_none() && url.is_none() {
        return Ok(None);
    }
    let node: NamedOrBlankNode = match url.and_then(http_iri).or_else(|| id.and_then(http_iri)) {
        Some(n) => n.into(),
        None => BlankNode::default().into(),
    };
    g.add(node.clone(), rdf::TYPE, dct::LICENSE_DOCUMENT)?;
    if let Some(label) = title.or(id) {
        g.lit(&node, rdfs::LABEL, label)?;
        g.lit(&node, dct::TITLE, label)?;
    }
    Ok(Some(node.into()))
}

/// Maps one package to a record. `in_series` entries that name a CKAN
/// package are left out (see [`map_package_in_run`]).
pub fn map_package(pkg: &Value, ctx: &MapContext) -> Result<Record, MapError> {
    map_package_in_run(pkg, ctx, &SeriesIris::default())
}

/// Maps one package to a record, resolving `in_series` references to CKAN
/// packages through `series` (those it does not know are left out).
pub fn map_package_in_run(
    pkg: &Value,
    ctx: &MapContext,
    series: &SeriesIris,
) -> Result<Record, MapError> {
    let err = |record: String, reason: String| MapError {
        record,
        reason,
        snippet: package_snippet(pkg),
    };
    let Some(obj) = pkg.as_object() else {
        return Err(err(
            "(not an object)".into(),
            format!("package is not a JSON object but {}", json_kind(pkg)),
        ));
    };
    let f = Fields::new(obj);
    let id = text(obj.get("id"));
    let name = text(obj.get("name"));
    let who = id
        .clone()
        .or_else(|| name.clone())
        .unwrap_or_else(|| "(package without id and name)".into());
    if id.is_none() && name.is_none() {
        return Err(err(who, "package has neither an id nor a name".into()));
    }
    let Some(ds) = dataset_iri(
        package_uri(obj).as_deref(),
        name.as_deref(),
        id.as_deref(),
        &ctx.portal_base,
    ) else {
        return Err(err(
            who,
            "cannot build a dataset IRI from the uri extra, name or id".into(),
        ));
    };
    let mut g = Graph {
        triples: Vec::new(),
        limit: ctx.max_record_triples,
    };
    match build(&mut g, &ds, obj, &f, id.as_deref(), ctx, series) {
        Ok(()) => Ok(Record {
            dataset: ds,
            triples: g.triples,
            page_url: ctx.page_url.clone(),
            minted: false,
        }),
        Err(TooLarge) => {
            let tags = obj
                .get("tags")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let resources = obj
                .get("resources")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            Err(err(
                ds.as_str().to_owned(),
                format!(
                    "package maps to more than {} triples (harvest.max_record_triples); it has {tags} \
                     tags, {resources} resources and {} extras",
                    ctx.max_record_triples,
                    f.extras.len()
                ),
            ))
        }
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The fields of the Open Government Data Platform schema (OGPD, the
/// GovData metadata structure before DCAT-AP.de) that have no DCAT-AP.de
/// counterpart of the same name: `contacts` by role, `dates` by role and
/// `terms_of_use`.
#[derive(Default)]
struct Ogpd {
    contacts: Vec<Map<String, Value>>,
    dates: Vec<Map<String, Value>>,
    terms: Option<Map<String, Value>>,
}

impl Ogpd {
    fn read(f: &Fields<'_>) -> Self {
        let contacts = objects_of(f.raw("contacts"));
        let dates = objects_of(f.raw("dates"));
        let terms = objects_of(f.raw("terms_of_use")).into_iter().next();
        Self {
            contacts,
            dates,
            terms,
        }
    }

    /// The first contact of a role (`autor`, `veroeffentlichende_stelle`,
    /// `ansprechpartner`, `vertrieb`).
    fn contact(&self, role: &str) -> Option<&Map<String, Value>> {
        self.contacts
            .iter()
            .find(|c| text(c.get("role")).is_some_and(|r| r.eq_ignore_ascii_case(role)))
    }

    /// The date of a role (`erstellt`, `veroeffentlicht`, `aktualisiert`).
    fn date(&self, role: &str) -> Option<String> {
        self.dates
            .iter()
            .find(|d| text(d.get("role")).is_some_and(|r| r.eq_ignore_ascii_case(role)))
            .and_then(|d| text(d.get("date")))
    }

    fn term(&self, key: &str) -> Option<String> {
        text(self.terms.as_ref()?.get(key))
    }
}

/// A date of ckanext-spatial's `dataset-reference-date` extra (the ISO
/// citation dates: `[{"type": "creation", "value": "2016-01-01"}, ...]`)
/// of a type (`creation`, `publication`, `revision`).
fn reference_date(f: &Fields<'_>, kind: &str) -> Option<String> {
    objects_of(f.raw("dataset-reference-date"))
        .iter()
        .find(|d| text(d.get("type")).is_some_and(|t| t.eq_ignore_ascii_case(kind)))
        .and_then(|d| text(d.get("value")))
}

/// ckanext-spatial's `bbox-west-long`, `bbox-east-long`, `bbox-south-lat`,
/// `bbox-north-lat` extras as a GeoJSON polygon (all four, in range, west
/// not east of east).
fn spatial_harvester_bbox(f: &Fields<'_>) -> Option<String> {
    let n = |k: &str| -> Option<f64> {
        f.text(k)?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    };
    let (w, e, s, north) = (
        n("bbox-west-long")?,
        n("bbox-east-long")?,
        n("bbox-south-lat")?,
        n("bbox-north-lat")?,
    );
    let lon = |v: f64| (-180.0..=180.0).contains(&v);
    let lat = |v: f64| (-90.0..=90.0).contains(&v);
    if !(lon(w) && lon(e) && lat(s) && lat(north)) || w > e || s > north {
        return None;
    }
    Some(format!(
        r#"{{"type":"Polygon","coordinates":[[[{w},{s}],[{e},{s}],[{e},{north}],[{w},{north}],[{w},{s}]]]}}"#
    ))
}

fn build(
    g: &mut Graph,
    ds_node: &NamedNode,
    obj: &Map<String, Value>,
    f: &Fields<'_>,
    id: Option<&str>,
    ctx: &MapContext,
    series: &SeriesIris,
) -> Result<(), TooLarge> {
    let ds: NamedOrBlankNode = ds_node.clone().into();
    let ogpd = Ogpd::read(f);
    // ckanext-dcat's dataset series are packages of type `dataset_series`.
    let is_series = series_type(text(obj.get("type")).as_deref());
    let class = if is_series {
        dcat::DATASET_SERIES
    } else {
        dcat::DATASET
    };
    g.add(ds.clone(), rdf::TYPE, class)?;
    // Title and description: the ckanext-fluent translations replace the plain field.
    let mut titles = translated_or(f.raw("title_translated"), obj.get("title"));
    if titles.is_empty() {
        titles.extend(text(obj.get("name")).map(Literal::new_simple_literal));
    }
    for t in titles {
        g.add(ds.clone(), dct::TITLE, t)?;
    }
    for d in translated_or(f.raw("notes_translated"), obj.get("notes")) {
        g.add(ds.clone(), dct::DESCRIPTION, d)?;
    }
    if let Some(identifier) = f
        .first(&["identifier", "guid", "metadata_original_id"])
        .or(id.map(str::to_owned))
    {
        g.lit(&ds, dct::IDENTIFIER, &identifier)?;
    }

    // Keywords: tags_translated ({lang: [words]}) replaces the tags; tags
    // as objects ({name}) or plain strings.
    let mut translated_tags = false;
    if let Some(value) = structured(f.raw("tags_translated")) {
        if let Value::Object(by_lang) = value.as_ref() {
            for (lang, words) in by_lang {
                for word in list_value(Some(words)) {
                    if let Some(l) = tagged(&word, lang) {
                        g.add(ds.clone(), dcat::KEYWORD, l)?;
                        translated_tags = true;
                    }
                }
            }
        }
    }
    match obj.get("tags") {
        _ if translated_tags => {}
        Some(Value::Array(tags)) => {
            for tag in tags {
                let word = match tag {
                    Value::Object(t) => text(t.get("name")).or_else(|| text(t.get("display_name"))),
                    other => text(Some(other)),
                };
                if let Some(word) = word {
                    g.lit(&ds, dcat::KEYWORD, &word)?;
                }
            }
        }
        Some(Value::String(s)) => {
            for word in s.split(',').map(str::trim).filter(|w| !w.is_empty()) {
                g.lit(&ds, dcat::KEYWORD, word)?;
            }
        }
        _ => {}
    }

    // Themes: groups (GovData categories, EU codes) and the theme field/extra.
    let mut themes: Vec<NamedNode> = Vec::new();
    if let Some(Value::Array(groups)) = obj.get("groups") {
        for group in groups {
            let candidates: Vec<String> = match group {
                Value::Object(gr) => ["name", "id", "title", "display_name"]
                    .iter()
                    .filter_map(|k| text(gr.get(*k)))
                    .collect(),
                other => text(Some(other)).into_iter().collect(),
            };
            if let Some(found) = candidates
                .iter()
                .map(|c| normalize::themes(c))
                .find(|t| !t.is_empty())
            {
                themes.extend(found.into_iter().filter_map(|t| NamedNode::new(t).ok()));
            }
        }
    }
    for theme in f.list("theme") {
        themes.extend(theme_iris(&theme));
    }
    let mut seen = std::collections::HashSet::new();
    for t in themes {
        if seen.insert(t.as_str().to_owned()) {
            g.add(ds.clone(), dcat::THEME, t)?;
        }
    }

    // Dates: the DCAT fields win over the OGPD dates and CKAN's own
    // timestamps (as ckanext-dcat and GovData's migration do).
    if let Some(l) = f
        .first(&["issued"])
        .or_else(|| ogpd.date("veroeffentlicht"))
        .or_else(|| ogpd.date("erstellt"))
        .or_else(|| reference_date(f, "publication"))
        .or_else(|| reference_date(f, "creation"))
        .or_else(|| text(obj.get("metadata_created")))
        .and_then(|v| package_date_or_text(&v))
    {
        g.add(ds.clone(), dct::ISSUED, l)?;
    }
    if let Some(l) = f
        .first(&["modified"])
        .or_else(|| ogpd.date("aktualisiert"))
        .or_else(|| reference_date(f, "revision"))
        .or_else(|| text(obj.get("metadata_modified")))
        .and_then(|v| package_date_or_text(&v))
    {
        g.add(ds.clone(), dct::MODIFIED, l)?;
    }

    if let Some(url) = text(obj.get("url")).as_deref().and_then(http_iri) {
        g.add(ds.clone(), dcat::LANDING_PAGE, url)?;
    }
    // DCAT-AP 3 and DCAT-AP.de 3 (which deprecates `owl:versionInfo`).
    if let Some(version) = text(obj.get("version")) {
        g.lit(&ds, dcat::VERSION, &version)?;
    }
    for notes in literals(f.raw("version_notes")) {
        g.add(ds.clone(), adms::VERSION_NOTES, notes)?;
    }

    // Licence: CKAN's licence fields, else the OGPD terms_of_use.
    let mut license = license_term(
        g,
        text(obj.get("license_id")).as_deref(),
        text(obj.get("license_url")).as_deref(),
        text(obj.get("license_title")).as_deref(),
    )?;
    if license.is_none() && ogpd.terms.is_some() {
        license = license_term(
            g,
            ogpd.term("license_id").as_deref(),
            ogpd.term("license_url").as_deref(),
            ogpd.term("license_title")
                .or_else(|| ogpd.term("other"))
                .as_deref(),
        )?;
    }
    if license.is_none() {
        // ckanext-spatial's ISO harvester: the resource constraints' texts.
        if let Some(text) = text_list(f.raw("licence")).into_iter().next() {
            license = match license_term(g, None, None, Some(&text))? {
                Some(l) => Some(l),
                None => {
                    let node = BlankNode::default();
                    g.add(node.clone(), rdf::TYPE, dct::LICENSE_DOCUMENT)?;
                    g.lit(&node.clone().into(), rdfs::LABEL, &text)?;
                    Some(node.into())
                }
            };
        }
    }
    if let Some(l) = &license {
        g.add(ds.clone(), dct::LICENSE, l.clone())?;
    }

    map_agents(g, &ds, obj, f, ctx, &ogpd)?;
    map_contacts(g, &ds, obj, f, &ogpd)?;
    map_extras(g, &ds, f)?;
    map_relations(g, &ds, f, is_series, series, &parent_packages(obj))?;

    // Defaults from the config fill what the package lacks.
    let d = &ctx.defaults;
    if !g.has(&ds, dcatde::CONTRIBUTOR_ID) {
        if let Some(c) = d.contributor_id.as_deref().and_then(any_iri) {
            g.add(ds.clone(), dcatde::CONTRIBUTOR_ID, c)?;
        }
    }
    if !g.has(&ds, dcatde::POLITICAL_GEOCODING_URI) {
        if let Some(c) = d.geocoding.as_deref().and_then(any_iri) {
            g.add(ds.clone(), dcatde::POLITICAL_GEOCODING_URI, c)?;
        }
    }
    if !g.has(&ds, dct::PUBLISHER) && (d.publisher_iri.is_some() || d.publisher_name.is_some()) {
        let node: NamedOrBlankNode = match d.publisher_iri.as_deref().and_then(any_iri) {
            Some(n) => n.into(),
            None => BlankNode::default().into(),
        };
        g.add(ds.clone(), dct::PUBLISHER, node.clone())?;
        g.add(node.clone(), rdf::TYPE, foaf::AGENT)?;
        if let Some(name) = d.publisher_name.as_deref() {
            g.lit(&node, foaf::NAME, name)?;
        }
    }

    // Distributions.
    let attribution = f
        .text("licenseAttributionByText")
        .or_else(|| ogpd.term("attribution_text"));
    if let Some(Value::Array(resources)) = obj.get("resources") {
        for res in resources {
            if let Value::Object(r) = res {
                map_resource(g, &ds, ds_node, r, license.as_ref(), attribution.as_deref())?;
            }
        }
    }
    Ok(())
}

/// EU data themes of a theme value (GovData category, EU code, IRI), else
/// the value itself when it is an http IRI.
fn theme_iris(theme: &str) -> Vec<NamedNode> {
    let found = normalize::themes(theme);
    if found.is_empty() {
        http_iri(theme).into_iter().collect()
    } else {
        found
            .into_iter()
            .filter_map(|t| NamedNode::new(t).ok())
            .collect()
    }
}

/// A `foaf:Agent` (publisher, creator, maintainer …) as the mapping writes it.
#[derive(Default)]
struct Agent {
    iri: Option<NamedNode>,
    names: Vec<Literal>,
    email: Option<NamedNode>,
    homepages: Vec<NamedNode>,
    kind: Option<NamedNode>,
    identifier: Option<String>,
    /// ckanext-dcatde's `*_contacttype`: `Some(true)` for Person,
    /// `Some(false)` for Organization.
    person: Option<bool>,
}

impl Agent {
    fn is_empty(&self) -> bool {
        self.iri.is_none() && self.names.is_empty() && self.email.is_none()
    }

    /// Whether another agent has one of this one's names.
    fn shares_name(&self, others: &[Agent]) -> bool {
        others.iter().any(|o| {
            o.names
                .iter()
                .any(|n| self.names.iter().any(|m| m.value() == n.value()))
        })
    }

    fn add_homepage(&mut self, v: Option<String>) {
        if let Some(h) = v.as_deref().and_then(http_iri) {
            if !self.homepages.contains(&h) {
                self.homepages.push(h);
            }
        }
    }
}

/// `Person` / `Organization` (ckanext-dcatde's `*_contacttype`).
fn contact_type(v: Option<String>) -> Option<bool> {
    match v?.trim().to_ascii_lowercase().as_str() {
        "person" => Some(true),
        "organization" | "organisation" => Some(false),
        _ => None,
    }
}

/// Agent names: the translations of `name_translated` (or of a `{lang:
/// text}` name), and the plain name unless it repeats a translation.
fn agent_names(translated: Option<&Value>, plain: Option<&Value>) -> Vec<Literal> {
    let mut out = lang_literals(translated);
    for l in literals(plain) {
        if l.language().is_some() || !out.iter().any(|t| t.value() == l.value()) {
            out.push(l);
        }
    }
    out
}

/// An agent from a ckanext-scheming object (`{uri, name, name_translated,
/// email, url, type, identifier}`): the IRI is `uri`, else an http(s)
/// `identifier`.
fn agent_from_object(o: &Map<String, Value>) -> Agent {
    let identifier = text(o.get("identifier"));
    let mut a = Agent {
        iri: text(o.get("uri"))
            .as_deref()
            .and_then(http_iri)
            .or_else(|| identifier.as_deref().and_then(http_iri)),
        names: agent_names(o.get("name_translated"), o.get("name")),
        email: text(o.get("email")).as_deref().and_then(mailto),
        kind: text(o.get("type")).as_deref().and_then(http_iri),
        identifier: identifier.filter(|i| http_iri(i).is_none()),
        person: contact_type(text(o.get("contacttype"))),
        ..Agent::default()
    };
    a.add_homepage(text(o.get("url")));
    a.add_homepage(text(o.get("homepage")));
    a
}

/// An agent from the flat fields of a prefix (`publisher_name`,
/// `publisher_email` …; `author`/`maintainer`/`originator`/`contributor`
/// also take the name without `_name`, as ckanext-dcatde does).
fn agent_from_fields(f: &Fields<'_>, role: Role) -> Agent {
    if !f.has_role(role.prefix) {
        return Agent::default();
    }
    let [name_key, translated, email, url, uri, kind, identifier, contacttype] = role.keys;
    let plain_name = if role.plain_name {
        f.raw(role.prefix)
            .filter(|v| !matches!(v, Value::Array(_)) && objects_of(Some(v)).is_empty())
    } else {
        None
    };
    let name = plain_name.or_else(|| f.raw(name_key));
    let identifier = f.text(identifier);
    let mut a = Agent {
        iri: f
            .text(uri)
            .as_deref()
            .and_then(http_iri)
            .or_else(|| identifier.as_deref().and_then(http_iri)),
        names: agent_names(f.raw(translated), name),
        email: f.text(email).as_deref().and_then(mailto),
        kind: f.text(kind).as_deref().and_then(http_iri),
        identifier: identifier.filter(|i| http_iri(i).is_none()),
        person: contact_type(f.text(contacttype)),
        ..Agent::default()
    };
    a.add_homepage(f.text(url));
    a
}

/// The flat fields of an agent role: `{prefix}_name`, `_name_translated`,
/// `_email`, `_url`, `_uri`, `_type`, `_identifier`, `_contacttype`.
#[derive(Clone, Copy)]
struct Role {
    prefix: &'static str,
    /// The name may also be given without `_name` (`author`, `maintainer` …).
    plain_name: bool,
    keys: [&'static str; 8],
}

macro_rules! role {
    ($prefix:literal, $plain:literal) => {
        Role {
            prefix: $prefix,
            plain_name: $plain,
            keys: [
                concat!($prefix, "_name"),
                concat!($prefix, "_name_translated"),
                concat!($prefix, "_email"),
                concat!($prefix, "_url"),
                concat!($prefix, "_uri"),
                concat!($prefix, "_type"),
                concat!($prefix, "_identifier"),
                concat!($prefix, "_contacttype"),
            ],
        }
    };
}
const PUBLISHER: Role = role!("publisher", false);
const CREATOR: Role = role!("creator", false);
const AUTHOR: Role = role!("author", true);
const MAINTAINER: Role = role!("maintainer", true);
const ORIGINATOR: Role = role!("originator", true);
const CONTRIBUTOR: Role = role!("contributor", true);

/// An agent from an OGPD contact (`{role, name, email, url, address}`).
fn agent_from_ogpd(c: &Map<String, Value>) -> Agent {
    let mut a = Agent {
        names: literals(c.get("name")),
        email: text(c.get("email")).as_deref().and_then(mailto),
        ..Agent::default()
    };
    a.add_homepage(text(c.get("url")));
    a
}

/// The agents of a role: the ckanext-scheming list of objects when there
/// is one, else the flat fields of the prefix.
fn agents(f: &Fields<'_>, role: Role) -> Vec<Agent> {
    let objects = objects_of(f.raw(role.prefix));
    if objects.is_empty() {
        let a = agent_from_fields(f, role);
        if a.is_empty() {
            Vec::new()
        } else {
            vec![a]
        }
    } else {
        objects
            .iter()
            .map(agent_from_object)
            .filter(|a| !a.is_empty())
            .collect()
    }
}

fn add_agent(
    g: &mut Graph,
    ds: &NamedOrBlankNode,
    property: NamedNodeRef<'_>,
    a: &Agent,
) -> Result<(), TooLarge> {
    let node: NamedOrBlankNode = match &a.iri {
        Some(n) => n.clone().into(),
        None => BlankNode::default().into(),
    };
    g.add(ds.clone(), property, node.clone())?;
    g.add(node.clone(), rdf::TYPE, foaf::AGENT)?;
    match a.person {
        Some(true) => g.add(node.clone(), rdf::TYPE, foaf::PERSON)?,
        Some(false) => g.add(node.clone(), rdf::TYPE, foaf::ORGANIZATION)?,
        None => {}
    }
    for n in &a.names {
        g.add(node.clone(), foaf::NAME, n.clone())?;
    }
    if let Some(m) = &a.email {
        g.add(node.clone(), foaf::MBOX, m.clone())?;
    }
    for h in &a.homepages {
        g.add(node.clone(), foaf::HOMEPAGE, h.clone())?;
    }
    if let Some(k) = &a.kind {
        g.add(node.clone(), dct::TYPE, k.clone())?;
    }
    if let Some(i) = &a.identifier {
        g.lit(&node, dct::IDENTIFIER, i)?;
    }
    Ok(())
}

/// The organisation as publisher: ckanext-dcat's
/// `publisher_uri_organization_fallback` IRI `{portal}/organization/{id}`
/// (the name when there is no id), with its title (else name), e-mail,
/// URL, `dcat_type` and identifier.
fn organization_agent(org: &Map<String, Value>, portal_base: &Url) -> Agent {
    let slug = text(org.get("id")).or_else(|| text(org.get("name")));
    let base = portal_base.as_str().trim_end_matches('/');
    let mut names = literals(org.get("title_translated"));
    if names.is_empty() {
        names = literals(org.get("title"));
    }
    if names.is_empty() {
        names = literals(org.get("name"));
    }
    let mut a = Agent {
        iri: slug
            .and_then(|s| NamedNode::new(format!("{base}/organization/{}", path_segment(&s))).ok()),
        names,
        email: text(org.get("email")).as_deref().and_then(mailto),
        kind: text(org.get("dcat_type")).as_deref().and_then(http_iri),
        identifier: text(org.get("identifier")),
        ..Agent::default()
    };
    a.add_homepage(text(org.get("url")));
    a
}

fn map_agents(
    g: &mut Graph,
    ds: &NamedOrBlankNode,
    obj: &Map<String, Value>,
    f: &Fields<'_>,
    ctx: &MapContext,
    ogpd: &Ogpd,
) -> Result<(), TooLarge> {
    let org = obj.get("organization").and_then(Value::as_object);
    // Publisher: the ckanext-scheming list, the publisher_* fields (named
    // after the organisation when they give no name), the OGPD publishing
    // body, else the organisation.
    let mut publishers = agents(f, PUBLISHER);
    if let [p] = publishers.as_mut_slice() {
        if p.names.is_empty() && objects_of(f.raw("publisher")).is_empty() {
            if let Some(o) = org {
                p.names = organization_agent(o, &ctx.portal_base).names;
            }
        }
    }
    if publishers.is_empty() {
        if let Some(c) = ogpd.contact("veroeffentlichende_stelle") {
            publishers.push(agent_from_ogpd(c));
        }
    }
    if publishers.iter().all(Agent::is_empty) {
        publishers.clear();
        if let Some(o) = org {
            let a = organization_agent(o, &ctx.portal_base);
            if !a.names.is_empty() {
                publishers.push(a);
            }
        }
    }
    for p in publishers.iter().filter(|p| !p.is_empty()) {
        add_agent(g, ds, dct::PUBLISHER, p)?;
    }

    // dct:creator: ckanext-dcat's creator (list or creator_* fields), and
    // ckanext-dcatde's author and the OGPD author unless already named.
    let mut creators = agents(f, CREATOR);
    for extra in [
        Some(agent_from_fields(f, AUTHOR)),
        ogpd.contact("autor").map(agent_from_ogpd),
    ]
    .into_iter()
    .flatten()
    {
        if !extra.is_empty() && !extra.shares_name(&creators) {
            creators.push(extra);
        }
    }
    for c in &creators {
        add_agent(g, ds, dct::CREATOR, c)?;
    }

    // dcatde:maintainer (the maintainer, else the OGPD distributor),
    // dcatde:originator and dct:contributor, as ckanext-dcatde.
    let mut maintainers = agents(f, MAINTAINER);
    if let Some(v) = ogpd.contact("vertrieb").map(agent_from_ogpd) {
        if !v.is_empty() && !v.shares_name(&maintainers) {
            maintainers.push(v);
        }
    }
    for m in &maintainers {
        add_agent(g, ds, dcatde::MAINTAINER, m)?;
    }
    for a in agents(f, ORIGINATOR) {
        add_agent(g, ds, dcatde::ORIGINATOR, &a)?;
    }
    for a in agents(f, CONTRIBUTOR) {
        add_agent(g, ds, dct::CONTRIBUTOR, &a)?;
    }
    Ok(())
}

/// A `vcard:Kind` contact point.
#[derive(Default)]
struct Contact {
    iri: Option<NamedNode>,
    names: Vec<Literal>,
    email: Option<NamedNode>,
    url: Option<NamedNode>,
    uid: Option<Term>,
    tel: Option<NamedNode>,
    address: Address,
    individual: bool,
}

#[derive(Default)]
struct Address {
    street: Option<String>,
    locality: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
}

impl Address {
    fn is_empty(&self) -> bool {
        self.street.is_none()
            && self.locality.is_none()
            && self.postal_code.is_none()
            && self.country.is_none()
    }

    /// An OGPD address: an object (`street`, `zip`/`postcode`, `city`,
    /// `country`) or one line ("Rathausplatz 1, 47441 Moers"): the part
    /// starting with a postal code gives code and place, a part ending in a
    /// house number the street, a trailing word of letters the country.
    fn from_ogpd(v: Option<&Value>) -> Self {
        if let Some(Value::Object(o)) = v {
            return Self {
                street: text(o.get("street")),
                locality: text(o.get("city")).or_else(|| text(o.get("locality"))),
                postal_code: text(o.get("zip"))
                    .or_else(|| text(o.get("postcode")))
                    .or_else(|| text(o.get("postal_code"))),
                country: text(o.get("country")),
            };
        }
        let Some(line) = text(v) else {
            return Self::default();
        };
        let sep = if line.matches(';').count() > line.matches(',').count() {
            ';'
        } else {
            ','
        };
        let parts: Vec<&str> = line
            .split(sep)
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let mut a = Self::default();
        let mut expect_city = false;
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            if expect_city {
                a.locality = Some((*part).to_owned());
                expect_city = false;
            } else if let Some((code, rest)) =
                split_postal_code(part).filter(|_| a.postal_code.is_none())
            {
                a.postal_code = Some(code.to_owned());
                if rest.is_empty() {
                    expect_city = true;
                } else {
                    a.locality = Some(rest.to_owned());
                }
            } else if a.street.is_none() && ends_with_house_number(part) {
                a.street = Some((*part).to_owned());
            } else if last
                && a.locality.is_some()
                && part.chars().all(|c| c.is_alphabetic() || c == ' ')
            {
                a.country = Some((*part).to_owned());
            }
        }
        a
    }
}

/// A German-style postal code at the start of an address part
/// ("47441 Moers", "D-40476"): the code and the rest.
fn split_postal_code(part: &str) -> Option<(&str, &str)> {
    let b = part.as_bytes();
    let prefix = match b.iter().position(|&c| c == b'-') {
        Some(p @ 1..=2) if b[..p].iter().all(u8::is_ascii_alphabetic) => p + 1,
        _ => 0,
    };
    let digits = b[prefix..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits != 5 || b.get(prefix + 5).is_some_and(|c| !c.is_ascii_whitespace()) {
        return None;
    }
    Some((&part[..prefix + 5], part[prefix + 5..].trim()))
}

/// Whether an address part ends in a house number ("Rathausplatz 1",
/// "Adenauerallee 99-103", "Hauptstraße 12a").
fn ends_with_house_number(part: &str) -> bool {
    let Some((street, number)) = part.rsplit_once(' ') else {
        return false;
    };
    !street.trim().is_empty()
        && number.chars().next().is_some_and(|c| c.is_ascii_digit())
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
}

impl Contact {
    fn has_content(&self) -> bool {
        self.iri.is_some() || !self.names.is_empty() || self.email.is_some()
    }

    /// A contact from a ckanext-scheming object (`{uri, name,
    /// name_translated, email, identifier, url}`).
    fn from_object(o: &Map<String, Value>) -> Self {
        Self {
            iri: text(o.get("uri")).as_deref().and_then(http_iri),
            names: translated_or(o.get("name_translated"), o.get("name")),
            email: text(o.get("email")).as_deref().and_then(mailto),
            url: text(o.get("url")).as_deref().and_then(http_iri),
            uid: text(o.get("identifier")).map(|i| match http_iri(&i) {
                Some(n) => n.into(),
                None => Literal::new_simple_literal(i).into(),
            }),
            individual: contact_type(text(o.get("contacttype"))) == Some(true),
            ..Self::default()
        }
    }

    /// A contact from an agent (maintainer, author, OGPD contact).
    fn from_agent(a: Agent) -> Self {
        Self {
            names: a.names,
            email: a.email,
            url: a.homepages.into_iter().next(),
            individual: a.person == Some(true),
            ..Self::default()
        }
    }
}

fn map_contacts(
    g: &mut Graph,
    ds: &NamedOrBlankNode,
    obj: &Map<String, Value>,
    f: &Fields<'_>,
    ogpd: &Ogpd,
) -> Result<(), TooLarge> {
    // The ckanext-scheming list, else the contact_* fields, else the OGPD
    // contact person, else maintainer, else author (ckanext-dcat), else the
    // other OGPD contacts.
    let mut contacts: Vec<Contact> = objects_of(f.raw("contact"))
        .iter()
        .map(Contact::from_object)
        .filter(Contact::has_content)
        .collect();
    if contacts.is_empty() && f.has_role("contact") {
        let flat = Contact {
            names: translated_or(f.raw("contact_name_translated"), f.raw("contact_name")),
            email: f.text("contact_email").as_deref().and_then(mailto),
            iri: f.text("contact_uri").as_deref().and_then(http_iri),
            uid: f.text("contact_identifier").map(|i| match http_iri(&i) {
                Some(n) => n.into(),
                None => Literal::new_simple_literal(i).into(),
            }),
            individual: contact_type(f.text("contact_contacttype")) == Some(true),
            ..Contact::default()
        };
        if !flat.names.is_empty() || flat.email.is_some() {
            contacts.push(flat);
        }
    }
    if contacts.is_empty() {
        if let Some(c) = ogpd.contact("ansprechpartner") {
            let mut contact = Contact::from_agent(agent_from_ogpd(c));
            contact.address = Address::from_ogpd(c.get("address"));
            if contact.has_content() {
                contacts.push(contact);
            }
        }
    }
    if contacts.is_empty() {
        for role in [MAINTAINER, AUTHOR] {
            let [_, _, email_key, _, _, _, _, contacttype_key] = role.keys;
            let name = text(obj.get(role.prefix));
            let mail = text(obj.get(email_key));
            if name.is_some() || mail.as_deref().and_then(mailto).is_some() {
                contacts.push(Contact {
                    names: name.map(Literal::new_simple_literal).into_iter().collect(),
                    email: mail.as_deref().and_then(mailto),
                    individual: contact_type(f.text(contacttype_key)) == Some(true),
                    ..Contact::default()
                });
                break;
            }
        }
    }
    if contacts.is_empty() {
        for role in ["vertrieb", "veroeffentlichende_stelle", "autor"] {
            if let Some(c) = ogpd.contact(role) {
                let mut contact = Contact::from_agent(agent_from_ogpd(c));
                contact.address = Address::from_ogpd(c.get("address"));
                if contact.has_content() {
                    contacts.push(contact);
                    break;
                }
            }
        }
    }

    if contacts.is_empty() {
        // ckanext-spatial's ISO harvester: the point of contact's e-mail,
        // named by the first responsible party.
        if let Some(email) = f.text("contact-email").as_deref().and_then(mailto) {
            let name = objects_of(f.raw("responsible-party"))
                .first()
                .and_then(|p| text(p.get("name")));
            contacts.push(Contact {
                names: name.map(Literal::new_simple_literal).into_iter().collect(),
                email: Some(email),
                ..Contact::default()
            });
        }
    }

    // ckanext-dcatde's contact fields (the maintainer's as fallback) go to
    // the first contact point, made for them when there is none.
    let (url, phone, address) = if f.has_role("contact") || f.has_role("maintainer") {
        (
            f.text("contact_url").as_deref().and_then(http_iri),
            f.first(&["contact_tel", "maintainer_tel"])
                .as_deref()
                .and_then(tel),
            Address {
                street: f.first(&["contact_street", "maintainer_street"]),
                locality: f.first(&["contact_city", "maintainer_city"]),
                postal_code: f.first(&["contact_zip", "maintainer_zip"]),
                country: f.first(&["contact_country", "maintainer_country"]),
            },
        )
    } else {
        (None, None, Address::default())
    };
    if url.is_some() || phone.is_some() || !address.is_empty() {
        if contacts.is_empty() {
            contacts.push(Contact::default());
        }
        if let Some(first) = contacts.first_mut() {
            if first.url.is_none() {
                first.url = url;
            }
            if first.tel.is_none() {
                first.tel = phone;
            }
            if first.address.is_empty() {
                first.address = address;
            }
        }
    }

    for c in &contacts {
        add_contact(g, ds, dcat::CONTACT_POINT, c)?;
    }
    Ok(())
}

fn add_contact(
    g: &mut Graph,
    s: &NamedOrBlankNode,
    property: NamedNodeRef<'_>,
    c: &Contact,
) -> Result<(), TooLarge> {
    let node: NamedOrBlankNode = match &c.iri {
        Some(n) => n.clone().into(),
        None => BlankNode::default().into(),
    };
    g.add(s.clone(), property, node.clone())?;
    let class = if c.individual {
        vcard::INDIVIDUAL
    } else {
        vcard::ORGANIZATION
    };
    g.add(node.clone(), rdf::TYPE, class)?;
    for n in &c.names {
        g.add(node.clone(), vcard::FN, n.clone())?;
    }
    if let Some(m) = &c.email {
        g.add(node.clone(), vcard::HAS_EMAIL, m.clone())?;
    }
    if let Some(u) = &c.url {
        g.add(node.clone(), vcard::HAS_URL, u.clone())?;
    }
    if let Some(uid) = &c.uid {
        g.add(node.clone(), vcard::HAS_UID, uid.clone())?;
    }
    if let Some(t) = &c.tel {
        g.add(node.clone(), vcard::HAS_TELEPHONE, t.clone())?;
    }
    let a = &c.address;
    if !a.is_empty() {
        let addr: NamedOrBlankNode = BlankNode::default().into();
        g.add(node.clone(), vcard::HAS_ADDRESS, addr.clone())?;
        g.add(addr.clone(), rdf::TYPE, vcard::ADDRESS)?;
        for (v, p) in [
            (&a.street, vcard::STREET_ADDRESS),
            (&a.locality, vcard::LOCALITY),
            (&a.postal_code, vcard::POSTAL_CODE),
            (&a.country, vcard::COUNTRY_NAME),
        ] {
            if let Some(v) = v {
                g.lit(&addr, p, v)?;
            }
        }
    }
    Ok(())
}

/// `s property <value>` for an http IRI, else `s property [ a class ;
/// rdfs:label value ]`.
fn iri_or_labelled(
    g: &mut Graph,
    s: &NamedOrBlankNode,
    property: NamedNodeRef<'_>,
    class: NamedNodeRef<'_>,
    value: &str,
) -> Result<(), TooLarge> {
    match http_iri(value) {
        Some(n) => g.add(s.clone(), property, n),
        None => {
            let node: NamedOrBlankNode = BlankNode::default().into();
            g.add(s.clone(), property, node.clone())?;
            g.add(node.clone(), rdf::TYPE, class)?;
            g.lit(&node, rdfs::LABEL, value)
        }
    }
}

/// A statement (access rights, provenance, rights): an http IRI as given,
/// a `{lang: text}` object as one statement with a label per language,
/// other text as a statement with one label.
fn statement(
    g: &mut Graph,
    s: &NamedOrBlankNode,
    property: NamedNodeRef<'_>,
    class: NamedNodeRef<'_>,
    v: Option<&Value>,
) -> Result<(), TooLarge> {
    let labels = lang_literals(v);
    if labels.is_empty() {
        if let Some(t) = text(v) {
            iri_or_labelled(g, s, property, class, &t)?;
        }
        return Ok(());
    }
    let mut node: Option<NamedOrBlankNode> = None;
    for l in labels {
        if let Some(n) = http_iri(l.value()) {
            g.add(s.clone(), property, n)?;
            continue;
        }
        let n = match &node {
            Some(n) => n.clone(),
            None => {
                let n: NamedOrBlankNode = BlankNode::default().into();
                g.add(s.clone(), property, n.clone())?;
                g.add(n.clone(), rdf::TYPE, class)?;
                node = Some(n.clone());
                n
            }
        };
        g.add(n, rdfs::LABEL, l)?;
    }
    Ok(())
}

/// One `dct:Location` of the package.
struct Place {
    iri: Option<NamedNode>,
    geometry: Option<String>,
    bbox: Option<String>,
    centroid: Option<String>,
    labels: Vec<Literal>,
}

fn map_extras(g: &mut Graph, ds: &NamedOrBlankNode, f: &Fields<'_>) -> Result<(), TooLarge> {
    // Spatial coverage: every entry of the ckanext-scheming list, else one
    // location from the flat fields.
    let mut places: Vec<Place> = objects_of(f.raw("spatial_coverage"))
        .iter()
        .map(|o| Place {
            iri: text(o.get("uri")).as_deref().and_then(http_iri),
            geometry: geojson(o.get("geom")),
            bbox: geojson(o.get("bbox")),
            centroid: geojson(o.get("centroid")),
            labels: literals(o.get("text")),
        })
        .collect();
    if places.is_empty() {
        places.push(Place {
            iri: f.text("spatial_uri").as_deref().and_then(http_iri),
            geometry: geojson(f.raw("spatial")),
            bbox: geojson(f.raw("spatial_bbox")).or_else(|| spatial_harvester_bbox(f)),
            centroid: geojson(f.raw("spatial_centroid")),
            labels: literals(f.raw("spatial_text")),
        });
    }
    for p in &places {
        if p.iri.is_none()
            && p.geometry.is_none()
            && p.bbox.is_none()
            && p.centroid.is_none()
            && p.labels.is_empty()
        {
            continue;
        }
        let node: NamedOrBlankNode = match &p.iri {
            Some(n) => n.clone().into(),
            None => BlankNode::default().into(),
        };
        g.add(ds.clone(), dct::SPATIAL, node.clone())?;
        g.add(node.clone(), rdf::TYPE, dct::LOCATION)?;
        for (value, property) in [
            (&p.geometry, locn::GEOMETRY),
            (&p.bbox, dcat::BBOX),
            (&p.centroid, dcat::CENTROID),
        ] {
            if let Some(v) = value {
                g.add(
                    node.clone(),
                    property,
                    Literal::new_typed_literal(v.clone(), gsp::GEOJSON_LITERAL),
                )?;
            }
        }
        for l in &p.labels {
            g.add(node.clone(), skos::PREF_LABEL, l.clone())?;
        }
    }

    // Temporal coverage: every entry of the list, else the flat fields
    // (and the OGPD names of them).
    let mut periods: Vec<(Option<Literal>, Option<Literal>)> =
        objects_of(f.raw("temporal_coverage"))
            .iter()
            .map(|o| {
                (
                    text(o.get("start")).as_deref().and_then(date_or_text),
                    text(o.get("end")).as_deref().and_then(date_or_text),
                )
            })
            .collect();
    if periods.is_empty() {
        periods.push((
            f.first(&[
                "temporal_start",
                "temporal_coverage_from",
                "temporal_coverage-from",
            ])
            .as_deref()
            .and_then(date_or_text),
            f.first(&[
                "temporal_end",
                "temporal_coverage_to",
                "temporal_coverage-to",
            ])
            .as_deref()
            .and_then(date_or_text),
        ));
    }
    for (start, end) in periods {
        if start.is_none() && end.is_none() {
            continue;
        }
        let node: NamedOrBlankNode = BlankNode::default().into();
        g.add(ds.clone(), dct::TEMPORAL, node.clone())?;
        g.add(node.clone(), rdf::TYPE, dct::PERIOD_OF_TIME)?;
        if let Some(s) = start {
            g.add(node.clone(), dcat::START_DATE, s)?;
        }
        if let Some(e) = end {
            g.add(node.clone(), dcat::END_DATE, e)?;
        }
    }

    if let Some(freq) = f.first(&["frequency", "accrual_periodicity", "frequency-of-update"]) {
        if let Some(n) = iso8601_frequency(&freq)
            .map(|code| format!("{FREQUENCY_NS}{code}"))
            .or_else(|| normalize::frequency(&freq))
            .and_then(|i| NamedNode::new(i).ok())
            .or_else(|| http_iri(&freq))
        {
            g.add(ds.clone(), dct::ACCRUAL_PERIODICITY, n)?;
        }
    }
    for lang in f.list("language") {
        if let Some(n) = language_iri(&lang) {
            g.add(ds.clone(), dct::LANGUAGE, n)?;
        }
    }
    for standard in f.list("conforms_to") {
        iri_or_labelled(g, ds, dct::CONFORMS_TO, dct::STANDARD, &standard)?;
    }
    for (key, class, property) in [
        ("access_rights", dct::RIGHTS_STATEMENT, dct::ACCESS_RIGHTS),
        ("provenance", dct::PROVENANCE_STATEMENT, dct::PROVENANCE),
    ] {
        statement(g, ds, property, class, f.raw(key))?;
    }
    if !g.has(ds, dct::PROVENANCE) {
        // ckanext-spatial's ISO harvester: the lineage statement.
        statement(
            g,
            ds,
            dct::PROVENANCE,
            dct::PROVENANCE_STATEMENT,
            f.raw("lineage"),
        )?;
    }
    for doc in iri_list(f.raw("documentation")) {
        g.add(ds.clone(), foaf::PAGE, doc)?;
    }
    // DCAT-AP.de extras (GovData / ckanext-dcatde names).
    for (keys, property) in [
        (
            &["contributorID", "contributor_id"][..],
            dcatde::CONTRIBUTOR_ID,
        ),
        (
            &["politicalGeocodingURI", "political_geocoding_uri"][..],
            dcatde::POLITICAL_GEOCODING_URI,
        ),
        (
            &[
                "politicalGeocodingLevelURI",
                "political_geocoding_level_uri",
            ][..],
            dcatde::POLITICAL_GEOCODING_LEVEL_URI,
        ),
        (&["qualityProcessURI"][..], dcatde::QUALITY_PROCESS_URI),
    ] {
        for key in keys {
            for v in f.list(key) {
                if let Some(n) = any_iri(&v) {
                    g.add(ds.clone(), property, n)?;
                }
            }
        }
    }
    // OGPD: the geographical granularity as political geocoding level, the
    // official municipality key (AGS) of the spatial reference as political
    // geocoding, unless given.
    if let Some(n) = f
        .text("geographical_granularity")
        .as_deref()
        .and_then(geocoding_level)
    {
        if !g.has(ds, dcatde::POLITICAL_GEOCODING_LEVEL_URI) {
            g.add(ds.clone(), dcatde::POLITICAL_GEOCODING_LEVEL_URI, n)?;
        }
    }
    let spatial_reference = objects_of(f.raw("spatial_reference")).into_iter().next();
    if let Some(n) = spatial_reference
        .as_ref()
        .and_then(|r| text(r.get("ags")))
        .as_deref()
        .and_then(ags_geocoding)
    {
        if !g.has(ds, dcatde::POLITICAL_GEOCODING_URI) {
            g.add(ds.clone(), dcatde::POLITICAL_GEOCODING_URI, n)?;
        }
    }
    // A location IRI from the DCAT-AP.de geocoding lists is the political
    // geocoding too (as ckanext-dcatde states it), unless one is given.
    let geocoded: Vec<NamedNode> = places
        .iter()
        .filter_map(|p| p.iri.clone())
        .filter(|u| u.as_str().starts_with(POLITICAL_GEOCODING_NS))
        .collect();
    if !geocoded.is_empty() && !g.has(ds, dcatde::POLITICAL_GEOCODING_URI) {
        for uri in geocoded {
            g.add(ds.clone(), dcatde::POLITICAL_GEOCODING_URI, uri)?;
        }
    }
    // ckanext-dcat's DCAT-AP 3 fields that hold IRIs.
    for (key, property) in [
        ("is_version_of", dct::IS_VERSION_OF),
        ("has_version", dct::HAS_VERSION),
        ("source", dct::SOURCE),
        ("sample", adms::SAMPLE),
        ("dcat_type", dct::TYPE),
        ("is_referenced_by", dct::IS_REFERENCED_BY),
        ("related_resource", dct::RELATION),
        ("used_datasets", dct::RELATION),
        ("references", dct::REFERENCES),
    ] {
        for n in iri_list(f.raw(key)) {
            g.add(ds.clone(), property, n)?;
        }
    }
    for id in f.list("alternate_identifier") {
        let node: NamedOrBlankNode = BlankNode::default().into();
        g.add(ds.clone(), adms::IDENTIFIER, node.clone())?;
        g.add(node.clone(), rdf::TYPE, adms::IDENTIFIER_CLASS)?;
        g.lit(&node, skos::NOTATION, &id)?;
    }
    resolutions(
        g,
        ds,
        f.raw("spatial_resolution_in_meters"),
        f.raw("temporal_resolution"),
    )?;
    // High-Value Datasets (ckanext-dcat's DCAT-AP 3 fields). A category
    // without legislation is under the HVD regulation all the same.
    let categories = iri_list(f.raw("hvd_category"));
    let mut legislation = iri_list(f.raw("applicable_legislation"));
    if legislation.is_empty() && !categories.is_empty() {
        legislation.push(hvd::REGULATION.into_owned());
    }
    for (property, values) in [
        (dcatap::APPLICABLE_LEGISLATION, legislation),
        (dcatap::HVD_CATEGORY, categories),
    ] {
        for n in values {
            g.add(ds.clone(), property, n)?;
        }
    }
    // Free text that GovData writes as a JSON list of strings: one literal
    // per item; other text is one literal as given (commas are prose here).
    for (key, property) in [
        ("geocodingText", dcatde::GEOCODING_DESCRIPTION),
        ("legalbasisText", dcatde::LEGAL_BASIS),
    ] {
        for v in text_list(f.raw(key)) {
            g.lit(ds, property, &v)?;
        }
    }
    if let Some(t) = spatial_reference.as_ref().and_then(|r| text(r.get("text"))) {
        if !g.has(ds, dcatde::GEOCODING_DESCRIPTION) {
            g.lit(ds, dcatde::GEOCODING_DESCRIPTION, &t)?;
        }
    }
    Ok(())
}

/// `dcat:spatialResolutionInMeters` (non-negative numbers as `xsd:decimal`)
/// and `dcat:temporalResolution` (`P…` durations as `xsd:duration`).
fn resolutions(
    g: &mut Graph,
    s: &NamedOrBlankNode,
    meters: Option<&Value>,
    durations: Option<&Value>,
) -> Result<(), TooLarge> {
    for v in list_value(meters) {
        if v.parse::<f64>().is_ok_and(|m| m.is_finite() && m >= 0.0)
            && v.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            g.add(
                s.clone(),
                dcat::SPATIAL_RESOLUTION_IN_METERS,
                Literal::new_typed_literal(v, xsd::DECIMAL),
            )?;
        }
    }
    for v in list_value(durations) {
        if v.starts_with('P') && v.len() > 1 && !v.contains(char::is_whitespace) {
            g.add(
                s.clone(),
                dcat::TEMPORAL_RESOLUTION,
                Literal::new_typed_literal(v, xsd::DURATION),
            )?;
        }
    }
    Ok(())
}

/// An EU language IRI for a code or name, else an http IRI as given.
fn language_iri(v: &str) -> Option<NamedNode> {
    normalize::language(v)
        .and_then(|i| NamedNode::new(i).ok())
        .or_else(|| http_iri(v))
}

/// A package's or resource's date ([`date_literal`]), also in the form
/// DKAN's CKAN-compatible API writes them: `Fri, 01/12/2024 - 09:30`
/// (month first, local time) and `Date changed Fri, 01/12/2024 - 09:30`,
/// which become `2024-01-12T09:30:00`.
fn package_date(v: &str) -> Option<Literal> {
    date_literal(v).or_else(|| date_literal(&dkan_date(v)?))
}

/// [`package_date`], else the text as the package wrote it
/// ([`crate::values::date_or_text`]; the page warns of it).
fn package_date_or_text(v: &str) -> Option<Literal> {
    package_date(v).or_else(|| text_literal(v))
}

/// `[Date changed] [Day, ]MM/DD/YYYY - HH:MM` as `YYYY-MM-DDTHH:MM:00`.
fn dkan_date(v: &str) -> Option<String> {
    let v = v.trim();
    let v = v.strip_prefix("Date changed").map_or(v, str::trim_start);
    let v = match v.split_once(", ") {
        Some((day, rest)) if day.len() == 3 && day.bytes().all(|b| b.is_ascii_alphabetic()) => rest,
        _ => v,
    };
    let (date, time) = v.split_once(" - ")?;
    let mut parts = date.trim().split('/');
    let (month, day, year) = (parts.next()?, parts.next()?, parts.next()?);
    let (hour, minute) = time.trim().split_once(':')?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some()
        || !(digits(month, 2) && digits(day, 2) && digits(year, 4))
        || !(digits(hour, 2) && digits(minute, 2))
        || !("01"..="12").contains(&month)
        || !("01"..="31").contains(&day)
        || hour > "23"
        || minute > "59"
    {
        return None;
    }
    Some(format!("{year}-{month}-{day}T{hour}:{minute}:00"))
}

/// The EU frequency code of an ISO 8601 repeating interval as DKAN and
/// Project Open Data (DCAT-US) write `accrualPeriodicity` (`R/P1Y`, `R/P0.5M`,
/// `R/PT1H` …).
fn iso8601_frequency(v: &str) -> Option<&'static str> {
    Some(match v.trim().strip_prefix("R/")? {
        "P10Y" => "DECENNIAL",
        "P4Y" => "QUADRENNIAL",
        "P3Y" => "TRIENNIAL",
        "P2Y" => "BIENNIAL",
        "P1Y" => "ANNUAL",
        "P6M" => "ANNUAL_2",
        "P4M" => "ANNUAL_3",
        "P3M" => "QUARTERLY",
        "P2M" => "BIMONTHLY",
        "P1M" => "MONTHLY",
        "P0.5M" => "MONTHLY_2",
        "P0.33M" => "MONTHLY_3",
        "P2W" => "BIWEEKLY",
        "P1W" => "WEEKLY",
        "P0.5W" | "P3.5D" => "WEEKLY_2",
        "P0.33W" => "WEEKLY_3",
        "P1D" => "DAILY",
        "PT1H" => "HOURLY",
        "PT1S" => "UPDATE_CONT",
        _ => return None,
    })
}

/// The DCAT-AP.de political geocoding level of an OGPD
/// `geographical_granularity` (bund, land, kreis, kommune/stadt, or the
/// DCAT-AP.de level names).
fn geocoding_level(v: &str) -> Option<NamedNode> {
    const NS: &str = "http://dcat-ap.de/def/politicalGeocoding/Level/";
    if v.starts_with(NS) {
        return http_iri(v);
    }
    let level = match v.trim().to_ascii_lowercase().as_str() {
        "bund" | "federal" => "federal",
        "land" | "state" => "state",
        "kreis" | "administrativedistrict" => "administrativeDistrict",
        "kommune" | "stadt" | "gemeinde" | "municipality" => "municipality",
        _ => return None,
    };
    NamedNode::new(format!("{NS}{level}")).ok()
}

/// The DCAT-AP.de political geocoding IRI of an official key (AGS/ARS):
/// 2 digits a state, 5 a district, 8 a municipality, 12 a regional key.
fn ags_geocoding(v: &str) -> Option<NamedNode> {
    let v = v.trim();
    if !v.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let list = match v.len() {
        2 => "stateKey",
        5 => "districtKey",
        8 => "municipalityKey",
        12 => "regionalKey",
        _ => return None,
    };
    NamedNode::new(format!("{POLITICAL_GEOCODING_NS}{list}/{v}")).ok()
}

/// `dcat:inSeries` (DCAT-AP 3), `dcat:qualifiedRelation`.
fn map_relations(
    g: &mut Graph,
    ds: &NamedOrBlankNode,
    f: &Fields<'_>,
    is_series: bool,
    series: &SeriesIris,
    parents: &[String],
) -> Result<(), TooLarge> {
    if !is_series {
        let mut references = f.list("in_series");
        references.extend(parents.iter().cloned());
        references.dedup();
        for reference in references {
            let iri = http_iri(&reference).or_else(|| match series.get(&reference) {
                Some(Ok(n)) => Some(n.clone()),
                _ => None,
            });
            if let Some(n) = iri {
                g.add(ds.clone(), dcat::IN_SERIES, n)?;
            }
        }
    }
    // A relationship needs both the related resource and the role.
    for o in objects_of(f.raw("qualified_relation")) {
        let relation = text(o.get("relation")).as_deref().and_then(http_iri);
        let role = text(o.get("role")).as_deref().and_then(http_iri);
        let (Some(relation), Some(role)) = (relation, role) else {
            continue;
        };
        let node: NamedOrBlankNode = match text(o.get("uri")).as_deref().and_then(http_iri) {
            Some(n) => n.into(),
            None => BlankNode::default().into(),
        };
        g.add(ds.clone(), dcat::QUALIFIED_RELATION, node.clone())?;
        g.add(node.clone(), rdf::TYPE, dcat::RELATIONSHIP)?;
        g.add(node.clone(), dct::RELATION, relation)?;
        g.add(node, dcat::HAD_ROLE, role.clone())?;
        // As ckanext-dcat states it: the role is a dcat:Role.
        g.add(role, rdf::TYPE, dcat::ROLE)?;
    }
    Ok(())
}

fn map_resource(
    g: &mut Graph,
    ds: &NamedOrBlankNode,
    ds_iri: &NamedNode,
    r: &Map<String, Value>,
    dataset_license: Option<&Term>,
    attribution: Option<&str>,
) -> Result<(), TooLarge> {
    let res_id = text(r.get("id"));
    let node: NamedOrBlankNode = match text(r.get("uri")).as_deref().and_then(http_iri) {
        Some(n) => n.into(),
        None => match res_id.as_deref().and_then(|rid| {
            NamedNode::new(format!(
                "{}/resource/{}",
                ds_iri.as_str(),
                path_segment(rid)
            ))
            .ok()
        }) {
            Some(n) => n.into(),
            None => BlankNode::default().into(),
        },
    };
    g.add(ds.clone(), dcat::DISTRIBUTION_LINK, node.clone())?;
    g.add(node.clone(), rdf::TYPE, dcat::DISTRIBUTION)?;
    let url = text(r.get("url"));
    let access = text(r.get("access_url")).or_else(|| url.clone());
    if let Some(a) = access.as_deref().and_then(http_iri) {
        g.add(node.clone(), dcat::ACCESS_URL, a)?;
    }
    let download = text(r.get("download_url"))
        .as_deref()
        .and_then(http_iri)
        .or_else(|| {
            let u = url.as_deref()?;
            let upload = text(r.get("url_type")).as_deref() == Some("upload");
            (upload || looks_like_file(u))
                .then(|| http_iri(u))
                .flatten()
        });
    if let Some(d) = download {
        g.add(node.clone(), dcat::DOWNLOAD_URL, d)?;
    }
    for title in translated_or(r.get("name_translated"), r.get("name")) {
        g.add(node.clone(), dct::TITLE, title)?;
    }
    for desc in translated_or(r.get("description_translated"), r.get("description")) {
        g.add(node.clone(), dct::DESCRIPTION, desc)?;
    }
    // ckanext-dcat's DCAT-AP 3 resource fields.
    if let Some(status) = text(r.get("status"))
        .as_deref()
        .and_then(distribution_status)
    {
        g.add(node.clone(), adms::STATUS, status)?;
    }
    for (key, property) in [
        ("availability", dcatap::AVAILABILITY),
        ("compress_format", dcat::COMPRESS_FORMAT),
        ("package_format", dcat::PACKAGE_FORMAT),
        ("conforms_to", dct::CONFORMS_TO),
        ("documentation", foaf::PAGE),
        ("applicable_legislation", dcatap::APPLICABLE_LEGISLATION),
    ] {
        for n in iri_list(r.get(key)) {
            g.add(node.clone(), property, n)?;
        }
    }
    statement(
        g,
        &node,
        dct::RIGHTS,
        dct::RIGHTS_STATEMENT,
        r.get("rights"),
    )?;
    resolutions(
        g,
        &node,
        r.get("spatial_resolution_in_meters"),
        r.get("temporal_resolution"),
    )?;
    // Format: the format field, else the URL's extension.
    let file_type = text(r.get("format"))
        .as_deref()
        .and_then(normalize::file_type)
        .or_else(|| {
            // ckanext-spatial: the ISO online resource's protocol (OGC:WMS ...).
            text(r.get("resource_locator_protocol"))
                .as_deref()
                .and_then(crate::csw::codes::protocol)
                .and_then(|(_, format)| format)
                .and_then(normalize::file_type)
        })
        .or_else(|| {
            if text(r.get("format")).is_none() {
                url.as_deref()
                    .filter(|u| looks_like_file(u))
                    .and_then(normalize::file_type)
            } else {
                None
            }
        });
    // "Excel", "Word", "PowerPoint" name the application, not the version:
    // the file's extension tells XLS from XLSX.
    let file_type = match file_type {
        Some(ft) if matches!(ft.code.as_str(), "XLS" | "DOC" | "PPT") => {
            let by_ext = url
                .as_deref()
                .filter(|u| looks_like_file(u))
                .and_then(normalize::file_type);
            match by_ext {
                Some(e) if e.code == format!("{}X", ft.code) => Some(e),
                _ => Some(ft),
            }
        }
        other => other,
    };
    if let Some(ft) = &file_type {
        if let Ok(n) = NamedNode::new(&ft.iri) {
            g.add(node.clone(), dct::FORMAT, n)?;
        }
    }
    let media = text(r.get("mimetype"))
        .map(|m| crate::fetch::media_type_of(&m))
        .filter(|m| {
            m.split_once('/').is_some_and(|(t, s)| {
                !t.is_empty()
                    && !s.is_empty()
                    && m.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "/.+-_".contains(c))
            })
        })
        .or_else(|| file_type.as_ref().and_then(|f| f.media_type.clone()));
    if let Some(m) = media {
        if let Ok(n) = NamedNode::new(format!("{}{m}", normalize::IANA_MEDIA_TYPE_NS)) {
            g.add(node.clone(), dcat::MEDIA_TYPE, n)?;
        }
    }
    if let Some(size) = byte_size(r.get("size")) {
        g.add(
            node.clone(),
            dcat::BYTE_SIZE,
            Literal::new_typed_literal(size.to_string(), xsd::NON_NEGATIVE_INTEGER),
        )?;
    }
    if let Some(hash) = text(r.get("hash")) {
        let hash = hash.to_ascii_lowercase();
        let hash = hash
            .split_once(':')
            .map_or(hash.as_str(), |(_, h)| h)
            .to_owned();
        if !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()) {
            if let Some(algo) = checksum_algorithm(&hash, text(r.get("hash_algorithm")).as_deref())
            {
                let c: NamedOrBlankNode = BlankNode::default().into();
                g.add(node.clone(), spdx::CHECKSUM, c.clone())?;
                g.add(c.clone(), rdf::TYPE, spdx::CHECKSUM_CLASS)?;
                g.add(c.clone(), spdx::ALGORITHM, algo)?;
                g.add(
                    c,
                    spdx::CHECKSUM_VALUE,
                    Literal::new_typed_literal(hash, xsd::HEX_BINARY),
                )?;
            }
        }
    }
    if let Some(l) = text(r.get("modified"))
        .or_else(|| text(r.get("last_modified")))
        .or_else(|| text(r.get("metadata_modified")))
        .as_deref()
        .and_then(package_date_or_text)
    {
        g.add(node.clone(), dct::MODIFIED, l)?;
    }
    if let Some(l) = text(r.get("issued"))
        .or_else(|| text(r.get("created")))
        .as_deref()
        .and_then(package_date_or_text)
    {
        g.add(node.clone(), dct::ISSUED, l)?;
    }
    let own_license = license_term(g, text(r.get("license")).as_deref(), None, None)?;
    if let Some(l) = own_license.or_else(|| dataset_license.cloned()) {
        g.add(node.clone(), dct::LICENSE, l)?;
    }
    if let Some(a) =
        text(r.get("licenseAttributionByText")).or_else(|| attribution.map(str::to_owned))
    {
        g.lit(&node, dcatde::LICENSE_ATTRIBUTION_BY_TEXT, &a)?;
    }
    for lang in list_value(r.get("language")) {
        if let Some(n) = language_iri(&lang) {
            g.add(node.clone(), dct::LANGUAGE, n)?;
        }
    }
    for service in objects_of(r.get("access_services")) {
        map_access_service(g, ds, &node, &service)?;
    }
    Ok(())
}

/// A ckanext-dcat access service of a resource: `dcat:accessService`
/// `dcat:DataService` (IRI = its `uri` when an http IRI, else a blank node).
/// Without a publisher of its own it has the dataset's (DCAT-AP.de wants
/// one, as the resource takes the dataset's licence).
fn map_access_service(
    g: &mut Graph,
    ds: &NamedOrBlankNode,
    dist: &NamedOrBlankNode,
    o: &Map<String, Value>,
) -> Result<(), TooLarge> {
    let node: NamedOrBlankNode = match text(o.get("uri")).as_deref().and_then(http_iri) {
        Some(n) => n.into(),
        None => BlankNode::default().into(),
    };
    g.add(dist.clone(), dcat::ACCESS_SERVICE, node.clone())?;
    g.add(node.clone(), rdf::TYPE, dcat::DATA_SERVICE)?;
    for t in literals(o.get("title")) {
        g.add(node.clone(), dct::TITLE, t)?;
    }
    for d in literals(o.get("description")) {
        g.add(node.clone(), dct::DESCRIPTION, d)?;
    }
    for (key, property) in [
        ("endpoint_url", dcat::ENDPOINT_URL),
        ("endpoint_description", dcat::ENDPOINT_DESCRIPTION),
        ("serves_dataset", dcat::SERVES_DATASET),
        ("conforms_to", dct::CONFORMS_TO),
        ("landing_page", dcat::LANDING_PAGE),
        ("applicable_legislation", dcatap::APPLICABLE_LEGISLATION),
        ("availability", dcatap::AVAILABILITY),
    ] {
        for n in iri_list(o.get(key)) {
            g.add(node.clone(), property, n)?;
        }
    }
    if let Some(id) = text(o.get("identifier")) {
        g.lit(&node, dct::IDENTIFIER, &id)?;
    }
    for word in list_value(o.get("keyword")) {
        g.lit(&node, dcat::KEYWORD, &word)?;
    }
    for theme in list_value(o.get("theme")) {
        for t in theme_iris(&theme) {
            g.add(node.clone(), dcat::THEME, t)?;
        }
    }
    for lang in list_value(o.get("language")) {
        if let Some(n) = language_iri(&lang) {
            g.add(node.clone(), dct::LANGUAGE, n)?;
        }
    }
    for format in list_value(o.get("format")) {
        let n = normalize::file_type(&format)
            .and_then(|ft| NamedNode::new(ft.iri).ok())
            .or_else(|| http_iri(&format));
        if let Some(n) = n {
            g.add(node.clone(), dct::FORMAT, n)?;
        }
    }
    statement(
        g,
        &node,
        dct::ACCESS_RIGHTS,
        dct::RIGHTS_STATEMENT,
        o.get("access_rights"),
    )?;
    match o.get("rights") {
        Some(Value::Array(items)) => {
            for item in items {
                statement(g, &node, dct::RIGHTS, dct::RIGHTS_STATEMENT, Some(item))?;
            }
        }
        other => statement(g, &node, dct::RIGHTS, dct::RIGHTS_STATEMENT, other)?,
    }
    if let Some(l) = license_term(g, text(o.get("license")).as_deref(), None, None)? {
        g.add(node.clone(), dct::LICENSE, l)?;
    }
    if let Some(a) = text(o.get("licenseAttributionByText")) {
        g.lit(&node, dcatde::LICENSE_ATTRIBUTION_BY_TEXT, &a)?;
    }
    if let Some(l) = text(o.get("modified"))
        .as_deref()
        .and_then(package_date_or_text)
    {
        g.add(node.clone(), dct::MODIFIED, l)?;
    }
    for c in objects_of(o.get("contact")) {
        let contact = Contact::from_object(&c);
        if contact.has_content() {
            add_contact(g, &node, dcat::CONTACT_POINT, &contact)?;
        }
    }
    for (key, property) in [("publisher", dct::PUBLISHER), ("creator", dct::CREATOR)] {
        for a in objects_of(o.get(key)).iter().map(agent_from_object) {
            if !a.is_empty() {
                add_agent(g, &node, property, &a)?;
            }
        }
    }
    if !g.has(&node, dct::PUBLISHER) {
        let dataset_publisher = g
            .triples
            .iter()
            .find(|t| &t.subject == ds && t.predicate.as_ref() == dct::PUBLISHER)
            .map(|t| t.object.clone());
        if let Some(p) = dataset_publisher {
            g.add(node, dct::PUBLISHER, p)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let l = |s: &str| {
            date_literal(s).map(|l| (l.value().to_owned(), l.datatype().as_str().to_owned()))
        };
        assert_eq!(
            l("2017-08-05T03:16:52.857800").unwrap().1,
            xsd::DATE_TIME.as_str()
        );
        assert_eq!(
            l("2017-08-05T03:16:52.857800").unwrap().0,
            "2017-08-05T03:16:52.857800"
        );
        assert_eq!(l("2024-05-01").unwrap().1, xsd::DATE.as_str());
        assert_eq!(l("2020-01-06 00:00:00").unwrap().0, "2020-01-06T00:00:00");
        assert_eq!(
            l("2020-01-06T00:00:00+01:00").unwrap().1,
            xsd::DATE_TIME.as_str()
        );
        assert_eq!(l("06.01.2020").unwrap().0, "2020-01-06");
        assert!(l("Januar 2020").is_none());
        assert_eq!(
            package_date_or_text(" Januar 2020 "),
            Some(Literal::new_simple_literal("Januar 2020"))
        );
        assert_eq!(
            l("2012-05-10T21:04").unwrap(),
            (
                "2012-05-10T21:04:00".to_owned(),
                xsd::DATE_TIME.as_str().to_owned()
            )
        );
        assert_eq!(l("2012-05-10 21:04Z").unwrap().0, "2012-05-10T21:04:00Z");
        assert_eq!(l("1982").unwrap().1, xsd::G_YEAR.as_str());
        assert_eq!(l("1982-07").unwrap().1, xsd::G_YEAR_MONTH.as_str());
        assert!(l("1982-17").is_none());
        assert!(l("198").is_none());
        assert!(l("2012-05-10T21").is_none());
        assert!(l("2012-05-10+1é:0").is_none());
        assert!(l("2012-05-10T21:04+1é:0").is_none());
        assert!(l("2020-01-06Tfoo").is_none());
        assert!(l("").is_none());
    }

    #[test]
    fn sizes_and_mails() {
        assert_eq!(byte_size(Some(&serde_json::json!(12))), Some(12));
        assert_eq!(byte_size(Some(&serde_json::json!("12"))), Some(12));
        assert_eq!(byte_size(Some(&serde_json::json!(12.0))), Some(12));
        assert_eq!(byte_size(Some(&serde_json::json!(-1))), None);
        assert_eq!(byte_size(Some(&serde_json::json!("zwölf"))), None);
        assert_eq!(mailto("a@b.de").unwrap().as_str(), "mailto:a@b.de");
        assert_eq!(mailto("mailto:a@b.de").unwrap().as_str(), "mailto:a@b.de");
        assert!(mailto("keine Angabe").is_none());
        assert!(mailto("a b@c.de").is_none());
    }

    fn mapped(pkg: Value) -> Vec<(String, String)> {
        let ctx = MapContext {
            portal_base: Url::parse("https://ckan.example/").unwrap(),
            defaults: SourceDefaults::default(),
            page_url: "p".into(),
            max_record_triples: 1000,
        };
        let r = map_package(&pkg, &ctx).unwrap();
        r.triples
            .iter()
            .filter(|t| t.subject == r.dataset.clone().into())
            .map(|t| {
                let o = match &t.object {
                    Term::Literal(l) => l.value().to_owned(),
                    other => other.to_string().trim_matches(['<', '>']).to_owned(),
                };
                (t.predicate.as_str().to_owned(), o)
            })
            .collect()
    }

    #[test]
    fn high_value_datasets_and_json_list_extras() {
        let t = mapped(serde_json::json!({
            "id": "x", "name": "x", "title": "X",
            "applicable_legislation": ["http://data.europa.eu/eli/reg_impl/2023/138/oj"],
            "extras": [
                {"key": "hvd_category", "value": "[\"http://data.europa.eu/bna/c_dd313021\"]"},
                {"key": "geocodingText", "value": "[\"Freie und Hansestadt Hamburg\", \"Altona\"]"},
                {"key": "legalbasisText", "value": "§ 3, Abs. 2 HmbTG"},
                {"key": "spatial_uri", "value": "http://dcat-ap.de/def/politicalGeocoding/stateKey/02"},
            ]
        }));
        let has = |p: &str, o: &str| t.contains(&(p.to_owned(), o.to_owned()));
        assert!(has(
            "http://data.europa.eu/r5r/applicableLegislation",
            "http://data.europa.eu/eli/reg_impl/2023/138/oj"
        ));
        assert!(has(
            "http://data.europa.eu/r5r/hvdCategory",
            "http://data.europa.eu/bna/c_dd313021"
        ));
        let geo = dcatde::GEOCODING_DESCRIPTION.as_str();
        assert!(has(geo, "Freie und Hansestadt Hamburg") && has(geo, "Altona"));
        assert_eq!(t.iter().filter(|(p, _)| p == geo).count(), 2);
        assert!(has(dcatde::LEGAL_BASIS.as_str(), "§ 3, Abs. 2 HmbTG"));
        assert!(has(
            dcatde::POLITICAL_GEOCODING_URI.as_str(),
            "http://dcat-ap.de/def/politicalGeocoding/stateKey/02"
        ));
        // A category alone: the HVD regulation is the legislation, once.
        let t = mapped(serde_json::json!({
            "id": "y", "name": "y", "title": "Y",
            "hvd_category": ["http://data.europa.eu/bna/c_dd313021"],
        }));
        let legislation: Vec<&String> = t
            .iter()
            .filter(|(p, _)| p == "http://data.europa.eu/r5r/applicableLegislation")
            .map(|(_, o)| o)
            .collect();
        assert_eq!(
            legislation,
            vec!["http://data.europa.eu/eli/reg_impl/2023/138/oj"]
        );
        // No category: no legislation made up.
        let t = mapped(serde_json::json!({"id": "z", "name": "z", "title": "Z"}));
        assert!(!t
            .iter()
            .any(|(p, _)| p == "http://data.europa.eu/r5r/applicableLegislation"));
    }

    #[test]
    fn dataset_series() {
        let rdf_type = rdf::TYPE.as_str().to_owned();
        let series = mapped(serde_json::json!({"id": "s", "name": "s", "type": "dataset_series"}));
        assert!(series.contains(&(rdf_type.clone(), dcat::DATASET_SERIES.as_str().to_owned())));
        assert!(!series.contains(&(rdf_type.clone(), dcat::DATASET.as_str().to_owned())));
        let plain = mapped(serde_json::json!({"id": "d", "name": "d", "type": "dataset"}));
        assert!(plain.contains(&(rdf_type, dcat::DATASET.as_str().to_owned())));
    }

    #[test]
    fn telephone_numbers() {
        let t = |s: &str| tel(s).map(|n| n.as_str().to_owned());
        assert_eq!(t("+49 (0)2841 / 201-0").as_deref(), Some("tel:+4928412010"));
        assert_eq!(t("02841 201-0").as_deref(), Some("tel:028412010"));
        assert_eq!(t("tel:+49.2841.2010").as_deref(), Some("tel:+4928412010"));
        assert_eq!(t("Zentrale: 02841 201-0"), None);
        assert_eq!(t("02841 201-0 Durchwahl 12"), None);
        assert_eq!(t("+"), None);
        assert_eq!(t("12"), None);
        // As real ISO records write them.
        assert_eq!(
            t("++49 0611 4451 524 223").as_deref(),
            Some("tel:+496114451524223")
        );
        assert_eq!(
            t("++49 (0)251 7474100").as_deref(),
            Some("tel:+492517474100")
        );
        assert_eq!(t("++49-30-9013-8305").as_deref(), Some("tel:+493090138305"));
        assert_eq!(
            t("+49 (0) 341-5634-333").as_deref(),
            Some("tel:+493415634333")
        );
        assert_eq!(t("0049 341 5634333").as_deref(), Some("tel:+493415634333"));
        // Italian numbers keep their 0.
        assert_eq!(t("+39 06 1234567").as_deref(), Some("tel:+39061234567"));
    }

    #[test]
    fn ogpd_addresses() {
        let a = |s: &str| {
            let a = Address::from_ogpd(Some(&Value::String(s.into())));
            [a.street, a.postal_code, a.locality, a.country]
        };
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            a("Rathausplatz 1, 47441 Moers"),
            [s("Rathausplatz 1"), s("47441"), s("Moers"), None]
        );
        assert_eq!(
            a("Hansestadt Rostock;Kataster-, Vermessungs- und Liegenschaftsamt;Holbeinplatz 14;18069 Rostock;DE"),
            [s("Holbeinplatz 14"), s("18069"), s("Rostock"), s("DE")]
        );
        assert_eq!(
            a("Schwannstr. 3, D-40476, Düsseldorf, DEU"),
            [s("Schwannstr. 3"), s("D-40476"), s("Düsseldorf"), s("DEU")]
        );
        assert_eq!(
            a("Rathausplatz 1; Moers"),
            [s("Rathausplatz 1"), None, None, None]
        );
        assert_eq!(a("ÄÖÜ-12345 x"), [None, None, None, None]);
        let o = Address::from_ogpd(Some(
            &serde_json::json!({"street": "Unterwallstraße 9", "zip": "47441", "city": "Moers"}),
        ));
        assert_eq!(
            [o.street, o.postal_code, o.locality],
            [s("Unterwallstraße 9"), s("47441"), s("Moers")]
        );
    }

    #[test]
    fn dkan_dates() {
        let d = |s: &str| {
            package_date(s).map(|l| (l.value().to_owned(), l.datatype().as_str().to_owned()))
        };
        let dt = |v: &str| Some((v.to_owned(), xsd::DATE_TIME.as_str().to_owned()));
        assert_eq!(d("Fri, 01/12/2024 - 09:30"), dt("2024-01-12T09:30:00"));
        assert_eq!(
            d("Date changed Tue, 03/05/2024 - 10:12"),
            dt("2024-03-05T10:12:00")
        );
        assert_eq!(d("12/31/2023 - 23:59"), dt("2023-12-31T23:59:00"));
        assert_eq!(
            d("2024-01-12"),
            Some(("2024-01-12".into(), xsd::DATE.as_str().into()))
        );
        for bad in [
            "13/01/2024 - 09:30",
            "01/12/2024 - 24:00",
            "01/12/24 - 09:30",
            "01/12/2024",
            "Fri, 01/12/2024 09:30",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso8601_repeating_intervals_are_eu_frequencies() {
        assert_eq!(iso8601_frequency("R/P1Y"), Some("ANNUAL"));
        assert_eq!(iso8601_frequency(" R/P0.5M "), Some("MONTHLY_2"));
        assert_eq!(iso8601_frequency("R/PT1H"), Some("HOURLY"));
        assert_eq!(iso8601_frequency("R/P5D"), None);
        assert_eq!(iso8601_frequency("P1Y"), None);
        assert_eq!(iso8601_frequency("irregular"), None);
    }

    #[test]
    fn geocoding_keys_and_levels() {
        let g = |s: &str| ags_geocoding(s).map(|n| n.as_str().to_owned());
        assert_eq!(
            g("05170024").as_deref(),
            Some("http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05170024")
        );
        assert_eq!(
            g("05").as_deref(),
            Some("http://dcat-ap.de/def/politicalGeocoding/stateKey/05")
        );
        assert_eq!(g("0517"), None);
        assert_eq!(g("0517002X"), None);
        let l = |s: &str| geocoding_level(s).map(|n| n.as_str().to_owned());
        assert_eq!(
            l("Kommune").as_deref(),
            Some("http://dcat-ap.de/def/politicalGeocoding/Level/municipality")
        );
        assert_eq!(
            l("kreis").as_deref(),
            Some("http://dcat-ap.de/def/politicalGeocoding/Level/administrativeDistrict")
        );
        assert_eq!(l("Planet"), None);
    }

    #[test]
    fn language_literals() {
        let v =
            serde_json::json!({"DE": "Bäume", "en-GB": ["Trees", ""], "x y": "kaputt", "fr": null});
        let got: Vec<(String, String)> = lang_literals(Some(&v))
            .into_iter()
            .map(|l| (l.value().to_owned(), l.language().unwrap_or("").to_owned()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Bäume".to_owned(), "de".to_owned()),
                ("Trees".to_owned(), "en-gb".to_owned())
            ]
        );
        assert!(lang_literals(Some(&Value::String("{\"a\": 1".into()))).is_empty());
        assert_eq!(
            literals(Some(&Value::String(" Text ".into())))[0].value(),
            "Text"
        );
    }

    #[test]
    fn iris() {
        let base = Url::parse("https://ckan.example/").unwrap();
        assert_eq!(
            dataset_iri(None, Some("bäume"), None, &base)
                .unwrap()
                .as_str(),
            "https://ckan.example/dataset/b%C3%A4ume"
        );
        assert_eq!(
            dataset_iri(Some("https://x.example/ds/1"), Some("n"), None, &base)
                .unwrap()
                .as_str(),
            "https://x.example/ds/1"
        );
        assert_eq!(
            dataset_iri(Some("not an iri"), Some("my-data_1"), None, &base)
                .unwrap()
                .as_str(),
            "https://ckan.example/dataset/my-data_1"
        );
        assert!(dataset_iri(None, None, None, &base).is_none());
        assert!(looks_like_file("https://x.example/a/b.csv"));
        assert!(!looks_like_file("https://x.example/a/index.html"));
        assert!(!looks_like_file("https://x.example/wms?service=WMS"));
    }
}
