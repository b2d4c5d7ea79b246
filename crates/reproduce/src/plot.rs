//! Figures with plotters: an embedded DejaVu font (no system fonts) and a renderer
//! that draws one closure to both PNG and SVG, atomically, stamping the SVG with
//! the stage's fingerprint and code version.
//!
//! ```ignore
//! reproduce::plot::render(ctx, Figure::Fig4, 1200, 900, |root| {
//!     root.fill(&WHITE)?;
//!     let mut chart = ChartBuilder::on(root).caption("D(rho)", (FONT, 24)).build_cartesian_2d(0.0..4.0, 0.0..1.0)?;
//!     chart.configure_mesh().x_desc("ρ").draw()?;
//!     Ok(())
//! })?;
//! ```

use std::error::Error;
use std::fmt;
use std::path::PathBuf;
use std::sync::Once;

use anyhow::Context as _;
use contract::Figure;
use pipeline::StageContext;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// Font family name to use in text styles: `("sans-serif", 20)` also works.
pub const FONT: &str = "sans-serif";

/// Register the embedded DejaVu Sans faces under `sans-serif`, `serif`, `monospace`
/// and `DejaVu Sans` (idempotent; [`render`] calls it).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for family in ["sans-serif", "serif", "monospace", "DejaVu Sans"] {
            let faces: [(FontStyle, &'static [u8]); 4] = [
                (FontStyle::Normal, dejavu::sans::regular()),
                (FontStyle::Bold, dejavu::sans::bold()),
                (FontStyle::Oblique, dejavu::sans::oblique()),
                (FontStyle::Italic, dejavu::sans::oblique()),
            ];
            for (style, bytes) in faces {
                plotters::style::register_font(family, style, bytes)
                    .unwrap_or_else(|_| panic!("embedded DejaVu font is valid"));
            }
        }
    });
}

/// The drawing area handed to [`render`]'s closure; the same drawing goes to PNG and SVG.
pub type Area<'a> = DrawingArea<Canvas<'a>, Shift>;

/// A backend that is either the PNG bitmap or the SVG document, so one (non-generic)
/// closure can draw both.
pub enum Canvas<'a> {
    Png(BitMapBackend<'a>),
    Svg(SVGBackend<'a>),
}

/// Error of either backend.
#[derive(Debug)]
pub struct CanvasError(String);

impl fmt::Display for CanvasError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl Error for CanvasError {}

fn conv<E: Error + Send + Sync>(e: DrawingErrorKind<E>) -> DrawingErrorKind<CanvasError> {
    match e {
        DrawingErrorKind::DrawingError(e) => {
            DrawingErrorKind::DrawingError(CanvasError(e.to_string()))
        }
        DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
    }
}

macro_rules! both {
    ($self:ident, $b:ident => $e:expr) => {
        match $self {
            Canvas::Png($b) => $e.map_err(conv),
            Canvas::Svg($b) => $e.map_err(conv),
        }
    };
}

impl DrawingBackend for Canvas<'_> {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        match self {
            Canvas::Png(b) => b.get_size(),
            Canvas::Svg(b) => b.get_size(),
        }
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.ensure_prepared())
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.present())
    }
    fn draw_pixel(
        &mut self,
        p: BackendCoord,
        c: BackendColor,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.draw_pixel(p, c))
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.draw_line(from, to, style))
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        ul: BackendCoord,
        br: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.draw_rect(ul, br, style, fill))
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.draw_path(path, style))
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.draw_circle(center, radius, style, fill))
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.fill_polygon(vert, style))
    }
    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.draw_text(text, style, pos))
    }
    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.estimate_text_size(text, style))
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        both!(self, b => b.blit_bitmap(pos, size, src))
    }
}

