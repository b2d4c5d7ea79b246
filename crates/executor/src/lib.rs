//! The ensembles of an ensemble stage, run by the executor the user chose
//! (`cargo xtask reproduce --executor local|slurm`).
//!
//! This crate decides where realizations run, never what they compute: the stage's [`Plan`]
//! (in `reproduce`, a hashed code unit) gives every seed and computes every realization, and
//! [`md::run_range`] (in `md`, hashed) draws each realization's stream. So, like the engine, this
//! crate is in no stage's code version: changing how arrays are submitted or watched reruns no
//! stage.
//!
//! A stage lists its ensembles up front ([`Plan`]: seed and size of each, and how to compute
//! one realization). Realization `i` of an ensemble with seed `s` draws from its own stream
//! [`md::realization_rng`]`(s, i)`, so where it runs cannot change it:
//!
//! - **local**: each ensemble on the run's shared pool ([`md::run_range`]);
//! - **Slurm**: the realizations are cut into contiguous chunks of `--chunk` (per ensemble, in
//!   order); one array job runs the chunks not yet done, each task running this project's own
//!   binary (`xtask shard`) on its chunk and writing one shard file atomically under
//!   [`StageContext::shard_dir`]; when every shard exists the stage merges them in chunk order.
//!
//! Both give the same rows in the same order, hence bit-identical outputs (test
//! `xtask/tests/slurm.rs`, and `tasks_merge_to_the_local_rows_and_foreign_shards_are_refused`
//! below). A shard carries the stage fingerprint it was computed for and lives
//! in a folder named after it: shards of another fingerprint are never merged, and a rerun of
//! the same stage reuses the shards that exist and resubmits only the missing chunks.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail, ensure};
use contract::Record;
use contract::executor::{ExecutorRecord, SlurmJob, SlurmRun};
use md::RealizationRng;
use pipeline::{Executor, SlurmOptions, StageContext};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One ensemble of a stage: `realizations` realizations with ensemble seed `seed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// what it is, for messages (`panel b`, `panel d, time step`)
    pub label: String,
    pub seed: u64,
    pub realizations: usize,
}

/// The ensembles of a stage and how to compute one realization.
pub trait Plan: Sync {
    /// What one realization returns.
    type Row: Serialize + DeserializeOwned + Send;

    /// The stage's ensembles, in the order [`run`] returns them.
    fn ensembles(&self) -> &[Spec];

    /// Realization `i` of ensemble `ensemble`, drawing from `rng` only.
    fn realize(
        &self,
        ensemble: usize,
        i: usize,
        rng: &mut RealizationRng,
    ) -> anyhow::Result<Self::Row>;
}

/// The rows of one ensemble, in realization order.
#[derive(Debug)]
pub struct Output<R> {
    pub rows: Vec<R>,
    /// Seconds spent on its realizations: elapsed here (local), or summed over the array
    /// tasks (Slurm). On the shared pool this includes other stages' work that a waiting
    /// thread of this stage ran meanwhile.
    pub wall_s: f64,
    /// Thread seconds inside its own realizations, summed over threads (local and Slurm): the
    /// denominator of a per-thread rate, whatever else shared the pool.
    pub thread_s: f64,
}

/// The realizations `range` of ensemble `e` of `plan` on the current pool, with `tick` called
/// after each, and the thread seconds spent inside them.
fn realize_range<P: Plan>(
    plan: &P,
    (e, seed): (usize, u64),
    range: Range<usize>,
    tick: impl Fn() + Sync,
) -> (Vec<anyhow::Result<P::Row>>, f64) {
    let nanos = AtomicU64::new(0);
    let rows = md::run_range(range, seed, |i, rng| {
        let start = Instant::now();
        let r = plan.realize(e, i, rng);
        nanos.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        tick();
        r
    });
    (rows, nanos.into_inner() as f64 * 1e-9)
}

/// Run every ensemble of `plan` with the context's executor and record which one
/// ([`ExecutorRecord`]).
pub fn run<P: Plan>(ctx: &StageContext, plan: &P) -> anyhow::Result<Vec<Output<P::Row>>> {
    match ctx.executor() {
        Executor::Local => {
            let out = run_local(ctx, plan)?;
            record(ctx, &ExecutorRecord::Local)?;
            Ok(out)
        }
        Executor::Slurm(opts) => {
            let (out, run) = run_slurm(ctx, plan, opts)?;
            record(ctx, &ExecutorRecord::Slurm(run))?;
            Ok(out)
        }
    }
}

fn record(ctx: &StageContext, r: &ExecutorRecord) -> anyhow::Result<()> {
    ctx.record(ExecutorRecord::KEY, serde_json::to_value(r)?);
    Ok(())
}

fn run_local<P: Plan>(ctx: &StageContext, plan: &P) -> anyhow::Result<Vec<Output<P::Row>>> {
    let total: usize = plan.ensembles().iter().map(|s| s.realizations).sum();
    let done = AtomicU64::new(0);
    let mut out = Vec::with_capacity(plan.ensembles().len());
    for (e, spec) in plan.ensembles().iter().enumerate() {
        let start = Instant::now();
        let (rows, thread_s) = realize_range(plan, (e, spec.seed), 0..spec.realizations, || {
            ctx.progress(done.fetch_add(1, Ordering::Relaxed) + 1, total as u64)
        });
        let rows = rows
            .into_iter()
            .collect::<anyhow::Result<Vec<_>>>()
            .with_context(|| spec.label.clone())?;
        out.push(Output {
            rows,
            wall_s: start.elapsed().as_secs_f64(),
            thread_s,
        });
    }
    Ok(out)
}

/// One chunk: realizations `range` of ensemble `ensemble`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub ensemble: usize,
    pub range: Range<usize>,
}

/// The chunks of `ensembles` with `chunk` realizations each (the last of an ensemble may be
/// shorter), ensemble by ensemble: array task `t` computes chunk `t`.
pub fn chunks(ensembles: &[Spec], chunk: usize) -> Vec<Chunk> {
    let chunk = chunk.max(1);
    ensembles
        .iter()
        .enumerate()
        .flat_map(|(e, s)| {
            (0..s.realizations).step_by(chunk).map(move |a| Chunk {
                ensemble: e,
                range: a..(a + chunk).min(s.realizations),
            })
        })
        .collect()
}

/// Version of the shard layout (bump when [`ShardFile`] changes).
const SHARD_FORMAT: u32 = 2;

/// One array task's result: its chunk's rows and what they were computed for.
#[derive(Serialize, Deserialize)]
struct ShardFile<R> {
    format: u32,
    stage: String,
    fingerprint: String,
    ensemble: usize,
    seed: u64,
    start: usize,
    end: usize,
    wall_s: f64,
    /// thread seconds inside the realizations ([`Output::thread_s`])
    thread_s: f64,
    rows: Vec<R>,
}

/// The folder of the shards of the stage's current fingerprint.
fn fingerprint_dir(ctx: &StageContext) -> PathBuf {
    let fp = ctx.fingerprint();
    ctx.shard_dir().join(&fp[..fp.len().min(16)])
}

fn shard_path(dir: &Path, task: usize) -> PathBuf {
    dir.join(format!("task-{task}.cbor"))
}

/// Read the shard of `task` and check that it is the one asked for (stage, fingerprint,
/// ensemble, seed, realizations); anything else is an error, never merged.
fn read_shard<R: DeserializeOwned>(
    ctx: &StageContext,
    plan_chunk: (&Chunk, &Spec),
    path: &Path,
) -> anyhow::Result<ShardFile<R>> {
    let (chunk, spec) = plan_chunk;
    let f = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let s: ShardFile<R> = ciborium::from_reader(std::io::BufReader::new(f))
        .with_context(|| format!("decoding {}", path.display()))?;
    ensure!(
        s.format == SHARD_FORMAT
            && s.stage == ctx.name()
            && s.fingerprint == ctx.fingerprint()
            && s.ensemble == chunk.ensemble
            && s.seed == spec.seed
            && (s.start..s.end) == chunk.range
            && s.rows.len() == chunk.range.len(),
        "{} is not the shard of this stage's realizations {:?} of {} (another fingerprint or chunking)",
        path.display(),
        chunk.range,
        spec.label
    );
    Ok(s)
}

/// Array task `task` of `plan` cut in chunks of `chunk`: compute its realizations on the
/// current pool and write its shard atomically (what `xtask shard` runs on a Slurm node).
pub fn run_task<P: Plan>(
    ctx: &StageContext,
    plan: &P,
    chunk: usize,
    task: usize,
) -> anyhow::Result<PathBuf> {
    let all = chunks(plan.ensembles(), chunk);
    let c = all.get(task).ok_or_else(|| {
        anyhow!(
            "stage `{}` has {} chunks of {chunk}; there is no task {task}",
            ctx.name(),
            all.len()
        )
    })?;
    let spec = &plan.ensembles()[c.ensemble];
    let start = Instant::now();
    let (rows, thread_s) = ctx
        .thread_pool()?
        .install(|| realize_range(plan, (c.ensemble, spec.seed), c.range.clone(), || {}));
    let rows = rows
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()
        .with_context(|| format!("{}, realizations {:?}", spec.label, c.range))?;
    let shard = ShardFile {
        format: SHARD_FORMAT,
        stage: ctx.name().to_owned(),
        fingerprint: ctx.fingerprint().to_owned(),
        ensemble: c.ensemble,
        seed: spec.seed,
        start: c.range.start,
        end: c.range.end,
        wall_s: start.elapsed().as_secs_f64(),
        thread_s,
        rows,
    };
    let path = shard_path(&fingerprint_dir(ctx), task);
    pipeline::write_atomic(&path, |f| {
        let mut w = std::io::BufWriter::new(f);
        ciborium::into_writer(&shard, &mut w).map_err(std::io::Error::other)?;
        std::io::Write::flush(&mut w)
    })
    .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Remove the shard folders of other fingerprints of this stage (never merged, and a rerun of
/// that configuration recomputes them) and stray temporaries of interrupted tasks.
fn prune(ctx: &StageContext, keep: &Path) -> anyhow::Result<()> {
    let Ok(rd) = std::fs::read_dir(ctx.shard_dir()) else {
        return Ok(());
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() && p != keep {
            std::fs::remove_dir_all(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    if let Ok(rd) = std::fs::read_dir(keep) {
        for e in rd.flatten() {
            if pipeline::atomic::is_temp_file(&e.path()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(())
}

fn run_slurm<P: Plan>(
    ctx: &StageContext,
    plan: &P,
    opts: &SlurmOptions,
) -> anyhow::Result<(Vec<Output<P::Row>>, SlurmRun)> {
    ensure!(opts.chunk >= 1, "--chunk must be at least 1");
    let all = chunks(plan.ensembles(), opts.chunk);
    let dir = fingerprint_dir(ctx);
    prune(ctx, &dir)?;
    if ctx.forced() && dir.exists() {
        // `--force`: recompute every chunk
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    let spec_of = |c: &Chunk| &plan.ensembles()[c.ensemble];
    let missing: BTreeSet<usize> = (0..all.len())
        .filter(|&t| {
            read_shard::<P::Row>(ctx, (&all[t], spec_of(&all[t])), &shard_path(&dir, t)).is_err()
        })
        .collect();
    let mut run = SlurmRun {
        chunk: opts.chunk,
        tasks: all.len(),
        reused: all.len() - missing.len(),
        shard_dir: dir.display().to_string(),
        jobs: Vec::new(),
    };
    if !missing.is_empty() {
        let job = submit(ctx, opts, (&dir, &missing))?;
        ctx.log(&format!(
            "Slurm job {}: {} of {} chunks of {} ({} reused); logs {}",
            job.id,
            missing.len(),
            all.len(),
            opts.chunk,
            run.reused,
            job.log_dir.display()
        ));
        run.jobs.push(SlurmJob {
            id: job.id.clone(),
            array: slurm::array_ranges(&missing),
            script: job.script.display().to_string(),
            logs: missing
                .iter()
                .map(|&t| job.log(t).display().to_string())
                .collect(),
            sbatch_args: opts.sbatch_args.clone(),
        });
        wait_in_pool(|| wait(ctx, opts, &job, (&dir, all.len())))?;
    } else {
        ctx.log(&format!(
            "all {} chunks found in {}: nothing to submit",
            all.len(),
            dir.display()
        ));
    }
    // merge in chunk order
    let mut out: Vec<Output<P::Row>> = plan
        .ensembles()
        .iter()
        .map(|s| Output {
            rows: Vec::with_capacity(s.realizations),
            wall_s: 0.0,
            thread_s: 0.0,
        })
        .collect();
    for (t, c) in all.iter().enumerate() {
        let s: ShardFile<P::Row> = read_shard(ctx, (c, spec_of(c)), &shard_path(&dir, t))?;
        let o = &mut out[c.ensemble];
        o.rows.extend(s.rows);
        o.wall_s += s.wall_s;
        o.thread_s += s.thread_s;
    }
    Ok((out, run))
}

/// Write the batch script of the missing chunks and submit it.
fn submit(
    ctx: &StageContext,
    opts: &SlurmOptions,
    (dir, missing): (&Path, &BTreeSet<usize>),
) -> anyhow::Result<slurm::Job> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let n = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("submit-"))
                .count()
        })
        .unwrap_or(0);
    let mut command: Vec<OsString> = opts.worker.clone();
    for a in [
        "--stage",
        ctx.name(),
        "--fingerprint",
        ctx.fingerprint(),
        "--chunk",
        &opts.chunk.to_string(),
        "--task",
        slurm::TASK_ID,
    ] {
        command.push(a.into());
    }
    let script = dir.join(format!("submit-{}.sh", n + 1));
    let job_name = format!("burgers-{}", ctx.name());
    slurm::submit(&slurm::ArraySpec {
        job_name: &job_name,
        script: &script,
        log_dir: &dir.join("logs"),
        tasks: missing,
        command: &command,
        sbatch_args: &opts.sbatch_args,
    })
    .map_err(|e| match e {
        slurm::Error::NotInstalled { program } => anyhow!(
            "`--executor slurm` needs `{program}` on PATH (run on a Slurm login node, or start the local cluster with `scripts/slurm-local.sh start`; `--executor local` runs here)"
        ),
        e => anyhow::Error::new(e).context("submitting the Slurm array"),
    })
}

/// Run `f` (which sleeps most of the time) on its own thread while this pool thread does the
/// pool's other work: a stage waiting for its array must not hold one of the `--jobs` threads
/// the local stages need.
fn wait_in_pool<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        let h = s.spawn(f);
        while !h.is_finished() {
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// Watch the array until no task is queued, showing chunks done / pending / running /
/// failed; fail with each failed task's id, state and log when a shard is missing, and cancel
/// the job when `opts.timeout` passes.
fn wait(
    ctx: &StageContext,
    opts: &SlurmOptions,
    job: &slurm::Job,
    (dir, n_chunks): (&Path, usize),
) -> anyhow::Result<()> {
    let start = Instant::now();
    let present = |t: usize| shard_path(dir, t).is_file();
    let mut errors = 0;
    loop {
        let queue = match job.queue() {
            Ok(q) => {
                errors = 0;
                q
            }
            // the controller may be briefly busy: retry a few polls before giving up
            Err(e) if errors < 5 => {
                errors += 1;
                ctx.log(&format!("squeue failed ({e}); retrying"));
                std::thread::sleep(opts.poll);
                continue;
            }
            Err(e) => return Err(anyhow::Error::new(e).context("watching the Slurm array")),
        };
        let done = (0..n_chunks).filter(|&t| present(t)).count();
        let running = queue
            .values()
            .filter(|s| **s == slurm::QueueState::Running)
            .count();
        let pending = queue.len() - running;
        let failed = job
            .tasks
            .iter()
            .filter(|t| !queue.contains_key(t) && !present(**t))
            .count();
        ctx.progress_status(
            done as u64,
            n_chunks as u64,
            &format!("chunks: {done} done, {pending} pending, {running} running, {failed} failed"),
        );
        if queue.is_empty() {
            break;
        }
        if start.elapsed() > opts.timeout {
            let _ = job.cancel();
            bail!(
                "Slurm job {} still has {} task(s) queued after {:.0} s (--slurm-timeout): cancelled; rerun to resubmit the missing chunks",
                job.id,
                queue.len(),
                opts.timeout.as_secs_f64()
            );
        }
        std::thread::sleep(opts.poll.min(opts.timeout.saturating_sub(start.elapsed())));
    }
    job.finished();
    // a shard written on a compute node can take a moment to appear on this node's view of a
    // network file system: a task that Slurm says COMPLETED gets a grace period
    let missing = |tasks: &BTreeSet<usize>| -> BTreeSet<usize> {
        tasks.iter().copied().filter(|&t| !present(t)).collect()
    };
    let mut lost = missing(&job.tasks);
    if lost.is_empty() {
        return Ok(());
    }
    let mut states = job.final_states(&lost);
    let grace = Instant::now();
    while lost.iter().any(|t| states[t].state == "COMPLETED")
        && grace.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_millis(500));
        lost = missing(&lost);
        states.retain(|t, _| lost.contains(t));
    }
    if lost.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = lost
        .iter()
        .map(|&t| {
            let s = &states[&t];
            let log = job.log(t);
            format!(
                "task {t}: {}{}, {}",
                s.state,
                s.exit_code
                    .as_ref()
                    .map_or(String::new(), |x| format!(" (exit {x})")),
                if log.is_file() {
                    format!("log {}", log.display())
                } else {
                    format!("no log: the task never started ({})", log.display())
                }
            )
        })
        .collect();
    bail!(
        "{} of {} array task(s) of Slurm job {} wrote no shard:\n  {}\nrerun the same command to resubmit only the missing chunks",
        lost.len(),
        job.tasks.len(),
        job.id,
        lines.join("\n  ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(n: usize) -> Spec {
        Spec {
            label: "e".into(),
            seed: 1,
            realizations: n,
        }
    }

    #[test]
    fn chunks_tile_every_ensemble_in_order() {
        let c = chunks(&[spec(7), spec(3)], 3);
        let got: Vec<(usize, Range<usize>)> =
            c.into_iter().map(|c| (c.ensemble, c.range)).collect();
        assert_eq!(
            got,
            vec![(0, 0..3), (0, 3..6), (0, 6..7), (1, 0..3)],
            "contiguous chunks, ensemble by ensemble"
        );
    }

    /// On a one-thread pool, a stage waiting for its array lets the pool run the other stages'
    /// work (here: the job that ends the wait; without lending the thread it never runs).
    #[test]
    fn waiting_lends_its_pool_thread() {
        use std::sync::atomic::AtomicBool;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let other_ran = AtomicBool::new(false);
        let waited = std::sync::Mutex::new(None);
        pool.scope(|s| {
            s.spawn(|_| {
                let ok = wait_in_pool(|| {
                    let t0 = Instant::now();
                    while !other_ran.load(Ordering::SeqCst)
                        && t0.elapsed() < Duration::from_secs(10)
                    {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    other_ran.load(Ordering::SeqCst)
                });
                *waited.lock().unwrap() = Some(ok);
            });
            s.spawn(|_| other_ran.store(true, Ordering::SeqCst));
        });
        assert_eq!(*waited.lock().unwrap(), Some(true));
    }

    /// A plan whose realization is the first word of its stream.
    struct Words(Vec<Spec>);
    impl Plan for Words {
        type Row = u64;
        fn ensembles(&self) -> &[Spec] {
            &self.0
        }
        fn realize(&self, _: usize, _: usize, rng: &mut RealizationRng) -> anyhow::Result<u64> {
            Ok(rand::RngCore::next_u64(rng))
        }
    }

    #[test]
    fn tasks_merge_to_the_local_rows_and_foreign_shards_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = StageContext::standalone(dir.path(), "s", &[]);
        let plan = Words(vec![spec(7), spec(4)]);
        let local = run_local(&ctx, &plan).unwrap();
        let all = chunks(plan.ensembles(), 3);
        let fp = fingerprint_dir(&ctx);
        // tasks in reverse order: the merge follows chunk order, not completion order
        for t in (0..all.len()).rev() {
            run_task(&ctx, &plan, 3, t).unwrap();
        }
        let mut merged: Vec<Vec<u64>> = vec![vec![]; 2];
        for (t, c) in all.iter().enumerate() {
            let s: ShardFile<u64> =
                read_shard(&ctx, (c, &plan.0[c.ensemble]), &shard_path(&fp, t)).unwrap();
            merged[c.ensemble].extend(s.rows);
        }
        assert_eq!(merged[0], local[0].rows);
        assert_eq!(merged[1], local[1].rows);
        // a shard read as another chunk (other chunking) is refused, never merged
        let other = Chunk {
            ensemble: 0,
            range: 0..2,
        };
        let e = read_shard::<u64>(&ctx, (&other, &plan.0[0]), &shard_path(&fp, 0))
            .err()
            .unwrap();
        assert!(e.to_string().contains("is not the shard"), "{e}");
        assert!(run_task(&ctx, &plan, 3, all.len()).is_err());
    }

    /// A plan whose realizations each sleep 2 ms (and while the first runs on a one-thread
    /// pool, nothing else can).
    struct Naps(Vec<Spec>);
    impl Plan for Naps {
        type Row = usize;
        fn ensembles(&self) -> &[Spec] {
            &self.0
        }
        fn realize(&self, _: usize, i: usize, _: &mut RealizationRng) -> anyhow::Result<usize> {
            std::thread::sleep(Duration::from_millis(2));
            Ok(i)
        }
    }

    /// The thread time of an ensemble is the time inside its own realizations: at least their
    /// sleeps, and on one thread at most the ensemble's elapsed time; the array tasks' shards
    /// carry theirs, and the merge sums them.
    #[test]
    fn thread_time_counts_the_realizations_only() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = StageContext::standalone(dir.path(), "s", &[]);
        let plan = Naps(vec![spec(5)]);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let local = pool.install(|| run_local(&ctx, &plan)).unwrap();
        let o = &local[0];
        assert!(o.thread_s >= 5.0 * 0.002, "{}", o.thread_s);
        assert!(o.thread_s <= o.wall_s, "{} > {}", o.thread_s, o.wall_s);
        let fp = fingerprint_dir(&ctx);
        let all = chunks(plan.ensembles(), 2);
        let mut sum = 0.0;
        for (t, c) in all.iter().enumerate() {
            run_task(&ctx, &plan, 2, t).unwrap();
            let s: ShardFile<usize> =
                read_shard(&ctx, (c, &plan.0[0]), &shard_path(&fp, t)).unwrap();
            assert!(s.thread_s >= c.range.len() as f64 * 0.002, "{}", s.thread_s);
            sum += s.thread_s;
        }
        assert!(sum >= 5.0 * 0.002, "{sum}");
    }
}
