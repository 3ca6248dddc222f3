//! JSON-LD contexts shipped with the catalog (see `vocabularies/jsonld-contexts/`),
//! so that documents referencing the well-known DCAT-AP contexts parse offline.

use harvester::rdf::RemoteContextFetcher;
use harvester::{Fetcher, JsonLdContexts};
use std::sync::Arc;

/// URL -> file name, as shipped in `vocabularies/jsonld-contexts/contexts.json`.
const INDEX: &str = include_str!("../../vocabularies/jsonld-contexts/contexts.json");

/// The context files, embedded at build time.
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

/// The contexts known offline.
pub fn offline_contexts() -> JsonLdContexts {
    let mut contexts = JsonLdContexts::default();
    // The index is ours and checked by a test; a broken one yields no contexts.
    let index: std::collections::BTreeMap<String, String> =
        serde_json::from_str(INDEX).unwrap_or_default();
    for (url, file) in index {
        if let Some((_, document)) = FILES.iter().find(|(name, _)| *name == file) {
            contexts.insert(url, document.as_bytes().to_vec());
        }
    }
    contexts
}

/// Fetches unknown contexts over HTTP (only when the operator enabled it).
pub fn remote_fetcher(fetcher: Fetcher) -> RemoteContextFetcher {
    let handle = tokio::runtime::Handle::try_current().ok();
    Arc::new(move |url: &str| {
        let Some(handle) = &handle else {
            return Err("no runtime to fetch remote JSON-LD contexts".to_owned());
        };
        let accept = "application/ld+json, application/json;q=0.9";
        handle
            .block_on(fetcher.get(url, accept, &[]))
            .map(|doc| doc.body.to_vec())
            .map_err(|e| format!("fetching JSON-LD context: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_indexed_context_is_embedded_and_valid_json() {
        let index: std::collections::BTreeMap<String, String> =
            serde_json::from_str(INDEX).unwrap();
        assert!(index.len() >= 6);
        for (url, file) in &index {
            let (_, doc) = FILES
                .iter()
                .find(|(name, _)| name == file)
                .unwrap_or_else(|| panic!("{url} maps to {file}, which is not embedded"));
            let json: serde_json::Value = serde_json::from_str(doc).unwrap();
            assert!(json.get("@context").is_some(), "{file}");
        }
        assert_eq!(offline_contexts().known_urls().count(), index.len());
    }
}
