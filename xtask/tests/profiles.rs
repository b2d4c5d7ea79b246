//! Outputs are kept per profile, run as a user would: `reproduce --profile paper --only fig4`,
//! then `--profile quick --only fig4`, and both profiles are listed fresh, side by side.

use std::path::Path;
use std::process::Command;

fn xtask(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .arg("--config")
        .arg(dir.join("pipeline.yaml"))
        .output()
        .expect("xtask runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "xtask {args:?} failed:\n{text}");
    text
}

#[test]
fn two_profiles_keep_their_own_outputs() {
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(ws.join("pipeline.yaml"), dir.path().join("pipeline.yaml")).unwrap();
    let run = xtask(
        dir.path(),
        &["reproduce", "--profile", "paper", "--only", "fig4"],
    );
    for line in run.lines() {
        assert!(
            line.chars().count() <= 200,
            "line over 200 characters: {line}"
        );
    }
    xtask(
        dir.path(),
        &["reproduce", "--profile", "quick", "--only", "fig4"],
    );
    for profile in ["paper", "quick"] {
        let list = xtask(dir.path(), &["list", "--profile", profile]);
        println!("{list}");
        for stage in ["swap_model", "transport_swap", "fig4"] {
            let row = list
                .lines()
                .find(|l| l.split_whitespace().next() == Some(stage))
                .unwrap_or_else(|| panic!("{stage} not listed:\n{list}"));
            assert!(row.ends_with("fresh"), "{profile}: {row}");
        }
        for f in [
            format!("data/{profile}/transport_swap.parquet"),
            format!("data/{profile}/manifest.json"),
            format!("figures/{profile}/fig4.svg"),
        ] {
            assert!(dir.path().join(&f).exists(), "{f}");
        }
    }
    // a stage never run in a profile says so
    let list = xtask(dir.path(), &["list", "--profile", "quick"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("fig5_md") && l.ends_with("stale: never run")),
        "{list}"
    );
}
