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
    /// Busy for `items` x `item_ms` milliseconds: serially, or as a rayon iterator (one item per
    /// task); writes the number of distinct pool threads that ran its items.
    Busy(BusyParams),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BusyParams {
    out: String,
    items: usize,
    item_ms: u64,
    parallel: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceParams {
    /// file name of the output, under `data/{profile}/`
    out: String,
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
    /// outputs of dependencies to add up
    reads: Vec<String>,
    out: String,
    #[serde(default)]
    scale: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrokenParams {
    /// output path as written (tests give paths with and without the profile placeholder)
    out: String,
    panic: bool,
}

fn data(name: &str) -> String {
    format!("data/{{profile}}/{name}")
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

    fn outputs(&self) -> Vec<String> {
        match self {
            TestKind::Source(p) => vec![data(&p.out)],
            TestKind::Sum(p) => vec![data(&p.out)],
            TestKind::Broken(p) => vec![p.out.clone()],
            TestKind::Busy(p) => vec![data(&p.out)],
        }
    }

    fn inputs(&self) -> Vec<String> {
        match self {
            TestKind::Sum(p) => p.reads.iter().map(|r| data(r)).collect(),
            TestKind::Source(_) | TestKind::Broken(_) | TestKind::Busy(_) => Vec::new(),
        }
    }

    /// Code units: each kind its own file, and a file the two arithmetic kinds share.
    fn code(&self) -> Vec<String> {
        let units: &[&str] = match self {
            TestKind::Source(_) => &["source.rs", "arith.rs"],
            TestKind::Sum(_) => &["sum.rs", "arith.rs"],
            TestKind::Broken(_) | TestKind::Busy(_) => &["broken.rs"],
        };
        units.iter().map(|u| (*u).to_owned()).collect()
    }

    fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        match self {
            TestKind::Source(p) => {
                let out = ctx.output(&ctx.outputs()[0])?;
                ctx.record("seed", serde_json::json!(42));
                ctx.summary(format!("value {}", p.gamma * p.rho + p.b));
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
                for i in &p.reads {
                    total += std::fs::read_to_string(ctx.input(&data(i))?)?
                        .trim()
                        .parse::<f64>()?;
                }
                let out = ctx.output(&ctx.outputs()[0])?;
                pipeline::write_atomic(&out, |f| write!(f, "{}", total * p.scale.unwrap_or(1.0)))?;
            }
            TestKind::Busy(p) => {
                use rayon::prelude::*;
                let item = |_| {
                    std::thread::sleep(std::time::Duration::from_millis(p.item_ms));
                    rayon::current_thread_index()
                };
                let threads: std::collections::BTreeSet<Option<usize>> = if p.parallel {
                    (0..p.items)
                        .into_par_iter()
                        .with_max_len(1)
                        .map(item)
                        .collect()
                } else {
                    (0..p.items).map(item).collect()
                };
                let out = ctx.output(&ctx.outputs()[0])?;
                pipeline::write_atomic(&out, |f| write!(f, "{} {}", threads.len(), ctx.jobs()))?;
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
    params:
      out: a.txt
      gamma: 0.08
      rho: 1.0
  b:
    kind: source
    params: { out: b.txt, gamma: 2.0, b: 1.0, rho: 3.0 }
  c:
    kind: sum
    deps: [a, b]
    params: { reads: [a.txt, b.txt], out: c.txt }
  d:
    kind: sum
    deps: [c]
    params:
      reads: [c.txt]
      out: d.txt
      scale: 10.0
  e:
    kind: source
    params: { out: e.txt, gamma: 1.0, rho: 1.0 }
";

fn setup(yaml: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pipeline.yaml");
    std::fs::write(&file, yaml).unwrap();
    (dir, file)
}

/// The configuration errors of `yaml`, with the temporary directory shown as `<dir>`; the
/// whole message (what a user reads) is kept as the insta snapshot `name`.
fn errors(name: &str, yaml: &str) -> String {
    let (d, file) = setup(yaml);
    match Pipeline::<TestKind>::load(&file, "paper") {
        Ok(_) => panic!("expected configuration errors"),
        Err(e) => {
            let s = e
                .to_string()
                .replace(&d.path().display().to_string(), "<dir>");
            println!("{s}");
            insta::assert_snapshot!(name, s);
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

// ---------------------------------------------------------------- scheduling

/// One shared pool: a parallel stage launched beside a serial one gets every thread of the run
/// once the serial one is done (the old scheduler gave it half the threads for its whole life).
/// The serial stage holds one of the two threads for 0.2 s; the parallel one has 40 items of
/// 25 ms (1 s of work), so both threads must have run its items, and it sees the run's 2 jobs.
#[test]
fn stages_share_one_pool() {
    let yaml = "\
profiles:
  paper: {}
stages:
  serial:
    kind: busy
    params: { out: s.txt, items: 8, item_ms: 25, parallel: false }
  parallel:
    kind: busy
    params: { out: p.txt, items: 40, item_ms: 25, parallel: true }
";
    let (d, file) = setup(yaml);
    let r = run(&file, "paper", &[]);
    assert!(r.success(), "{r:?}");
    let read = |f: &str| std::fs::read_to_string(d.path().join("data/paper").join(f)).unwrap();
    assert_eq!(
        read("p.txt"),
        "2 2",
        "parallel stage: distinct pool threads, jobs"
    );
    assert_eq!(read("s.txt"), "1 2", "serial stage: one pool thread, jobs");
}

// ---------------------------------------------------------------- malformed input

#[test]
fn yaml_syntax_error() {
    let m = errors(
        "yaml_syntax_error",
        "stages:\n  a:\n    kind: source\n   outputs: [x\n",
    );
    assert!(
        m.contains("pipeline.yaml:4:") || m.contains("pipeline.yaml:5:"),
        "{m}"
    );
    assert!(m.contains("YAML syntax error"), "{m}");
}

#[test]
fn unknown_top_level_key() {
    let m = errors(
        "unknown_top_level_key",
        &GOOD.replace("stages:\n", "stagez: 1\nstages:\n"),
    );
    assert_reports(&m, 6, "stagez", "unknown key `stagez`");
}

#[test]
fn unknown_stage_key() {
    let m = errors(
        "unknown_stage_key",
        &GOOD.replace(
            "    kind: source\n    params:\n",
            "    kind: source\n    dependencies: [b]\n    params:\n",
        ),
    );
    assert_reports(&m, 9, "stages.a.dependencies", "unknown key `dependencies`");
}

#[test]
fn unknown_param_key() {
    let m = errors(
        "unknown_param_key",
        &GOOD.replace(
            "      gamma: 0.08\n",
            "      gamma: 0.08\n      gama: 0.1\n",
        ),
    );
    assert_reports(&m, 12, "stages.a.params.gama", "unknown field `gama`");
}

#[test]
fn wrong_type() {
    let m = errors(
        "wrong_type",
        &GOOD.replace("      rho: 1.0\n", "      rho: dense\n"),
    );
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
            "{ out: b.txt, gamma: 2.0, b: 1.0, rho: 3.0 }",
            "{ out: b.txt, gamma: 2.0, b: 1.0, rho: 3.0, sigma: 6 }",
        );
    let m = errors("every_bad_key_of_a_stage_is_reported", &yaml);
    assert_reports(
        &m,
        11,
        "stages.a.params.gamma",
        "invalid type: string \"fast\", expected f64",
    );
    assert_reports(&m, 12, "stages.a.params.gama", "unknown field `gama`");
    assert_reports(&m, 16, "stages.b.params.sigma", "unknown field `sigma`");
    assert!(m.starts_with("3 problems"), "{m}");
}

#[test]
fn ambiguous_wrong_type_says_line_unknown() {
    // Two leaves render as `string "x"`: the engine must not guess which one serde meant.
    let m = errors(
        "ambiguous_wrong_type_says_line_unknown",
        &GOOD.replace("      rho: 1.0\n", "      rho: x\n      tags: [x]\n"),
    );
    assert!(
        m.contains(
            "pipeline.yaml: (line unknown) field `stages.a.params`: invalid type: string \"x\""
        ),
        "{m}"
    );
}

#[test]
fn wrong_type_in_stage_structure() {
    let m = errors(
        "wrong_type_in_stage_structure",
        &GOOD.replace("    deps: [a, b]\n", "    deps: a, b\n"),
    );
    assert_reports(&m, 18, "stages.c.deps", "expected a list of strings");
}

#[test]
fn missing_param() {
    let m = errors("missing_param", &GOOD.replace("      rho: 1.0\n", ""));
    assert_reports(&m, 9, "stages.a.params.rho", "missing field `rho`");
}

#[test]
fn unknown_stage_kind() {
    let m = errors(
        "unknown_stage_kind",
        &GOOD.replace(
            "    kind: sum\n    deps: [c]",
            "    kind: summ\n    deps: [c]",
        ),
    );
    assert_reports(&m, 21, "stages.d.kind", "unknown variant `summ`");
}

#[test]
fn unknown_dependency() {
    let m = errors(
        "unknown_dependency",
        &GOOD.replace("deps: [a, b]", "deps: [a, bb]"),
    );
    assert_reports(&m, 18, "stages.c.deps", "unknown dependency `bb`");
}

#[test]
fn dependency_cycle_is_named() {
    let m = errors(
        "dependency_cycle_is_named",
        &GOOD.replace("deps: [a, b]", "deps: [a, b, d]"),
    );
    assert_reports(&m, 18, "stages.c.deps", "dependency cycle: c -> d -> c");
    let m = errors(
        "dependency_self_cycle",
        &GOOD.replace("deps: [a, b]", "deps: [c]"),
    );
    assert_reports(&m, 18, "stages.c.deps", "dependency cycle: c -> c");
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
    let m = errors(
        "profile_overrides_unknown_stage",
        &GOOD.replace("    a:\n      rho: 0.5\n", "    z:\n      rho: 0.5\n"),
    );
    assert_reports(&m, 4, "profiles.quick.z", "overrides unknown stage `z`");
}

#[test]
fn output_declared_twice() {
    let m = errors(
        "output_declared_twice",
        &GOOD.replace("{ out: e.txt,", "{ out: b.txt,"),
    );
    assert_reports(
        &m,
        27,
        "stages.e.kind",
        "output `data/{profile}/b.txt` written twice (also by stage `b` at line 13)",
    );
}

#[test]
fn output_not_kept_per_profile() {
    let yaml =
        format!("{GOOD}  x:\n    kind: broken\n    params: {{ out: data/x.bin, panic: false }}\n");
    let m = errors("output_not_kept_per_profile", &yaml);
    assert_reports(
        &m,
        30,
        "stages.x.kind",
        "output `data/x.bin` must contain `{profile}` (outputs are kept per profile)",
    );
    let yaml = format!(
        "{GOOD}  x:\n    kind: broken\n    params: {{ out: \"data/{{profile}}/manifest.json\", panic: false }}\n"
    );
    let m = errors("output_is_the_manifest", &yaml);
    assert_reports(
        &m,
        30,
        "stages.x.kind",
        "output `data/{profile}/manifest.json` is reserved for the manifest",
    );
}

#[test]
fn input_not_written_by_a_dependency() {
    let m = errors(
        "input_written_by_no_stage",
        &GOOD.replace("reads: [a.txt, b.txt]", "reads: [a.txt, z.txt]"),
    );
    assert_reports(
        &m,
        16,
        "stages.c.kind",
        "kind `sum` reads `data/{profile}/z.txt`, which no stage writes",
    );
    let m = errors(
        "input_of_a_stage_not_in_deps",
        &GOOD.replace("reads: [c.txt]", "reads: [c.txt, e.txt]"),
    );
    assert_reports(
        &m,
        22,
        "stages.d.deps",
        "stage reads `data/{profile}/e.txt`, written by stage `e`, which is not among its deps",
    );
}

#[test]
fn out_of_range_parameters_all_reported() {
    let yaml = GOOD
        .replace("      gamma: 0.08\n", "      gamma: 0.0\n")
        .replace(
            "{ out: b.txt, gamma: 2.0, b: 1.0, rho: 3.0 }",
            "{ out: b.txt, gamma: 2.0, b: -1.0, rho: -3.0 }",
        );
    let m = errors("out_of_range_parameters_all_reported", &yaml);
    assert_reports(&m, 11, "stages.a.params.gamma", "must be > 0, got 0");
    assert_reports(&m, 15, "stages.b.params.b", "must be >= 0, got -1");
    assert_reports(&m, 15, "stages.b.params.rho", "must be > 0, got -3");
    assert!(m.starts_with("3 problems"), "{m}");
}

#[test]
fn out_of_range_in_profile_points_at_the_override() {
    let m = errors(
        "out_of_range_in_profile_points_at_the_override",
        &GOOD.replace("      rho: 0.5\n", "      rho: -0.5\n"),
    );
    assert_reports(&m, 5, "profiles.quick.a.rho", "must be > 0, got -0.5");
}

#[test]
fn many_problems_reported_together() {
    let yaml = GOOD
        .replace("stages:\n", "extra: 1\nstages:\n")
        .replace("deps: [a, b]", "deps: [a, x]")
        .replace("      gamma: 0.08\n", "      gamma: -1\n");
    let m = errors("many_problems_reported_together", &yaml);
    // the extra key, the unknown dependency `x`, gamma < 0, and c reading b's output
    // without depending on b
    assert!(m.starts_with("4 problems"), "{m}");
}

// ---------------------------------------------------------------- engine

#[test]
fn second_run_executes_nothing() {
    let (_d, file) = setup(GOOD);
    let r1 = run(&file, "paper", &[]);
    assert!(r1.success());
    assert_eq!(sorted(r1.ran_names()), ["a", "b", "c", "d", "e"]);
    // (0.08*1 + 0) + (2*3 + 1) = 7.08; d = 70.8
    let d: f64 = std::fs::read_to_string(file.parent().unwrap().join("data/paper/d.txt"))
        .unwrap()
        .parse()
        .unwrap();
    assert!((d - 70.8).abs() < 1e-12, "{d}");
    let r2 = run(&file, "paper", &[]);
    assert!(r2.ran.is_empty(), "{:?}", r2.ran);
    assert_eq!(r2.skipped.len(), 5);
    let p = Pipeline::<TestKind>::load(&file, "paper").unwrap();
    assert!(p.status().iter().all(|s| s.freshness == Freshness::Fresh));
    assert!(p.manifest_path().ends_with("data/paper/manifest.json"));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.manifest_path()).unwrap()).unwrap();
    assert_eq!(m["stages"]["a"]["records"]["seed"], 42);
    assert_eq!(m["stages"]["a"]["profile"], "paper");
    assert_eq!(
        m["stages"]["c"]["code"],
        serde_json::json!({"arith.rs": "unversioned", "sum.rs": "unversioned"})
    );
    assert!(
        m["stages"]["d"]["outputs"]["data/paper/d.txt"]["blake3"]
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
    let stale: Vec<(String, String)> = p
        .status()
        .into_iter()
        .filter(|s| s.freshness != Freshness::Fresh)
        .map(|s| (s.name, s.freshness.to_string()))
        .collect();
    assert_eq!(
        stale,
        [
            (
                "a".into(),
                "stale: parameter `a.gamma` (0.08 -> 0.09) changed".into()
            ),
            ("c".into(), "stale: input `a` changed".into()),
            ("d".into(), "stale: input `c` changed".into())
        ]
    );
    let r = run(&file, "paper", &[]);
    assert_eq!(r.ran_names(), ["a", "c", "d"]);
    assert_eq!(
        sorted(r.skipped.iter().map(String::as_str).collect()),
        ["b", "e"]
    );
}

/// Every code unit of the test kinds at version `v`, `edited` at version 2.
fn code(edited: &str) -> pipeline::CodeVersions {
    let units = ["source.rs", "sum.rs", "arith.rs", "broken.rs"];
    let pairs: Vec<(&str, &str)> = units
        .iter()
        .map(|u| (*u, if *u == edited { "2" } else { "1" }))
        .collect();
    pipeline::CodeVersions::from_pairs(&pairs)
}

fn stale_after_edit(file: &Path, edited: &str) -> Vec<(String, String)> {
    Pipeline::<TestKind>::load_versioned(file, "paper", code(edited))
        .unwrap()
        .status()
        .into_iter()
        .filter(|s| s.freshness != Freshness::Fresh)
        .map(|s| (s.name, s.freshness.to_string()))
        .collect()
}

#[test]
fn code_change_reruns_the_stages_running_that_code_only() {
    let (_d, file) = setup(GOOD);
    let p = Pipeline::<TestKind>::load_versioned(&file, "paper", code("")).unwrap();
    assert!(p.run(&RunOptions::default()).unwrap().success());
    assert!(stale_after_edit(&file, "").is_empty());
    assert!(
        stale_after_edit(&file, "broken.rs").is_empty(),
        "no stage runs it"
    );
    assert_eq!(
        stale_after_edit(&file, "sum.rs"),
        [
            ("c".into(), "stale: code of `sum.rs` changed".into()),
            (
                "d".into(),
                "stale: code of `sum.rs` changed; input `c` changed".into()
            )
        ]
    );
    let names: Vec<String> = stale_after_edit(&file, "arith.rs")
        .into_iter()
        .map(|s| s.0)
        .collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    // only the edited stages rerun
    let p = Pipeline::<TestKind>::load_versioned(&file, "paper", code("sum.rs")).unwrap();
    assert_eq!(
        p.run(&RunOptions::default()).unwrap().ran_names(),
        ["c", "d"]
    );
    // a unit the build does not know is a configuration error
    let partial = pipeline::CodeVersions::from_pairs(&[("source.rs", "1"), ("arith.rs", "1")]);
    let e = Pipeline::<TestKind>::load_versioned(&file, "paper", partial)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("field `stages.c.kind`: kind `sum` names code unit `sum.rs`, which the build does not know"),
        "{e}"
    );
}

#[test]
fn profiles_keep_their_own_outputs() {
    let (d, file) = setup(GOOD);
    assert!(run(&file, "paper", &["c"]).success());
    assert!(run(&file, "quick", &["c"]).success());
    for profile in ["paper", "quick"] {
        let p = Pipeline::<TestKind>::load(&file, profile).unwrap();
        let fresh: Vec<String> = p
            .status()
            .into_iter()
            .filter(|s| s.freshness.is_fresh())
            .map(|s| s.name)
            .collect();
        assert_eq!(fresh, ["a", "b", "c"], "profile {profile}");
    }
    // quick sets a.rho = 0.5: the two profiles wrote different values side by side
    let read = |p: &str| std::fs::read_to_string(d.path().join(p)).unwrap();
    assert_eq!(read("data/paper/a.txt"), "0.08");
    assert_eq!(read("data/quick/a.txt"), "0.04");
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
    params: { out: a.txt, gamma: 1.0, rho: 1.0 }
  x:
    kind: broken
    deps: [a]
    params: { out: \"data/{profile}/x.bin\", panic: false }
  y:
    kind: sum
    deps: [x]
    params: { reads: [x.bin], out: y.txt }
  z:
    kind: source
    params: { out: z.txt, gamma: 1.0, rho: 2.0 }
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
        let data = d.path().join("data/paper");
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
    let b = d.path().join("data/paper/b.txt");
    // Same size, different content: only the hash can tell.
    let old = std::fs::read_to_string(&b).unwrap();
    std::fs::write(&b, "9".repeat(old.len())).unwrap();
    let p = Pipeline::<TestKind>::load(&file, "paper").unwrap();
    let st = p.status();
    let sb = st.iter().find(|s| s.name == "b").unwrap();
    assert!(
        sb.freshness.to_string()
            == "stale: output `data/paper/b.txt` modified (blake3 differs from the manifest)",
        "{}",
        sb.freshness
    );
    std::fs::remove_file(d.path().join("data/paper/e.txt")).unwrap();
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
    assert_eq!(removed, [d.path().join("data/paper/c.txt")]);
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
            "{ out: b.txt, gamma: 2.0, b: 1.0, rho: 3.0 }",
            "{ rho: 3, b: 1, gamma: 2, out: b.txt }",
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
