//! Keeps the configuration reference true: the keys documented in
//! `docs/configuration.md`, the keys named in the commented default config
//! `config/catalog.toml` (set or commented out) and the fields of the config
//! parser (`catalog-server/src/config.rs`) must be the same set.
//!
//! Key names are full dotted names: `harvest.timeout`; keys of an array of
//! tables are named after the array (`sources.id`); inline tables add a
//! segment (`catalog.publisher.name`); a table name the operator chooses is
//! written `<name>` (`validation.profiles.<name>.base`). Free-form tables
//! (`sources.headers`: any header names) are one key.
//!
//! In `docs/configuration.md`, every key is one row of a Markdown table whose
//! first column is headed `key`, the first cell being the dotted name in
//! backticks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Tables whose keys are values chosen by the operator, not config keys.
const FREE_FORM: &[&str] = &["sources.headers"];

/// Tables keyed by a name the operator chooses (`[validation.profiles.NAME]`).
const NAMED_TABLES: &[&str] = &["validation.profiles"];

/// Which parser struct reads which table (`""`: the top level).
const STRUCTS: &[(&str, &str)] = &[
    ("", "RawConfig"),
    ("catalog", "CatalogConfig"),
    ("catalog.publisher", "Publisher"),
    ("sparql", "SparqlConfig"),
    ("http", "HttpConfig"),
    ("harvest", "HarvestConfig"),
    ("validation", "ValidationConfig"),
    ("quality", "QualityConfig"),
    ("web", "WebConfig"),
    ("validation.profiles.<name>", "CustomProfile"),
    ("sources", "SourceConfig"),
    ("sources.publisher", "Publisher"),
];

/// The workspace root, from this test's own manifest directory (not the
/// support library's, which a shared target directory may have built from
/// another checkout).
fn root() -> PathBuf {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    tests.parent().unwrap_or(tests).to_path_buf()
}

fn read(rel: &str) -> String {
    let path = root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// A table path as documented: the segment after a named table becomes `<name>`.
fn section_name(header: &str) -> String {
    let segments: Vec<&str> = header.split('.').map(str::trim).collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < segments.len() {
        out.push(segments[i].trim_matches('"').to_owned());
        let so_far = out.join(".");
        if NAMED_TABLES.contains(&so_far.as_str()) && i + 1 < segments.len() {
            out.push("<name>".to_owned());
            i += 1;
        }
        i += 1;
    }
    out.join(".")
}

/// The keys of one `key = value` (its value as parsed), under `section`.
fn keys_of(section: &str, key: &str, value: &toml::Value, out: &mut BTreeSet<String>) {
    let name = join(section, key);
    match value {
        toml::Value::Table(t) if !FREE_FORM.contains(&name.as_str()) => {
            if NAMED_TABLES.contains(&name.as_str()) {
                for v in t.values() {
                    if let toml::Value::Table(inner) = v {
                        for (k, v) in inner {
                            keys_of(&join(&name, "<name>"), k, v, out);
                        }
                    }
                }
            } else {
                for (k, v) in t {
                    keys_of(&name, k, v, out);
                }
            }
        }
        toml::Value::Array(items)
            if !items.is_empty() && items.iter().all(|i| matches!(i, toml::Value::Table(_))) =>
        {
            // An array of tables: its keys are named after the array.
            for item in items {
                if let toml::Value::Table(t) = item {
                    for (k, v) in t {
                        keys_of(&name, k, v, out);
                    }
                }
            }
        }
        _ => {
            out.insert(name);
        }
    }
}

/// A table header (`[x]`, `[[x]]`), with or without a trailing comment.
fn header(line: &str) -> Option<String> {
    let line = line.trim();
    let (open, close) = if line.starts_with("[[") {
        ("[[", "]]")
    } else if line.starts_with('[') {
        ("[", "]")
    } else {
        return None;
    };
    let rest = &line[open.len()..];
    let end = rest.find(close)?;
    let after = rest[end + close.len()..].trim();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let name = rest[..end].trim();
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"'));
    ok.then(|| name.to_owned())
}

/// The keys named in the default config: the active ones (the parsed file)
/// and the commented-out examples (`# key = value` lines that are valid TOML,
/// under the latest header, commented out or not).
fn config_keys() -> BTreeSet<String> {
    let text = read("config/catalog.toml");
    let mut keys = BTreeSet::new();
    let parsed: toml::Table = toml::from_str(&text)
        .unwrap_or_else(|e| panic!("config/catalog.toml is not valid TOML: {e}"));
    for (k, v) in &parsed {
        keys_of("", k, v, &mut keys);
    }
    // Active lines set the section of what follows; a commented-out header
    // sets it only for the commented-out lines after it (the next active
    // header sets it again).
    let mut commented = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(comment) = trimmed.strip_prefix('#') {
            let body = comment.trim_start_matches('#').trim();
            if let Some(h) = header(body) {
                commented = section_name(&h);
            } else if let Ok(t) = toml::from_str::<toml::Table>(body) {
                // Only a single `key = value` counts as a commented-out key.
                if t.len() == 1 && body.contains('=') && !body.starts_with('"') {
                    for (k, v) in &t {
                        keys_of(&commented, k, v, &mut keys);
                    }
                }
            }
        } else if let Some(h) = header(trimmed) {
            commented = section_name(&h);
        }
    }
    keys
}

