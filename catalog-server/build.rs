//! The shapes and vocabularies are embedded with `include_dir!`, which cargo
//! does not track: rebuild when they change.
//!
//! The web pages embed KoliBri and Leaflet from `web/node_modules` (see
//! `web/package.json`).
//! When the packages are missing (a fresh clone), this runs `npm ci` in
//! `web/`; without node and npm it stops with a message saying what to install.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=../shapes");
    println!("cargo:rerun-if-changed=../vocabularies");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let web = Path::new(&manifest).join("../web");
    println!("cargo:rerun-if-changed=../web/package-lock.json");
    println!("cargo:rerun-if-changed=../web/static");
    println!("cargo:rerun-if-changed=../web/node_modules/.package-lock.json");
    let marker = web.join("node_modules/@public-ui/components/dist/kolibri/index.esm.js");
    let theme = web.join("node_modules/@public-ui/theme-default/dist/index.mjs");
    let leaflet = web.join("node_modules/leaflet/dist/leaflet.js");
    if marker.is_file() && theme.is_file() && leaflet.is_file() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(&web)
        .status();
    match status {
        Ok(s) if s.success() && marker.is_file() => {}
        Ok(s) => panic!(
            "`npm ci` in {} ended with {s}: the web pages need the KoliBri packages of web/package-lock.json",
            web.display()
        ),
        Err(e) => panic!(
            "the web pages need the front-end packages of web/package.json, and `npm ci` could not run ({e}): install Node.js 20 or later with npm (Debian: apt-get install nodejs npm), then run `npm ci` in web/"
        ),
    }
}
