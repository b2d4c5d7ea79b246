//! Runner tests with a test-only stage kind, in temporary directories.

use std::io::Write;
use std::path::{Path, PathBuf};

use pipeline::validate::{non_negative, positive};
use pipeline::{FieldError, Freshness, Pipeline, RunOptions, StageContext, StageKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum TestKind {
    /// Writes `value = gamma * rho + b` to its single output.
    Source(SourceParams),
    /// Sums the numbers in its inputs and writes the sum.
    Sum(SumParams),
    /// Writes half of its output, then fails (an interrupted writer), or panics.
    Broken(BrokenParams),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceParams {
    gamma: f64,
    #[serde(default)]
    b: f64,
    rho: f64,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SumParams {
    #[serde(default)]
    scale: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrokenParams {
    panic: bool,
}

impl StageKind for TestKind {
    fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if let TestKind::Source(p) = self {
            positive(&mut e, "gamma", p.gamma);
            non_negative(&mut e, "b", p.b);
            positive(&mut e, "rho", p.rho);
        }
        e
    }

    fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        match self {
            TestKind::Source(p) => {
                let out = ctx.output(&ctx.outputs()[0])?;
                ctx.record("seed", serde_json::json!(42));
                ctx.progress(1, 1);
                pipeline::write_atomic(&out, |f| write!(f, "{}", p.gamma * p.rho + p.b))?;
            }
            TestKind::Sum(p) => {
                let mut total = 0.0;
                for d in ["a", "b", "c", "d"] {
                    if let Ok(sp) = ctx.dep_params::<serde_json::Value>(d) {
                        assert!(
                            sp.get("kind").is_none(),
                            "kind tag stripped from dep params"
                        );
                    }
                }
                let inputs: Vec<String> = ["data/a.txt", "data/b.txt", "data/c.txt", "data/d.txt"]
                    .into_iter()
                    .filter(|i| ctx.input(i).is_ok())
                    .map(String::from)
                    .collect();
                for i in &inputs {
                    total += std::fs::read_to_string(ctx.input(i)?)?
                        .trim()
                        .parse::<f64>()?;
                }
                let out = ctx.output(&ctx.outputs()[0])?;
                pipeline::write_atomic(&out, |f| write!(f, "{}", total * p.scale.unwrap_or(1.0)))?;
            }
            TestKind::Broken(p) => {
                let out = ctx.output(&ctx.outputs()[0])?;
                if p.panic {
                    pipeline::write_atomic(&out, |f| {
                        f.write_all(&[7u8; 512])?;
                        panic!("killed mid-write");
                    })?;
                }
                pipeline::write_atomic(&out, |f| {
                    f.write_all(&[7u8; 512])?;
                    Err(std::io::Error::other("disk full after half the file"))
                })?;
            }
        }
        Ok(())
    }
}

const GOOD: &str = "\
profiles:
  paper: {}
  quick:
    a:
      rho: 0.5
stages:
  a:
    kind: source
    outputs: [data/a.txt]
    params:
      gamma: 0.08
      rho: 1.0
  b:
    kind: source
    outputs: [data/b.txt]
    params: { gamma: 2.0, b: 1.0, rho: 3.0 }
  c:
    kind: sum
    deps: [a, b]
    outputs: [data/c.txt]
  d:
    kind: sum
    deps: [c]
    outputs: [data/d.txt]
    params:
      scale: 10.0
  e:
    kind: source
    outputs: [data/e.txt]
    params: { gamma: 1.0, rho: 1.0 }
";

fn setup(yaml: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pipeline.yaml");
    std::fs::write(&file, yaml).unwrap();
    (dir, file)
}

fn errors(yaml: &str) -> String {
    let (_d, file) = setup(yaml);
    match Pipeline::<TestKind>::load(&file, "paper") {
        Ok(_) => panic!("expected configuration errors"),
        Err(e) => {
            let s = e.to_string();
            println!("{s}");
            s
        }
    }
}

fn assert_reports(msg: &str, line: u64, field: &str, reason: &str) {
    let loc = format!("pipeline.yaml:{line}:");
    let found = msg
        .lines()
        .any(|l| l.contains(&loc) && l.contains(&format!("field `{field}`")) && l.contains(reason));
    assert!(
        found,
        "expected a line with `{loc}`, field `{field}` and `{reason}` in:\n{msg}"
    );
}

fn run(file: &Path, profile: &str, only: &[&str]) -> pipeline::RunReport {
    let p = Pipeline::<TestKind>::load(file, profile).unwrap();
    p.run(&RunOptions {
        only: only.iter().map(|s| s.to_string()).collect(),
        jobs: 2,
        ..Default::default()
    })
    .unwrap()
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort();
    v
}

// ---------------------------------------------------------------- malformed input

#[test]
fn yaml_syntax_error() {
    let m = errors("stages:\n  a:\n    kind: source\n   outputs: [x\n");
    assert!(
        m.contains("pipeline.yaml:4:") || m.contains("pipeline.yaml:5:"),
        "{m}"
    );
    assert!(m.contains("YAML syntax error"), "{m}");
}

#[test]
fn unknown_top_level_key() {
    let m = errors(&GOOD.replace("stages:\n", "stagez: 1\nstages:\n"));
    assert_reports(&m, 6, "stagez", "unknown key `stagez`");
}

#[test]
fn unknown_stage_key() {
    let m = errors(&GOOD.replace(
        "    outputs: [data/a.txt]\n",
        "    outputs: [data/a.txt]\n    dependencies: [b]\n",
    ));
    assert_reports(
        &m,
        10,
        "stages.a.dependencies",
        "unknown key `dependencies`",
    );
}

#[test]
fn unknown_param_key() {
    let m = errors(&GOOD.replace(
        "      gamma: 0.08\n",
        "      gamma: 0.08\n      gama: 0.1\n",
    ));
    assert_reports(&m, 12, "stages.a.params.gama", "unknown field `gama`");
}

#[test]
fn wrong_type() {
    let m = errors(&GOOD.replace("      rho: 1.0\n", "      rho: dense\n"));
    assert_reports(
        &m,
        12,
        "stages.a.params.rho",
        "invalid type: string \"dense\", expected f64",
    );
}

#[test]
fn every_bad_key_of_a_stage_is_reported() {
    let yaml = GOOD
        .replace(
            "      gamma: 0.08\n",
            "      gamma: fast\n      gama: 0.1\n",
        )
        .replace(
            "{ gamma: 2.0, b: 1.0, rho: 3.0 }",
            "{ gamma: 2.0, b: 1.0, rho: 3.0, sigma: 6 }",
        );
    let m = errors(&yaml);
    assert_reports(
        &m,
        11,
        "stages.a.params.gamma",
        "invalid type: string \"fast\", expected f64",
    );
    assert_reports(&m, 12, "stages.a.params.gama", "unknown field `gama`");
    assert_reports(&m, 17, "stages.b.params.sigma", "unknown field `sigma`");
    assert!(m.starts_with("3 problems"), "{m}");
}

#[test]
fn ambiguous_wrong_type_says_line_unknown() {
    // Two leaves render as `string "x"`: the engine must not guess which one serde meant.
    let m = errors(&GOOD.replace("      rho: 1.0\n", "      rho: x\n      tags: [x]\n"));
    assert!(
        m.contains(
            "pipeline.yaml: (line unknown) field `stages.a.params`: invalid type: string \"x\""
        ),
        "{m}"
    );
}

#[test]
fn wrong_type_in_stage_structure() {
    let m = errors(&GOOD.replace("    outputs: [data/a.txt]\n", "    outputs: data/a.txt\n"));
    assert_reports(&m, 9, "stages.a.outputs", "expected a list of strings");
}

#[test]
fn missing_param() {
    let m = errors(&GOOD.replace("      rho: 1.0\n", ""));
    assert_reports(&m, 10, "stages.a.params.rho", "missing field `rho`");
}

#[test]
fn unknown_stage_kind() {
    let m = errors(&GOOD.replace(
        "    kind: sum\n    deps: [c]",
        "    kind: summ\n    deps: [c]",
    ));
    assert_reports(&m, 22, "stages.d.kind", "unknown variant `summ`");
}

#[test]
fn unknown_dependency() {
    let m = errors(&GOOD.replace("deps: [a, b]", "deps: [a, bb]"));
    assert_reports(&m, 19, "stages.c.deps", "unknown dependency `bb`");
}

#[test]
fn dependency_cycle_is_named() {
    let m = errors(&GOOD.replace("deps: [a, b]", "deps: [a, b, d]"));
    assert_reports(&m, 19, "stages.c.deps", "dependency cycle: c -> d -> c");
    let m = errors(&GOOD.replace("deps: [a, b]", "deps: [c]"));
    assert_reports(&m, 19, "stages.c.deps", "dependency cycle: c -> c");
}

#[test]
fn unknown_profile() {
    let (_d, file) = setup(GOOD);
    let m = Pipeline::<TestKind>::load(&file, "fast")
        .err()
        .unwrap()
        .to_string();
    assert_reports(
        &m,
        1,
        "profiles",
        "unknown profile `fast` (defined: paper, quick)",
    );
}

#[test]
fn profile_overrides_unknown_stage() {
    let m = errors(&GOOD.replace("    a:\n      rho: 0.5\n", "    z:\n      rho: 0.5\n"));
    assert_reports(&m, 4, "profiles.quick.z", "overrides unknown stage `z`");
}

#[test]
fn output_declared_twice() {
    let m = errors(&GOOD.replace("outputs: [data/e.txt]", "outputs: [data/b.txt]"));
    assert_reports(
        &m,
        29,
        "stages.e.outputs",
        "output `data/b.txt` declared twice (also by stage `b` at line 15)",
    );
}

#[test]
fn out_of_range_parameters_all_reported() {
    let yaml = GOOD
        .replace("      gamma: 0.08\n", "      gamma: 0.0\n")
        .replace(
            "{ gamma: 2.0, b: 1.0, rho: 3.0 }",
            "{ gamma: 2.0, b: -1.0, rho: -3.0 }",
        );
    let m = errors(&yaml);
    assert_reports(&m, 11, "stages.a.params.gamma", "must be > 0, got 0");
    assert_reports(&m, 16, "stages.b.params.b", "must be >= 0, got -1");
    assert_reports(&m, 16, "stages.b.params.rho", "must be > 0, got -3");
    assert!(m.starts_with("3 problems"), "{m}");
}

#[test]
fn out_of_range_in_profile_points_at_the_override() {
    let m = errors(&GOOD.replace("      rho: 0.5\n", "      rho: -0.5\n"));
    assert_reports(&m, 5, "profiles.quick.a.rho", "must be > 0, got -0.5");
}

#[test]
fn many_problems_reported_together() {
    let yaml = GOOD
        .replace("stages:\n", "extra: 1\nstages:\n")
        .replace("deps: [a, b]", "deps: [a, x]")
        .replace("      gamma: 0.08\n", "      gamma: -1\n");
    let m = errors(&yaml);
    assert!(m.starts_with("3 problems"), "{m}");
}

// ---------------------------------------------------------------- engine

#[test]
fn second_run_executes_nothing() {
    let (_d, file) = setup(GOOD);
    let r1 = run(&file, "paper", &[]);
    assert!(r1.success());
    assert_eq!(sorted(r1.ran_names()), ["a", "b", "c", "d", "e"]);
    // (0.08*1 + 0) + (2*3 + 1) = 7.08; d = 70.8
    let d: f64 = std::fs::read_to_string(file.parent().unwrap().join("data/d.txt"))
        .unwrap()
        .parse()
        .unwrap();
    assert!((d - 70.8).abs() < 1e-12, "{d}");
    let r2 = run(&file, "paper", &[]);
    assert!(r2.ran.is_empty(), "{:?}", r2.ran);
    assert_eq!(r2.skipped.len(), 5);
    let p = Pipeline::<TestKind>::load(&file, "paper").unwrap();
    assert!(p.status().iter().all(|s| s.freshness == Freshness::Fresh));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.manifest_path()).unwrap()).unwrap();
    assert_eq!(m["stages"]["a"]["records"]["seed"], 42);
    assert_eq!(m["stages"]["a"]["profile"], "paper");
    assert!(
        m["stages"]["d"]["outputs"]["data/d.txt"]["blake3"]
            .as_str()
            .unwrap()
            .len()
            == 64
    );
}

