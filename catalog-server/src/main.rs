//! `catalog-server`: harvest municipal catalogs into the embedded store, serve
//! them over SPARQL, export them as DCAT-AP.

use anyhow::{bail, Context};
use catalog_server::config::{Config, SourceConfig};
use catalog_server::harvest::scheduler::Scheduler;
use catalog_server::harvest::{Harvesting, SourceReport};
use catalog_server::http::AdminState;
use catalog_server::http::AppState;
use catalog_server::http::HttpLimits;
use catalog_server::links::LinkChecker;
use catalog_server::search_index;
use catalog_server::store::CatalogStore;
use catalog_server::store::RunStatus;
use catalog_server::store::Trigger;
use clap::{Parser, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "catalog-server",
    version,
    about = "Federated DCAT-AP catalog: harvest, store, serve, export"
)]
struct Cli {
    /// Configuration file.
    #[arg(
        long,
        global = true,
        default_value = "config/catalog.toml",
        env = "CATALOG_CONFIG"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the SPARQL endpoint and pages.
    Serve {
        /// Harvest all enabled sources in the background right after start.
        #[arg(long)]
        harvest: bool,
        /// Listen address (overrides `listen` in the config).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Harvest all enabled sources (or one) once, then exit.
    Harvest {
        /// Harvest only this source (even if disabled).
        #[arg(long)]
        source: Option<String>,
        /// Also write the run reports as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Full runs: no incremental CKAN query, whatever the last run was.
        #[arg(long)]
        full: bool,
    },
    /// Validate RDF files (any syntax) against a validation profile or
    /// shape files; exit code 1 when there are violations.
    Validate {
        /// The RDF documents to validate.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A shipped profile or one from `[validation.profiles]` of the config
        /// (default dcat-ap-de-3).
        #[arg(long, conflicts_with = "shapes")]
        profile: Option<String>,
        /// Shape files to use instead of a profile.
        #[arg(long, num_args = 1..)]
        shapes: Vec<PathBuf>,
        /// Vocabulary files consulted with `--shapes`.
        #[arg(long, num_args = 1.., requires = "shapes")]
        vocabularies: Vec<PathBuf>,
        /// text, turtle or json.
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Check the links of the distributions of published records (all
    /// sources, or one) that are due, store the results and score again
    /// the records whose links changed (`[quality]` in the config).
    CheckLinks {
        /// Only the links of this source's records.
        #[arg(long)]
        source: Option<String>,
        /// Check every link, due or not.
        #[arg(long)]
        all: bool,
        /// Print the summary as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Delete the search index and build it again from the store.
    Reindex,
    /// Copy store, archive and search index consistently into a new folder
    /// (a data folder of its own; see docs/deployment.md for restore).
    /// While `serve` runs, the server makes the copy (admin API, with the
    /// admin token of the config); otherwise this command does.
    Backup {
        /// The folder to create (must not exist; its parent must).
        dir: PathBuf,
        /// The running server's address (default: `listen` of the config).
        #[arg(long)]
        server: Option<String>,
    },
    /// Write the consolidated catalog (exact record graphs) as RDF.
    Export {
        /// Export only this source.
        #[arg(long)]
        source: Option<String>,
        /// ttl, nt, nq, trig, rdf (RDF/XML) or jsonld.
        #[arg(long, default_value = "ttl")]
        format: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Every stored record (withdrawn ones and duplicates of another
        /// source's record too), not only what the catalog endpoint serves.
        #[arg(long)]
        all: bool,
    },
}

fn main() -> std::process::ExitCode {
    catalog_server::tune_allocator();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<u8> {
    if let Command::Validate {
        files,
        profile,
        shapes,
        vocabularies,
        format,
    } = &cli.command
    {
        // The config only matters for its own profiles; validating files
        // works without one.
        let validation = if cli.config.exists() {
            Config::load(&cli.config)?.validation
        } else {
            Default::default()
        };
        return validate_files(
            &validation,
            files,
            profile.as_deref(),
            shapes,
            vocabularies,
            format,
        );
    }
    let config = Arc::new(Config::load(&cli.config)?);
    match cli.command {
        Command::Validate { .. } => Ok(0),
        Command::Serve { harvest, listen } => serve(config, harvest, listen).await,
        Command::Harvest {
            source,
            report,
            full,
        } => harvest_once(config, source, report, full).await,
        Command::Export {
            source,
            format,
            out,
            all,
        } => export(config, source, &format, out, all).await,
        Command::Reindex => reindex(config).await,
        Command::CheckLinks { source, all, json } => check_links(config, source, all, json).await,
        Command::Backup { dir, server } => backup(config, dir, server).await,
    }
}

fn validate_files(
    validation: &catalog_server::config::ValidationConfig,
    files: &[PathBuf],
    profile: Option<&str>,
    shapes: &[PathBuf],
    vocabularies: &[PathBuf],
    format: &str,
) -> anyhow::Result<u8> {
    use catalog_server::validation::{self as v, ReportFormat};
    let format: ReportFormat = format.parse().map_err(anyhow::Error::msg)?;
    let loaded = if shapes.is_empty() {
        let name = profile.unwrap_or("dcat-ap-de-3");
        match v::Profiles::new(validation).get(name)? {
            Some(p) => p,
            None => bail!("profile \"none\" validates nothing; choose a profile or --shapes"),
        }
    } else {
        Arc::new(v::profile_from_files(shapes, vocabularies)?)
    };
    if format == ReportFormat::Text {
        for note in &loaded.notes {
            eprintln!("note: {note}");
        }
    }
    let mut violations = false;
    for file in files {
        let body = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let name = file.display().to_string();
        let parsed =
            v::parse_rdf(&body, v::media_type_for_path(file), &name).map_err(anyhow::Error::msg)?;
        let report = loaded
            .check_document(&parsed.triples)
            .map_err(anyhow::Error::msg)?;
        violations |= report
            .results
            .iter()
            .any(|r| r.severity == shacl::Severity::Violation);
        let out = loaded
            .render(&report, &name, format, &parsed.repairs)
            .map_err(anyhow::Error::msg)?;
        println!("{out}");
    }
    Ok(u8::from(violations))
}

fn open_store(config: &Config) -> anyhow::Result<Arc<CatalogStore>> {
    Ok(Arc::new(CatalogStore::open(&config.data_dir)?))
}

/// Opens the search index, repairs it from the store, and makes it follow
/// the harvests of `harvesting`.
async fn open_search(
    config: &Arc<Config>,
    store: &Arc<CatalogStore>,
    harvesting: &mut Harvesting,
) -> anyhow::Result<Arc<catalog_search::SearchIndex>> {
    let (c, s) = (config.clone(), store.clone());
    let (index, report) = tokio::task::spawn_blocking(move || search_index::open(&c, &s)).await??;
    if let Some(why) = &report.rebuilt {
        tracing::info!("search index rebuilt from the store ({why})");
    }
    if report.indexed + report.removed > 0 || report.rebuilt.is_some() {
        tracing::info!(
            indexed = report.indexed,
            removed = report.removed,
            documents = report.documents,
            "search index repaired from the store in {:.1} s",
            report.seconds
        );
    }
    for e in &report.failed {
        tracing::error!("search index: {e}");
    }
    harvesting
        .followers
        .push(Arc::new(search_index::SearchFollower::new(
            index.clone(),
            store.clone(),
            config,
        )));
    Ok(index)
}

/// `catalog-server backup DIR`: by this process when the store is free,
/// else by the server that holds it.
async fn backup(config: Arc<Config>, dir: PathBuf, server: Option<String>) -> anyhow::Result<u8> {
    let dir =
        std::path::absolute(&dir).with_context(|| format!("backup folder {}", dir.display()))?;
    let store = match CatalogStore::open(&config.data_dir) {
        Ok(store) => store,
        Err(e) if e.is_in_use() => return backup_by_server(&config, &dir, server).await,
        Err(e) => return Err(e.into()),
    };
    // The index only if there is one: opening a missing one would create it.
    let index_dir = search_index::index_dir(&config);
    let report = tokio::task::spawn_blocking(move || {
        let index = if index_dir.join("meta.json").exists() {
            match catalog_search::SearchIndex::open(&index_dir, Default::default()) {
                Ok((index, None)) => Some(index),
                Ok((_, Some(why))) => {
                    tracing::warn!(
                        "search index not copied ({why}); a restore builds it from the store"
                    );
                    None
                }
                Err(e) => {
                    tracing::warn!(
                        "search index not copied ({e}); a restore builds it from the store"
                    );
                    None
                }
            }
        } else {
            None
        };
        catalog_server::backup::backup(&store, index.as_ref(), &dir)
    })
    .await??;
    eprintln!("{}", serde_json::to_string_pretty(&report)?);
    Ok(0)
}

async fn backup_by_server(
    config: &Config,
    dir: &std::path::Path,
    server: Option<String>,
) -> anyhow::Result<u8> {
    let base = server.unwrap_or_else(|| {
        let mut addr = config.listen;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}")
    });
    let token = config
        .admin_token()?
        .context("the store is in use by a running server, and asking it for a backup needs the admin token (set $CATALOG_ADMIN_TOKEN or admin_token_env)")?;
    let url = format!("{}/api/admin/backup", base.trim_end_matches('/'));
    eprintln!("the store is in use: asking the server at {base} for the copy");
    let answer = reqwest::Client::new()
        .post(&url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(&serde_json::json!({ "dir": dir }))?)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = answer.status();
    let text = answer.text().await.unwrap_or_default();
    if !status.is_success() {
        anyhow::bail!("POST {url}: {status}: {text}");
    }
    eprintln!("{text}");
    Ok(0)
}

async fn reindex(config: Arc<Config>) -> anyhow::Result<u8> {
    let store = open_store(&config)?;
    let (c, s) = (config.clone(), store.clone());
    let (_, report) = tokio::task::spawn_blocking(move || search_index::rebuild(&c, &s)).await??;
    eprintln!(
        "search index rebuilt: {} documents in {:.1} s{}",
        report.documents,
        report.seconds,
        if report.failed.is_empty() {
            String::new()
        } else {
            format!(", {} records could not be read", report.failed.len())
        }
    );
    for e in &report.failed {
        eprintln!("  - {e}");
    }
    Ok(u8::from(!report.failed.is_empty()))
}

async fn serve(
    config: Arc<Config>,
    harvest: bool,
    listen: Option<std::net::SocketAddr>,
) -> anyhow::Result<u8> {
    if config.admin_token()?.is_none() {
        tracing::info!(
            "no admin token is configured: the admin API's write endpoints are disabled"
        );
    }
    let store = open_store(&config)?;
    let mut harvesting = Harvesting::new(config.clone(), store.clone())?;
    let search = open_search(&config, &store, &mut harvesting).await?;
    let harvesting = Arc::new(harvesting);
    let addr = listen.unwrap_or(config.listen);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let metrics = Arc::new(catalog_server::metrics::Metrics::new());
    let scheduler = Scheduler::new(harvesting.clone(), metrics);
    // Handlers read the config through the scheduler's handle, so a reload
    // reaches every one of them.
    let limits = Arc::new(HttpLimits::new(&config.http));
    let state = Arc::new(AppState::new(
        store.clone(),
        scheduler.current(),
        search,
        &config,
        limits.clone(),
    ));
    tracing::info!(
        "serving on http://{} (SPARQL at /sparql, admin API at /api)",
        listener.local_addr()?
    );
    scheduler.start();
    if harvest {
        for s in config.sources.iter().filter(|s| s.enabled) {
            if let Err(e) = scheduler.trigger(&s.id.0, Trigger::Manual) {
                tracing::warn!(source = %s.id, "{e}");
            }
        }
    }
    spawn_sighup_reload(scheduler.clone(), limits.clone());
    spawn_link_checker(store.clone(), scheduler.clone());
    let admin =
        Arc::new(AdminState::new(scheduler.clone(), limits).with_search(state.search.clone()));
    catalog_server::http::server::serve(
        listener,
        catalog_server::http::app(state, admin),
        &config.http,
        shutdown_signal(),
    )
    .await;
    scheduler.stop();
    // Runs in progress get a bounded time to finish; those still running
    // then end with the process and are marked interrupted at the next start.
    let deadline = std::time::Instant::now() + SHUTDOWN_GRACE;
    loop {
        let running = scheduler.jobs().len();
        if running == 0 {
            break;
        }
        if std::time::Instant::now() >= deadline {
            tracing::warn!(
                "{running} harvest run(s) still in progress after {} s; they end now and are marked interrupted at the next start",
                SHUTDOWN_GRACE.as_secs()
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    store.flush()?;
    Ok(0)
}

/// How long `serve` waits, after the HTTP server has stopped, for harvest
/// runs in progress to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Resolves at Ctrl-C (SIGINT) or SIGTERM (systemd, containers).
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("shutting down (interrupt)"),
        _ = term => tracing::info!("shutting down (SIGTERM)"),
    }
}

/// Reloads the config on SIGHUP (jobs in progress go on; the `[http]`
/// limits stay until the next start).
fn spawn_sighup_reload(scheduler: Arc<Scheduler>, limits: Arc<HttpLimits>) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot listen for SIGHUP (config reload): {e}");
            return;
        }
    };
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading the config");
            match scheduler.reload().await {
                Ok(_) => limits.warn_if_changed(&scheduler.config().http),
                Err(e) => tracing::error!("config reload failed: {e}"),
            }
        }
    });
}

