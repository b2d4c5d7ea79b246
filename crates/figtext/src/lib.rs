//! The text of the figures, measured: glyph metrics of the embedded DejaVu faces (the figure
//! layout sizes its margins with them) and the checks of a rendered SVG's `<text>` elements,
//! shared by the producer's figure tests and the auditor's figure checks:
//!
//! - every text is free of float noise (no run of 6 or more equal digits), and a text that is a
//!   number (a tick label, `2×10⁻⁵`, `−0.5`) has at most 4 significant digits;
//! - every glyph is in the embedded DejaVu face;
//! - every text's box lies inside the canvas and overlaps no other text's box. The box is
//!   computed the way plotters' SVG backend writes the text and usvg lays it out: `x`, `y`,
//!   `dy` (`em`, `ex` = em / 2), `text-anchor`, `font-size`, `font-weight`, `rotate(a, x, y)`;
//!   horizontally the advance width (no kerning, an upper bound), vertically the glyphs' ink.

use std::sync::OnceLock;

use ab_glyph::{Font as _, FontRef};

/// A figure's SVG that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FigtextError {
    #[error("malformed SVG: {0}")]
    Malformed(String),
}

struct Faces {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn faces() -> &'static Faces {
    static FACES: OnceLock<Faces> = OnceLock::new();
    FACES.get_or_init(|| Faces {
        regular: FontRef::try_from_slice(dejavu::sans::regular()).expect("embedded DejaVu Sans"),
        bold: FontRef::try_from_slice(dejavu::sans::bold()).expect("embedded DejaVu Sans Bold"),
    })
}

/// Extent of one line of text at font-size `em` pixels: advance width, and the ink above and
/// below the baseline (both >= 0), in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    pub width: f64,
    pub ascent: f64,
    pub descent: f64,
}

/// The extent of `text` in DejaVu Sans (bold or regular) at font-size `em` pixels. Widths are the
/// sum of the advances without kerning (an upper bound of the shaped width).
pub fn extent(text: &str, em: f64, bold: bool) -> Extent {
    let f = if bold {
        &faces().bold
    } else {
        &faces().regular
    };
    let scale = em / f64::from(f.units_per_em().unwrap_or(2048.0));
    let (mut w, mut top, mut bottom) = (0.0f64, 0.0f64, 0.0f64);
    for c in text.chars() {
        let id = f.glyph_id(c);
        w += f64::from(f.h_advance_unscaled(id));
        if let Some(o) = f.outline(id) {
            // ab_glyph stores (x_min, y_max) as `min` and (x_max, y_min) as `max`, y up
            let (a, b) = (f64::from(o.bounds.min.y), f64::from(o.bounds.max.y));
            top = top.max(a.max(b));
            bottom = bottom.min(a.min(b));
        }
    }
    Extent {
        width: w * scale,
        ascent: top * scale,
        descent: -bottom * scale,
    }
}

/// Characters of `text` the embedded font has no glyph for (whitespace excepted).
pub fn missing_glyphs(text: &str, bold: bool) -> Vec<char> {
    let f = if bold {
        &faces().bold
    } else {
        &faces().regular
    };
    text.chars()
        .filter(|c| !c.is_whitespace() && f.glyph_id(*c).0 == 0)
        .collect()
}

/// One `<text>` element as plotters writes it.
#[derive(Debug, Clone)]
pub struct SvgText {
    pub text: String,
    pub x: f64,
    pub y: f64,
    pub dy_em: f64,
    pub anchor: String,
    pub size: f64,
    pub bold: bool,
    pub rotate: f64,
}

/// Axis-aligned box (x0, y0, x1, y1) in pixels.
pub type BBox = (f64, f64, f64, f64);

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')?;
    Some(tag[i..i + j].to_owned())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn length_em(v: &str) -> f64 {
    let v = v.trim();
    if let Some(n) = v.strip_suffix("em") {
        n.parse().unwrap_or(f64::NAN)
    } else if let Some(n) = v.strip_suffix("ex") {
        n.parse::<f64>().unwrap_or(f64::NAN) / 2.0
    } else {
        f64::NAN
    }
}

