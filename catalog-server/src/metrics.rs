//! Prometheus metrics in the text exposition format (version 0.0.4), kept by
//! hand: a few counters, gauges and histograms with labels, enough for
//! `/metrics` without a metrics framework.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `catalog_runs_total` | counter | `source`, `status` |
//! | `catalog_records_total` | counter | `source`, `outcome` (added, updated, unchanged, failed, withdrawn, purged) |
//! | `catalog_run_duration_seconds` | histogram | `source` |
//! | `catalog_fetch_errors_total` | counter | `source` (pages that could not be fetched or read) |
//! | `catalog_pages_not_modified_total` | counter | `source` (pages answered `304 Not Modified`) |
//! | `catalog_runs_refused_total` | counter | `source`, `trigger` (a run of the source was already queued or running) |
//! | `catalog_runs_active` | gauge | `state` (queued, running) |
//! | `catalog_http_request_duration_seconds` | histogram | `route`, `method`, `status` |
//!
//! Label values come from fixed sets wherever clients choose them: `route` is
//! the matched route template or [`UNMATCHED_ROUTE`], `method` one of
//! [`METHODS`] or `other` (see [`method_label`]), so no client can make the
//! exposition grow without bound.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Buckets of run durations (seconds).
const RUN_BUCKETS: &[f64] = &[
    1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 21600.0,
];
/// Buckets of HTTP request durations (seconds).
const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

type Labels = Vec<(&'static str, String)>;

/// The `route` label of requests that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// HTTP methods kept as they are in the `method` label.
pub const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];

/// The `method` label of a request: one of [`METHODS`], else `other`.
pub fn method_label(method: &str) -> &'static str {
    METHODS
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("other")
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Counts per bucket (not cumulative), plus the overflow at the end.
    buckets: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, bounds: &[f64], v: f64) {
        if self.buckets.is_empty() {
            self.buckets = vec![0; bounds.len() + 1];
        }
        let i = bounds.iter().position(|b| v <= *b).unwrap_or(bounds.len());
        self.buckets[i] += 1;
        self.sum += v;
        self.count += 1;
    }
}

#[derive(Debug, Default)]
struct Inner {
    counters: BTreeMap<(&'static str, Labels), u64>,
    gauges: BTreeMap<(&'static str, Labels), i64>,
    histograms: BTreeMap<(&'static str, Labels), Histogram>,
}

/// What the metrics count of a finished harvest run (the harvest's report
/// gives it: `SourceReport::finished_run`).
#[derive(Debug, Clone)]
pub struct FinishedRun<'a> {
    pub source: &'a str,
    /// success, partial, failed …
    pub status: &'a str,
    /// Records by outcome: added, updated, unchanged, failed, withdrawn, purged.
    pub outcomes: [(&'static str, usize); 6],
    /// Pages that could not be fetched or read.
    pub pages_failed: usize,
    /// Pages answered `304 Not Modified`.
    pub pages_not_modified: usize,
    pub seconds: f64,
}

/// The process's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

struct Family {
    name: &'static str,
    kind: &'static str,
    help: &'static str,
}

const FAMILIES: &[Family] = &[
    Family {
        name: "catalog_runs_total",
        kind: "counter",
        help: "Finished harvest runs by source and status.",
    },
    Family {
        name: "catalog_records_total",
        kind: "counter",
        help: "Records by source and outcome over finished runs.",
    },
    Family {
        name: "catalog_run_duration_seconds",
        kind: "histogram",
        help: "Duration of finished harvest runs.",
    },
    Family {
        name: "catalog_fetch_errors_total",
        kind: "counter",
        help: "Pages of a source that could not be fetched or read.",
    },
    Family {
        name: "catalog_pages_not_modified_total",
        kind: "counter",
        help: "Pages of a source answered 304 Not Modified to a conditional request.",
    },
    Family {
        name: "catalog_runs_refused_total",
        kind: "counter",
        help: "Run requests refused because a run of the source was queued or running.",
    },
    Family {
        name: "catalog_runs_active",
        kind: "gauge",
        help: "Runs queued for a slot or running now.",
    },
    Family {
        name: "catalog_http_request_duration_seconds",
        kind: "histogram",
        help: "HTTP request latencies by route, method and status.",
    },
];

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut inner)
    }

    fn add(&self, name: &'static str, labels: Labels, by: u64) {
        self.with(|m| *m.counters.entry((name, labels)).or_default() += by);
    }

    /// Accounts for a finished run.
    pub fn run_finished(&self, run: &FinishedRun<'_>) {
        let source = || ("source", run.source.to_owned());
        self.add(
            "catalog_runs_total",
            vec![source(), ("status", run.status.to_owned())],
            1,
        );
        for (outcome, n) in run.outcomes {
            self.add(
                "catalog_records_total",
                vec![source(), ("outcome", outcome.to_owned())],
                n as u64,
            );
        }
        self.add(
            "catalog_fetch_errors_total",
            vec![source()],
            run.pages_failed as u64,
        );
        self.add(
            "catalog_pages_not_modified_total",
            vec![source()],
            run.pages_not_modified as u64,
        );
        self.with(|m| {
            m.histograms
                .entry(("catalog_run_duration_seconds", vec![source()]))
                .or_default()
                .observe(RUN_BUCKETS, run.seconds)
        });
    }

    /// A run request refused because the source is busy.
    pub fn run_refused(&self, source: &str, trigger: &str) {
        self.add(
            "catalog_runs_refused_total",
            vec![
                ("source", source.to_owned()),
                ("trigger", trigger.to_owned()),
            ],
            1,
        );
    }

    /// Moves the active-runs gauge of `state` (queued, running) by `delta`.
    pub fn active(&self, state: &'static str, delta: i64) {
        self.with(|m| {
            *m.gauges
                .entry(("catalog_runs_active", vec![("state", state.to_owned())]))
                .or_default() += delta
        });
    }

    /// One HTTP request. `route` must come from a fixed set (the matched
    /// route template or [`UNMATCHED_ROUTE`]); `method` is folded by
    /// [`method_label`].
    pub fn http_request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let labels = vec![
            ("route", route.to_owned()),
            ("method", method_label(method).to_owned()),
            ("status", status.to_string()),
        ];
        self.with(|m| {
            m.histograms
                .entry(("catalog_http_request_duration_seconds", labels))
                .or_default()
                .observe(HTTP_BUCKETS, seconds)
        });
    }

