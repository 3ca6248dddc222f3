//! The harvest lifecycle at the library level, with a manual clock: run
//! records, withdrawal after a complete listing, the withdrawal threshold,
//! purge after the grace period, reappearance, recovery of interrupted runs.

use catalog_server::config::Config;
use catalog_server::harvest::ManualClock;
use catalog_server::harvest::{Harvesting, SourceReport};
use catalog_server::store::RunStatus;
use catalog_server::store::Trigger;
use catalog_server::store::{record_id, CatalogStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp(name: &str) -> Dir {
    let d = std::env::temp_dir().join(format!("catalog-lifecycle-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Dir(d)
}

/// A catalog with datasets `ids`, each with a title that includes `version`.
fn catalog(ids: &[u32], version: impl Fn(u32) -> u32) -> String {
    let mut s = String::from(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n\
         <https://stadt.example/catalog> a dcat:Catalog .\n",
    );
    for i in ids {
        s.push_str(&format!(
            "<https://stadt.example/catalog> dcat:dataset <https://stadt.example/ds/{i}> .\n\
             <https://stadt.example/ds/{i}> a dcat:Dataset ; dct:title \"Datensatz {i} v{}\"@de ;\n\
               dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://stadt.example/{i}.csv> ] .\n",
            version(*i)
        ));
    }
    s
}

fn ds(i: u32) -> String {
    format!("https://stadt.example/ds/{i}")
}

struct Env {
    _dir: Dir,
    ttl: PathBuf,
    config: Arc<Config>,
    harvesting: Harvesting,
    clock: Arc<ManualClock>,
}

fn env(name: &str, source_extra: &str) -> Env {
    let dir = temp(name);
    let ttl = dir.0.join("catalog.ttl");
    let cfg = dir.0.join("catalog.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = \"data\"\nbase_iri = \"http://land.example/\"\n[harvest]\nkeep_runs = 4\npurge_after = \"7d\"\n\n\
             [[sources]]\nid = \"stadt\"\ntitle = \"Stadt\"\nkind = \"dcat\"\nurl = \"catalog.ttl\"\n{source_extra}\n"
        ),
    )
    .unwrap();
    let config = Arc::new(Config::load(&cfg).unwrap());
    let store = Arc::new(CatalogStore::open(&config.data_dir).unwrap());
    let mut harvesting = Harvesting::new(config.clone(), store).unwrap();
    let clock = Arc::new(ManualClock::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000),
    ));
    harvesting.clock = clock.clone();
    Env {
        _dir: dir,
        ttl,
        config,
        harvesting,
        clock,
    }
}

impl Env {
    async fn run(&self, ttl: &str) -> SourceReport {
        std::fs::write(&self.ttl, ttl).unwrap();
        self.clock.advance(Duration::from_secs(60));
        self.harvesting
            .run_source(&self.config.sources[0], Trigger::Manual, None)
            .await
    }

    fn store(&self) -> &CatalogStore {
        &self.harvesting.store
    }

    fn published(&self) -> Vec<String> {
        self.store()
            .records(Some("stadt"))
            .unwrap()
            .into_iter()
            .map(|r| r.dataset)
            .collect()
    }

    fn catalog_links(&self) -> usize {
        self.store()
            .catalog_triples("stadt")
            .unwrap()
            .iter()
            .filter(|t| t.predicate.as_str() == "http://www.w3.org/ns/dcat#dataset")
            .count()
    }

    fn modified_of(&self, i: u32) -> String {
        let rid = record_id("stadt", &ds(i));
        self.store()
            .records(Some("stadt"))
            .unwrap()
            .into_iter()
            .find(|r| r.rid == rid)
            .map(|r| r.harvested)
            .unwrap_or_default()
    }
}

fn counts(r: &SourceReport) -> [usize; 5] {
    [r.added, r.updated, r.unchanged, r.withdrawn, r.purged]
}

