//! A fast, sound pre-check for unchanged records, so that an unchanged
//! re-harvest skips canonicalization (RDFC-1.0), the most expensive stage.
//!
//! The *source hash* of a record is SHA-256 over its triples in the order the
//! harvester produced them (each term length-prefixed, see [`source_hash`]),
//! with blank nodes relabelled by first appearance. Equal source hashes mean
//! the two triple sequences are equal up to blank-node renaming, so the
//! graphs are isomorphic and have the same canonical hash. Different source hashes mean nothing (the order may have
//! changed): the record then takes the normal path.
//!
//! The archive keeps, per record id, the source hash together with the
//! canonical hash it was computed for. A record is unchanged only when its
//! source hash equals the stored one *and* the stored canonical hash is the
//! one the store holds now, so an entry left stale by a crash (store written,
//! entry not yet) can never hide a change: it only costs the slow path.

use super::lifecycle::RunState;
use super::report::SourceReport;
use crate::store::{record_id, CatalogStore, Outcome, PreparedRecord};
use oxigraph::model::{NamedOrBlankNode, Term, Triple};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The source hash of a record (see the module docs).
///
/// Each term is hashed as a kind byte and length-prefixed parts (no text
/// formatting or escaping: an injective encoding is all a hash needs).
pub fn source_hash(triples: &[Triple], salt: &str) -> [u8; 32] {
    let mut labels: HashMap<&str, u64> = HashMap::new();
    let mut hasher = Sha256::new();
    // What else decides the stored result (the validation profile version).
    part(
        &mut hasher,
        b'v',
        &[ENCODING_VERSION.as_bytes(), salt.as_bytes()],
    );
    for t in triples {
        match &t.subject {
            NamedOrBlankNode::NamedNode(n) => part(&mut hasher, b'I', &[n.as_str().as_bytes()]),
            NamedOrBlankNode::BlankNode(b) => blank(&mut hasher, &mut labels, b.as_str()),
        }
        part(&mut hasher, b'I', &[t.predicate.as_str().as_bytes()]);
        match &t.object {
            Term::NamedNode(n) => part(&mut hasher, b'I', &[n.as_str().as_bytes()]),
            Term::BlankNode(b) => blank(&mut hasher, &mut labels, b.as_str()),
            Term::Literal(l) => match l.language() {
                Some(lang) => part(&mut hasher, b'L', &[l.value().as_bytes(), lang.as_bytes()]),
                None => part(
                    &mut hasher,
                    b'T',
                    &[l.value().as_bytes(), l.datatype().as_str().as_bytes()],
                ),
            },
            #[allow(unreachable_patterns)]
            other => part(&mut hasher, b'?', &[other.to_string().as_bytes()]),
        }
        hasher.update(b".");
    }
    hasher.finalize().into()
}

/// Changes whenever the encoding below changes: older stored source hashes
/// then simply never match (one full pass, never a wrong skip).
const ENCODING_VERSION: &str = "source-hash-2";

/// A kind byte, then each part as its length (8 bytes) and bytes.
fn part(hasher: &mut Sha256, kind: u8, parts: &[&[u8]]) {
    hasher.update([kind]);
    for p in parts {
        hasher.update((p.len() as u64).to_le_bytes());
        hasher.update(p);
    }
}

/// A blank node as the order of its first appearance.
fn blank<'a>(hasher: &mut Sha256, labels: &mut HashMap<&'a str, u64>, id: &'a str) {
    let next = labels.len() as u64;
    let n = *labels.entry(id).or_insert(next);
    hasher.update([b'B']);
    hasher.update(n.to_le_bytes());
}

/// Source hashes of the records that take the normal path, by record id.
pub type Pending = HashMap<String, [u8; 32]>;

