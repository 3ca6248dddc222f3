//! Link check results as data, in the graph `urn:dcat-catalog:links`: one
//! node per checked URL (the URL itself, `a cat:LinkCheck`) with its last
//! answer, when it was checked and when it is due again; which published
//! records name which links (`dcat:accessURL`, `dcat:downloadURL` of their
//! distributions); and the replacement of a record's quality measurements
//! when its links' status changes.
//!
//! When a link is checked, and what its status means for the score, are the
//! link checker's rules (`crate::links`), not the store's.

use super::records::RecordQuality;
use super::vocab::{cat, graphs, WITHDRAWN};
use super::{CatalogStore, StoreError, StoredRecord};
use harvester::vocab::{dcat, rdf, xsd};
use oxigraph::model::{
    GraphName, GraphNameRef, Literal, NamedNode, NamedOrBlankNode, Quad, Term, Triple,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Results written per transaction: writes stay short, so a harvest's
/// writes wait little for the link checker's.
const WRITE_CHUNK: usize = 500;

/// The last check of one URL, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkResult {
    pub url: String,
    /// The final HTTP status after redirects; `None`: no answer.
    pub status: Option<u16>,
    /// Whether the link counts as available (the checker's rule).
    pub ok: bool,
    /// Why there was no answer.
    pub error: Option<String>,
    pub content_type: Option<String>,
    /// Where redirects led.
    pub final_url: Option<String>,
    /// Time taken, in milliseconds.
    pub millis: u64,
    /// When it was checked (xsd:dateTime).
    pub checked: String,
    /// When it is due again (xsd:dateTime).
    pub next_check: String,
    /// Successes in a row (0 after a failure).
    pub successes: u32,
    /// Failures in a row (0 after a success).
    pub failures: u32,
}

/// The links of published records: each distinct URL with the records
/// (indexes into `records`) whose distributions name it.
#[derive(Debug, Default)]
pub struct RecordLinks {
    pub records: Vec<StoredRecord>,
    pub by_url: BTreeMap<String, Vec<usize>>,
}

/// A record's new quality measurements and meta (see
/// [`CatalogStore::replace_quality`]).
#[derive(Debug, Clone)]
pub struct QualityUpdate {
    pub source: String,
    pub rid: String,
    /// The content hash of the record version that was scored: a record
    /// changed since (by a harvest) keeps the harvest's score.
    pub hash: String,
    /// The DQV triples of the score, as the harvest writes them.
    pub measurements: Vec<Triple>,
    pub quality: RecordQuality,
}

fn literal(t: &Term) -> Option<&str> {
    match t {
        Term::Literal(l) => Some(l.value()),
        _ => None,
    }
}

impl LinkResult {
    /// A result of `url` with nothing read yet (fields are filled from the
    /// stored quads).
    fn empty(url: &str) -> Self {
        LinkResult {
            url: url.to_owned(),
            status: None,
            ok: false,
            error: None,
            content_type: None,
            final_url: None,
            millis: 0,
            checked: String::new(),
            next_check: String::new(),
            successes: 0,
            failures: 0,
        }
    }
}

impl CatalogStore {
    /// Every stored link result, by URL.
    pub fn link_results(&self) -> Result<HashMap<String, LinkResult>, StoreError> {
        let g = graphs::links();
        let mut out: HashMap<String, LinkResult> = HashMap::new();
        for q in self.store.quads_for_pattern(
            None,
            None,
            None,
            Some(GraphNameRef::NamedNode(g.as_ref())),
        ) {
            let q = q?;
            let NamedOrBlankNode::NamedNode(s) = &q.subject else {
                continue;
            };
            let r = out
                .entry(s.as_str().to_owned())
                .or_insert_with(|| LinkResult::empty(s.as_str()));
            read_field(r, q.predicate.as_ref(), &q.object);
        }
        // A node without a check time is no result (not written by this
        // module).
        out.retain(|_, r| !r.checked.is_empty());
        Ok(out)
    }

    /// Whether the link checker has stored any result (if not, no link
    /// status metric has been measured).
    pub fn any_link_checked(&self) -> Result<bool, StoreError> {
        let g = graphs::links();
        Ok(self
            .store
            .quads_for_pattern(
                None,
                Some(cat::CHECKED_AT),
                None,
                Some(GraphNameRef::NamedNode(g.as_ref())),
            )
            .next()
            .transpose()?
            .is_some())
    }

