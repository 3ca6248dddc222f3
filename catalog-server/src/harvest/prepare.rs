//! Preparing a page's records: canonical form, hash and compression, and
//! SHACL validation against the source's profile, spread over the cores.
//! Records a source's policy rejects, or that fail, are reported.

use super::lifecycle::RunState;
use super::quickhash;
use super::report::{ItemError, SourceReport};
use super::write::WriteBatch;
use super::Harvesting;
use crate::config::{SourceConfig, ValidationPolicy};
use crate::store::{
    prepare, record_id, xsd_time, CatalogStore, PreparedRecord, RecordQuality, RecordValidation,
};
use crate::validation::quality::{self, LinkStatus, QualityVocabularies};
use crate::validation::references::{self, KnownTypes};
use crate::validation::{preferred_message, LoadedProfile};
use oxigraph::model::NamedNode;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// The checked links' statuses a run scores with (URL → final status,
/// `None`: no answer), loaded once per run.
pub(super) type KnownLinks = Arc<HashMap<String, Option<u16>>>;

/// A record held back to the end of its run: its validation found
/// violations on links to records whose types were not known yet (a
/// service listed before the datasets it serves). It is validated again
/// once the run's other records are stored, then written.
pub(super) struct Held {
    record: PreparedRecord,
    first_violations: Vec<String>,
    /// The links whose types were not known.
    unresolved: Vec<NamedNode>,
    /// The record's source hash, remembered once it is stored.
    quick: Option<[u8; 32]>,
    /// The page it came from (number, URL).
    page: (usize, String),
}

/// Records held back per run at most (a held record with its report takes
/// some 10–40 KB); beyond, records are written with the violations on
/// their unresolved links, and the run says so once.
const HELD_MAX: usize = 5_000;

/// Canonicalizes, hashes and compresses a record, validates it against the
/// profile (the `known` types of linked records consulted) and scores its
/// metadata quality (measured at `now`); returns the first violation
/// messages too (for rejections) and the links whose types were not known
/// where the validation found a violation on them.
fn prepare_and_validate(
    source: &str,
    record: &harvester::Record,
    profile: Option<&LoadedProfile>,
    known: &KnownTypes,
    links: Option<&KnownLinks>,
    now: &str,
) -> Result<(PreparedRecord, Vec<String>, Vec<NamedNode>), String> {
    let mut p = prepare(source, record).map_err(|e| e.to_string())?;
    let (first, unresolved) = match profile {
        Some(profile) => validate(&mut p, profile, known, links, now)?,
        None => (Vec::new(), Vec::new()),
    };
    Ok((p, first, unresolved))
}

/// Validates a prepared record and scores it (see [`prepare_and_validate`]).
fn validate(
    p: &mut PreparedRecord,
    profile: &LoadedProfile,
    known: &KnownTypes,
    links: Option<&KnownLinks>,
    now: &str,
) -> Result<(Vec<String>, Vec<NamedNode>), String> {
    // The canonical triples are the exact graph (same terms, lexical
    // forms untouched) with the blank-node labels the store uses, so
    // focus nodes in the stored report name stored nodes.
    let (context, unknown) = known.context(&references::outside_links(&p.triples));
    let checked = profile.check_in(&p.triples, &context)?;
    let unresolved = if references::violation_on(&checked.report, &unknown) {
        unknown
    } else {
        Vec::new()
    };
    let first = checked
        .report
        .results
        .iter()
        .filter(|r| r.severity == shacl::Severity::Violation)
        .take(3)
        .map(|r| {
            let path = r
                .result_path
                .as_ref()
                .map(|p| format!("{p}: "))
                .unwrap_or_default();
            format!("{path}{}", preferred_message(r))
        })
        .collect();
    // The quality score after validation: its measurements join the
    // report graph, the score and band the record's meta. Links are
    // scored with the link checker's last results; a link it has not
    // checked (or all, with `check_links = false`) is "not checked".
    let link_status = links.map(|l| {
        move |url: &str| -> Option<LinkStatus> { l.get(url).map(|s| LinkStatus { status: *s }) }
    });
    let scored = quality::score(
        &p.triples,
        p.dataset.as_ref(),
        Some(checked.violations),
        link_status.as_ref().map(|f| f as quality::Links<'_>),
        QualityVocabularies::shipped(),
    );
    let mut report = checked.report_triples(&p.rid, &p.triples);
    report.extend(scored.dqv_triples(&p.rid, p.dataset.as_ref(), now));
    p.validation = Some(RecordValidation {
        validated_with: format!("{}@{}", checked.profile, checked.fingerprint),
        violations: checked.violations,
        warnings: checked.warnings,
        infos: checked.infos,
        report,
        quality: Some(RecordQuality {
            score: scored.score,
            band: scored.band.name().to_owned(),
            points: scored.points(),
        }),
    });
    Ok((first, unresolved))
}

/// The types of the records a page's records link to: from the page
/// itself, then from the store. A store that cannot be read leaves the
/// links unknown (their range checks fail, the records are held back).
pub(crate) fn known_types(
    store: &CatalogStore,
    source: &str,
    records: &[harvester::Record],
) -> KnownTypes {
    let mut known = KnownTypes::default();
    for r in records {
        known.add_record(&r.triples);
    }
    let mut missing: Vec<NamedNode> = records
        .iter()
        .flat_map(|r| references::outside_links(&r.triples))
        .filter(|l| !known.knows(l))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        match store.record_types(&missing) {
            Ok(stored) => known.extend(stored),
            Err(e) => tracing::warn!(source, "the types of linked records could not be read: {e}"),
        }
    }
    known
}

