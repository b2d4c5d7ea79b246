//! The regression reference against `pipeline.yaml` (no data needed): perturbing one parameter
//! in a copy of `pipeline.yaml` makes the comparison fail with a message naming the figure,
//! the stage and the parameter.

use std::path::Path;

use crate::workspace;
use audit::config_params;
use audit::regression::{Summary, compare};
use pipeline::Pipeline;
use reproduce::Kind;

fn params_of(file: &Path) -> Summary {
    let p = Pipeline::<Kind>::load(file, "quick").unwrap_or_else(|e| panic!("{e}"));
    Summary {
        params: config_params(&p),
        ..Summary::default()
    }
}

#[test]
fn perturbed_gamma_names_figure_and_parameter() {
    let ws = workspace();
    let text = std::fs::read_to_string(ws.join("pipeline.yaml")).unwrap();
    let base = params_of(&ws.join("pipeline.yaml"));
    // the first `gamma: <number>` of the `stages:` section (the swap model), perturbed by 1%
    let from = text.find("\nstages:").unwrap_or(0);
    let pos = text[from..].find("gamma: ").map(|p| p + from).unwrap();
    let start = pos + "gamma: ".len();
    let end = start
        + text[start..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == '-'))
            .unwrap();
    let g: f64 = text[start..end].parse().unwrap();
    let perturbed = format!("{}{}{}", &text[..start], g * 1.01, &text[end..]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pipeline.yaml");
    std::fs::write(&file, perturbed).unwrap();
    let p = Pipeline::<Kind>::load(&file, "quick").unwrap();
    let data = audit::Data::from_pipeline(&p);
    let diff = compare(&base, &params_of(&file), &|s| data.figure_of_stage(s));
    println!("{diff:#?}");
    assert_eq!(
        diff,
        ["fig4: stage `swap_model` parameter `gamma`: 0.08 -> 0.0808"]
    );
}
