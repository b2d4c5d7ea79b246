//! The scheduler: dependency order, independent stages in parallel under a total thread
//! budget, fingerprint-based skipping, atomic manifest updates, failure isolation.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

use crate::code::stage_code_version;
use crate::config::{self, Config, Stage};
use crate::manifest::{self, MANIFEST_PATH, Manifest, StageRecord};
use crate::progress::{Progress, cap_line};
use crate::{
    CodeVersions, Error, Executor, StageContext, StageKind, diff, fingerprint, resolve, version,
};

/// Is a stage's recorded output trustworthy?
#[derive(Debug, Clone, PartialEq)]
pub enum Freshness {
    Fresh,
    /// Stale, with every reason found.
    Stale(Vec<Stale>),
}

impl Freshness {
    pub fn is_fresh(&self) -> bool {
        matches!(self, Freshness::Fresh)
    }
}

impl fmt::Display for Freshness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Freshness::Fresh => f.write_str("fresh"),
            Freshness::Stale(why) => {
                let parts: Vec<String> = why.iter().map(ToString::to_string).collect();
                write!(f, "stale: {}", parts.join("; "))
            }
        }
    }
}

/// Why a stage must run again.
#[derive(Debug, Clone, PartialEq)]
pub enum Stale {
    /// No record in the manifest of this profile.
    NeverRun,
    /// Its parameters changed (stage name, leaf changes).
    Params(String, Vec<diff::Change>),
    /// The code of these units changed.
    Code(Vec<String>),
    /// These dependencies' fingerprints changed (their outputs will change or have changed).
    Inputs(Vec<String>),
    /// A recorded output is missing, modified or not recorded.
    Outputs(String),
    /// The fingerprint differs for none of the reasons above (e.g. a new fingerprint scheme).
    Fingerprint,
}

fn list(items: &[String], max: usize) -> String {
    let shown: Vec<String> = items.iter().take(max).map(|i| format!("`{i}`")).collect();
    let more = items.len().saturating_sub(max);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stale::NeverRun => f.write_str("never run"),
            Stale::Params(stage, ch) => {
                let show = |v: &Option<serde_json::Value>| {
                    v.as_ref()
                        .map_or("absent".into(), serde_json::Value::to_string)
                };
                let shown: Vec<String> = ch
                    .iter()
                    .take(2)
                    .map(|c| {
                        format!(
                            "`{stage}.{}` ({} -> {})",
                            c.path,
                            show(&c.old),
                            show(&c.new)
                        )
                    })
                    .collect();
                let more = ch.len().saturating_sub(2);
                write!(
                    f,
                    "parameter{} {}{} changed",
                    if ch.len() == 1 { "" } else { "s" },
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                )
            }
            Stale::Code(units) => write!(f, "code of {} changed", list(units, 3)),
            Stale::Inputs(deps) => write!(
                f,
                "input{} {} changed",
                if deps.len() == 1 { "" } else { "s" },
                list(deps, 3)
            ),
            Stale::Outputs(why) => f.write_str(why),
            Stale::Fingerprint => f.write_str("fingerprint scheme changed"),
        }
    }
}

/// One row of `list`.
#[derive(Debug, Clone)]
pub struct StageStatus {
    pub name: String,
    pub kind: String,
    pub deps: Vec<String>,
    pub fingerprint: String,
    pub freshness: Freshness,
}