/// The canvas size and every `<text>` of a plotters SVG.
pub fn parse(svg: &str) -> Result<((f64, f64), Vec<SvgText>), FigtextError> {
    let bad = |what: &str| FigtextError::Malformed(what.to_owned());
    let num = |v: Option<String>, what: &str| -> Result<f64, FigtextError> {
        v.and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| bad(what))
    };
    let head = &svg[svg.find("<svg").ok_or_else(|| bad("no <svg> element"))?..];
    let head = &head[..head.find('>').ok_or_else(|| bad("unclosed <svg>"))?];
    let w = num(attr(head, "width"), "<svg> width")?;
    let h = num(attr(head, "height"), "<svg> height")?;
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        let after = &rest[i..];
        let close = after.find('>').ok_or_else(|| bad("unclosed <text>"))?;
        let tag = &after[..close];
        let end = after.find("</text>").ok_or_else(|| bad("no </text>"))?;
        let text = unescape(after[close + 1..end].trim());
        let rotate = match attr(tag, "transform") {
            Some(t) => {
                let inner = t.trim_start_matches("rotate(").trim_end_matches(')');
                num(inner.split(',').next().map(str::to_owned), "rotate angle")?
            }
            None => 0.0,
        };
        out.push(SvgText {
            text,
            x: num(attr(tag, "x"), "<text> x")?,
            y: num(attr(tag, "y"), "<text> y")?,
            dy_em: attr(tag, "dy").map_or(0.0, |d| length_em(&d)),
            anchor: attr(tag, "text-anchor").unwrap_or_else(|| "start".into()),
            size: num(attr(tag, "font-size"), "<text> font-size")?,
            bold: attr(tag, "font-weight").is_some_and(|v| v == "bold"),
            rotate,
        });
        rest = &after[end..];
    }
    Ok(((w, h), out))
}

/// The box of a text element on the canvas.
pub fn bbox(t: &SvgText) -> BBox {
    let e = extent(&t.text, t.size, t.bold);
    let x0 = match t.anchor.as_str() {
        "middle" => t.x - e.width / 2.0,
        "end" => t.x - e.width,
        _ => t.x,
    };
    let base = t.y + t.dy_em * t.size;
    let corners = [
        (x0, base - e.ascent),
        (x0 + e.width, base - e.ascent),
        (x0, base + e.descent),
        (x0 + e.width, base + e.descent),
    ];
    let (s, c) = t.rotate.to_radians().sin_cos();
    let rot = |(px, py): (f64, f64)| {
        let (dx, dy) = (px - t.x, py - t.y);
        (t.x + dx * c - dy * s, t.y + dx * s + dy * c)
    };
    corners
        .iter()
        .map(|&p| rot(p))
        .fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |b, (x, y)| {
            (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y))
        })
}

/// The mantissa of a text that is a number (`2×10⁻⁵` -> `2`, `10⁶` -> `1`, `−0.5` -> `-0.5`),
/// `None` for any other text.
fn number_mantissa(s: &str) -> Option<String> {
    let sup = |c: char| "⁻⁰¹²³⁴⁵⁶⁷⁸⁹".contains(c);
    let plain = s.replace('−', "-");
    let (m, e) = match plain.split_once("×10") {
        Some((m, e)) => (m.to_owned(), e.to_owned()),
        None => match plain.strip_prefix("10") {
            Some(e) if !e.is_empty() && e.chars().all(sup) => ("1".to_owned(), e.to_owned()),
            _ => (plain.clone(), String::new()),
        },
    };
    if !e.chars().all(sup) || (!e.is_empty() && !e.chars().any(|c| c != '⁻')) {
        return None;
    }
    m.parse::<f64>().ok()?;
    Some(m)
}

/// Significant digits of a decimal number written as text (`0.045` -> 2, `4000` -> 1,
/// `12.50` -> 4).
pub fn significant_digits(m: &str) -> usize {
    let m = m.trim_start_matches('-');
    let digits: String = m.chars().filter(|c| c.is_ascii_digit()).collect();
    let d = digits.trim_start_matches('0');
    if m.contains('.') {
        d.len()
    } else {
        d.trim_end_matches('0')
            .len()
            .max(usize::from(!d.is_empty()))
    }
}

/// Problems of one text: float noise, too many digits, glyphs missing from the font.
pub fn text_problems(t: &SvgText) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = t.text.chars().collect();
    let mut run = 1;
    for k in 1..chars.len() {
        run = if chars[k].is_ascii_digit() && chars[k] == chars[k - 1] {
            run + 1
        } else {
            1
        };
        if run >= 6 {
            out.push(format!(
                "`{}`: a run of {run} equal digits (float noise)",
                t.text
            ));
            break;
        }
    }
    if let Some(m) = number_mantissa(&t.text) {
        let n = significant_digits(&m);
        if n > 4 {
            out.push(format!("`{}`: {n} significant digits in a number", t.text));
        }
    }
    let missing = missing_glyphs(&t.text, t.bold);
    if !missing.is_empty() {
        out.push(format!("`{}`: no glyph for {missing:?}", t.text));
    }
    if t.text.trim().is_empty() {
        out.push("an empty text element".into());
    }
    out
}