/// Counts a validated record in the report; `None` when the source's
/// policy rejects it (reported).
fn account(
    source: &SourceConfig,
    report: &mut SourceReport,
    p: PreparedRecord,
    first_violations: &[String],
    page_url: String,
) -> Option<PreparedRecord> {
    if let Some(v) = &p.validation {
        let c = &mut report.validation;
        c.validated += 1;
        c.violations += v.violations;
        c.warnings += v.warnings;
        c.with_violations += usize::from(v.violations > 0);
        c.with_warnings += usize::from(v.warnings > 0);
        if v.violations > 0 && source.validation == ValidationPolicy::Reject {
            c.rejected += 1;
            report.errors.push(ItemError {
                url: page_url,
                record: Some(format!("<{}>", p.dataset.as_str())),
                reason: format!(
                    "rejected (validation = \"reject\"): {} violation(s) of profile {}: {}",
                    v.violations,
                    report.validation.profile.as_deref().unwrap_or(""),
                    first_violations.join("; ")
                ),
                snippet: String::new(),
            });
            return None;
        }
    }
    Some(p)
}

impl Harvesting {
    /// Canonicalizes, hashes and compresses a page's records (off the async
    /// runtime); records that fail are reported. Records whose links name
    /// records not known yet go to `held` (see [`Held`]).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn prepare_page(
        &self,
        source: &SourceConfig,
        profile: Option<Arc<LoadedProfile>>,
        links: Option<KnownLinks>,
        page: harvester::Page,
        report: &mut SourceReport,
        state: &mut RunState,
        held: &mut Vec<Held>,
    ) -> (Vec<PreparedRecord>, quickhash::Pending) {
        let started = Instant::now();
        let source_id = source.id.0.clone();
        // Records certainly unchanged skip canonicalization, validation and
        // the store. The profile version is part of the pre-check, so a new
        // profile re-validates every record.
        let salt = profile
            .as_ref()
            .map(|p| format!("{}@{}", p.name, p.fingerprint))
            .unwrap_or_default();
        let (records, mut pending) = quickhash::skip_unchanged(
            &self.store,
            &source_id,
            &salt,
            &page.url,
            page.records,
            report,
            state,
        )
        .await;
        let now = xsd_time(self.clock.now());
        let store = self.store.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            let known = match profile {
                Some(_) => known_types(&store, &source_id, &records),
                None => KnownTypes::default(),
            };
            let one = |r: &harvester::Record| {
                (
                    r.dataset.as_str().to_owned(),
                    r.page_url.clone(),
                    prepare_and_validate(
                        &source_id,
                        r,
                        profile.as_deref(),
                        &known,
                        links.as_ref(),
                        &now,
                    ),
                )
            };
            // Canonicalization and validation are CPU work per record: split
            // a page over the cores (order kept).
            let threads = std::thread::available_parallelism()
                .map_or(1, usize::from)
                .min(records.len() / 64)
                .max(1);
            if threads == 1 {
                return records.iter().map(one).collect::<Vec<_>>();
            }
            let chunk = records.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let handles: Vec<_> = records
                    .chunks(chunk)
                    .map(|part| scope.spawn(|| part.iter().map(one).collect::<Vec<_>>()))
                    .collect();
                let mut out = Vec::with_capacity(records.len());
                for (h, part) in handles.into_iter().zip(records.chunks(chunk)) {
                    match h.join() {
                        Ok(v) => out.extend(v),
                        // A panic in one chunk: report its records as failed.
                        Err(_) => out.extend(part.iter().map(|r| {
                            (
                                r.dataset.as_str().to_owned(),
                                r.page_url.clone(),
                                Err("preparing the record failed unexpectedly".to_owned()),
                            )
                        })),
                    }
                }
                out
            })
        })
        .await;
        let mut ok: Vec<PreparedRecord> = Vec::new();
        match prepared {
            Ok(prepared) => {
                ok.reserve(prepared.len());
                for (dataset, page_url, p) in prepared {
                    // Seen, even when it fails here: it is in the listing.
                    state.seen.insert(record_id(&source.id.0, &dataset));
                    match p {
                        Ok((p, first_violations, unresolved))
                            if !unresolved.is_empty() && held.len() < HELD_MAX =>
                        {
                            // Counted when it is validated again at the end.
                            if held.len() + 1 == HELD_MAX {
                                report.warnings.push(ItemError {
                                    url: page_url.clone(),
                                    record: None,
                                    reason: format!(
                                        "{HELD_MAX} records link to records not known yet; further such records are \
                                         validated without waiting for the end of the run (their links to records \
                                         of later pages are violations)"
                                    ),
                                    snippet: String::new(),
                                });
                            }
                            held.push(Held {
                                quick: pending.remove(&p.rid),
                                record: p,
                                first_violations,
                                unresolved,
                                page: (page.number, page_url),
                            });
                        }
                        Ok((p, first_violations, _)) => {
                            ok.extend(account(source, report, p, &first_violations, page_url));
                        }
                        Err(e) => {
                            report.failed += 1;
                            report.errors.push(ItemError {
                                url: page_url,
                                record: Some(format!("<{dataset}>")),
                                reason: e,
                                snippet: String::new(),
                            });
                        }
                    }
                }
            }
            // The page's records are unknown: the listing is incomplete.
            Err(e) => state.page_lost(report, &page.url, &format!("preparing records failed: {e}")),
        }
        report.timings.prepare += started.elapsed().as_secs_f64();
        (ok, pending)
    }

    /// Validates the held records again, now that the run's other records
    /// are stored, and writes them (see [`Held`]). A link still unknown
    /// keeps its violation: the linked record is in no stored record.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn write_held(
        &self,
        source: &SourceConfig,
        catalog_iri: &str,
        run_time: &str,
        profile: Option<Arc<LoadedProfile>>,
        links: Option<KnownLinks>,
        held: Vec<Held>,
        report: &mut SourceReport,
        state: &mut RunState,
    ) {
        if held.is_empty() {
            return;
        }
        let started = Instant::now();
        let count = held.len();
        let store = self.store.clone();
        let source_id = source.id.0.clone();
        let now = xsd_time(self.clock.now());
        let checked = tokio::task::spawn_blocking(move || {
            let mut wanted: Vec<NamedNode> = held
                .iter()
                .flat_map(|h| h.unresolved.iter().cloned())
                .collect();
            wanted.sort_unstable();
            wanted.dedup();
            let mut known = KnownTypes::default();
            match store.record_types(&wanted) {
                Ok(types) => known.extend(types),
                Err(e) => tracing::warn!(source = %source_id, "the types of linked records could not be read: {e}"),
            }
            held.into_iter()
                .map(|mut h| {
                    let again = profile
                        .as_deref()
                        .filter(|_| h.unresolved.iter().any(|l| known.knows(l)))
                        .map(|profile| validate(&mut h.record, profile, &known, links.as_ref(), &now));
                    match again {
                        Some(Ok((first, _))) => h.first_violations = first,
                        Some(Err(e)) => return Err((h.record.dataset, h.page.1, e)),
                        None => {}
                    }
                    Ok(h)
                })
                .collect::<Vec<_>>()
        })
        .await;
        let checked = match checked {
            Ok(c) => c,
            Err(e) => {
                // The records are lost for this run: nothing is withdrawn.
                state.store_failed = true;
                report.failed += count;
                report.errors.push(ItemError {
                    url: source.url.clone(),
                    record: None,
                    reason: format!(
                        "validating {count} records with links to other records failed: {e}"
                    ),
                    snippet: String::new(),
                });
                return;
            }
        };
        let mut batch = WriteBatch::default();
        for h in checked {
            match h {
                Ok(h) => {
                    if let Some(q) = h.quick {
                        batch.quick.insert(h.record.rid.clone(), q);
                    }
                    if !batch.pages.iter().any(|(n, _)| *n == h.page.0) {
                        batch.pages.push(h.page.clone());
                    }
                    batch.records.extend(account(
                        source,
                        report,
                        h.record,
                        &h.first_violations,
                        h.page.1,
                    ));
                }
                Err((dataset, page_url, e)) => {
                    report.failed += 1;
                    report.errors.push(ItemError {
                        url: page_url,
                        record: Some(format!("<{}>", dataset.as_str())),
                        reason: e,
                        snippet: String::new(),
                    });
                }
            }
        }
        report.timings.prepare += started.elapsed().as_secs_f64();
        batch.pages.sort();
        if !batch.records.is_empty() {
            self.start_write(source, catalog_iri, batch, run_time)
                .finish(report, state)
                .await;
        }
    }

    /// The link checker's statuses to score with (`None`: links are not
    /// checked, `[quality] check_links = false`). A store that cannot be
    /// read leaves the links "not checked" for this run.
    pub(super) async fn known_links(&self) -> Option<KnownLinks> {
        if !self.config.quality.check_links {
            return None;
        }
        let store = self.store.clone();
        let read = tokio::task::spawn_blocking(move || store.link_statuses())
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        match read {
            Ok(map) => Some(Arc::new(map)),
            Err(e) => {
                tracing::warn!("link statuses could not be read; links count as not checked: {e}");
                Some(Arc::default())
            }
        }
    }

    /// The compiled profile of a source (`None`: profile `none`).
    pub(super) async fn profile_of(
        &self,
        source: &SourceConfig,
    ) -> Result<Option<Arc<LoadedProfile>>, String> {
        let profiles = self.profiles.clone();
        let name = source.profile.0.clone();
        tokio::task::spawn_blocking(move || profiles.get(&name))
            .await
            .map_err(|e| format!("loading the validation profile failed: {e}"))?
            .map_err(|e| e.to_string())
    }
}