/// Options of a run.
pub struct RunOptions {
    /// Run only these stages and their dependencies (empty: all).
    pub only: Vec<String>,
    /// Rerun every selected stage even when fresh.
    pub force: bool,
    /// Threads of the one work-stealing pool shared by all stages running at the same time.
    pub jobs: usize,
    pub progress: Arc<Progress>,
    /// Print each stage's full provenance records when it finishes.
    pub verbose: bool,
    /// Where ensemble stages run their realizations.
    pub executor: Executor,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            only: Vec::new(),
            force: false,
            jobs: 1,
            progress: Arc::new(Progress::hidden()),
            verbose: false,
            executor: Executor::Local,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Stages executed successfully, with wall time in seconds, in completion order.
    pub ran: Vec<(String, f64)>,
    /// Fresh stages that were skipped.
    pub skipped: Vec<String>,
    /// Failed stages and their error.
    pub failed: Vec<(String, String)>,
    /// Stages not run because a dependency failed: (stage, failed dependency).
    pub blocked: Vec<(String, String)>,
}

impl RunReport {
    pub fn success(&self) -> bool {
        self.failed.is_empty() && self.blocked.is_empty()
    }
    pub fn ran_names(&self) -> Vec<&str> {
        self.ran.iter().map(|(n, _)| n.as_str()).collect()
    }
}

/// A validated pipeline rooted at a directory (outputs are relative to it).
pub struct Pipeline<K> {
    pub config: Config<K>,
    root: PathBuf,
    code: CodeVersions,
    git_commit: Option<String>,
}

/// How one stage is run: the shared pool, why it runs, whether to print its records.
struct StageRun {
    pool: Arc<rayon::ThreadPool>,
    why: String,
    verbose: bool,
    executor: Arc<Executor>,
    /// `--force`: the stage reruns from scratch (no intermediate file is reused).
    forced: bool,
}

impl<K: StageKind> Pipeline<K> {
    /// Load and validate `file` without code versions (tests, tools): every code unit hashes
    /// to [`crate::code::UNVERSIONED`]. Outputs live under the file's directory.
    pub fn load(file: &Path, profile: &str) -> Result<Self, Error> {
        Self::load_versioned(file, profile, CodeVersions::unversioned())
    }