/// Every problem of an SVG's texts (empty: none).
pub fn svg_problems(svg: &str) -> Vec<String> {
    let ((w, h), texts) = match parse(svg) {
        Ok(p) => p,
        Err(e) => return vec![e.to_string()],
    };
    let mut out = Vec::new();
    let boxes: Vec<BBox> = texts.iter().map(bbox).collect();
    for (t, b) in texts.iter().zip(&boxes) {
        out.extend(text_problems(t));
        if b.0 < 0.0 || b.1 < 0.0 || b.2 > w || b.3 > h {
            out.push(format!(
                "`{}`: box ({:.1}, {:.1})-({:.1}, {:.1}) leaves the {w} x {h} canvas",
                t.text, b.0, b.1, b.2, b.3
            ));
        }
    }
    // overlaps of more than half a pixel in both directions
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| boxes[a].0.total_cmp(&boxes[b].0));
    for (k, &i) in order.iter().enumerate() {
        for &j in &order[k + 1..] {
            let (a, b) = (boxes[i], boxes[j]);
            if b.0 >= a.2 - 0.5 {
                break;
            }
            let ox = a.2.min(b.2) - a.0.max(b.0);
            let oy = a.3.min(b.3) - a.1.max(b.1);
            if ox > 0.5 && oy > 0.5 {
                out.push(format!(
                    "`{}` and `{}` overlap ({ox:.1} x {oy:.1} px)",
                    texts[i].text, texts[j].text
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> SvgText {
        SvgText {
            text: s.into(),
            x: 100.0,
            y: 100.0,
            dy_em: 0.76,
            anchor: "middle".into(),
            size: 20.0,
            bold: false,
            rotate: 0.0,
        }
    }

    #[test]
    fn float_noise_and_long_numbers_are_flagged() {
        for bad in [
            "9.999999999999999e-5",
            "0.00030000000000000003",
            "1000000.0",
            "20000000",
            "12.345",
        ] {
            assert!(!text_problems(&text(bad)).is_empty(), "{bad} passes");
        }
        for good in [
            "0.045",
            "4000",
            "−0.5",
            "2×10⁻⁵",
            "10⁶",
            "12.25",
            "t = 100",
            "N = 1600",
        ] {
            assert!(
                text_problems(&text(good)).is_empty(),
                "{good}: {:?}",
                text_problems(&text(good))
            );
        }
    }

    #[test]
    fn overlapping_and_clipped_texts_are_flagged() {
        let svg = |body: &str| {
            format!("<svg width=\"300\" height=\"200\" viewBox=\"0 0 300 200\">{body}</svg>")
        };
        let t = |x: i32, y: i32, s: &str, extra: &str| {
            format!(
                "<text x=\"{x}\" y=\"{y}\" dy=\"0.5ex\" text-anchor=\"start\" font-family=\"DejaVu Sans\" font-size=\"16\" {extra}>\n{s}\n</text>"
            )
        };
        assert!(svg_problems(&svg(&(t(10, 20, "abc", "") + &t(10, 60, "abc", "")))).is_empty());
        assert_eq!(
            svg_problems(&svg(&(t(10, 20, "abc", "") + &t(20, 25, "abc", "")))).len(),
            1
        );
        assert_eq!(svg_problems(&svg(&t(280, 20, "abcdef", ""))).len(), 1);
        // a rotated title (reads upwards from its anchor)
        let low = t(
            15,
            190,
            "a long axis title",
            "transform=\"rotate(270, 15, 190)\"",
        );
        assert!(
            svg_problems(&svg(&low)).is_empty(),
            "{:?}",
            svg_problems(&svg(&low))
        );
        let high = t(
            15,
            60,
            "a long axis title",
            "transform=\"rotate(270, 15, 60)\"",
        );
        assert_eq!(svg_problems(&svg(&high)).len(), 1);
        let left = t(
            2,
            190,
            "a long axis title",
            "transform=\"rotate(270, 2, 190)\"",
        );
        assert_eq!(svg_problems(&svg(&left)).len(), 1);
    }
}