/// Splits off the records of a page that are certainly unchanged: they are
/// counted (as unchanged, or as added when withdrawn before, see
/// [`super::lifecycle`]) and noted as seen; the others are returned with their
/// source hashes. When the check cannot run, every record takes the normal
/// path; when the page's records are lost (the blocking task was cancelled),
/// the page counts as failed, so that nothing is withdrawn for it.
pub async fn skip_unchanged(
    store: &std::sync::Arc<CatalogStore>,
    source: &str,
    salt: &str,
    page_url: &str,
    records: Vec<harvester::Record>,
    report: &mut SourceReport,
    state: &mut RunState,
) -> (Vec<harvester::Record>, Pending) {
    let store = store.clone();
    let sid = source.to_owned();
    let salt = salt.to_owned();
    let checked = tokio::task::spawn_blocking(move || {
        let check = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let items: Vec<(String, [u8; 32])> = records
                .iter()
                .map(|r| {
                    (
                        record_id(&sid, r.dataset.as_str()),
                        source_hash(&r.triples, &salt),
                    )
                })
                .collect();
            let same = store
                .unchanged_by_source_hash(&sid, &items)
                .unwrap_or_else(|e| {
                    tracing::warn!(source = %sid, "source-hash check failed, using the full check: {e}");
                    vec![false; items.len()]
                });
            (items, same)
        }));
        match check {
            Ok((items, same)) => (records, Some((items, same))),
            Err(_) => {
                tracing::error!(source = %sid, "the source-hash check failed unexpectedly; the page's records take the full check");
                (records, None)
            }
        }
    })
    .await;
    let (records, items, same) = match checked {
        Ok((records, Some((items, same)))) => (records, items, same),
        // No pre-check: every record takes the normal path, without a
        // source hash to remember.
        Ok((records, None)) => return (records, Pending::new()),
        Err(e) => {
            state.page_lost(
                report,
                page_url,
                &format!("checking the page's records for changes failed: {e}"),
            );
            return (Vec::new(), Pending::new());
        }
    };
    let mut rest = Vec::with_capacity(records.len());
    let mut pending = Pending::new();
    for ((record, (rid, qh)), same) in records.into_iter().zip(items).zip(same) {
        if same {
            if state.withdrawn_before.contains(&rid) {
                report.added += 1;
            } else {
                report.unchanged += 1;
            }
            state.seen.insert(rid);
        } else {
            pending.insert(rid, qh);
            rest.push(record);
        }
    }
    (rest, pending)
}

/// After a page's store write: remember the source hashes of its records.
pub fn remember(
    store: &CatalogStore,
    pending: &Pending,
    records: &[PreparedRecord],
    outcomes: &[Outcome],
) {
    let items: Vec<(&str, [u8; 32], &str)> = records
        .iter()
        .zip(outcomes)
        .filter_map(|(r, _)| {
            pending
                .get(&r.rid)
                .map(|qh| (r.rid.as_str(), *qh, r.hash.as_str()))
        })
        .collect();
    if let Err(e) = store.remember_source_hashes(&items) {
        tracing::warn!("remembering source hashes failed (only slows the next run): {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::prepare;
    use oxigraph::model::{BlankNode, Literal, NamedNode};

    fn record(title: &str, bnode: &str) -> harvester::Record {
        let ds = NamedNode::new_unchecked("https://stadt.example/ds/1");
        let b = BlankNode::new_unchecked(bnode);
        let p = |s: &str| NamedNode::new_unchecked(format!("http://purl.org/dc/terms/{s}"));
        harvester::Record {
            dataset: ds.clone(),
            triples: vec![
                Triple::new(ds.clone(), p("title"), Literal::new_simple_literal(title)),
                Triple::new(ds, p("publisher"), b.clone()),
                Triple::new(b, p("title"), Literal::new_simple_literal("Amt")),
            ],
            page_url: "https://stadt.example/catalog".into(),
            minted: false,
        }
    }

    #[test]
    fn source_hash_ignores_blank_node_labels_only() {
        assert_eq!(
            source_hash(&record("A", "x1").triples, ""),
            source_hash(&record("A", "zz").triples, "")
        );
        assert_ne!(
            source_hash(&record("A", "x1").triples, ""),
            source_hash(&record("B", "x1").triples, "")
        );
        // Another validation profile version: another pre-check hash.
        assert_ne!(
            source_hash(&record("A", "x1").triples, "dcat-ap-3@1"),
            source_hash(&record("A", "x1").triples, "dcat-ap-3@2")
        );
    }

    #[test]
    fn a_stale_entry_never_hides_a_change() {
        let dir = std::env::temp_dir().join(format!("catalog-quickhash-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = CatalogStore::open(&dir).unwrap();
        let cat = "http://land.example/catalogs/stadt";
        let (v1, v2) = (record("A", "b"), record("B", "b"));
        let (p1, p2) = (
            prepare("stadt", &v1).unwrap(),
            prepare("stadt", &v2).unwrap(),
        );
        let (q1, q2) = (source_hash(&v1.triples, ""), source_hash(&v2.triples, ""));
        let rid = p1.rid.clone();
        let check = |q: [u8; 32]| {
            store
                .unchanged_by_source_hash("stadt", &[(rid.clone(), q)])
                .unwrap()[0]
        };
        assert!(!check(q1), "nothing stored yet");
        let o = store
            .write_records(
                "stadt",
                cat,
                std::slice::from_ref(&p1),
                "2026-01-01T00:00:00Z",
            )
            .unwrap();
        remember(&store, &Pending::from([(rid.clone(), q1)]), &[p1], &o);
        assert!(check(q1));
        assert!(!check(q2));
        // v2 is stored but its entry is lost (crash): v1's entry must not match.
        store
            .write_records(
                "stadt",
                cat,
                std::slice::from_ref(&p2),
                "2026-01-02T00:00:00Z",
            )
            .unwrap();
        assert!(!check(q1), "stale entry hid a change");
        assert!(!check(q2));
        remember(
            &store,
            &Pending::from([(rid.clone(), q2)]),
            &[p2],
            &[Outcome::Updated],
        );
        assert!(check(q2));
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
