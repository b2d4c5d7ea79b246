//! The Slurm executor against a real Slurm cluster: the quick profile's ensembles (Fig. 2 and
//! Fig. 5 MD with its App. C reruns) through job arrays are bit-identical to the local run for
//! any chunk size; a cancelled or failed array task is reported with its id, state and log and
//! a rerun resubmits only the missing chunks; shards of another fingerprint are never merged;
//! Ctrl-C and the timeout cancel the array and leave no output.
//!
//! The tests need a cluster that answers (`scripts/slurm-local.sh start` brings up a
//! single-node one). Without one they say so and pass, unless `BURGERS_SLURM=required`, which
//! `.ci/run` sets after starting its cluster: there a missing cluster fails them. Run by hand:
//!
//! ```text
//! scripts/slurm-local.sh install && scripts/slurm-local.sh start
//! BURGERS_SLURM=required cargo test --release -p xtask --test slurm
//! scripts/slurm-local.sh stop
//! ```
//!
//! `missing_sbatch_names_the_executor_flag` needs no cluster and always runs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// Is a Slurm controller answering? Panics when `BURGERS_SLURM=required` and none is.
fn cluster() -> bool {
    let up = Command::new("scontrol")
        .arg("ping")
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("UP"));
    let required = std::env::var("BURGERS_SLURM").is_ok_and(|v| v == "required");
    assert!(
        up || !required,
        "BURGERS_SLURM=required but no Slurm controller answers `scontrol ping` (scripts/slurm-local.sh start)"
    );
    if !up {
        eprintln!("skipped: no Slurm cluster (scripts/slurm-local.sh start; see this file's doc)");
    }
    up
}

/// A fresh pipeline root: the workspace's `pipeline.yaml`, optionally edited.
fn root(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let yaml = std::fs::read_to_string(ws.join("pipeline.yaml")).unwrap();
    std::fs::write(dir.path().join("pipeline.yaml"), edit(yaml)).unwrap();
    dir
}

/// The quick profile's Fig. 2 seed changed: another fingerprint of `fig2_md`.
fn other_seed(yaml: String) -> String {
    let from = "fig2_md: { realizations: 50 }";
    assert!(
        yaml.contains(from),
        "quick profile of fig2_md as this test expects"
    );
    yaml.replace(from, "fig2_md: { realizations: 50, seed: 7 }")
}

/// `xtask reproduce --profile quick --only <stages> <extra>` in `root`.
fn reproduce(root: &Path, stages: &[&str], extra: &[&str]) -> Command {
    let mut c = Command::new(XTASK);
    c.arg("reproduce")
        .arg("--config")
        .arg(root.join("pipeline.yaml"))
        .args(["--profile", "quick", "--jobs", "2", "--poll", "0.2"]);
    for s in stages {
        c.args(["--only", s]);
    }
    c.args(extra);
    c
}

fn run(mut c: Command) -> Output {
    let o = c.output().unwrap();
    eprintln!("{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const FIG2: [&str; 2] = ["fig2_energy.parquet", "fig2_velocities.parquet"];
const FIG5: [&str; 2] = ["fig5_md.parquet", "fig5_md_audit.parquet"];

fn data(root: &Path, file: &str) -> PathBuf {
    root.join("data/quick").join(file)
}

fn assert_same_files(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        let (x, y) = (
            std::fs::read(data(a, f)).unwrap(),
            std::fs::read(data(b, f)).unwrap(),
        );
        assert!(x == y, "{f} differs between {a:?} and {b:?}");
    }
}

/// The executor record of `stage` in the manifest.
fn executor_record(root: &Path, stage: &str) -> serde_json::Value {
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data(root, "manifest.json")).unwrap())
            .unwrap();
    m["stages"][stage]["records"]["executor"].clone()
}

/// A unique job name, so that tests running at the same time find their own array.
fn job_name(test: &str) -> String {
    format!("t{}-{test}", std::process::id())
}