#[tokio::test]
async fn changes_withdrawals_threshold_purge_and_reappearance() {
    let e = env("main", "max_withdraw_share = 0.25");
    let ten: Vec<u32> = (1..=10).collect();
    let r1 = e.run(&catalog(&ten, |_| 1)).await;
    assert_eq!(r1.status, RunStatus::Success, "{:?}", r1.errors);
    assert_eq!(counts(&r1), [10, 0, 0, 0, 0]);
    let m2 = e.modified_of(2);

    // Modify 1, delete 10, add 11.
    let mut ids: Vec<u32> = (1..=9).collect();
    ids.push(11);
    let r2 = e.run(&catalog(&ids, |i| if i == 1 { 2 } else { 1 })).await;
    assert_eq!(r2.status, RunStatus::Success, "{:?}", r2.errors);
    assert_eq!(counts(&r2), [1, 1, 8, 1, 0]);
    assert_eq!(e.modified_of(2), m2, "unchanged records are not rewritten");
    assert_ne!(e.modified_of(1), m2);
    let published = e.published();
    assert_eq!(published.len(), 10);
    assert!(!published.contains(&ds(10)));
    assert_eq!(e.catalog_links(), 10);
    let withdrawn = e.store().withdrawn_records("stadt").unwrap();
    assert_eq!(withdrawn.len(), 1);
    assert_eq!(withdrawn[0].0, record_id("stadt", &ds(10)));
    // Export skips the withdrawn record; `--all` has it.
    let export = |all: bool| {
        let mut out = Vec::new();
        let stats = catalog_server::export::export(
            e.store(),
            &e.config,
            Some("stadt"),
            all,
            oxigraph::io::RdfFormat::NTriples,
            &mut out,
        )
        .unwrap();
        (stats.records, String::from_utf8(out).unwrap())
    };
    let (n, text) = export(false);
    assert_eq!(n, 10);
    assert!(!text.contains("/ds/10>"));
    let (n, text) = export(true);
    assert_eq!(n, 11);
    assert!(text.contains("/ds/10>"));

    // An empty catalog: withdrawing everything is over the threshold.
    let r3 = e.run(&catalog(&[], |_| 1)).await;
    assert_eq!(r3.withdrawn, 0);
    let why = r3.deletions.clone().unwrap_or_default();
    assert!(why.contains("10 of 10") && why.contains("25%"), "{why}");
    assert_eq!(e.published().len(), 10);
    let stored = e.store().run(&r3.run_id).unwrap().unwrap();
    assert_eq!(stored.deletions.as_deref(), Some(why.as_str()));

    // Within the grace period nothing is purged; after it, at the next
    // complete run, the record is.
    e.clock.advance(Duration::from_secs(6 * 24 * 3600));
    let r4 = e.run(&catalog(&ids, |i| if i == 1 { 2 } else { 1 })).await;
    assert_eq!(counts(&r4), [0, 0, 10, 0, 0]);
    e.clock.advance(Duration::from_secs(2 * 24 * 3600));
    let r5 = e.run(&catalog(&ids, |i| if i == 1 { 2 } else { 1 })).await;
    assert_eq!(counts(&r5), [0, 0, 10, 0, 1]);
    assert!(e.store().withdrawn_records("stadt").unwrap().is_empty());
    let rid10 = record_id("stadt", &ds(10));
    let graph =
        oxigraph::model::NamedNode::new(format!("urn:dcat-catalog:record:{rid10}")).unwrap();
    assert!(!e
        .store()
        .oxigraph()
        .contains_named_graph(graph.as_ref())
        .unwrap());

    // Withdraw 3, then it reappears unchanged: published again, counted as added.
    let without3: Vec<u32> = ids.iter().copied().filter(|i| *i != 3).collect();
    let r6 = e
        .run(&catalog(&without3, |i| if i == 1 { 2 } else { 1 }))
        .await;
    assert_eq!(counts(&r6), [0, 0, 9, 1, 0]);
    let r7 = e.run(&catalog(&ids, |i| if i == 1 { 2 } else { 1 })).await;
    assert_eq!(counts(&r7), [1, 0, 9, 0, 0]);
    assert_eq!(r7.republished, 1);
    assert!(e.published().contains(&ds(3)));
    assert_eq!(e.catalog_links(), 10);
    assert!(e.store().withdrawn_records("stadt").unwrap().is_empty());

    // Run records: newest first, retention 4.
    let runs = e.store().runs("stadt", 100).unwrap();
    assert_eq!(runs.len(), 4);
    assert_eq!(runs[0].id, r7.run_id);
    assert_eq!(runs[0].status, "success");
    assert_eq!(runs[0].trigger, "manual");
    assert_eq!(runs[0].counts["added"], 1);
    assert_eq!(runs[0].counts["republished"], 1);
    assert_eq!(runs[1].counts["withdrawn"], 1);
    assert!(runs[0].ended.is_some());
    assert_eq!(
        e.store().last_run("stadt").unwrap().map(|r| r.id),
        Some(r7.run_id.clone())
    );
    assert!(e.store().run(&r1.run_id).unwrap().is_none(), "pruned");
}

