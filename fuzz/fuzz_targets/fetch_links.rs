//! What a server's answer says besides its body: the `Content-Type`
//! (`fetch::media_type_of`, `rdf::format_for_media_type`), `Retry-After`
//! (`fetch::parse_retry_after`, `retry_wait`), a redirect's `Location`
//! (`fetch::redirect_target`, from an https and an http URL) and a paging
//! link found on a page (`Location::join`, from an http and a file
//! location), as the fetcher and the DCAT listing read them.
//!
//! Input: text; the first line is the header value, the rest the link.
#![no_main]

use harvester::fetch::{media_type_of, parse_retry_after, redirect_target, retry_wait, Location};
use harvester::rdf::format_for_media_type;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (header, link) = text.split_once('\n').unwrap_or((text, text));
    let _ = format_for_media_type(&media_type_of(header));
    let retry_after = parse_retry_after(header);
    for attempt in [0, 1, 7, u32::MAX] {
        let _ = retry_wait(
            attempt,
            retry_after,
            Duration::from_secs(2),
            Duration::from_secs(300),
        );
    }
    for from in [
        "https://portal.example/a/b?page=1",
        "http://portal.example/",
    ] {
        let Ok(from) = url::Url::parse(from) else {
            return;
        };
        for hop in [1, 20] {
            let _ = redirect_target(from.as_str(), &from, header, hop);
        }
    }
    for base in [
        "https://portal.example/catalog?page=1",
        "/srv/data/catalog.ttl",
    ] {
        if let Ok(location) = Location::parse(base, Path::new("/srv")) {
            if let Ok(next) = location.join(link) {
                let _ = next.as_url();
            }
        }
    }
});
