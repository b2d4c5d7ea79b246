//! Figures with plotters: the embedded DejaVu font (no system fonts), and a renderer that draws
//! one closure to an SVG and makes the PNG and the PDF from that SVG, so the three files have
//! exactly the same layout. The SVG is stamped with the stage's fingerprint and code version;
//! every file is written atomically.
//!
//! - SVG: plotters' SVG backend, text as `<text>` in `font-family="DejaVu Sans, sans-serif"`.
//! - PNG: the SVG rasterised by resvg (anti-aliased), text shaped with the embedded DejaVu faces.
//! - PDF: the SVG converted by svg2pdf (vector, text embedded as a DejaVu subset), the page as
//!   wide as the figure's printed width ([`Style::print_width_in`]).
//!
//! Both conversions see only a font database holding the embedded DejaVu faces: nothing is
//! looked up on the system or downloaded.
//!
//! ```ignore
//! let st = Style::new(1200, 900, style::DOUBLE_COLUMN);
//! reproduce::plot::render(ctx, Figure::Fig4, &st, |root| {
//!     root.fill(&WHITE)?;
//!     let mut p = style::panel(&st, root, Header::default(), x_axis, y_axis)?;
//!     p.line(&points, Line::theory(style::CLASSICAL))?;
//!     Ok(())
//! })?;
//! ```

use std::path::PathBuf;
use std::sync::{Arc, Once, OnceLock};

use anyhow::Context as _;
use contract::{FIGURE_FORMATS, Figure};
use pipeline::StageContext;
use plotters::coord::Shift;
use plotters::prelude::*;
use svg2pdf::usvg;
use usvg::fontdb;

use crate::style::Style;

/// Font family of every text: the embedded DejaVu Sans (registered under this name for plotters'
/// text measurement and loaded into the conversions' font database). The generic fallback lets
/// an SVG viewer without DejaVu still pick a sans-serif face.
pub const FONT: &str = "DejaVu Sans, sans-serif";

/// The embedded faces: regular, bold, oblique, bold oblique.
fn faces() -> [(FontStyle, &'static [u8]); 4] {
    [
        (FontStyle::Normal, dejavu::sans::regular()),
        (FontStyle::Bold, dejavu::sans::bold()),
        (FontStyle::Oblique, dejavu::sans::oblique()),
        (FontStyle::Italic, dejavu::sans::bold_oblique()),
    ]
}

/// Register the embedded DejaVu Sans faces with plotters under [`FONT`] and the generic names
/// (idempotent; [`render`] calls it).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for family in [FONT, "sans-serif", "serif", "monospace", "DejaVu Sans"] {
            let [regular, bold, oblique, _] = faces();
            for (style, bytes) in [regular, bold, oblique, (FontStyle::Italic, oblique.1)] {
                plotters::style::register_font(family, style, bytes)
                    .unwrap_or_else(|_| panic!("embedded DejaVu font is valid"));
            }
        }
    });
}

/// The font database of the PNG and PDF conversions: the embedded DejaVu faces only, DejaVu Sans
/// standing in for every generic family.
pub fn font_db() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        for (_, bytes) in faces() {
            db.load_font_source(fontdb::Source::Binary(Arc::new(bytes)));
        }
        for set in [
            fontdb::Database::set_sans_serif_family,
            fontdb::Database::set_serif_family,
            fontdb::Database::set_monospace_family,
            fontdb::Database::set_cursive_family,
            fontdb::Database::set_fantasy_family,
        ] {
            set(&mut db, "DejaVu Sans");
        }
        Arc::new(db)
    })
    .clone()
}

