//! The configuration file (`catalog_server::config::Config::parse`): TOML,
//! spans, defaults, per-source settings, cron schedules, derived IRIs; then
//! each schedule's next two fire times in the configured time zone, as the
//! scheduler computes them.
//!
//! `config.rs` uses no other module of `catalog-server`, so it is compiled
//! here as a module of its own: the target needs neither the store nor
//! RocksDB.
#![no_main]

#[allow(dead_code)]
#[path = "../../catalog-server/src/config.rs"]
mod config;

use chrono::TimeZone;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = config::Config::parse(text, Path::new("/etc/catalog/catalog.toml")) else {
        return;
    };
    let _ = (config.catalog_iri(), config.mint_base(), config.base_dir());
    let tz = config.harvest.time_zone;
    let Some(start) = chrono::Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).single() else {
        return;
    };
    for source in &config.sources {
        let _ = config.source_catalog_iri(&source.id);
        if let Some(cron) = &source.schedule {
            for fire in cron.schedule.after(&start.with_timezone(&tz)).take(2) {
                let _ = fire.with_timezone(&chrono::Utc);
            }
        }
    }
});
