//! Preparing a page's records: canonical form, hash and compression, and
//! SHACL validation against the source's profile, spread over the cores.
//! Records a source's policy rejects, or that fail, are reported.

use super::lifecycle::RunState;
use super::quickhash;
use super::report::{ItemError, SourceReport};
use super::Harvesting;
use crate::config::{SourceConfig, ValidationPolicy};
use crate::store::{prepare, record_id, xsd_time, PreparedRecord, RecordQuality, RecordValidation};
use crate::validation::quality::{self, LinkStatus, QualityVocabularies};
use crate::validation::{preferred_message, LoadedProfile};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// The checked links' statuses a run scores with (URL → final status,
/// `None`: no answer), loaded once per run.
pub(super) type KnownLinks = Arc<HashMap<String, Option<u16>>>;

/// Canonicalizes, hashes and compresses a record, validates it against the
/// profile and scores its metadata quality (measured at `now`); returns the
/// first violation messages too (for rejections).
fn prepare_and_validate(
    source: &str,
    record: &harvester::Record,
    profile: Option<&LoadedProfile>,
    links: Option<&KnownLinks>,
    now: &str,
) -> Result<(PreparedRecord, Vec<String>), String> {
    let mut p = prepare(source, record).map_err(|e| e.to_string())?;
    let mut first = Vec::new();
    if let Some(profile) = profile {
        // The canonical triples are the exact graph (same terms, lexical
        // forms untouched) with the blank-node labels the store uses, so
        // focus nodes in the stored report name stored nodes.
        let checked = profile.check(&p.triples)?;
        first = checked
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
        let known = links.map(|l| {
            move |url: &str| -> Option<LinkStatus> { l.get(url).map(|s| LinkStatus { status: *s }) }
        });
        let scored = quality::score(
            &p.triples,
            p.dataset.as_ref(),
            Some(checked.violations),
            known.as_ref().map(|f| f as quality::Links<'_>),
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
    }
    Ok((p, first))
}

impl Harvesting {
    /// Canonicalizes, hashes and compresses a page's records (off the async
    /// runtime); records that fail are reported.
    pub(super) async fn prepare_page(
        &self,
        source: &SourceConfig,
        profile: Option<Arc<LoadedProfile>>,
        links: Option<KnownLinks>,
        page: harvester::Page,
        report: &mut SourceReport,
        state: &mut RunState,
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
        let (records, pending) = quickhash::skip_unchanged(
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
        let prepared = tokio::task::spawn_blocking(move || {
            let one = |r: &harvester::Record| {
                (
                    r.dataset.as_str().to_owned(),
                    r.page_url.clone(),
                    prepare_and_validate(&source_id, r, profile.as_deref(), links.as_ref(), &now),
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
                        Ok((p, first_violations)) => {
                            if let Some(v) = &p.validation {
                                let c = &mut report.validation;
                                c.validated += 1;
                                c.violations += v.violations;
                                c.warnings += v.warnings;
                                c.with_violations += usize::from(v.violations > 0);
                                c.with_warnings += usize::from(v.warnings > 0);
                                if v.violations > 0 && source.validation == ValidationPolicy::Reject
                                {
                                    c.rejected += 1;
                                    report.errors.push(ItemError {
                                        url: page_url,
                                        record: Some(format!("<{dataset}>")),
                                        reason: format!(
                                            "rejected (validation = \"reject\"): {} violation(s) of profile {}: {}",
                                            v.violations,
                                            report.validation.profile.as_deref().unwrap_or(""),
                                            first_violations.join("; ")
                                        ),
                                        snippet: String::new(),
                                    });
                                    continue;
                                }
                            }
                            ok.push(p)
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