#[test]
fn changed_parameter_reruns_stage_and_dependents_only() {
    let (_d, file) = setup(GOOD);
    run(&file, "paper", &[]);
    std::fs::write(&file, GOOD.replace("gamma: 0.08", "gamma: 0.09")).unwrap();
    let p = Pipeline::<TestKind>::load(&file, "paper").unwrap();
    let stale: Vec<String> = p
        .status()
        .into_iter()
        .filter(|s| s.freshness != Freshness::Fresh)
        .map(|s| s.name)
        .collect();
    assert_eq!(stale, ["a", "c", "d"]);
    let r = run(&file, "paper", &[]);
    assert_eq!(r.ran_names(), ["a", "c", "d"]);
    assert_eq!(
        sorted(r.skipped.iter().map(String::as_str).collect()),
        ["b", "e"]
    );
    // A profile is a parameter change too: quick sets a.rho = 0.5.
    let r = run(&file, "quick", &[]);
    assert_eq!(r.ran_names(), ["a", "c", "d"]);
}

#[test]
fn code_change_reruns_everything() {
    let (_d, file) = setup(GOOD);
    run(&file, "paper", &[]);
    let p = Pipeline::<TestKind>::load(&file, "paper")
        .unwrap()
        .with_code_version("other");
    let r = p
        .run(&RunOptions {
            jobs: 2,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.ran.len(), 5);
}

#[test]
fn only_runs_the_stage_and_its_dependencies() {
    let (_d, file) = setup(GOOD);
    let r = run(&file, "paper", &["c"]);
    assert_eq!(sorted(r.ran_names()), ["a", "b", "c"]);
    let r = run(&file, "paper", &["d"]);
    assert_eq!(r.ran_names(), ["d"]);
    assert_eq!(
        sorted(r.skipped.iter().map(String::as_str).collect()),
        ["a", "b", "c"]
    );
    let p = Pipeline::<TestKind>::load(&file, "paper").unwrap();
    assert!(matches!(
        p.run(&RunOptions {
            only: vec!["zz".into()],
            ..Default::default()
        }),
        Err(pipeline::Error::UnknownStage(_))
    ));
    let r = p
        .run(&RunOptions {
            only: vec!["b".into()],
            force: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.ran_names(), ["b"]);
}

const BROKEN: &str = "\
profiles: { paper: {} }
stages:
  a:
    kind: source
    outputs: [data/a.txt]
    params: { gamma: 1.0, rho: 1.0 }
  x:
    kind: broken
    deps: [a]
    outputs: [data/x.bin]
    params: { panic: false }
  y:
    kind: sum
    deps: [x]
    outputs: [data/y.txt]
  z:
    kind: source
    outputs: [data/z.txt]
    params: { gamma: 1.0, rho: 2.0 }
";

#[test]
fn interrupted_write_leaves_nothing_trusted() {
    for panic in [false, true] {
        let (d, file) = setup(&BROKEN.replace("panic: false", &format!("panic: {panic}")));
        let r = run(&file, "paper", &[]);
        assert!(!r.success());
        assert_eq!(r.failed.len(), 1, "{:?}", r.failed);
        assert_eq!(r.failed[0].0, "x");
        println!("failure reported as: {}", r.failed[0].1);
        assert_eq!(r.blocked, [("y".to_string(), "x".to_string())]);
        assert_eq!(
            sorted(r.ran_names()),
            ["a", "z"],
            "independent stages run to completion"
        );
        let data = d.path().join("data");
        let files: Vec<String> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            sorted(files.iter().map(String::as_str).collect()),
            ["a.txt", "manifest.json", "z.txt"]
        );
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(data.join("manifest.json")).unwrap()).unwrap();
        assert!(m["stages"].get("x").is_none() && m["stages"].get("y").is_none());
    }
}

