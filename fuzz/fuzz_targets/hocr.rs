#![no_main]
//! Fuzz the hocr reader and writer: the raw bytes, and the bytes inside a hocr skeleton.
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::exercise(data);
    common::exercise(&common::wrapped(
        r#"<html xmlns="http://www.w3.org/1999/xhtml"><head><meta name="ocr-system" content="x"/></head><body><div class="ocr_page" title="bbox 0 0 100 100">"#,
        r#"</div></body></html>"#,
        data,
    ));
});
