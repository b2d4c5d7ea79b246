//! Per-stage code versions, on the real registry and `pipeline.yaml`: a copy of the workspace
//! sources is edited the way a developer would, the code units are hashed again, and the
//! stages whose fingerprint changes are exactly those that run the edited code.

use std::collections::BTreeMap;
use std::path::Path;

use crate::workspace;
use pipeline::{CodeVersions, Pipeline};
use reproduce::Kind;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let name = e.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if p.is_dir() {
            copy_dir(&p, &to.join(&name));
        } else {
            std::fs::copy(&p, to.join(&name)).unwrap();
        }
    }
}

/// A copy of the sources the code units are made of.
fn sources() -> tempfile::TempDir {
    let ws = workspace();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&ws.join("crates"), &dir.path().join("crates"));
    std::fs::copy(ws.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    dir
}

fn fingerprints(code: CodeVersions) -> BTreeMap<String, String> {
    Pipeline::<Kind>::load_versioned(&workspace().join("pipeline.yaml"), "paper", code)
        .unwrap_or_else(|e| panic!("{e}"))
        .fingerprints()
}

/// The stages whose fingerprint changes when `edit` is applied to the file `rel`.
fn rerun_after(rel: &str, edit: impl Fn(&str) -> String) -> Vec<String> {
    let src = sources();
    let before = fingerprints(xtask::code_versions_of(src.path()));
    let path = src.path().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&text)).unwrap();
    let after = fingerprints(xtask::code_versions_of(src.path()));
    before
        .iter()
        .filter(|(s, fp)| after[*s] != **fp)
        .map(|(s, _)| s.clone())
        .collect()
}

/// Append a (code) item: changes the unit's hash.
fn add_code(text: &str) -> String {
    format!("{text}\n#[allow(dead_code)]\nfn edited_by_the_test() -> u32 {{ 42 }}\n")
}

#[test]
fn the_build_table_is_the_scan_of_these_sources() {
    let here = xtask::code_versions_of(&workspace());
    assert_eq!(
        here.units(),
        xtask::code_versions().units(),
        "the sources changed after xtask was built: rebuild"
    );
}

#[test]
fn editing_audit_code_reruns_no_stage() {
    assert!(rerun_after("crates/audit/src/report.rs", add_code).is_empty());
    assert!(rerun_after("crates/audit/src/checks/fig5.rs", add_code).is_empty());
}

/// Where ensembles run cannot change them (`xtask/tests/slurm.rs` proves the bits equal), so
/// the executor and the Slurm client are in no stage's code version; the plan that says what
/// an ensemble computes is (its stage's file).
#[test]
fn editing_the_executor_reruns_no_stage_but_editing_a_plan_does() {
    assert!(rerun_after("crates/executor/src/lib.rs", add_code).is_empty());
    assert!(rerun_after("crates/slurm/src/lib.rs", add_code).is_empty());
    assert_eq!(
        rerun_after("crates/reproduce/src/fig2/md.rs", add_code),
        ["fig2", "fig2_md", "stationary_states"]
    );
}

#[test]
fn editing_a_figures_drawing_code_reruns_that_figure_only() {
    assert_eq!(
        rerun_after("crates/reproduce/src/fig5/plot.rs", add_code),
        ["fig5"]
    );
    assert_eq!(
        rerun_after("crates/reproduce/src/tg/fig3.rs", add_code),
        ["fig3"]
    );
    // the drawing shared by the TG figures reruns the three of them
    assert_eq!(
        rerun_after("crates/reproduce/src/tg/draw.rs", add_code),
        ["audit_tg", "fig3", "fig6"]
    );
}

#[test]
fn editing_a_physics_crate_reruns_only_the_stages_using_it() {
    let tg = rerun_after("crates/tg/src/lib.rs", add_code);
    assert_eq!(
        tg,
        [
            "audit_tg",
            "fig3",
            "fig6",
            // the stationary states include the TG states of Fig. 3
            "stationary_states",
            "tg_burgers_map",
            "tg_burgers_map_fig",
            "tg_full_diffusion",
            "tg_spectrum",
            "tg_transport"
        ]
    );
    // Fig. 2, Fig. 4 and Fig. 5 data stay fresh
    let md = rerun_after("crates/md/src/lib.rs", add_code);
    // stationary_states reads Fig. 2's bath through the `fig2_md` parameter type, whose module
    // uses md: a code dependency the scanner sees
    assert_eq!(
        md,
        [
            "fig2",
            "fig2_md",
            "fig5",
            // reads the parameters of fig5_md and fig5_md_converged (their types use md)
            "fig5_appc",
            "fig5_md",
            "fig5_md_converged",
            "stationary_states"
        ]
    );
}

#[test]
fn comments_and_formatting_rerun_nothing() {
    let comment = |t: &str| {
        format!(
            "// a reworded comment\n{}\n/// doc\n",
            t.replace("    ", "        ")
        )
    };
    assert!(rerun_after("crates/tg/src/lib.rs", comment).is_empty());
    assert!(rerun_after("crates/reproduce/src/fig5/md.rs", comment).is_empty());
    // a unit-test edit is not code of any stage either
    let test_edit = |t: &str| {
        t.replace(
            "fn fig5_md_small_run() {",
            "fn fig5_md_small_run() {\n        assert_eq!(1 + 1, 2);",
        )
    };
    assert!(rerun_after("crates/reproduce/src/fig5/md.rs", test_edit).is_empty());
    // validation only: no stage's output depends on it
    assert!(rerun_after("crates/reproduce/src/params.rs", add_code).is_empty());
}

#[test]
fn editing_the_figure_text_metrics_reruns_the_figure_stages_only() {
    // figtext sizes every figure's layout: every stage that draws reruns, no data stage does
    // (stationary_states writes its table and its figure)
    assert_eq!(
        rerun_after("crates/figtext/src/lib.rs", add_code),
        [
            "audit_tg",
            "fig2",
            "fig3",
            "fig4",
            "fig5",
            "fig5_appc",
            "fig6",
            "stationary_states",
            "tg_burgers_map_fig"
        ]
    );
}
