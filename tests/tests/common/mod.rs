//! Checks shared by the lifecycle and crash tests.

use catalog_server::config::Config;
use catalog_server::store::CatalogStore;
use std::path::Path;

/// Checks the store: every record graph has its meta and vice versa, every
/// hash is in the archive, the catalog links match the published records.
pub fn check_consistency(config_path: &Path) -> usize {
    let config = Config::load(config_path).expect("config");
    let store = CatalogStore::open(&config.data_dir).expect("open store");
    let records = store.records(Some("stadt")).expect("records");
    for r in &records {
        store
            .archived_ntriples(&r.hash, &r.rid)
            .unwrap_or_else(|e| panic!("record {} has no archived graph: {e}", r.rid));
    }
    let mut graphs = 0;
    for g in store.oxigraph().named_graphs() {
        let g = g.expect("graph");
        let name = g.to_string();
        if let Some(rid) = name
            .strip_prefix("<urn:dcat-catalog:record:")
            .and_then(|s| s.strip_suffix('>'))
        {
            graphs += 1;
            assert!(
                records.iter().any(|r| r.rid == rid),
                "record graph {rid} has no meta"
            );
        }
    }
    assert_eq!(graphs, records.len(), "record graphs vs meta records");
    let links = store
        .catalog_triples("stadt")
        .expect("catalog")
        .iter()
        .filter(|t| t.predicate.as_str() == "http://www.w3.org/ns/dcat#record")
        .count();
    assert_eq!(links, records.len(), "catalog links vs records");
    records.len()
}