/// Runs sources with the configured concurrency.
/// `check-links`: one round of the link checker, with a progress bar.
async fn check_links(
    config: Arc<Config>,
    source: Option<String>,
    all: bool,
    json: bool,
) -> anyhow::Result<u8> {
    if !config.quality.check_links {
        bail!(
            "link checking is off in {} ([quality] check_links = false); the status-code metrics stay \"not checked\"",
            config.path.display()
        );
    }
    if let Some(id) = &source {
        if config.source(id).is_none() {
            bail!("no source {id:?} in {}", config.path.display());
        }
    }
    let store = open_store(&config)?;
    let checker = LinkChecker::new(
        store.clone(),
        &config.quality,
        config.harvest.user_agent.as_deref(),
    )?;
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} links {per_sec} {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = |done: usize, due: usize| {
        pb.set_length(due as u64);
        pb.set_position(done as u64);
    };
    let summary = checker.run(source.as_deref(), all, &progress).await?;
    pb.finish_and_clear();
    store.flush()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "{} links, {} due, {} checked in {:.1} s: {} ok, {} broken; {} changed, {} records scored again",
            summary.urls,
            summary.due,
            summary.checked,
            summary.seconds,
            summary.ok,
            summary.broken,
            summary.changed,
            summary.rescored
        );
    }
    Ok(0)
}

