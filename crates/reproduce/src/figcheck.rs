//! Test support: checks of a rendered figure that every figure test runs
//! ([`check_figure`]).
//!
//! The SVG's `<text>` elements are checked by [`figtext::svg_problems`] (float noise,
//! significant digits, glyphs, boxes inside the canvas and overlapping no other text).
//!
//! The PNG must be a PNG of the canvas size and the PDF a non-trivial PDF with the text
//! embedded in DejaVu.

use std::path::Path;

use contract::Figure;

use figtext::{parse, svg_problems};

/// Check a figure's files under `root` (standalone profile): the SVG's texts (see the module
/// documentation), the PNG and the PDF. Panics listing every problem.
pub fn check_figure(root: &Path, figure: Figure) {
    let stem = root.join(pipeline::resolve(&figure.stem(), "standalone"));
    let svg = std::fs::read_to_string(stem.with_extension("svg")).unwrap();
    let ((w, h), texts) = parse(&svg).unwrap();
    assert!(!texts.is_empty(), "{}: no text", figure.name());
    let problems = svg_problems(&svg);
    assert!(
        problems.is_empty(),
        "{}: {} text problem(s):\n  {}",
        figure.name(),
        problems.len(),
        problems.join("\n  ")
    );
    let png = std::fs::read(stem.with_extension("png")).unwrap();
    assert_eq!(
        &png[..8],
        b"\x89PNG\r\n\x1a\n",
        "{}: not a PNG",
        figure.name()
    );
    let (pw, ph) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert_eq!(
        (pw as f64, ph as f64),
        (w, h),
        "{}: PNG size",
        figure.name()
    );
    let pdf = std::fs::read(stem.with_extension("pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "{}: not a PDF", figure.name());
    assert!(
        pdf.len() > 5_000,
        "{}: PDF of {} bytes",
        figure.name(),
        pdf.len()
    );
    assert!(
        pdf.windows(10).any(|w| w == b"DejaVuSans"),
        "{}: the PDF embeds no DejaVu font",
        figure.name()
    );
}