    /// Load and validate `file` with the code versions of the build (the CLI passes the table
    /// generated by `xtask/build.rs`); a stage naming an unknown code unit is an error.
    pub fn load_versioned(file: &Path, profile: &str, code: CodeVersions) -> Result<Self, Error> {
        let config = config::load::<K>(file, profile, &code)?;
        let root = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned();
        let git_commit = version::git_commit(&root);
        Ok(Self {
            config,
            root,
            code,
            git_commit,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn profile(&self) -> &str {
        &self.config.profile
    }

    /// `data/<profile>/manifest.json` under the root.
    pub fn manifest_path(&self) -> PathBuf {
        self.root.join(resolve(MANIFEST_PATH, &self.config.profile))
    }

    /// Code unit -> hash for one stage.
    pub fn stage_code(&self, s: &Stage<K>) -> BTreeMap<String, String> {
        self.code.of(&s.code)
    }

    /// Fingerprint of every stage.
    pub fn fingerprints(&self) -> BTreeMap<String, String> {
        let mut fps: BTreeMap<String, String> = BTreeMap::new();
        for i in self.config.topo_order() {
            let s = &self.config.stages[i];
            let deps: Vec<(&str, &str)> = s
                .deps
                .iter()
                .map(|d| (d.as_str(), fps[d].as_str()))
                .collect();
            let fp = fingerprint::stage_fingerprint(
                &s.kind_name,
                &s.params,
                &deps,
                &stage_code_version(&self.stage_code(s)),
            );
            fps.insert(s.name.clone(), fp);
        }
        fps
    }

    fn freshness(&self, s: &Stage<K>, fps: &BTreeMap<String, String>, m: &Manifest) -> Freshness {
        let Some(rec) = m.stages.get(&s.name) else {
            return Freshness::Stale(vec![Stale::NeverRun]);
        };
        let mut why = Vec::new();
        if rec.fingerprint != fps[&s.name] {
            let params = diff::changes(&rec.params, &s.params);
            if !params.is_empty() {
                why.push(Stale::Params(s.name.clone(), params));
            }
            let code = self.stage_code(s);
            let units: BTreeSet<&String> = code.keys().chain(rec.code.keys()).collect();
            let changed: Vec<String> = units
                .into_iter()
                .filter(|u| code.get(*u) != rec.code.get(*u))
                .cloned()
                .collect();
            if !changed.is_empty() {
                why.push(Stale::Code(changed));
            }
            let deps: BTreeSet<&String> =
                s.deps.iter().chain(rec.dep_fingerprints.keys()).collect();
            let inputs: Vec<String> = deps
                .into_iter()
                .filter(|d| fps.get(*d) != rec.dep_fingerprints.get(*d))
                .cloned()
                .collect();
            if !inputs.is_empty() {
                why.push(Stale::Inputs(inputs));
            }
            if why.is_empty() {
                why.push(Stale::Fingerprint);
            }
            return Freshness::Stale(why);
        }
        let declared: BTreeSet<&String> = s.outputs.iter().collect();
        let recorded: BTreeSet<&String> = rec.outputs.keys().collect();
        if declared != recorded {
            return Freshness::Stale(vec![Stale::Outputs(
                "declared outputs differ from the recorded ones".into(),
            )]);
        }
        match manifest::outputs_problem(&self.root, &s.outputs, rec) {
            Some(p) => Freshness::Stale(vec![Stale::Outputs(p)]),
            None => Freshness::Fresh,
        }
    }

    /// Status of every stage, in dependency order.
    pub fn status(&self) -> Vec<StageStatus> {
        let (m, _) = Manifest::load(&self.manifest_path());
        let fps = self.fingerprints();
        self.config
            .topo_order()
            .into_iter()
            .map(|i| {
                let s = &self.config.stages[i];
                StageStatus {
                    name: s.name.clone(),
                    kind: s.kind_name.clone(),
                    deps: s.deps.clone(),
                    fingerprint: fps[&s.name].clone(),
                    freshness: self.freshness(s, &fps, &m),
                }
            })
            .collect()
    }

    /// `only` and all their transitive dependencies (all stages when `only` is empty).
    pub fn selection(&self, only: &[String]) -> Result<BTreeSet<String>, Error> {
        if only.is_empty() {
            return Ok(self.config.stages.iter().map(|s| s.name.clone()).collect());
        }
        let mut sel = BTreeSet::new();
        let mut stack: Vec<String> = Vec::new();
        for o in only {
            if self.config.stage(o).is_none() {
                return Err(Error::UnknownStage(o.clone()));
            }
            stack.push(o.clone());
        }
        while let Some(n) = stack.pop() {
            if sel.insert(n.clone()) {
                stack.extend(
                    self.config
                        .stage(&n)
                        .expect("validated")
                        .deps
                        .iter()
                        .cloned(),
                );
            }
        }
        Ok(sel)
    }

    /// Run the selected stages.
    pub fn run(&self, opts: &RunOptions) -> Result<RunReport, Error> {
        let sel = self.selection(&opts.only)?;
        let fps = self.fingerprints();
        let mpath = self.manifest_path();
        let (manifest, warn) = Manifest::load(&mpath);
        if let Some(w) = warn {
            opts.progress.println(&format!("warning: {w}"));
        }
        let order: Vec<usize> = self
            .config
            .topo_order()
            .into_iter()
            .filter(|&i| sel.contains(&self.config.stages[i].name))
            .collect();

        let mut report = RunReport::default();
        let mut to_run: Vec<usize> = Vec::new();
        let mut reasons: BTreeMap<usize, String> = BTreeMap::new();
        for &i in &order {
            let s = &self.config.stages[i];
            match (opts.force, self.freshness(s, &fps, &manifest)) {
                (false, Freshness::Fresh) => {
                    opts.progress.println(&format!("[{}] fresh", s.name));
                    report.skipped.push(s.name.clone());
                }
                (true, _) => {
                    reasons.insert(i, "forced".into());
                    to_run.push(i);
                }
                (false, stale) => {
                    let why = stale.to_string();
                    reasons.insert(i, why.trim_start_matches("stale: ").to_owned());
                    to_run.push(i);
                }
            }
        }
        let manifest = Mutex::new(manifest);

        #[derive(Clone, Copy, PartialEq)]
        enum St {
            Pending,
            Running,
            Done,
            Failed,
            Blocked,
        }
        let mut state: BTreeMap<usize, St> = to_run.iter().map(|&i| (i, St::Pending)).collect();
        let pool = shared_pool(opts.jobs).map_err(|source| Error::ThreadPool {
            jobs: opts.jobs,
            source,
        })?;
        // Last recorded wall time per stage: ready stages enter the pool's queue longest
        // first, so the long ensembles start at once and the short stages fill in beside them.
        let last_secs: BTreeMap<usize, f64> = {
            let m = manifest.lock().unwrap_or_else(|e| e.into_inner());
            to_run
                .iter()
                .filter_map(|&i| {
                    let rec = m.stages.get(&self.config.stages[i].name)?;
                    Some((i, rec.wall_seconds))
                })
                .collect()
        };
        let (tx, rx) = mpsc::channel::<(usize, Result<f64, String>)>();
        let executor = Arc::new(opts.executor.clone());

        std::thread::scope(|scope| {
            loop {
                // Propagate failures, find ready stages.
                let mut ready = Vec::new();
                for &i in &to_run {
                    if state[&i] != St::Pending {
                        continue;
                    }
                    let s = &self.config.stages[i];
                    let mut ok = true;
                    for d in &s.deps {
                        let j = self
                            .config
                            .stages
                            .iter()
                            .position(|x| &x.name == d)
                            .expect("validated");
                        match state.get(&j) {
                            Some(St::Failed) | Some(St::Blocked) => {
                                state.insert(i, St::Blocked);
                                report.blocked.push((s.name.clone(), d.clone()));
                                opts.progress.println(&format!(
                                    "[{}] not run: dependency `{d}` failed",
                                    s.name
                                ));
                                ok = false;
                                break;
                            }
                            Some(St::Pending) | Some(St::Running) => ok = false,
                            Some(St::Done) | None => {}
                        }
                    }
                    if ok {
                        ready.push(i);
                    }
                }
                // Launch every ready stage into the one shared pool: a stage's serial code
                // holds one of its `--jobs` threads, its rayon iterators spread over all of
                // them, and a thread that finishes one stage steals work from the others.
                let key = |i: &usize| last_secs.get(i).copied().unwrap_or(0.0);
                ready.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.cmp(b)));
                for i in ready {
                    state.insert(i, St::Running);
                    let tx = tx.clone();
                    let fps = &fps;
                    let manifest = &manifest;
                    let mpath = &mpath;
                    let pool = &pool;
                    let progress = opts.progress.clone();
                    let why = reasons.get(&i).cloned().unwrap_or_default();
                    let verbose = opts.verbose;
                    let executor = executor.clone();
                    let forced = opts.force;
                    scope.spawn(move || {
                        let r = pool.install(|| {
                            self.run_stage(
                                i,
                                StageRun {
                                    pool: pool.clone(),
                                    why,
                                    verbose,
                                    executor,
                                    forced,
                                },
                                fps,
                                manifest,
                                mpath,
                                progress,
                            )
                        });
                        let _ = tx.send((i, r));
                    });
                }
                let running_now = state.values().filter(|s| **s == St::Running).count();
                if running_now == 0 {
                    break;
                }
                let (i, r) = rx.recv().expect("a running stage reports back");
                let name = self.config.stages[i].name.clone();
                match r {
                    Ok(secs) => {
                        state.insert(i, St::Done);
                        report.ran.push((name, secs));
                    }
                    Err(e) => {
                        state.insert(i, St::Failed);
                        report.failed.push((name, e));
                    }
                }
            }
        });
        Ok(report)
    }

    fn run_stage(
        &self,
        i: usize,
        run: StageRun,
        fps: &BTreeMap<String, String>,
        manifest: &Mutex<Manifest>,
        mpath: &Path,
        progress: Arc<Progress>,
    ) -> Result<f64, String> {
        let s = &self.config.stages[i];
        let jobs = run.pool.current_num_threads();
        // Forget the old record first: from here on, until the new record is written,
        // nothing this stage has written is trusted (a kill mid-stage leaves it stale).
        {
            let mut m = manifest.lock().unwrap_or_else(|e| e.into_inner());
            if m.stages.remove(&s.name).is_some() {
                m.save(mpath).map_err(|e| e.to_string())?;
            }
        }
        let mut ctx = self.context(
            s,
            fps,
            (run.pool.clone(), progress.clone()),
            run.executor.clone(),
        );
        ctx.forced = run.forced;
        progress.println(&cap_line(format!("[{}] running: {}", s.name, run.why)));
        progress.start(&s.name);
        let started = manifest::now_rfc3339();
        let t0 = Instant::now();
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| s.kind.run(&ctx)));
        progress.finish(&s.name);
        let secs = t0.elapsed().as_secs_f64();
        let fail = |msg: String| {
            progress.println(&cap_line(format!(
                "[{}] FAILED after {secs:.2} s: {msg}",
                s.name
            )));
            Err(msg)
        };
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return fail(format!("{e:#}")),
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic payload".into());
                return fail(format!("panicked: {msg}"));
            }
        }
        let mut outputs = BTreeMap::new();
        for o in &s.outputs {
            match manifest::hash_file(&self.root.join(o)) {
                Ok(h) => {
                    outputs.insert(o.clone(), h);
                }
                Err(e) => return fail(format!("declared output `{o}` was not written ({e})")),
            }
        }
        let rec = StageRecord {
            fingerprint: fps[&s.name].clone(),
            kind: s.kind_name.clone(),
            params: s.params.clone(),
            deps: s.deps.clone(),
            dep_fingerprints: s.deps.iter().map(|d| (d.clone(), fps[d].clone())).collect(),
            outputs,
            records: ctx.records(),
            code_version: ctx.code_version().to_owned(),
            code: self.stage_code(s),
            git_commit: self.git_commit.clone(),
            profile: self.config.profile.clone(),
            jobs,
            started,
            finished: manifest::now_rfc3339(),
            wall_seconds: secs,
        };
        {
            let mut m = manifest.lock().unwrap_or_else(|e| e.into_inner());
            m.stages.insert(s.name.clone(), rec);
            m.save(mpath).map_err(|e| e.to_string())?;
        }
        let summary = ctx
            .summary_text()
            .map_or(String::new(), |t| format!(": {t}"));
        progress.println(&cap_line(format!(
            "[{}] done in {secs:.2} s{summary}",
            s.name
        )));
        if run.verbose {
            let records =
                serde_json::to_string_pretty(&ctx.records()).unwrap_or_else(|e| e.to_string());
            progress.println(&format!("[{}] records: {records}", s.name));
        }
        Ok(secs)
    }

    /// The context stage `s` runs with.
    fn context(
        &self,
        s: &Stage<K>,
        fps: &BTreeMap<String, String>,
        (pool, progress): (Arc<rayon::ThreadPool>, Arc<Progress>),
        executor: Arc<Executor>,
    ) -> StageContext {
        let mut inputs = BTreeMap::new();
        let mut dep_params = BTreeMap::new();
        for d in &s.deps {
            let ds = self.config.stage(d).expect("validated");
            for o in &ds.outputs {
                inputs.insert(o.clone(), d.clone());
            }
            let mut p = ds.params.clone();
            if let serde_json::Value::Object(m) = &mut p {
                m.remove("kind");
            }
            dep_params.insert(d.clone(), p);
        }
        StageContext {
            name: s.name.clone(),
            root: self.root.clone(),
            outputs: s.outputs.clone(),
            inputs,
            dep_params,
            pool,
            progress,
            records: Mutex::new(BTreeMap::new()),
            summary: Mutex::new(None),
            fingerprint: fps[&s.name].clone(),
            code_version: stage_code_version(&self.stage_code(s)),
            profile: self.config.profile.clone(),
            executor,
            forced: false,
        }
    }

    /// The context and parameters of stage `name` for a worker process that computes one
    /// piece of it (an array task of the Slurm executor), with a pool of `jobs` threads.
    /// Fails unless the stage's fingerprint is `fingerprint`: a worker never computes a
    /// piece of a stage whose parameters, inputs or code changed since the piece was asked for.
    pub fn worker_context(
        &self,
        name: &str,
        fingerprint: &str,
        jobs: usize,
    ) -> Result<(StageContext, &K), Error> {
        let s = self
            .config
            .stage(name)
            .ok_or_else(|| Error::UnknownStage(name.to_owned()))?;
        let fps = self.fingerprints();
        if fps[name] != fingerprint {
            return Err(Error::FingerprintChanged {
                stage: name.to_owned(),
                expected: fingerprint.to_owned(),
                found: fps[name].clone(),
            });
        }
        let pool = shared_pool(jobs).map_err(|source| Error::ThreadPool { jobs, source })?;
        let ctx = self.context(
            s,
            &fps,
            (pool, Arc::new(Progress::hidden())),
            Arc::new(Executor::Local),
        );
        Ok((ctx, &s.kind))
    }

    /// Remove the outputs (and leftover temporaries next to them) and manifest entries of
    /// `only` (all stages when empty). Returns the removed files.
    pub fn clean(&self, only: &[String]) -> Result<Vec<PathBuf>, Error> {
        for o in only {
            if self.config.stage(o).is_none() {
                return Err(Error::UnknownStage(o.clone()));
            }
        }
        let targets: Vec<&Stage<K>> = self
            .config
            .stages
            .iter()
            .filter(|s| only.is_empty() || only.contains(&s.name))
            .collect();
        let mut removed = Vec::new();
        let mut dirs = BTreeSet::new();
        for s in &targets {
            for o in &s.outputs {
                let p = self.root.join(o);
                if let Some(d) = p.parent() {
                    dirs.insert(d.to_owned());
                }
                match std::fs::remove_file(&p) {
                    Ok(()) => removed.push(p),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::Io { path: p, source: e }),
                }
            }
        }
        for d in dirs {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if crate::atomic::is_temp_file(&p) && std::fs::remove_file(&p).is_ok() {
                    removed.push(p);
                }
            }
        }
        // intermediate files (the Slurm executor's shards, scripts and logs)
        let shard_root = self
            .root
            .join(resolve(crate::SHARD_ROOT, &self.config.profile));
        for s in &targets {
            let d = shard_root.join(&s.name);
            if d.is_dir() {
                std::fs::remove_dir_all(&d).map_err(|e| Error::Io {
                    path: d.clone(),
                    source: e,
                })?;
                removed.push(d);
            }
        }
        let mpath = self.manifest_path();
        let (mut m, _) = Manifest::load(&mpath);
        let before = m.stages.len();
        for s in &targets {
            m.stages.remove(&s.name);
        }
        if m.stages.len() != before || (only.is_empty() && mpath.exists()) {
            m.save(&mpath)?;
        }
        Ok(removed)
    }
}

/// The run's one work-stealing pool of `jobs` threads (at least 1), shared by every stage.
pub(crate) fn shared_pool(
    jobs: usize,
) -> Result<Arc<rayon::ThreadPool>, rayon::ThreadPoolBuildError> {
    Ok(Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .thread_name(|i| format!("stage-pool-{i}"))
            .build()?,
    ))
}
