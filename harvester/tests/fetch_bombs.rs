//! Compressed-body bombs: 1 GiB of zeros, compressed with gzip, brotli or
//! deflate to about a megabyte or less, served with `Content-Encoding` by a
//! loopback server. With a 16 MiB cap the fetch must fail with the size error
//! (naming the URL and the limit) long before the body is inflated, and the
//! memory of the process must stay bounded.
//!
//! Each case runs in a child process (this test binary, running only
//! `bomb_child`), so that its peak RSS (`VmHWM`) is its own: the parent
//! tests build the bomb, start the child per serving mode and check what the
//! child reports.
//!
//! Serving modes: `length` sends the whole body with its true
//! `Content-Length` (which, under the cap, says nothing of the inflated
//! size); `lying-length` announces twice the bytes it sends and stalls after
//! them; `chunked` sends a quarter of the body without a length and then
//! stalls. A stalled fetch could only end with a timeout: the size error
//! shows that reading stopped at the cap.

mod common;

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

const GIB: usize = 1 << 30;
const CAP: u64 = 16 << 20;
/// Most growth of the peak RSS a fetch may cause (16 MiB body + decoder
/// state + buffers is what it should take).
const MAX_GROWTH_KB: u64 = 200 * 1024;

/// 1 GiB of zeros compressed with `encoding` (the `Content-Encoding` name).
fn bomb(encoding: &str) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut out = Vec::new();
    {
        let mut writer: Box<dyn Write + '_> = match encoding {
            "gzip" => Box::new(flate2::write::GzEncoder::new(
                &mut out,
                flate2::Compression::best(),
            )),
            // HTTP's "deflate" is the zlib format (RFC 1950).
            "deflate" => Box::new(flate2::write::ZlibEncoder::new(
                &mut out,
                flate2::Compression::best(),
            )),
            "br" => Box::new(brotli::CompressorWriter::new(&mut out, 1 << 16, 5, 22)),
            other => panic!("unknown encoding {other}"),
        };
        for _ in 0..GIB / zeros.len() {
            writer.write_all(&zeros).expect("compress");
        }
        writer.flush().expect("flush");
    }
    out
}

fn hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Runs one case in a child process; its report line.
fn run_child(encoding: &str, mode: &str, file: &std::path::Path) -> String {
    let exe = std::env::current_exe().expect("test binary");
    let output = Command::new(exe)
        .args(["--exact", "bomb_child", "--nocapture", "--test-threads=1"])
        .env(
            "FETCH_BOMB",
            format!("{encoding}:{mode}:{}", file.display()),
        )
        .output()
        .expect("run child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{encoding}/{mode} failed:\n{stdout}\n{stderr}"
    );
    // The harness prints "test bomb_child ... " before the report.
    stdout
        .lines()
        .find_map(|l| l.find("BOMB ").map(|i| l[i..].to_owned()))
        .unwrap_or_else(|| panic!("{encoding}/{mode}: no report:\n{stdout}\n{stderr}"))
}

fn field(report: &str, name: &str) -> u64 {
    report
        .split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {report}"))
}

fn check(encoding: &str) {
    let started = Instant::now();
    let body = bomb(encoding);
    eprintln!(
        "{encoding}: 1 GiB of zeros -> {} bytes in {:?}",
        body.len(),
        started.elapsed()
    );
    assert!(
        body.len() < 4 << 20,
        "{encoding} bomb is {} bytes",
        body.len()
    );
    let file =
        std::env::temp_dir().join(format!("fetch-bomb-{}-{encoding}.bin", std::process::id()));
    std::fs::write(&file, &body).expect("write bomb");
    for mode in ["length", "lying-length", "chunked"] {
        let report = run_child(encoding, mode, &file);
        println!("{report}");
        let growth = field(&report, "growth_kb");
        assert!(
            growth < MAX_GROWTH_KB,
            "{encoding}/{mode}: peak RSS grew by {growth} kB: {report}"
        );
    }
    let _ = std::fs::remove_file(&file);
}

#[test]
fn gzip_bomb_is_stopped_by_the_cap() {
    check("gzip");
}

#[test]
fn brotli_bomb_is_stopped_by_the_cap() {
    check("br");
}

#[test]
fn deflate_bomb_is_stopped_by_the_cap() {
    check("deflate");
}

/// The child's side: does nothing unless `FETCH_BOMB=encoding:mode:file`.
#[test]
fn bomb_child() {
    let Ok(spec) = std::env::var("FETCH_BOMB") else {
        return;
    };
    let mut parts = spec.splitn(3, ':');
    let (Some(encoding), Some(mode), Some(file)) = (parts.next(), parts.next(), parts.next())
    else {
        panic!("bad FETCH_BOMB {spec}");
    };
    let body = bytes::Bytes::from(std::fs::read(file).expect("read bomb"));
    let encoding = encoding.to_owned();
    let mode = mode.to_owned();
    let served = {
        let (encoding, mode) = (encoding.clone(), mode.clone());
        move |_: &common::Seen| serve(&body, &encoding, &mode)
    };
    let server = common::Recorder::start("127.0.0.1", served);
    let url = server.url("/bomb");
    let limits = harvester::FetchLimits {
        max_bytes: CAP,
        timeout: Duration::from_secs(60),
        read_timeout: Duration::from_secs(30),
        ..harvester::FetchLimits::default()
    };
    let fetcher = harvester::Fetcher::new(limits, None).expect("fetcher");
    let runtime = catalog_tests::runtime();
    let before = hwm_kb();
    let started = Instant::now();
    let result = runtime.block_on(fetcher.get(&url, "*/*", &[]));
    let elapsed = started.elapsed();
    let after = hwm_kb();
    let error = match result {
        Ok(doc) => panic!("{encoding}/{mode}: fetched {} bytes", doc.body.len()),
        Err(e) => e,
    };
    assert!(
        matches!(error, harvester::FetchError::TooLarge { limit, .. } if limit == CAP),
        "{encoding}/{mode}: {error}"
    );
    let text = error.to_string();
    assert!(
        text.contains(&url) && text.contains(&CAP.to_string()),
        "{text}"
    );
    println!(
        "BOMB encoding={encoding} mode={mode} compressed_bytes={} elapsed_ms={} hwm_before_kb={before} hwm_after_kb={after} growth_kb={} error=\"{text}\"",
        std::fs::metadata(file).map(|m| m.len()).unwrap_or(0),
        elapsed.as_millis(),
        after.saturating_sub(before),
    );
}

fn serve(body: &bytes::Bytes, encoding: &str, mode: &str) -> axum::response::Response {
    use axum::http::header;
    let (sent, declared) = match mode {
        "length" => (body.clone(), Some(body.len())),
        "lying-length" => (body.clone(), Some(body.len() * 2)),
        _ => (body.slice(..body.len() / 4), None),
    };
    let stalls = mode != "length";
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = (0..sent.len())
        .step_by(64 * 1024)
        .map(|i| Ok(sent.slice(i..(i + 64 * 1024).min(sent.len()))))
        .collect();
    let stream = futures_util::StreamExt::chain(
        futures_util::stream::iter(chunks),
        futures_util::stream::once(async move {
            if stalls {
                std::future::pending::<()>().await;
            }
            Ok(bytes::Bytes::new())
        }),
    );
    let mut response = axum::response::Response::new(axum::body::Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/turtle"),
    );
    if let Ok(v) = header::HeaderValue::from_str(encoding) {
        headers.insert(header::CONTENT_ENCODING, v);
    }
    if let Some(len) = declared {
        headers.insert(header::CONTENT_LENGTH, header::HeaderValue::from(len));
    }
    response
}
