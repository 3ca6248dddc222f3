//! What the fuzz targets share: the source settings the harvester is given
//! and the JSON-LD contexts the catalog ships.

use harvester::{JsonLdContexts, SourceDefaults};

/// The page URL every target pretends its input came from.
pub const PAGE_URL: &str = "https://portal.example/catalog?page=1";

/// Source settings as a config with every optional value set would give them.
pub fn defaults() -> SourceDefaults {
    SourceDefaults {
        source_id: "fuzz".into(),
        mint_base: "https://land.example/id/dataset/".into(),
        publisher_name: Some("Stadt Beispiel".into()),
        publisher_iri: Some("https://land.example/id/org/stadt".into()),
        contributor_id: Some("http://dcat-ap.de/def/contributors/beispiel".into()),
        geocoding: Some(
            "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/010020000000".into(),
        ),
    }
}

const INDEX: &str = include_str!("../../vocabularies/jsonld-contexts/contexts.json");
const FILES: &[(&str, &str)] = &[
    (
        "dcat-ap-3-examples.jsonld",
        include_str!("../../vocabularies/jsonld-contexts/dcat-ap-3-examples.jsonld"),
    ),
    (
        "dcat-ap-3.0.0.jsonld",
        include_str!("../../vocabularies/jsonld-contexts/dcat-ap-3.0.0.jsonld"),
    ),
    (
        "dcat-ap-3.0.1.jsonld",
        include_str!("../../vocabularies/jsonld-contexts/dcat-ap-3.0.1.jsonld"),
    ),
];

/// The shipped JSON-LD contexts by URL, as `catalog-server` registers them
/// (`catalog-server/src/contexts.rs`).
pub fn offline_contexts() -> JsonLdContexts {
    let mut contexts = JsonLdContexts::default();
    let index: std::collections::BTreeMap<String, String> =
        serde_json::from_str(INDEX).unwrap_or_default();
    for (url, file) in index {
        if let Some((_, document)) = FILES.iter().find(|(name, _)| *name == file) {
            contexts.insert(url, document.as_bytes().to_vec());
        }
    }
    contexts
}