#[tokio::test]
async fn failures_never_withdraw_and_errors_are_stored() {
    let e = env("fail", "max_withdraw_share = 1.0");
    let r1 = e.run(&catalog(&[1, 2, 3], |_| 1)).await;
    assert_eq!(counts(&r1), [3, 0, 0, 0, 0]);
    // A broken file: the run fails, nothing is withdrawn.
    let r2 = e
        .run("@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> dcat:dataset <b ;;")
        .await;
    assert_eq!(r2.status, RunStatus::Failed);
    assert_eq!(r2.withdrawn, 0);
    assert!(r2
        .deletions
        .as_deref()
        .unwrap_or("")
        .contains("nothing withdrawn"));
    assert_eq!(e.published().len(), 3);
    let stored = e.store().run(&r2.run_id).unwrap().unwrap();
    assert_eq!(stored.status, "failed");
    assert!(!stored.errors.is_empty());
    assert!(!stored.errors[0].reason.is_empty());
    assert_eq!(
        e.store().last_complete_run("stadt").unwrap().map(|r| r.id),
        Some(r1.run_id.clone())
    );
    // With share 1.0 an empty catalog withdraws all.
    let r3 = e.run(&catalog(&[], |_| 1)).await;
    assert_eq!(r3.withdrawn, 3);
    assert!(e.published().is_empty());
}

#[tokio::test]
async fn runs_left_running_are_interrupted_at_open() {
    let dir = temp("recover");
    let data = dir.0.join("data");
    {
        let store = CatalogStore::open(&data).unwrap();
        store
            .begin_run(
                "stadt-0000000000001",
                "stadt",
                Trigger::Schedule,
                "2026-01-01T00:00:00Z",
            )
            .unwrap();
        assert_eq!(store.last_run("stadt").unwrap().unwrap().status, "running");
    }
    let store = CatalogStore::open(&data).unwrap();
    let run = store.last_run("stadt").unwrap().unwrap();
    assert_eq!(run.status, "interrupted");
    assert_eq!(run.trigger, "schedule");
    assert!(run.end_reason.unwrap().contains("interrupted"));
    assert!(store.last_complete_run("stadt").unwrap().is_none());
    let _ = Path::new(&data);
}

#[tokio::test]
async fn ckan_incremental_start_is_last_success_minus_margin() {
    let e = env("since", "");
    let store = e.store();
    let margin = Duration::from_secs(3600);
    assert_eq!(
        catalog_server::harvest::lifecycle::incremental_since(store, "stadt", margin).unwrap(),
        None
    );
    let r1 = e.run(&catalog(&[1, 2], |_| 1)).await;
    assert_eq!(r1.status, RunStatus::Success);
    let started = store.run(&r1.run_id).unwrap().unwrap().started;
    let since = catalog_server::harvest::lifecycle::incremental_since(store, "stadt", margin)
        .unwrap()
        .unwrap();
    let expected = catalog_server::store::parse_xsd_time(&started).unwrap() - margin;
    assert_eq!(since, catalog_server::store::xsd_time(expected));
    // A failed run does not move the start point.
    let r2 = e.run("not turtle at all <<<").await;
    assert_eq!(r2.status, RunStatus::Failed);
    assert_eq!(
        catalog_server::harvest::lifecycle::incremental_since(store, "stadt", margin).unwrap(),
        Some(since)
    );
}