    /// The stored result of one URL.
    pub fn link_result(&self, url: &str) -> Result<Option<LinkResult>, StoreError> {
        let Ok(s) = NamedNode::new(url) else {
            return Ok(None);
        };
        let g = graphs::links();
        let mut r = LinkResult::empty(url);
        for q in self.store.quads_for_pattern(
            Some(s.as_ref().into()),
            None,
            None,
            Some(GraphNameRef::NamedNode(g.as_ref())),
        ) {
            let q = q?;
            read_field(&mut r, q.predicate.as_ref(), &q.object);
        }
        Ok((!r.checked.is_empty()).then_some(r))
    }

    /// The status of every checked URL (`None`: no answer), read from two
    /// predicate scans: what a harvest loads once per run to score with.
    pub fn link_statuses(&self) -> Result<HashMap<String, Option<u16>>, StoreError> {
        let g = graphs::links();
        let graph = Some(GraphNameRef::NamedNode(g.as_ref()));
        let mut out = HashMap::new();
        for q in self
            .store
            .quads_for_pattern(None, Some(cat::CHECKED_AT), None, graph)
        {
            if let NamedOrBlankNode::NamedNode(s) = q?.subject {
                out.insert(s.into_string(), None);
            }
        }
        for q in self
            .store
            .quads_for_pattern(None, Some(cat::HTTP_STATUS), None, graph)
        {
            let q = q?;
            if let (NamedOrBlankNode::NamedNode(s), Some(v)) = (&q.subject, literal(&q.object)) {
                if let Some(slot) = out.get_mut(s.as_str()) {
                    *slot = v.parse().ok();
                }
            }
        }
        Ok(out)
    }

    /// Writes link results, each replacing the URL's earlier one, in short
    /// transactions.
    pub fn write_link_results(&self, results: &[LinkResult]) -> Result<(), StoreError> {
        let g = graphs::links();
        let graph = GraphName::NamedNode(g.clone());
        for part in results.chunks(WRITE_CHUNK) {
            let _guard = self.lock_writes()?;
            let mut txn = self.store.start_transaction()?;
            for r in part {
                let Ok(s) = NamedNode::new(&r.url) else {
                    continue;
                };
                let old: Vec<Quad> = txn
                    .quads_for_pattern(
                        Some(s.as_ref().into()),
                        None,
                        None,
                        Some(GraphNameRef::NamedNode(g.as_ref())),
                    )
                    .collect::<Result<_, _>>()?;
                for q in &old {
                    txn.remove(q);
                }
                for (p, o) in link_facts(r) {
                    txn.insert(&Quad::new(s.clone(), p, o, graph.clone()));
                }
            }
            txn.insert_named_graph(g.as_ref());
            txn.commit()?;
        }
        Ok(())
    }

    /// The links of published records (of one source, or all): every
    /// http(s) IRI a record names with `dcat:accessURL` or
    /// `dcat:downloadURL`, with the records that name it.
    pub fn record_links(&self, source: Option<&str>) -> Result<RecordLinks, StoreError> {
        let records = self.records(source)?;
        let index: HashMap<String, usize> = records
            .iter()
            .enumerate()
            .map(|(i, r)| (graphs::record(&r.rid).into_string(), i))
            .collect();
        let mut by_url: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut push = |url: &str, i: usize| {
            let list = by_url.entry(url.to_owned()).or_default();
            if list.last() != Some(&i) && !list.contains(&i) {
                list.push(i);
            }
        };
        if source.is_some() {
            // One source: its records' graphs, each read by graph.
            for (i, r) in records.iter().enumerate() {
                for url in self.links_of(&r.rid)? {
                    push(&url.1, i);
                }
            }
        } else {
            // Every source: two predicate scans over all graphs.
            for p in [dcat::ACCESS_URL, dcat::DOWNLOAD_URL] {
                for q in self.store.quads_for_pattern(None, Some(p), None, None) {
                    let q = q?;
                    let (GraphName::NamedNode(g), Term::NamedNode(u)) = (&q.graph_name, &q.object)
                    else {
                        continue;
                    };
                    if let (Some(&i), true) = (index.get(g.as_str()), is_http(u.as_str())) {
                        push(u.as_str(), i);
                    }
                }
            }
        }
        Ok(RecordLinks { records, by_url })
    }

