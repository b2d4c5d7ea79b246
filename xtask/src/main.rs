//! `cargo xtask`: run the reproduction pipeline.
//!
//! ```text
//! cargo xtask reproduce [--profile quick|paper] [--only STAGE]... [--force] [--jobs N] [--verbose] [--config pipeline.yaml]
//!                       [--executor local|slurm] [--chunk R] [--sbatch-arg ARG]... [--poll S] [--slurm-timeout S]
//! cargo xtask list      [--profile P] [--config pipeline.yaml]
//! cargo xtask clean     [--profile P] [--only STAGE]... [--config pipeline.yaml]
//! cargo xtask verify    [--profile P] [--check | --bless] [--config pipeline.yaml]
//! ```
//!
//! Outputs of a profile live in `data/<profile>/` and `figures/<profile>/`. With
//! `--executor slurm` the ensemble stages run as Slurm job arrays whose tasks call the hidden
//! subcommand `xtask shard` (see the `executor` crate).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use pipeline::{Executor, Pipeline, Progress, RunOptions, SlurmOptions};
use reproduce::Kind;

#[derive(Parser)]
#[command(name = "xtask", about = "burgers-repro pipeline runner")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args)]
struct Common {
    /// Pipeline configuration (outputs are written relative to its directory).
    #[arg(long, default_value = "pipeline.yaml")]
    config: PathBuf,
    /// Parameter profile: `paper` (the paper's statistics) or `quick`.
    #[arg(long, default_value = "paper")]
    profile: String,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the stages whose outputs are missing or stale.
    Reproduce {
        #[command(flatten)]
        common: Common,
        /// Run only this stage and its dependencies (repeatable).
        #[arg(long = "only", value_name = "STAGE")]
        only: Vec<String>,
        /// Rerun the selected stages (including dependencies) even when fresh.
        #[arg(long)]
        force: bool,
        /// Total number of threads, shared by stages running in parallel (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Print every stage's full provenance records when it finishes.
        #[arg(long)]
        verbose: bool,
        #[command(flatten)]
        executor: ExecutorArgs,
    },
    /// One array task of an ensemble stage (what the Slurm executor's batch script runs).
    #[command(hide = true)]
    Shard {
        #[command(flatten)]
        common: Common,
        /// The ensemble stage.
        #[arg(long)]
        stage: String,
        /// The stage fingerprint the task was submitted for (refused if it changed).
        #[arg(long)]
        fingerprint: String,
        /// Realizations per chunk.
        #[arg(long)]
        chunk: usize,
        /// The chunk (array index).
        #[arg(long)]
        task: usize,
    },
    /// List the stages in dependency order with kind, dependencies and freshness.
    List {
        #[command(flatten)]
        common: Common,
    },
    /// Remove a profile's stage outputs and their manifest entries.
    Clean {
        #[command(flatten)]
        common: Common,
        /// Clean only this stage (repeatable; dependents are not touched).
        #[arg(long = "only", value_name = "STAGE")]
        only: Vec<String>,
    },
    /// Run every agreement check on fresh data, compare with the committed reference
    /// (`tests/reference/<profile>.json`) and write `AUDIT.md`.
    Verify {
        #[command(flatten)]
        common: Common,
        /// Write nothing; fail if the committed reference or `AUDIT.md` is stale.
        #[arg(long, conflicts_with = "bless")]
        check: bool,
        /// (Re)write the committed reference of this profile from the current data.
        #[arg(long)]
        bless: bool,
        /// Print every check's line whole (normally cut at 200 characters; the audit file has
        /// every statistic).
        #[arg(long)]
        verbose: bool,
    },
}

/// Where ensemble stages run.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExecutorKind {
    /// Here, on `--jobs` threads.
    Local,
    /// As Slurm job arrays (`sbatch`), one task per chunk of realizations; other stages run here.
    Slurm,
}

#[derive(Args)]
struct ExecutorArgs {
    /// Where the ensemble stages (fig2_md, fig5_md) run; the results are bit-identical.
    #[arg(long, value_enum, default_value = "local")]
    executor: ExecutorKind,
    /// Slurm: realizations per array task.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    chunk: u64,
    /// Slurm: an extra `sbatch` argument, e.g. `--sbatch-arg=--partition=short` (repeatable).
    #[arg(long = "sbatch-arg", value_name = "ARG", allow_hyphen_values = true)]
    sbatch_args: Vec<String>,
    /// Slurm: seconds between two `squeue` polls.
    #[arg(long, default_value_t = 5.0)]
    poll: f64,
    /// Slurm: give up on an array (and cancel it) after this many seconds.
    #[arg(long = "slurm-timeout", default_value_t = 86400.0)]
    slurm_timeout: f64,
}

