#![no_main]
//! Fuzz the alto reader and writer: the raw bytes, and the bytes inside a alto skeleton.
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::exercise(data);
    common::exercise(&common::wrapped(
        r#"<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Description><MeasurementUnit>pixel</MeasurementUnit></Description><Layout><Page WIDTH="100" HEIGHT="100"><PrintSpace>"#,
        r#"</PrintSpace></Page></Layout></alto>"#,
        data,
    ));
});
