//! The synthetic "Stadt" DCAT catalog of the lifecycle and crash tests:
//! Hydra-paged Turtle pages served by a [`StubServer`], with versions to
//! change datasets between runs and optional validators.

use crate::{Behaviour, StubServer};
use std::fmt::Write as _;

/// One Hydra page of a synthetic catalog: datasets `ids`; `version(i)` goes
/// into the title (change it to modify a dataset).
pub fn page(
    base: &str,
    number: usize,
    last: bool,
    ids: &[usize],
    version: &dyn Fn(usize) -> usize,
) -> Vec<u8> {
    let mut s = String::from(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n\
         @prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n\
         <https://stadt.example/catalog> a dcat:Catalog ; dct:title \"Stadt\"@de .\n",
    );
    for i in ids {
        let _ = write!(
            s,
            "<https://stadt.example/catalog> dcat:dataset <https://stadt.example/ds/{i}> .\n\
             <https://stadt.example/ds/{i}> a dcat:Dataset ; dct:identifier \"ds-{i}\" ;\n\
               dct:title \"Datensatz {i} Fassung {v}\"@de ;\n\
               dct:description \"Beschreibung des Datensatzes {i} der Stadt, mit etwas Text.\"@de ;\n\
               dcat:keyword \"stadt\"@de, \"nummer {i}\"@de ;\n\
               dcat:distribution <https://stadt.example/ds/{i}/csv> .\n\
             <https://stadt.example/ds/{i}/csv> a dcat:Distribution ;\n\
               dcat:accessURL <https://stadt.example/files/{i}.csv> ; dct:title \"CSV {i}\" .\n",
            v = version(*i)
        );
    }
    if !last {
        let _ = writeln!(
            s,
            "<{base}/catalog?page={number}> a hydra:PartialCollectionView ; hydra:next <{base}/catalog?page={}> .",
            number + 1
        );
    }
    s.into_bytes()
}

/// Serves `ids` in pages of `per_page` at `/catalog?page=N`; returns the page count.
pub fn serve_catalog(
    stub: &StubServer,
    ids: &[usize],
    per_page: usize,
    version: &dyn Fn(usize) -> usize,
) -> usize {
    serve_pages(stub, ids, per_page, version, None)
}

/// Which validator a page is served with (both derived from its content).
#[derive(Clone, Copy)]
pub enum Validator {
    ETag,
    LastModified,
}

/// [`serve_catalog`], with validators when `validator` is set: a page
/// answers `304 Not Modified` to a request naming its current validator.
pub fn serve_pages(
    stub: &StubServer,
    ids: &[usize],
    per_page: usize,
    version: &dyn Fn(usize) -> usize,
    validator: Option<Validator>,
) -> usize {
    let base = format!("http://{}", stub.addr);
    let chunks: Vec<&[usize]> = if ids.is_empty() {
        vec![&[][..]]
    } else {
        ids.chunks(per_page).collect()
    };
    let n = chunks.len();
    for (k, chunk) in chunks.iter().enumerate() {
        let path = format!("/catalog?page={}", k + 1);
        let body = page(&base, k + 1, k + 1 == n, chunk, version);
        let Some(validator) = validator else {
            stub.serve_bytes(&path, body, "text/turtle");
            continue;
        };
        let digest = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            body.hash(&mut h);
            h.finish()
        };
        let (etag, last_modified) = match validator {
            Validator::ETag => (Some(format!("\"{digest:016x}\"")), None),
            Validator::LastModified => (
                None,
                Some(format!(
                    "Tue, 03 Nov 2026 {:02}:{:02}:{:02} GMT",
                    digest % 24,
                    (digest >> 8) % 60,
                    (digest >> 16) % 60
                )),
            ),
        };
        stub.set(
            &path,
            Behaviour::Cached {
                body: std::sync::Arc::new(body),
                content_type: "text/turtle".into(),
                etag,
                last_modified,
            },
        );
    }
    // Pages beyond the listing from an earlier, longer version are gone.
    for k in n + 1..n + 20 {
        stub.set(&format!("/catalog?page={k}"), Behaviour::Status(404));
    }
    n
}