    /// The links one record's distributions name: (distribution, URL,
    /// `true` for `dcat:downloadURL`), http(s) IRIs only.
    pub fn links_of(&self, rid: &str) -> Result<Vec<(Term, String, bool)>, StoreError> {
        let g = graphs::record(rid);
        let mut out = Vec::new();
        for (p, download) in [(dcat::ACCESS_URL, false), (dcat::DOWNLOAD_URL, true)] {
            for q in self.store.quads_for_pattern(
                None,
                Some(p),
                None,
                Some(GraphNameRef::NamedNode(g.as_ref())),
            ) {
                let q = q?;
                if let Term::NamedNode(u) = &q.object {
                    if is_http(u.as_str()) {
                        out.push((q.subject.into(), u.as_str().to_owned(), download));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The quality score of a record (`None`: not scored, as under
    /// profile `none`).
    pub fn quality_score(&self, rid: &str, source: &str) -> Result<Option<u32>, StoreError> {
        Ok(self
            .meta_literal(
                &graphs::record(rid),
                &graphs::meta(source),
                cat::QUALITY_SCORE,
            )?
            .and_then(|v| v.parse().ok()))
    }

    /// The quality scores of all scored records, by record id (one scan of
    /// the predicate index).
    pub fn quality_scores(&self) -> Result<HashMap<String, u32>, StoreError> {
        Ok(self
            .meta_literals(cat::QUALITY_SCORE)?
            .into_iter()
            .filter_map(|(rid, v)| v.parse().ok().map(|s| (rid, s)))
            .collect())
    }

    /// The points per metric (`cat:qualityPoints`) of all scored records,
    /// by record id.
    pub fn quality_points(&self) -> Result<HashMap<String, String>, StoreError> {
        self.meta_literals(cat::QUALITY_POINTS)
    }

    /// A literal of every record's meta, by record id (one scan of the
    /// predicate index).
    fn meta_literals(
        &self,
        predicate: oxigraph::model::NamedNodeRef<'_>,
    ) -> Result<HashMap<String, String>, StoreError> {
        let mut out = HashMap::new();
        for q in self
            .store
            .quads_for_pattern(None, Some(predicate), None, None)
        {
            let q = q?;
            let (NamedOrBlankNode::NamedNode(s), Term::Literal(l)) = (&q.subject, &q.object) else {
                continue;
            };
            let in_meta = matches!(&q.graph_name, GraphName::NamedNode(g) if g.as_str().starts_with(graphs::META_PREFIX));
            if let (true, Some(rid)) = (in_meta, s.as_str().strip_prefix(graphs::RECORD_PREFIX)) {
                out.insert(rid.to_owned(), l.value().to_owned());
            }
        }
        Ok(out)
    }

    /// The quality scores of a source's published records that are scored
    /// (duplicates included, as in the source's quality summary).
    pub fn published_scores(&self, source: &str) -> Result<Vec<u32>, StoreError> {
        let published = self.published_rids(source)?;
        let meta = graphs::meta(source);
        let mut out = Vec::new();
        for q in self.store.quads_for_pattern(
            None,
            Some(cat::QUALITY_SCORE),
            None,
            Some(GraphNameRef::NamedNode(meta.as_ref())),
        ) {
            let q = q?;
            let (NamedOrBlankNode::NamedNode(s), Term::Literal(l)) = (&q.subject, &q.object) else {
                continue;
            };
            let Some(rid) = s.as_str().strip_prefix(graphs::RECORD_PREFIX) else {
                continue;
            };
            if let (true, Ok(score)) = (published.contains(rid), l.value().parse::<u32>()) {
                out.push(score);
            }
        }
        Ok(out)
    }

    /// The number of SHACL violations of a scored record (`None`: the
    /// record has no stored score, as under profile `none`).
    pub fn scored_violations(&self, record: &StoredRecord) -> Result<Option<usize>, StoreError> {
        let graph = graphs::record(&record.rid);
        let meta = graphs::meta(&record.source);
        if self
            .meta_literal(&graph, &meta, cat::QUALITY_SCORE)?
            .is_none()
        {
            return Ok(None);
        }
        Ok(self
            .meta_literal(&graph, &meta, cat::VIOLATIONS)?
            .and_then(|v| v.parse().ok()))
    }

    /// Replaces records' quality measurements and the score, band and
    /// points of their meta, each record atomically and the SHACL report
    /// untouched: the nodes of the report graph that are measurements
    /// (`dqv:isMeasurementOf`) are removed with their triples, the new ones
    /// inserted. A record that is no longer scored (purged, or re-harvested
    /// under profile `none` in between) or whose content changed since it
    /// was scored is skipped. Returns the updates applied (by position in
    /// `updates`) and, for each, whether the record is shown (published and
    /// no duplicate), that is, whether derived views hold it.
    pub fn replace_quality(
        &self,
        updates: &[QualityUpdate],
    ) -> Result<Vec<(usize, bool)>, StoreError> {
        let measurement_of = NamedNode::new_unchecked("http://www.w3.org/ns/dqv#isMeasurementOf");
        let mut done = Vec::new();
        let mut position = 0;
        for part in updates.chunks(WRITE_CHUNK) {
            // Two reads per record (its meta, its report graph), in the
            // transaction that changes them.
            let _guard = self.lock_writes()?;
            let mut txn = self.store.start_transaction()?;
            for u in part {
                let at = position;
                position += 1;
                let record = graphs::record(&u.rid);
                let meta = graphs::meta(&u.source);
                let meta_ref = GraphNameRef::NamedNode(meta.as_ref());
                // One read of the record's meta: is it scored, is it the
                // version that was scored, and its score, band and points.
                let facts: Vec<Quad> = txn
                    .quads_for_pattern(Some(record.as_ref().into()), None, None, Some(meta_ref))
                    .collect::<Result<_, _>>()?;
                let scored = facts.iter().any(|q| q.predicate == cat::QUALITY_SCORE);
                let same = facts.iter().any(|q| {
                    q.predicate == cat::CONTENT_HASH && literal(&q.object) == Some(u.hash.as_str())
                });
                if !scored || !same {
                    continue;
                }
                let shown = !facts.iter().any(|q| {
                    q.predicate == cat::DUPLICATE_OF
                        || (q.predicate == cat::STATUS
                            && matches!(&q.object, Term::Literal(l) if l.as_ref() == WITHDRAWN))
                });
                let vgraph = graphs::validation(&u.rid);
                let vref = GraphNameRef::NamedNode(vgraph.as_ref());
                // One read of the report graph: the measurement nodes and
                // their triples.
                let report: Vec<Quad> = txn
                    .quads_for_pattern(None, None, None, Some(vref))
                    .collect::<Result<_, _>>()?;
                let nodes: HashSet<&NamedOrBlankNode> = report
                    .iter()
                    .filter(|q| q.predicate == measurement_of)
                    .map(|q| &q.subject)
                    .collect();
                let mut old: Vec<Quad> = report
                    .iter()
                    .filter(|q| nodes.contains(&q.subject))
                    .cloned()
                    .collect();
                old.extend(facts.into_iter().filter(|q| {
                    [cat::QUALITY_SCORE, cat::QUALITY_BAND, cat::QUALITY_POINTS]
                        .contains(&q.predicate.as_ref())
                }));
                let mut new: Vec<Quad> = u
                    .measurements
                    .iter()
                    .map(|t| {
                        Quad::new(
                            t.subject.clone(),
                            t.predicate.clone(),
                            t.object.clone(),
                            vgraph.clone(),
                        )
                    })
                    .collect();
                new.push(Quad::new(
                    record.clone(),
                    cat::QUALITY_SCORE,
                    Literal::from(u64::from(u.quality.score)),
                    meta.clone(),
                ));
                new.push(Quad::new(
                    record.clone(),
                    cat::QUALITY_BAND,
                    Literal::new_simple_literal(&u.quality.band),
                    meta.clone(),
                ));
                new.push(Quad::new(
                    record.clone(),
                    cat::QUALITY_POINTS,
                    Literal::new_simple_literal(&u.quality.points),
                    meta.clone(),
                ));
                let wanted: HashSet<&Quad> = new.iter().collect();
                let present: HashSet<&Quad> = old.iter().collect();
                for q in old.iter().filter(|q| !wanted.contains(q)) {
                    txn.remove(q);
                }
                for q in new.iter().filter(|q| !present.contains(q)) {
                    txn.insert(q);
                }
                done.push((at, shown));
            }
            txn.commit()?;
        }
        Ok(done)
    }
}

/// Whether a link is one the checker can check.
fn is_http(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

fn read_field(r: &mut LinkResult, p: oxigraph::model::NamedNodeRef<'_>, o: &Term) {
    let Some(v) = literal(o) else {
        return;
    };
    if p == cat::HTTP_STATUS {
        r.status = v.parse().ok();
    } else if p == cat::LINK_OK {
        r.ok = v == "true";
    } else if p == cat::LINK_ERROR {
        r.error = Some(v.to_owned());
    } else if p == cat::CONTENT_TYPE {
        r.content_type = Some(v.to_owned());
    } else if p == cat::FINAL_URL {
        r.final_url = Some(v.to_owned());
    } else if p == cat::RESPONSE_MILLIS {
        r.millis = v.parse().unwrap_or(0);
    } else if p == cat::CHECKED_AT {
        r.checked = v.to_owned();
    } else if p == cat::NEXT_CHECK {
        r.next_check = v.to_owned();
    } else if p == cat::SUCCESSES {
        r.successes = v.parse().unwrap_or(0);
    } else if p == cat::FAILURES {
        r.failures = v.parse().unwrap_or(0);
    }
}

/// The stored facts of one result.
fn link_facts(r: &LinkResult) -> Vec<(oxigraph::model::NamedNodeRef<'static>, Term)> {
    let int = |n: u64| -> Term { Literal::from(n).into() };
    let text = |s: &str| -> Term { Literal::new_simple_literal(s).into() };
    let time = |s: &str| -> Term { Literal::new_typed_literal(s, xsd::DATE_TIME).into() };
    let mut out = vec![
        (rdf::TYPE, cat::LINK_CHECK.into_owned().into()),
        (cat::LINK_OK, Literal::from(r.ok).into()),
        (cat::RESPONSE_MILLIS, int(r.millis)),
        (cat::CHECKED_AT, time(&r.checked)),
        (cat::NEXT_CHECK, time(&r.next_check)),
        (cat::SUCCESSES, int(u64::from(r.successes))),
        (cat::FAILURES, int(u64::from(r.failures))),
    ];
    if let Some(s) = r.status {
        out.push((cat::HTTP_STATUS, int(u64::from(s))));
    }
    if let Some(e) = &r.error {
        out.push((cat::LINK_ERROR, text(e)));
    }
    if let Some(c) = &r.content_type {
        out.push((cat::CONTENT_TYPE, text(c)));
    }
    if let Some(f) = &r.final_url {
        out.push((cat::FINAL_URL, text(f)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(url: &str, status: Option<u16>) -> LinkResult {
        LinkResult {
            url: url.to_owned(),
            status,
            ok: matches!(status, Some(200..=399)),
            error: status.is_none().then(|| "timed out".to_owned()),
            content_type: status.map(|_| "text/csv".to_owned()),
            final_url: status.map(|_| format!("{url}?final")),
            millis: 12,
            checked: "2026-12-05T06:00:00Z".to_owned(),
            next_check: "2026-12-12T06:00:00Z".to_owned(),
            successes: u32::from(status.is_some()),
            failures: u32::from(status.is_none()),
        }
    }

    #[test]
    fn rescoring_replaces_measurements_and_meta_only_of_the_scored_version() {
        use super::super::records::{prepare, RecordValidation};
        use oxigraph::model::BlankNode;
        let dir = std::env::temp_dir().join(format!("links-rescore-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = CatalogStore::open(&dir).expect("open");
        let d = NamedNode::new_unchecked("http://portal.example/d/1");
        let mut p = prepare(
            "s",
            &harvester::Record {
                dataset: d.clone(),
                triples: vec![Triple::new(
                    d.clone(),
                    rdf::TYPE,
                    dcat::DATASET.into_owned(),
                )],
                page_url: "http://portal.example/page".into(),
                minted: false,
            },
        )
        .expect("prepare");
        let of = NamedNode::new_unchecked("http://www.w3.org/ns/dqv#isMeasurementOf");
        let value = NamedNode::new_unchecked("http://www.w3.org/ns/dqv#value");
        let metric = NamedNode::new_unchecked("https://piveau.eu/ns/voc#accessUrlStatusCode");
        let report = BlankNode::new_unchecked("report");
        let conforms = NamedNode::new_unchecked("http://www.w3.org/ns/shacl#conforms");
        let m = BlankNode::new_from_unique_id(7);
        let measured = |status: i64| {
            vec![
                Triple::new(m.clone(), of.clone(), metric.clone()),
                Triple::new(m.clone(), value.clone(), Literal::from(status)),
            ]
        };
        let mut report_triples = vec![Triple::new(report, conforms, Literal::from(true))];
        report_triples.extend(measured(200));
        p.validation = Some(RecordValidation {
            validated_with: "p@1".into(),
            violations: 0,
            warnings: 0,
            infos: 0,
            report: report_triples,
            quality: Some(RecordQuality {
                score: 50,
                band: "Bad".into(),
                points: "50".into(),
            }),
        });
        store
            .write_records(
                "s",
                "http://land.example/catalogs/s",
                &[p.clone()],
                "2026-01-01T00:00:00Z",
            )
            .expect("write");
        let update = |hash: &str, status: i64, score: u32| QualityUpdate {
            source: "s".into(),
            rid: p.rid.clone(),
            hash: hash.into(),
            measurements: measured(status),
            quality: RecordQuality {
                score,
                band: "Bad".into(),
                points: score.to_string(),
            },
        };
        let vgraph = graphs::validation(&p.rid);
        let graph_triples = || -> Vec<String> {
            let mut v: Vec<String> = store
                .oxigraph()
                .quads_for_pattern(None, None, None, Some(vgraph.as_ref().into()))
                .map(|q| {
                    let q = q.expect("quad");
                    format!("{} {} {}", q.subject, q.predicate, q.object)
                })
                .collect();
            v.sort();
            v
        };
        let meta_score = || {
            store
                .meta_literal(
                    &graphs::record(&p.rid),
                    &graphs::meta("s"),
                    cat::QUALITY_SCORE,
                )
                .expect("meta")
        };
        // A record changed since it was scored keeps its score.
        assert_eq!(
            store
                .replace_quality(&[update("other", 404, 0)])
                .expect("skip"),
            vec![]
        );
        assert_eq!(meta_score().as_deref(), Some("50"));
        let before = graph_triples();
        assert_eq!(
            store
                .replace_quality(&[update(&p.hash, 404, 0)])
                .expect("replace"),
            vec![(0, true)]
        );
        assert_eq!(meta_score().as_deref(), Some("0"));
        let after = graph_triples();
        assert_eq!(after.len(), before.len());
        assert!(
            after.iter().any(|t| t.contains("shacl#conforms")),
            "{after:?}"
        );
        assert!(after.iter().any(|t| t.contains("\"404\"")), "{after:?}");
        assert!(!after.iter().any(|t| t.contains("\"200\"")), "{after:?}");
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn link_results_round_trip_and_replace() {
        let dir = std::env::temp_dir().join(format!("links-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = CatalogStore::open(&dir).expect("open");
        let a = result("http://a.example/x.csv", Some(200));
        let b = result("http://b.example/y", None);
        store
            .write_link_results(&[a.clone(), b.clone()])
            .expect("write");
        let all = store.link_results().expect("read");
        assert_eq!(all.get(&a.url), Some(&a));
        assert_eq!(all.get(&b.url), Some(&b));
        assert_eq!(store.link_result(&b.url).expect("one"), Some(b.clone()));
        // A new result replaces the old one whole.
        let a2 = LinkResult {
            status: Some(404),
            ok: false,
            content_type: None,
            ..a.clone()
        };
        store
            .write_link_results(std::slice::from_ref(&a2))
            .expect("rewrite");
        assert_eq!(store.link_result(&a.url).expect("one"), Some(a2));
        let statuses = store.link_statuses().expect("statuses");
        assert_eq!(statuses.get(&a.url), Some(&Some(404)));
        assert_eq!(statuses.get(&b.url), Some(&None));
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