/// The array job id of the job named `name`, waiting for it to be queued.
fn job_id(name: &str) -> String {
    let t0 = Instant::now();
    loop {
        let o = Command::new("squeue")
            .args(["-h", "-n", name, "-o", "%F"])
            .output()
            .unwrap();
        if let Some(id) = String::from_utf8_lossy(&o.stdout).lines().next() {
            return id.trim().to_owned();
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "job {name} never queued"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `xtask reproduce --only fig2_md --executor slurm <extra>` with its array submitted held
/// (`--hold`: no task starts until `scontrol release`) under a job name unique to `test`.
fn held(dir: &Path, test: &str, extra: &[&str]) -> (Command, String) {
    let name = job_name(test);
    let mut args = vec![
        "--executor".to_owned(),
        "slurm".to_owned(),
        "--sbatch-arg=--hold".to_owned(),
        format!("--sbatch-arg=--job-name={name}"),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    (reproduce(dir, &["fig2_md"], &args), name)
}

/// [`held`], started: the child and its array's job id once queued.
fn spawn_held(dir: &Path, test: &str, extra: &[&str]) -> (Child, String) {
    let (c, name) = held(dir, test, extra);
    let child = spawn(c);
    (child, job_id(&name))
}

fn slurm(args: &[&str]) {
    let o = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
}

fn queued(id: &str) -> bool {
    let o = Command::new("squeue")
        .args(["-h", "-j", id, "-o", "%i"])
        .output()
        .unwrap();
    o.status.success() && !o.stdout.is_empty()
}

fn spawn(mut c: Command) -> Child {
    c.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn slurm_matches_local_for_any_chunk_size() {
    if !cluster() {
        return;
    }
    let stages = ["fig2_md", "fig5_md"];
    let local = root(|y| y);
    let o = run(reproduce(local.path(), &stages, &[]));
    assert!(o.status.success());
    assert_eq!(
        executor_record(local.path(), "fig5_md")["executor"],
        "local"
    );
    for chunk in ["7", "16"] {
        let dir = root(|y| y);
        let t0 = Instant::now();
        let o = run(reproduce(
            dir.path(),
            &stages,
            &["--executor", "slurm", "--chunk", chunk],
        ));
        assert!(o.status.success(), "chunk {chunk}");
        eprintln!(
            "chunk {chunk}: quick ensembles through Slurm in {:.1} s",
            t0.elapsed().as_secs_f64()
        );
        assert_same_files(local.path(), dir.path(), &FIG2);
        assert_same_files(local.path(), dir.path(), &FIG5);
        let rec = executor_record(dir.path(), "fig5_md");
        assert_eq!(rec["executor"], "slurm");
        // quick fig5_md: 4 panels of 32, 4 reruns of 16 realizations
        let tasks = if chunk == "7" {
            4 * 5 + 4 * 3
        } else {
            4 * 2 + 4
        };
        assert_eq!(rec["tasks"], tasks, "{rec}");
        let script = rec["jobs"][0]["script"].as_str().unwrap();
        assert!(Path::new(script).is_file(), "{rec}");
        // every task's log is recorded and exists
        let logs = rec["jobs"][0]["logs"].as_array().unwrap();
        assert_eq!(logs.len(), tasks, "{rec}");
        assert!(
            logs.iter()
                .all(|l| Path::new(l.as_str().unwrap()).is_file()),
            "{rec}"
        );
        // a second run finds everything fresh: nothing submitted
        let o = run(reproduce(
            dir.path(),
            &stages,
            &["--executor", "slurm", "--chunk", chunk],
        ));
        assert!(o.status.success() && !stderr(&o).contains("Slurm job"));
    }
    // `--force` recomputes every chunk instead of merging the shards of the last run
    let dir = root(|y| y);
    let args = ["--executor", "slurm", "--chunk", "16"];
    assert!(
        run(reproduce(dir.path(), &["fig2_md"], &args))
            .status
            .success()
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    let o = run(reproduce(dir.path(), &["fig2_md"], &forced));
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("4 of 4 chunks of 16 (0 reused)"),
        "{}",
        stderr(&o)
    );
    assert_same_files(local.path(), dir.path(), &FIG2);
}

#[test]
fn cancelled_task_is_reported_and_only_it_is_resubmitted() {
    if !cluster() {
        return;
    }
    let local = root(|y| y);
    assert!(
        run(reproduce(local.path(), &["fig2_md"], &[]))
            .status
            .success()
    );
    let dir = root(|y| y);
    // held, so that task 2 is surely pending when it is cancelled
    let (child, id) = spawn_held(dir.path(), "cancel", &["--chunk", "16"]);
    slurm(&["scancel", &format!("{id}_2")]);
    slurm(&["scontrol", "release", &id]);
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    eprintln!("{err}");
    assert!(!o.status.success());
    assert!(
        err.contains(&format!(
            "1 of 4 array task(s) of Slurm job {id} wrote no shard"
        )),
        "{err}"
    );
    let log = dir.path().join("data/quick/shards/fig2_md");
    // Slurm 22.05 keeps no record of an array task cancelled while pending
    assert!(
        err.contains("task 2: no completion record")
            && err.contains("no log: the task never started (")
            && err.contains(&format!("{}", log.display())),
        "the report names the task, its state and its log: {err}"
    );
    assert!(
        !data(dir.path(), FIG2[0]).exists(),
        "no output from a failed array"
    );
    // the rerun submits only task 2 and gives the local result
    let o = run(reproduce(
        dir.path(),
        &["fig2_md"],
        &["--executor", "slurm", "--chunk", "16"],
    ));
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("1 of 4 chunks of 16 (3 reused)"),
        "{}",
        stderr(&o)
    );
    let rec = executor_record(dir.path(), "fig2_md");
    assert_eq!(rec["reused"], 3, "{rec}");
    assert_eq!(rec["jobs"][0]["array"], "2", "{rec}");
    assert_same_files(local.path(), dir.path(), &FIG2);
}

#[test]
fn changed_stage_fails_its_tasks_and_is_never_merged() {
    if !cluster() {
        return;
    }
    let dir = root(|y| y);
    let (child, id) = spawn_held(dir.path(), "changed", &["--chunk", "25"]);
    // the configuration changes while the array waits: its tasks refuse to compute
    let yaml = dir.path().join("pipeline.yaml");
    std::fs::write(&yaml, other_seed(std::fs::read_to_string(&yaml).unwrap())).unwrap();
    slurm(&["scontrol", "release", &id]);
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    eprintln!("{err}");
    assert!(!o.status.success());
    for t in 0..2 {
        let line = err
            .lines()
            .find(|l| l.contains(&format!("task {t}: FAILED (exit 1:0), log ")))
            .unwrap_or_else(|| panic!("task {t} reported with state, exit code and log: {err}"));
        let log = line.rsplit("log ").next().unwrap();
        assert!(Path::new(log).is_file(), "{log}");
    }
    let logs = dir.path().join("data/quick/shards/fig2_md");
    let text: String = walk(&logs)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(
        text.contains("changed since its work was submitted"),
        "{text}"
    );
    // with the new configuration: new shards (the old folder is pruned), the local result
    let o = run(reproduce(
        dir.path(),
        &["fig2_md"],
        &["--executor", "slurm", "--chunk", "25"],
    ));
    assert!(o.status.success());
    assert_eq!(
        std::fs::read_dir(&logs).unwrap().count(),
        1,
        "one fingerprint folder"
    );
    let local = root(other_seed);
    assert!(
        run(reproduce(local.path(), &["fig2_md"], &[]))
            .status
            .success()
    );
    assert_same_files(local.path(), dir.path(), &FIG2);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn interrupt_cancels_the_array_and_leaves_no_output() {
    if !cluster() {
        return;
    }
    let dir = root(|y| y);
    let (child, id) = spawn_held(dir.path(), "interrupt", &[]);
    slurm(&["kill", "-INT", &child.id().to_string()]);
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    eprintln!("{err}");
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.contains(&format!("interrupted: cancelled Slurm job(s) {id}")),
        "{err}"
    );
    let t0 = Instant::now();
    while queued(&id) {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "job {id} still queued"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    for f in FIG2 {
        assert!(
            !data(dir.path(), f).exists(),
            "{f} written by an interrupted run"
        );
    }
    // no manifest at all, or one without fig2_md
    let manifest = std::fs::read_to_string(data(dir.path(), "manifest.json")).unwrap_or_default();
    assert!(
        !manifest.contains("\"fig2_md\""),
        "fig2_md recorded: {manifest}"
    );
    assert!(
        walk(&dir.path().join("data"))
            .iter()
            .all(|p| !pipeline::atomic::is_temp_file(p)),
        "temporaries left"
    );
}

#[test]
fn timeout_cancels_the_array() {
    if !cluster() {
        return;
    }
    let dir = root(|y| y);
    let (c, _) = held(dir.path(), "timeout", &["--slurm-timeout", "2"]);
    let o = run(c);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("--slurm-timeout") && err.contains("cancelled"),
        "{err}"
    );
    assert!(!data(dir.path(), FIG2[0]).exists());
}

#[test]
fn missing_sbatch_names_the_executor_flag() {
    let dir = root(|y| y);
    let mut c = reproduce(dir.path(), &["fig2_md"], &["--executor", "slurm"]);
    c.env("PATH", dir.path());
    let o = run(c);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("`--executor slurm` needs `sbatch` on PATH"),
        "{err}"
    );
    assert_eq!(
        err.matches("sbatch").count(),
        1,
        "one clear error, not one per stage: {err}"
    );
}
