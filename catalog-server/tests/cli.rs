//! CLI behaviour on small inputs written here (the shared-fixture tests are in
//! the `catalog-tests` crate).

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_catalog-server"));
    c.env("RUST_LOG", "warn");
    c
}

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp(name: &str) -> Dir {
    let d = std::env::temp_dir().join(format!("catalog-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Dir(d)
}

const CATALOG_TTL: &str = r#"
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://stadt.example/catalog> a dcat:Catalog ; dcat:dataset <https://stadt.example/ds/1>, [ a dcat:Dataset ; dct:identifier "zwei" ; dct:title "Zwei" ] .
<https://stadt.example/ds/1> a dcat:Dataset ; dct:title "Baumkataster"@de ;
  dct:issued "2024-01-05"^^xsd:date ;
  dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://stadt.example/b.csv> ;
     dcat:byteSize "0042"^^xsd:nonNegativeInteger ] .
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn config(dir: &Path, extra_source: &str) -> PathBuf {
    write(dir, "catalog.ttl", CATALOG_TTL);
    write(
        dir,
        "catalog.toml",
        &format!(
            "data_dir = \"data\"\nbase_iri = \"http://land.example/\"\n\n[[sources]]\nid = \"stadt\"\ntitle = \"Stadt\"\nkind = \"dcat\"\nurl = \"catalog.ttl\"\n{extra_source}\n"
        ),
    )
}

/// Runs `harvest` and returns the added/updated/unchanged/failed columns of
/// the summary line of `source`, and the line itself.
fn harvest_counts(cfg: &Path, source: &str) -> (Vec<String>, String) {
    let out = bin()
        .arg("--config")
        .arg(cfg)
        .arg("harvest")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with(source))
        .unwrap_or_else(|| panic!("no summary line for {source}: {stdout}"))
        .to_owned();
    // source, status, pages, 304, then added, updated, unchanged, failed.
    let cols: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    (cols[4..8].to_vec(), line)
}

#[test]
fn config_errors_name_key_and_line_and_exit_2() {
    let d = temp("cfgerr");
    let cfg = config(&d.0, "schedul = \"0 3 * * *\"");
    let out = bin()
        .arg("--config")
        .arg(&cfg)
        .arg("harvest")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("schedul") && err.contains("line 9"), "{err}");
}

#[test]
fn harvest_export_roundtrip_keeps_exact_literals() {
    let d = temp("roundtrip");
    let cfg = config(&d.0, "");
    let out = bin()
        .arg("--config")
        .arg(&cfg)
        .arg("harvest")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("stadt") && stdout.contains("success"),
        "{stdout}"
    );

    let nt = d.0.join("export.nt");
    let out = bin()
        .arg("--config")
        .arg(&cfg)
        .args(["export", "--format", "nt", "--out"])
        .arg(&nt)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&nt).unwrap();
    // Oxigraph alone would turn this into "42"^^xsd:integer.
    assert!(
        text.contains("\"0042\"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>"),
        "{text}"
    );
    // The blank-node dataset got the documented minted IRI.
    assert!(
        text.contains("<http://land.example/id/dataset/stadt/zwei>"),
        "{text}"
    );
    assert!(text.contains("\"Baumkataster\"@de"));

    // A second harvest of the same input changes nothing.
    // added, updated, unchanged, failed
    let (counts, line) = harvest_counts(&cfg, "stadt");
    assert_eq!(counts, ["0", "0", "2", "0"], "{line}");

    for format in ["ttl", "nq", "trig", "rdf", "jsonld"] {
        let out = bin()
            .arg("--config")
            .arg(&cfg)
            .args(["export", "--format", format])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty());
    }
}

#[test]
fn unknown_source_is_an_error() {
    let d = temp("unknown");
    let cfg = config(&d.0, "");
    let out = bin()
        .arg("--config")
        .arg(&cfg)
        .args(["harvest", "--source", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no source \"nope\""));
}

#[test]
fn failed_source_sets_exit_code_and_names_url() {
    let d = temp("failed");
    let cfg = config(&d.0, "");
    std::fs::write(d.0.join("catalog.ttl"), "@prefix broken").unwrap();
    let out = bin()
        .arg("--config")
        .arg(&cfg)
        .arg("harvest")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("failed"), "{stdout}");
    assert!(stdout.contains("catalog.ttl"), "{stdout}");
    assert!(stdout.contains("invalid"), "{stdout}");
}

#[test]
fn changed_record_is_replaced_atomically() {
    let d = temp("update");
    let cfg = config(&d.0, "");
    let out = bin()
        .arg("--config")
        .arg(&cfg)
        .arg("harvest")
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(
        d.0.join("catalog.ttl"),
        CATALOG_TTL.replace("\"Baumkataster\"@de", "\"Baumkataster 2025\"@de"),
    )
    .unwrap();
    // added, updated, unchanged, failed
    let (counts, line) = harvest_counts(&cfg, "stadt");
    assert_eq!(counts, ["0", "1", "1", "0"], "{line}");
    let out = bin()
        .arg("--config")
        .arg(&cfg)
        .args(["export", "--format", "nt"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"Baumkataster 2025\"@de"), "{text}");
    assert!(!text.contains("\"Baumkataster\"@de"), "{text}");
    // One distribution, not two: the old graph was cleared.
    assert_eq!(
        text.matches("<http://www.w3.org/ns/dcat#byteSize>").count(),
        1,
        "{text}"
    );
}