#[test]
fn corrupted_or_removed_output_is_stale() {
    let (d, file) = setup(GOOD);
    run(&file, "paper", &[]);
    let b = d.path().join("data/b.txt");
    // Same size, different content: only the hash can tell.
    let old = std::fs::read_to_string(&b).unwrap();
    std::fs::write(&b, "9".repeat(old.len())).unwrap();
    let p = Pipeline::<TestKind>::load(&file, "paper").unwrap();
    let st = p.status();
    let sb = st.iter().find(|s| s.name == "b").unwrap();
    assert!(
        matches!(&sb.freshness, Freshness::Stale(w) if w.contains("modified")),
        "{:?}",
        sb.freshness
    );
    std::fs::remove_file(d.path().join("data/e.txt")).unwrap();
    let r = run(&file, "paper", &[]);
    assert_eq!(sorted(r.ran_names()), ["b", "e"]);
    assert_eq!(std::fs::read_to_string(&b).unwrap(), old);
}

#[test]
fn clean_removes_outputs_and_entries() {
    let (d, file) = setup(GOOD);
    run(&file, "paper", &[]);
    let p = Pipeline::<TestKind>::load(&file, "paper").unwrap();
    let removed = p.clean(&["c".into()]).unwrap();
    assert_eq!(removed, [d.path().join("data/c.txt")]);
    let r = run(&file, "paper", &[]);
    assert_eq!(
        r.ran_names(),
        ["c"],
        "d's fingerprint is unchanged: only c reruns"
    );
    let removed = p.clean(&[]).unwrap();
    assert_eq!(removed.len(), 5);
    assert_eq!(run(&file, "paper", &[]).ran.len(), 5);
}