    /// The text exposition of all metrics.
    pub fn render(&self) -> String {
        let inner = self.with(|m| (m.counters.clone(), m.gauges.clone(), m.histograms.clone()));
        let (counters, gauges, histograms) = inner;
        let mut out = String::new();
        for family in FAMILIES {
            let _ = writeln!(out, "# HELP {} {}", family.name, family.help);
            let _ = writeln!(out, "# TYPE {} {}", family.name, family.kind);
            for ((name, labels), v) in &counters {
                if *name == family.name {
                    let _ = writeln!(out, "{name}{} {v}", render_labels(labels, None));
                }
            }
            for ((name, labels), v) in &gauges {
                if *name == family.name {
                    let _ = writeln!(out, "{name}{} {v}", render_labels(labels, None));
                }
            }
            let bounds = if family.name == "catalog_run_duration_seconds" {
                RUN_BUCKETS
            } else {
                HTTP_BUCKETS
            };
            for ((name, labels), h) in &histograms {
                if *name != family.name {
                    continue;
                }
                let mut cumulative = 0u64;
                for (i, b) in bounds.iter().enumerate() {
                    cumulative += h.buckets.get(i).copied().unwrap_or(0);
                    let le = format_float(*b);
                    let _ = writeln!(
                        out,
                        "{name}_bucket{} {cumulative}",
                        render_labels(labels, Some(&le))
                    );
                }
                let _ = writeln!(
                    out,
                    "{name}_bucket{} {}",
                    render_labels(labels, Some("+Inf")),
                    h.count
                );
                let _ = writeln!(
                    out,
                    "{name}_sum{} {}",
                    render_labels(labels, None),
                    format_float(h.sum)
                );
                let _ = writeln!(
                    out,
                    "{name}_count{} {}",
                    render_labels(labels, None),
                    h.count
                );
            }
        }
        out
    }
}

fn format_float(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "0".to_owned()
    }
}

fn render_labels(labels: &Labels, le: Option<&str>) -> String {
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    if let Some(le) = le {
        parts.push(format!("le=\"{le}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

/// Escapes a label value (backslash, double quote, newline).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_cumulative_buckets_and_escaped_labels() {
        let m = Metrics::new();
        m.http_request("/api/runs/{id}", "GET", 200, 0.003);
        m.http_request("/api/runs/{id}", "GET", 200, 0.2);
        m.run_refused("a\"b", "manual");
        m.active("running", 1);
        let text = m.render();
        assert!(text.contains("# TYPE catalog_http_request_duration_seconds histogram"));
        assert!(text.contains(
            "catalog_http_request_duration_seconds_bucket{route=\"/api/runs/{id}\",method=\"GET\",status=\"200\",le=\"0.005\"} 1"
        ), "{text}");
        assert!(text.contains(
            "catalog_http_request_duration_seconds_bucket{route=\"/api/runs/{id}\",method=\"GET\",status=\"200\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains(
            "catalog_http_request_duration_seconds_count{route=\"/api/runs/{id}\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains("catalog_runs_refused_total{source=\"a\\\"b\",trigger=\"manual\"} 1"));
        assert!(text.contains("catalog_runs_active{state=\"running\"} 1"));
    }

    #[test]
    fn invented_methods_fold_into_other() {
        let m = Metrics::new();
        for i in 0..100 {
            m.http_request(UNMATCHED_ROUTE, &format!("X{i}"), 404, 0.001);
        }
        m.http_request("/health", "GET", 200, 0.001);
        m.http_request("/health", "get", 405, 0.001);
        let text = m.render();
        let series = text
            .lines()
            .filter(|l| l.starts_with("catalog_http_request_duration_seconds_count"))
            .count();
        assert_eq!(series, 3, "{text}");
        assert!(text.contains(
            "catalog_http_request_duration_seconds_count{route=\"unmatched\",method=\"other\",status=\"404\"} 100"
        ));
        assert_eq!(method_label("PATCH"), "PATCH");
    }
}