/// `serve`: the link checker in the background, one round every
/// `[quality] check_interval` (read at each round, so a reload reaches it),
/// the first one interval after the start; nothing while
/// `check_links = false`.
fn spawn_link_checker(store: Arc<CatalogStore>, scheduler: Arc<Scheduler>) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(scheduler.current().config().quality.check_interval).await;
            let config = scheduler.current().config();
            if config.quality.check_links {
                let round = async {
                    // Rescored records reach the search index (its quality
                    // facet and sort) as harvested ones do.
                    let followers = scheduler.harvesting().followers.clone();
                    let checker = LinkChecker::new(
                        store.clone(),
                        &config.quality,
                        config.harvest.user_agent.as_deref(),
                    )?
                    .with_followers(followers);
                    checker.run(None, false, &|_, _| {}).await
                };
                match round.await {
                    Ok(s) if s.due > 0 => tracing::info!(
                        checked = s.checked,
                        ok = s.ok,
                        broken = s.broken,
                        changed = s.changed,
                        rescored = s.rescored,
                        seconds = s.seconds,
                        "links checked"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!("{e}"),
                }
            }
        }
    });
}

async fn run_sources(
    harvesting: &Arc<Harvesting>,
    sources: &[SourceConfig],
    trigger: Trigger,
    bars: Option<&MultiProgress>,
) -> Vec<SourceReport> {
    let limit = Arc::new(tokio::sync::Semaphore::new(
        harvesting.config.harvest.concurrency,
    ));
    let mut tasks = Vec::new();
    for source in sources {
        let pb = bars.map(|m| {
            let pb = m.add(ProgressBar::new_spinner());
            pb.set_style(
                ProgressStyle::with_template("{spinner} {prefix:.bold} {elapsed:>4} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            pb.set_prefix(source.id.0.clone());
            pb.set_message("waiting");
            pb.enable_steady_tick(Duration::from_millis(200));
            pb
        });
        let h = harvesting.clone();
        let source = source.clone();
        let limit = limit.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire().await;
            if let Some(pb) = &pb {
                pb.set_message("harvesting");
            }
            let report = h.run_source(&source, trigger, pb.clone()).await;
            if let Some(pb) = pb {
                pb.finish_with_message(format!(
                    "{:?}: {} records ({} new, {} changed, {} unchanged), {} failed",
                    report.status,
                    report.records(),
                    report.added,
                    report.updated,
                    report.unchanged,
                    report.failed + report.pages_failed
                ));
            }
            report
        }));
    }
    let mut reports = Vec::new();
    for t in tasks {
        match t.await {
            Ok(r) => reports.push(r),
            Err(e) => tracing::error!("harvest task failed: {e}"),
        }
    }
    reports
}