#[test]
fn fingerprints_ignore_key_order_and_formatting() {
    let reordered = GOOD
        .replace(
            "      gamma: 0.08\n      rho: 1.0\n",
            "      rho: 1.0\n      gamma: 8.0e-2\n",
        )
        .replace(
            "{ gamma: 2.0, b: 1.0, rho: 3.0 }",
            "{ rho: 3, b: 1, gamma: 2 }",
        );
    let (_d1, f1) = setup(GOOD);
    let (_d2, f2) = setup(&reordered);
    let p1 = Pipeline::<TestKind>::load(&f1, "paper").unwrap();
    let p2 = Pipeline::<TestKind>::load(&f2, "paper").unwrap();
    assert_eq!(p1.fingerprints(), p2.fingerprints());
    // and they are stable across loads
    assert_eq!(
        p1.fingerprints(),
        Pipeline::<TestKind>::load(&f1, "paper")
            .unwrap()
            .fingerprints()
    );
    let p3 = Pipeline::<TestKind>::load(&f1, "quick").unwrap();
    let (a, b) = (p1.fingerprints(), p3.fingerprints());
    assert_ne!(a["a"], b["a"]);
    assert_eq!(a["b"], b["b"]);
    assert_ne!(a["d"], b["d"], "dependents inherit the change");
}