/// The drawing area handed to [`render`]'s closure.
pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draw `draw` once to an SVG of the style's size, then write the figure's files (see
/// [`Figure::files`]): the SVG with a `<metadata>` element naming the stage, its fingerprint and
/// code version, the PNG and the PDF made from it. Each file is written atomically, after all
/// three are made. Returns the paths in [`FIGURE_FORMATS`] order; the stage's summary line names
/// them unless the stage set one.
pub fn render(
    ctx: &StageContext,
    figure: Figure,
    st: &Style,
    draw: impl Fn(&Area<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<PathBuf>> {
    let stem = figure.stem();
    let meta = format!(
        "<metadata>burgers-repro stage={} fingerprint={} code_version={}</metadata>",
        ctx.name(),
        ctx.fingerprint(),
        ctx.code_version()
    );
    let files = make(st, &meta, &draw).with_context(|| format!("rendering {stem}"))?;
    let mut paths = Vec::new();
    for ext in FIGURE_FORMATS {
        let path = ctx.output(&format!("{stem}.{ext}"))?;
        let bytes = match ext {
            "svg" => files.svg.as_bytes(),
            "png" => &files.png,
            "pdf" => &files.pdf,
            other => anyhow::bail!("no renderer for figure format `{other}`"),
        };
        pipeline::write_atomic(&path, |f| std::io::Write::write_all(f, bytes))
            .with_context(|| format!("writing {}", path.display()))?;
        paths.push(path);
    }
    if ctx.summary_text().is_none() {
        let shown = pipeline::resolve(&stem, ctx.profile());
        ctx.summary(format!(
            "{shown}.{{{}}}, {} x {}",
            FIGURE_FORMATS.join(","),
            st.width,
            st.height
        ));
    }
    Ok(paths)
}

/// The three encodings of one drawing.
struct Files {
    svg: String,
    png: Vec<u8>,
    pdf: Vec<u8>,
}

fn make(
    st: &Style,
    meta: &str,
    draw: &dyn Fn(&Area<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Files> {
    register_fonts();
    let mut doc = String::new();
    {
        let root = SVGBackend::with_string(&mut doc, (st.width, st.height)).into_drawing_area();
        draw(&root)?;
        root.present().context("finishing the SVG")?;
    }
    let svg = stamp_svg(&doc, meta);
    let tree = parse_svg(&svg)?;
    let png = rasterize(&tree)?;
    let pdf = to_pdf(&tree, st.width as f64 / st.print_width_in)?;
    Ok(Files { svg, png, pdf })
}

/// Parse an SVG with the embedded fonts only.
pub fn parse_svg(svg: &str) -> anyhow::Result<usvg::Tree> {
    let opts = usvg::Options {
        fontdb: font_db(),
        font_family: "DejaVu Sans".to_owned(),
        ..Default::default()
    };
    usvg::Tree::from_str(svg, &opts).context("parsing the SVG")
}

/// The PNG of a parsed SVG at its own pixel size, on white.
fn rasterize(tree: &usvg::Tree) -> anyhow::Result<Vec<u8>> {
    use resvg::tiny_skia;
    let size = tree.size().to_int_size();
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).context("empty figure size")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(tree, tiny_skia::Transform::identity(), &mut pixmap.as_mut());
    pixmap.encode_png().context("encoding the PNG")
}

/// The PDF of a parsed SVG, `dpi` SVG pixels per inch (the page has the printed width).
fn to_pdf(tree: &usvg::Tree, dpi: f64) -> anyhow::Result<Vec<u8>> {
    svg2pdf::to_pdf(
        tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions { dpi: dpi as f32 },
    )
    .map_err(|e| anyhow::anyhow!("converting the SVG to PDF: {e}"))
}

/// Insert `meta` right after the opening `<svg ...>` tag.
fn stamp_svg(doc: &str, meta: &str) -> String {
    match doc
        .find("<svg")
        .and_then(|i| doc[i..].find('>').map(|j| i + j + 1))
    {
        Some(k) => format!("{}\n{}{}", &doc[..k], meta, &doc[k..]),
        None => format!("{meta}\n{doc}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::{self, Axis, Header, Line, WIDE_COLUMN};

    fn outputs(figure: Figure) -> Vec<String> {
        figure.files()
    }

    #[test]
    fn renders_svg_png_pdf_with_embedded_font() {
        let dir = tempfile::tempdir().unwrap();
        let files = outputs(Figure::Fig4);
        let refs: Vec<&str> = files.iter().map(String::as_str).collect();
        let ctx = StageContext::standalone(dir.path(), "figtest", &refs);
        let st = Style::new(500, 360, WIDE_COLUMN);
        let paths = render(&ctx, Figure::Fig4, &st, |root| {
            root.fill(&WHITE)?;
            let mut p = style::panel(
                &st,
                root,
                Header {
                    letter: Some("a"),
                    title: "D(ρ) test",
                },
                Axis::linear("density ρ", Some("1/ℓ"), (0.0, 1.0)),
                Axis::linear("D", Some("ħ/m"), (0.0, 1.0)),
            )?;
            let pts: Vec<(f64, f64)> = (0..50)
                .map(|i| (i as f64 / 49.0, (i as f64 / 49.0).powi(2)))
                .collect();
            p.line(&pts, Line::theory(style::CLASSICAL))?;
            Ok(())
        })
        .unwrap();
        assert_eq!(paths.len(), FIGURE_FORMATS.len());
        let png = std::fs::read(dir.path().join("figures/standalone/fig4.png")).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let text = std::fs::read_to_string(dir.path().join("figures/standalone/fig4.svg")).unwrap();
        assert!(text.contains("<metadata>burgers-repro stage=figtest fingerprint=standalone"));
        assert!(text.contains("D(ρ) test"));
        let pdf = std::fs::read(dir.path().join("figures/standalone/fig4.pdf")).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        // the text is embedded as a DejaVu subset: no system font was needed
        assert!(
            pdf.windows(10).any(|w| w == b"DejaVuSans"),
            "no DejaVu font in the PDF"
        );
        // no temporaries left
        assert_eq!(
            std::fs::read_dir(dir.path().join("figures/standalone"))
                .unwrap()
                .count(),
            FIGURE_FORMATS.len()
        );
        crate::figcheck::check_figure(dir.path(), Figure::Fig4);
    }

    #[test]
    fn pdf_page_has_the_printed_width() {
        let st = Style::new(720, 360, 5.0);
        let files = make(&st, "<metadata>m</metadata>", &|root| {
            root.fill(&WHITE)?;
            Ok(())
        })
        .unwrap();
        let pdf = String::from_utf8_lossy(&files.pdf);
        // 5 in = 360 pt wide, 2.5 in = 180 pt high
        assert!(
            pdf.contains("/MediaBox [0 0 360 180]"),
            "{}",
            &pdf[..pdf.len().min(2000)]
        );
    }

    #[test]
    fn failing_drawing_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let files = outputs(Figure::Fig4);
        let refs: Vec<&str> = files.iter().map(String::as_str).collect();
        let ctx = StageContext::standalone(dir.path(), "f", &refs);
        let st = Style::new(100, 100, WIDE_COLUMN);
        let r = render(&ctx, Figure::Fig4, &st, |_| anyhow::bail!("no data"));
        assert!(format!("{:#}", r.unwrap_err()).contains("no data"));
        let dir = dir.path().join("figures/standalone");
        assert!(!dir.exists() || std::fs::read_dir(dir).unwrap().count() == 0);
    }
}