/// The keys documented in `docs/configuration.md`, with the line of each.
fn documented_keys() -> BTreeMap<String, Vec<usize>> {
    let text = read("docs/configuration.md");
    let mut keys: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut in_key_table = false;
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let trimmed = line.trim();
        if !trimmed.starts_with('|') {
            in_key_table = false;
            continue;
        }
        let cells: Vec<&str> = trimmed
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let first = cells.first().copied().unwrap_or("");
        if first == "key" {
            in_key_table = true;
            continue;
        }
        if !in_key_table || first.chars().all(|c| matches!(c, '-' | ':')) {
            continue;
        }
        let name = first
            .strip_prefix('`')
            .and_then(|s| s.strip_suffix('`'))
            .filter(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.<>".contains(c))
            });
        match name {
            Some(name) => keys.entry(name.to_owned()).or_default().push(line_no),
            None => problems.push(format!(
                "docs/configuration.md line {line_no}: the first cell of a key table row must be a dotted key name in backticks, found {first:?}"
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    keys
}

/// The fields of one struct of the parser, under their TOML names.
fn struct_fields(source: &str, name: &str) -> Vec<String> {
    let start = source
        .find(&format!("struct {name} {{"))
        .unwrap_or_else(|| {
            panic!("struct {name} not found in catalog-server/src/config.rs: update STRUCTS in tests/tests/config_docs.rs")
        });
    let body = &source[start..];
    let mut fields = Vec::new();
    let mut rename: Option<String> = None;
    let mut aliases: Vec<String> = Vec::new();
    for line in body.lines().skip(1) {
        let line = line.trim();
        if line == "}" {
            break;
        }
        if line.starts_with("#[serde(") {
            assert!(
                !line.contains("flatten"),
                "struct {name}: #[serde(flatten)] is not understood by tests/tests/config_docs.rs; teach it"
            );
            let quoted = |attr: &str| -> Vec<String> {
                line.match_indices(attr)
                    .filter_map(|(i, _)| {
                        let rest = &line[i + attr.len()..];
                        rest.split('"').nth(1).map(str::to_owned)
                    })
                    .collect()
            };
            if let Some(r) = quoted("rename =").into_iter().next() {
                rename = Some(r);
            }
            aliases.extend(quoted("alias ="));
            continue;
        }
        if line.starts_with("//") || line.starts_with("#[") || line.is_empty() {
            continue;
        }
        let decl = line.strip_prefix("pub ").unwrap_or(line);
        if let Some((field, _ty)) = decl.split_once(':') {
            let field = field.trim();
            if !field.is_empty() && field.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                fields.push(rename.take().unwrap_or_else(|| field.to_owned()));
                fields.append(&mut aliases);
            }
        }
        rename = None;
        aliases.clear();
    }
    assert!(!fields.is_empty(), "struct {name}: no fields found");
    fields
}

/// The keys the parser accepts, from the serde structs of `config.rs`.
fn parser_keys() -> BTreeSet<String> {
    let source = read("catalog-server/src/config.rs");
    let tables: BTreeSet<&str> = STRUCTS.iter().map(|(p, _)| *p).collect();
    let mut keys = BTreeSet::new();
    for (prefix, name) in STRUCTS {
        for field in struct_fields(&source, name) {
            let key = join(prefix, &field);
            // A field that is itself a table (or a table of named tables).
            let is_table = tables.contains(key.as_str())
                || tables.iter().any(|t| {
                    t.starts_with(&format!("{key}.")) && NAMED_TABLES.contains(&key.as_str())
                });
            if !is_table {
                keys.insert(key);
            }
        }
    }
    keys
}

fn difference(
    a_name: &str,
    a: &BTreeSet<String>,
    b_name: &str,
    b: &BTreeSet<String>,
) -> Option<String> {
    let only_a: Vec<&String> = a.difference(b).collect();
    let only_b: Vec<&String> = b.difference(a).collect();
    if only_a.is_empty() && only_b.is_empty() {
        return None;
    }
    let mut msg = String::new();
    if !only_a.is_empty() {
        msg.push_str(&format!(
            "\n  in {a_name} but not in {b_name}: {}",
            only_a
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !only_b.is_empty() {
        msg.push_str(&format!(
            "\n  in {b_name} but not in {a_name}: {}",
            only_b
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Some(msg)
}

#[test]
fn every_key_is_documented_once() {
    let documented = documented_keys();
    let twice: Vec<String> = documented
        .iter()
        .filter(|(_, lines)| lines.len() > 1)
        .map(|(k, lines)| format!("{k} (lines {lines:?})"))
        .collect();
    assert!(
        twice.is_empty(),
        "keys documented more than once in docs/configuration.md: {}",
        twice.join(", ")
    );
    assert!(
        documented.len() > 40,
        "only {} keys found in docs/configuration.md: is the `| key |` table convention still used?",
        documented.len()
    );
}

#[test]
fn default_config_names_every_documented_key() {
    let documented: BTreeSet<String> = documented_keys().into_keys().collect();
    let named = config_keys();
    if let Some(diff) = difference(
        "config/catalog.toml",
        &named,
        "docs/configuration.md",
        &documented,
    ) {
        panic!(
            "the default config and the configuration reference name different keys \
             (document the key, or add a commented-out example `# key = value` to \
             config/catalog.toml):{diff}"
        );
    }
}

#[test]
fn documented_keys_are_the_parsers_keys() {
    let documented: BTreeSet<String> = documented_keys().into_keys().collect();
    let accepted = parser_keys();
    if let Some(diff) = difference(
        "catalog-server/src/config.rs",
        &accepted,
        "docs/configuration.md",
        &documented,
    ) {
        panic!(
            "the config parser and the configuration reference have different keys \
             (a new field needs a row in docs/configuration.md; a new table needs an \
             entry in STRUCTS of tests/tests/config_docs.rs):{diff}"
        );
    }
}

#[test]
fn the_extractors_see_what_they_should() {
    // Inline tables, named tables and free-form tables.
    let mut keys = BTreeSet::new();
    let t: toml::Table = toml::from_str(
        "publisher = { name = \"x\", iri = \"y\" }\nheaders = { \"X-Api-Key\" = \"k\" }",
    )
    .unwrap();
    for (k, v) in &t {
        keys_of("sources", k, v, &mut keys);
    }
    let expect: BTreeSet<String> = [
        "sources.publisher.name",
        "sources.publisher.iri",
        "sources.headers",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(keys, expect);
    assert_eq!(
        section_name("validation.profiles.govdata-official"),
        "validation.profiles.<name>"
    );
    assert_eq!(
        header("[[sources]]  # one per source").as_deref(),
        Some("sources")
    );
    assert_eq!(header("[x] y"), None);
    assert_eq!(header("Sources: one [[sources]] table"), None);
    // Field names, renames and aliases of a serde struct.
    let source = "struct Demo {\n    /// Doc.\n    #[serde(default)]\n    pub plain: usize,\n    #[serde(rename = \"toml_name\", alias = \"old_name\")]\n    rust_name: String,\n}\n";
    assert_eq!(
        struct_fields(source, "Demo"),
        vec!["plain", "toml_name", "old_name"]
    );
}
