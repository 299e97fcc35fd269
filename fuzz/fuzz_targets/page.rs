#![no_main]
//! Fuzz the page reader and writer: the raw bytes, and the bytes inside a page skeleton.
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::exercise(data);
    common::exercise(&common::wrapped(
        r#"<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"><Metadata><Creator>x</Creator><Created>2026-01-01T00:00:00</Created><LastChange>2026-01-01T00:00:00</LastChange></Metadata><Page imageWidth="100" imageHeight="100">"#,
        r#"</Page></PcGts>"#,
        data,
    ));
});