impl ExecutorArgs {
    /// The engine's executor; Slurm tasks run this binary's `shard` subcommand.
    fn executor(&self, common: &Common) -> anyhow::Result<Executor> {
        if self.executor == ExecutorKind::Local {
            return Ok(Executor::Local);
        }
        let secs = |what: &str, v: f64| {
            Duration::try_from_secs_f64(v)
                .ok()
                .filter(|d| !d.is_zero())
                .with_context(|| format!("--{what} must be a positive number of seconds, got {v}"))
        };
        anyhow::ensure!(
            slurm::on_path("sbatch"),
            "`--executor slurm` needs `sbatch` on PATH (run on a Slurm login node, or start the local cluster with `scripts/slurm-local.sh start`); `--executor local` runs here"
        );
        let exe = std::env::current_exe().context("locating this binary for the array tasks")?;
        let config = std::path::absolute(config_path(&common.config))?;
        let worker: Vec<OsString> = vec![
            exe.into(),
            "shard".into(),
            "--config".into(),
            config.into(),
            "--profile".into(),
            common.profile.clone().into(),
        ];
        Ok(Executor::Slurm(SlurmOptions {
            chunk: self.chunk as usize,
            sbatch_args: self.sbatch_args.clone(),
            poll: secs("poll", self.poll)?,
            timeout: secs("slurm-timeout", self.slurm_timeout)?,
            worker,
        }))
    }
}

/// With the Slurm executor, Ctrl-C (or SIGTERM) cancels the arrays this process submitted and
/// exits: no stage records anything, and shards already written stay for the rerun.
fn cancel_on_interrupt() -> anyhow::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let ids = slurm::cancel_active();
            if ids.is_empty() {
                eprintln!("\ninterrupted");
            } else {
                eprintln!("\ninterrupted: cancelled Slurm job(s) {}", ids.join(", "));
            }
            std::process::exit(128 + sig);
        }
    });
    Ok(())
}

/// Resolve a relative config path against the workspace root (cargo runs us from anywhere).
fn config_path(p: &Path) -> PathBuf {
    if p.is_absolute() || p.exists() {
        return p.to_owned();
    }
    let ws = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."));
    ws.join(p)
}