async fn harvest_once(
    config: Arc<Config>,
    only: Option<String>,
    report_file: Option<PathBuf>,
    full: bool,
) -> anyhow::Result<u8> {
    let mut sources: Vec<SourceConfig> = match &only {
        Some(id) => match config.source(id) {
            Some(s) => vec![s.clone()],
            None => bail!(
                "no source {id:?} in {} (known: {})",
                config.path.display(),
                config
                    .sources
                    .iter()
                    .map(|s| s.id.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        None => config
            .sources
            .iter()
            .filter(|s| s.enabled)
            .cloned()
            .collect(),
    };
    if sources.is_empty() {
        bail!("no enabled sources in {}", config.path.display());
    }
    if full {
        for s in &mut sources {
            s.incremental = false;
        }
    }
    let store = open_store(&config)?;
    let mut harvesting = Harvesting::new(config.clone(), store.clone())?;
    open_search(&config, &store, &mut harvesting).await?;
    let harvesting = Arc::new(harvesting);
    let bars = MultiProgress::new();
    let reports = run_sources(&harvesting, &sources, Trigger::Cli, Some(&bars)).await;
    store.flush()?;
    print_summary(&reports);
    if let Some(path) = report_file {
        let json = serde_json::to_vec_pretty(&reports)?;
        std::fs::write(&path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    let failed =
        reports.iter().any(|r| r.status != RunStatus::Success) || reports.len() != sources.len();
    Ok(u8::from(failed))
}

fn print_summary(reports: &[SourceReport]) {
    println!();
    println!(
        "{:<24} {:<8} {:>6} {:>5} {:>8} {:>8} {:>10} {:>7} {:>9}",
        "source", "status", "pages", "304", "added", "updated", "unchanged", "failed", "seconds"
    );
    for r in reports {
        println!(
            "{:<24} {:<8} {:>6} {:>5} {:>8} {:>8} {:>10} {:>7} {:>9.1}",
            r.source,
            format!("{:?}", r.status).to_lowercase(),
            r.pages,
            r.pages_not_modified,
            r.added,
            r.updated,
            r.unchanged,
            r.failed + r.pages_failed,
            r.seconds
        );
    }
    for r in reports {
        if r.withdrawn + r.purged + r.republished > 0 {
            println!(
                "{}: {} withdrawn, {} purged, {} republished",
                r.source, r.withdrawn, r.purged, r.republished
            );
        }
        if let Some(why) = &r.deletions {
            println!("{}: {why}", r.source);
        }
        if r.duplicates > 0 {
            println!(
                "{}: {} record(s) are duplicates of another source's record (not shown upstream or in search; GET /api/sources/{}/duplicates)",
                r.source, r.duplicates, r.source
            );
        }
    }
    for r in reports {
        if r.warnings.is_empty() {
            continue;
        }
        println!();
        println!(
            "{}: {} value(s) repaired or left out (records kept):",
            r.source,
            r.warnings.len()
        );
        for w in r.warnings.iter().take(20) {
            println!(
                "  - {} record {}: {}",
                w.url,
                w.record.as_deref().unwrap_or("-"),
                w.reason
            );
        }
        if r.warnings.len() > 20 {
            println!("  … and {} more", r.warnings.len() - 20);
        }
    }
    for r in reports {
        if r.status == RunStatus::Success {
            continue;
        }
        println!();
        println!(
            "{}: {}",
            r.source,
            r.end_reason.as_deref().unwrap_or("errors")
        );
        for e in r.errors.iter().take(20) {
            match &e.record {
                Some(rec) => println!("  - {} record {rec}: {}", e.url, e.reason),
                None => println!("  - {}: {}", e.url, e.reason),
            }
            if !e.snippet.is_empty() {
                println!("      near: {}", e.snippet);
            }
        }
        if r.errors.len() > 20 {
            println!("  … and {} more", r.errors.len() - 20);
        }
    }
}

async fn export(
    config: Arc<Config>,
    source: Option<String>,
    format: &str,
    out: Option<PathBuf>,
    all: bool,
) -> anyhow::Result<u8> {
    let rdf_format = catalog_server::export::format_by_name(format).with_context(|| {
        format!("unknown export format {format:?}: use ttl, nt, nq, trig, rdf or jsonld")
    })?;
    let store = open_store(&config)?;
    let stats = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let sink: Box<dyn std::io::Write> = match &out {
            Some(path) => Box::new(
                std::fs::File::create(path)
                    .with_context(|| format!("creating {}", path.display()))?,
            ),
            None => Box::new(std::io::stdout().lock()),
        };
        let mut w = std::io::BufWriter::new(sink);
        let stats = catalog_server::export::export(
            &store,
            &config,
            source.as_deref(),
            all,
            rdf_format,
            &mut w,
        )?;
        std::io::Write::flush(&mut w)?;
        Ok(stats)
    })
    .await??;
    eprintln!(
        "exported {} records ({} triples)",
        stats.records, stats.triples
    );
    Ok(0)
}