/// Draw `draw` twice, to the figure's PNG and SVG (both outputs of the stage, see
/// [`Figure::files`]), each written atomically. The SVG gets a `<metadata>` element with the
/// stage name, fingerprint and code version. Returns both paths; the stage's summary line names
/// them unless the stage set one.
pub fn render(
    ctx: &StageContext,
    figure: Figure,
    width: u32,
    height: u32,
    draw: impl Fn(&Area<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<[PathBuf; 2]> {
    let stem = figure.stem();
    let png = ctx.output(&format!("{stem}.png"))?;
    let svg = ctx.output(&format!("{stem}.svg"))?;
    let meta = format!(
        "<metadata>burgers-repro stage={} fingerprint={} code_version={}</metadata>",
        ctx.name(),
        ctx.fingerprint(),
        ctx.code_version()
    );
    render_to(&png, &svg, &meta, width, height, &draw)?;
    if ctx.summary_text().is_none() {
        let shown = pipeline::resolve(&stem, ctx.profile());
        ctx.summary(format!("{shown}.{{png,svg}}, {width} x {height}"));
    }
    Ok([png, svg])
}

fn render_to(
    png: &std::path::Path,
    svg: &std::path::Path,
    meta: &str,
    width: u32,
    height: u32,
    draw: &dyn Fn(&Area<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    register_fonts();
    let mut failure: Option<anyhow::Error> = None;
    pipeline::write_atomic_path(png, |tmp| {
        let run = || -> anyhow::Result<()> {
            let root = Canvas::Png(BitMapBackend::new(tmp, (width, height))).into_drawing_area();
            draw(&root)?;
            root.present()?;
            Ok(())
        };
        run().map_err(|e| {
            let msg = format!("{e:#}");
            failure = Some(e);
            std::io::Error::other(msg)
        })
    })
    .map_err(|e| failure.take().unwrap_or_else(|| e.into()))
    .with_context(|| format!("rendering {}", png.display()))?;

    let mut doc = String::new();
    {
        let root =
            Canvas::Svg(SVGBackend::with_string(&mut doc, (width, height))).into_drawing_area();
        draw(&root).with_context(|| format!("rendering {}", svg.display()))?;
        root.present()
            .with_context(|| format!("rendering {}", svg.display()))?;
    }
    let doc = stamp_svg(&doc, meta);
    pipeline::write_atomic(svg, |f| std::io::Write::write_all(f, doc.as_bytes()))
        .with_context(|| format!("writing {}", svg.display()))?;
    Ok(())
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

    #[test]
    fn renders_png_and_stamped_svg() {
        let dir = tempfile::tempdir().unwrap();
        let files = Figure::Fig4.files();
        let ctx = StageContext::standalone(dir.path(), "figtest", &[&files[0], &files[1]]);
        let [png, svg] = render(&ctx, Figure::Fig4, 400, 300, |root| {
            root.fill(&WHITE)?;
            let mut chart = ChartBuilder::on(root)
                .caption("D(ρ) test", (FONT, 20))
                .x_label_area_size(30)
                .y_label_area_size(40)
                .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
            chart.configure_mesh().x_desc("ρ").y_desc("D").draw()?;
            chart.draw_series(LineSeries::new(
                (0..50).map(|i| (i as f64 / 49.0, (i as f64 / 49.0).powi(2))),
                &RED,
            ))?;
            Ok(())
        })
        .unwrap();
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.contains("<metadata>burgers-repro stage=figtest fingerprint=standalone"));
        assert!(text.contains("D(ρ) test"));
        // No temporaries left.
        assert_eq!(std::fs::read_dir(png.parent().unwrap()).unwrap().count(), 2);
    }

    #[test]
    fn failing_drawing_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let files = Figure::Fig4.files();
        let ctx = StageContext::standalone(dir.path(), "f", &[&files[0], &files[1]]);
        let r = render(&ctx, Figure::Fig4, 100, 100, |_| anyhow::bail!("no data"));
        assert!(format!("{:#}", r.unwrap_err()).contains("no data"));
        assert_eq!(
            std::fs::read_dir(dir.path().join("figures/standalone"))
                .unwrap()
                .count(),
            0
        );
    }
}