fn load(common: &Common) -> anyhow::Result<Pipeline<Kind>> {
    let file = config_path(&common.config);
    // per-stage code versions: the code units of this build (xtask/build.rs)
    Pipeline::<Kind>::load_versioned(&file, &common.profile, xtask::code_versions())
        .map_err(|e| anyhow::anyhow!("{e}"))
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.cmd {
        Cmd::Reproduce {
            common,
            only,
            force,
            jobs,
            verbose,
            executor,
        } => {
            let t0 = Instant::now();
            let p = load(&common)?;
            let executor = executor.executor(&common)?;
            if let Executor::Slurm(_) = executor {
                cancel_on_interrupt()?;
            }
            let jobs = jobs
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
                .max(1);
            let opts = RunOptions {
                only,
                force,
                jobs,
                progress: Arc::new(Progress::auto()),
                verbose,
                executor,
            };
            let report = p.run(&opts).context("running the pipeline")?;
            let secs = t0.elapsed().as_secs_f64();
            eprintln!(
                "profile `{}`: {} ran, {} fresh, {} failed, {} not run; {secs:.2} s with {jobs} thread{}; outputs in data/{0}/, figures/{0}/",
                common.profile,
                report.ran.len(),
                report.skipped.len(),
                report.failed.len(),
                report.blocked.len(),
                if jobs == 1 { "" } else { "s" }
            );
            for (name, err) in &report.failed {
                eprintln!("error: stage `{name}` failed: {err}");
            }
            for (name, dep) in &report.blocked {
                eprintln!("error: stage `{name}` not run: dependency `{dep}` failed");
            }
            Ok(if report.success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Cmd::Shard {
            common,
            stage,
            fingerprint,
            chunk,
            task,
        } => {
            let p = load(&common)?;
            // the task's CPUs: what Slurm gave it, else the machine
            let jobs = ["SLURM_CPUS_PER_TASK", "SLURM_CPUS_ON_NODE"]
                .iter()
                .find_map(|v| std::env::var(v).ok()?.parse().ok())
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let (ctx, kind) = p.worker_context(&stage, &fingerprint, jobs)?;
            let t0 = Instant::now();
            let path = kind.run_ensemble_task(&ctx, chunk, task)?;
            eprintln!(
                "[{stage}] task {task}: wrote {} in {:.2} s on {jobs} thread{}",
                path.display(),
                t0.elapsed().as_secs_f64(),
                if jobs == 1 { "" } else { "s" }
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::List { common } => {
            let p = load(&common)?;
            let rows = p.status();
            let w = rows.iter().map(|r| r.name.len()).max().unwrap_or(5).max(5);
            let wk = rows.iter().map(|r| r.kind.len()).max().unwrap_or(4).max(4);
            println!("{:<w$}  {:<wk$}  status", "stage", "kind");
            for r in rows {
                println!("{:<w$}  {:<wk$}  {}", r.name, r.kind, r.freshness);
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Verify {
            common,
            check,
            bless,
            verbose,
        } => verify(&common, check, bless, verbose),
        Cmd::Clean { common, only } => {
            let p = load(&common)?;
            let removed = p.clean(&only)?;
            for f in &removed {
                println!("removed {}", f.display());
            }
            println!(
                "{} file{} removed",
                removed.len(),
                if removed.len() == 1 { "" } else { "s" }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `cargo xtask verify`: see the `audit` crate.
/// The SVGs of `figures/<profile>/` that are not committed as generated (modified, or not
/// tracked), by `git status`; empty when git or the repository is unavailable.
fn committed_figures_stale(root: &std::path::Path, profile: &str) -> Vec<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["status", "--porcelain", "--untracked-files=all", "--"])
        .arg(format!("figures/{profile}"))
        .output();
    let Ok(out) = out else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.get(3..))
        .filter(|f| f.ends_with(".svg"))
        .map(str::to_owned)
        .collect()
}

fn verify(common: &Common, check: bool, bless: bool, verbose: bool) -> anyhow::Result<ExitCode> {
    use audit::{self as v, Outcome};
    let t0 = Instant::now();
    let p = load(common)?;
    if let Some(msg) = v::staleness_message(&p) {
        let cfg = if common.config == Path::new("pipeline.yaml") {
            String::new()
        } else {
            format!(" (with `--config {}`)", common.config.display())
        };
        eprintln!("error: {msg}{cfg}");
        return Ok(ExitCode::FAILURE);
    }
    let data = v::Data::from_pipeline(&p);
    let report = v::run(&data);
    // one line per check: whole with --verbose, else cut at the terminal's 200 characters
    let show = |line: String| {
        println!(
            "{}",
            if verbose {
                line
            } else {
                pipeline::progress::cap_line(line)
            }
        );
    };
    for c in &report.checks {
        show(c.line());
    }
    let failed = report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .count();
    let ref_path = v::reference_path(p.root(), &common.profile);
    let regen = format!("cargo xtask verify --profile {} --bless", common.profile);
    let mut stale = Vec::new();
    let mut regression_ran = false;
    if bless {
        pipeline::write_atomic(&ref_path, |f| {
            std::io::Write::write_all(f, report.summary.to_json().as_bytes())
        })?;
        println!("wrote {}", ref_path.display());
    }
    if ref_path.exists() {
        regression_ran = true;
        let reference = v::regression::Summary::load(&ref_path)
            .with_context(|| format!("reading {}", ref_path.display()))?;
        stale = v::regression::compare(&reference, &report.summary, &|s| data.figure_of_stage(s));
        let nq: usize = reference.figures.values().map(|m| m.len()).sum();
        for s in &stale {
            show(format!("FAIL  regression: {s}"));
        }
        println!(
            "{}  regression vs {}: {} quantities, {} mismatches",
            if stale.is_empty() { "PASS" } else { "FAIL" },
            ref_path.display(),
            nq,
            stale.len()
        );
    } else {
        println!(
            "SKIP  regression: no committed reference {} (create it with `{regen}`)",
            ref_path.display()
        );
    }
    let audit = v::report::render(&common.profile, &report.checks, &stale, regression_ran);
    let audit_path = p.root().join(v::report::file_name(&common.profile));
    let mut audit_stale = false;
    if check {
        audit_stale = std::fs::read_to_string(&audit_path).ok().as_deref() != Some(audit.as_str());
        if audit_stale {
            println!(
                "FAIL  {} is stale: regenerate it with `cargo xtask verify --profile {}`",
                audit_path.display(),
                common.profile
            );
        }
    } else {
        pipeline::write_atomic(&audit_path, |f| {
            std::io::Write::write_all(f, audit.as_bytes())
        })?;
        println!("wrote {}", audit_path.display());
    }
    // the figures AUDIT.md links to are committed beside it: stale when they differ from the
    // generated ones (which the provenance checks tie to the data)
    if check && v::report::COMMITTED_FIGURES_PROFILE == common.profile {
        for f in committed_figures_stale(p.root(), &common.profile) {
            println!("FAIL  {f} differs from the committed file: commit the regenerated figure");
            audit_stale = true;
        }
    }
    let n = report.checks.len();
    let pass = report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Pass)
        .count();
    let count = |o: Outcome| report.checks.iter().filter(|c| c.outcome == o).count();
    eprintln!(
        "verify (profile `{}`): {n} checks, {pass} pass, {failed} fail, {} findings, {} not converged, {} not checkable; regression: {}; {:.2} s",
        common.profile,
        count(Outcome::Finding),
        count(Outcome::NotConverged),
        count(Outcome::Skip),
        if !regression_ran {
            "no reference".to_owned()
        } else if stale.is_empty() {
            "up to date".to_owned()
        } else {
            format!("{} mismatches", stale.len())
        },
        t0.elapsed().as_secs_f64()
    );
    if !stale.is_empty() {
        eprintln!(
            "error: the committed reference {} is stale; if the change is intended, regenerate it with `{regen}`",
            ref_path.display()
        );
    }
    Ok(if failed == 0 && stale.is_empty() && !audit_stale {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
