//! What a running stage sees of the pipeline: its declared outputs, its dependencies'
//! outputs and parameters, the shared thread pool, progress reporting and provenance records.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, anyhow, bail};
use serde::de::DeserializeOwned;

use crate::progress::Progress;

/// Profile name of [`StageContext::standalone`] contexts (`data/standalone/...`).
pub const STANDALONE: &str = "standalone";

/// The handle passed to [`crate::StageKind::run`].
pub struct StageContext {
    pub(crate) name: String,
    pub(crate) root: PathBuf,
    pub(crate) outputs: Vec<String>,
    /// Output of a dependency (relative path) -> dependency stage name.
    pub(crate) inputs: BTreeMap<String, String>,
    /// Dependency stage name -> its parameters (profile applied, `kind` tag removed).
    pub(crate) dep_params: BTreeMap<String, serde_json::Value>,
    /// The run's one work-stealing pool, shared by every stage running at the same time
    /// (the engine runs each stage inside it).
    pub(crate) pool: Arc<rayon::ThreadPool>,
    pub(crate) progress: Arc<Progress>,
    pub(crate) records: Mutex<BTreeMap<String, serde_json::Value>>,
    /// The one line a user reads when the stage is done.
    pub(crate) summary: Mutex<Option<String>>,
    pub(crate) fingerprint: String,
    pub(crate) code_version: String,
    pub(crate) profile: String,
    /// Where ensembles run (`--executor`).
    pub(crate) executor: Arc<crate::Executor>,
    /// The run was asked to recompute this stage (`--force`).
    pub(crate) forced: bool,
}

impl StageContext {
    /// A context outside the engine, for stage unit tests and tools: outputs are
    /// resolved under `root` with the profile [`STANDALONE`], there are no dependencies,
    /// progress is silent.
    pub fn standalone(root: &Path, name: &str, outputs: &[&str]) -> Self {
        Self {
            name: name.to_owned(),
            root: root.to_owned(),
            outputs: outputs
                .iter()
                .map(|s| crate::resolve(s, STANDALONE))
                .collect(),
            inputs: BTreeMap::new(),
            dep_params: BTreeMap::new(),
            pool: crate::engine::shared_pool(1).expect("a one-thread pool"),
            progress: Arc::new(Progress::hidden()),
            records: Mutex::new(BTreeMap::new()),
            summary: Mutex::new(None),
            fingerprint: "standalone".to_owned(),
            code_version: crate::code::UNVERSIONED.to_owned(),
            profile: STANDALONE.to_owned(),
            executor: Arc::new(crate::Executor::Local),
            forced: false,
        }
    }

    /// Declare, for a [`StageContext::standalone`] context, that `rel` (under `root`) is an
    /// output of dependency `dep` whose parameters are `params` (as the dependency's params struct).
    pub fn with_input(
        mut self,
        dep: &str,
        rel: &str,
        params: impl serde::Serialize,
    ) -> anyhow::Result<Self> {
        self.inputs
            .insert(crate::resolve(rel, &self.profile), dep.to_owned());
        self.dep_params
            .insert(dep.to_owned(), serde_json::to_value(params)?);
        Ok(self)
    }

    /// Give a [`StageContext::standalone`] context a pool of `jobs` threads (default 1).
    pub fn with_jobs(mut self, jobs: usize) -> anyhow::Result<Self> {
        self.pool = crate::engine::shared_pool(jobs)?;
        Ok(self)
    }

    /// Stage name (the key in `pipeline.yaml`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Active profile name.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// Absolute path of a declared output, e.g. `"data/{profile}/fig2_energy.parquet"`
    /// (the profile placeholder is resolved). Its parent directory is created. Write it
    /// atomically ([`crate::write_atomic`]).
    pub fn output(&self, rel: &str) -> anyhow::Result<PathBuf> {
        let rel = &crate::resolve(rel, &self.profile);
        if !self.outputs.iter().any(|o| o == rel) {
            bail!(
                "stage `{}` writes `{rel}`, which is not among its declared outputs {:?} (declare it in pipeline.yaml)",
                self.name,
                self.outputs
            );
        }
        let p = self.root.join(rel);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        Ok(p)
    }

    /// Declared outputs (relative paths), in declaration order.
    pub fn outputs(&self) -> &[String] {
        &self.outputs
    }

    /// Absolute path of an output of one of this stage's dependencies (the profile
    /// placeholder is resolved).
    pub fn input(&self, rel: &str) -> anyhow::Result<PathBuf> {
        let rel = &crate::resolve(rel, &self.profile);
        if !self.inputs.contains_key(rel) {
            bail!(
                "stage `{}` reads `{rel}`, which is not an output of any of its dependencies (available: {:?})",
                self.name,
                self.inputs.keys().collect::<Vec<_>>()
            );
        }
        let p = self.root.join(rel);
        if !p.exists() {
            bail!(
                "input `{}` of stage `{}` does not exist",
                p.display(),
                self.name
            );
        }
        Ok(p)
    }

    /// Parameters of dependency `dep_stage` (profile applied), deserialized into the
    /// dependency's params struct (the `kind` tag is removed first).
    pub fn dep_params<T: DeserializeOwned>(&self, dep_stage: &str) -> anyhow::Result<T> {
        let v = self
            .dep_params
            .get(dep_stage)
            .ok_or_else(|| anyhow!("`{dep_stage}` is not a dependency of stage `{}`", self.name))?;
        serde_json::from_value(v.clone()).with_context(|| {
            format!(
                "parameters of dependency `{dep_stage}` of stage `{}`",
                self.name
            )
        })
    }

    /// Parameters of the dependency that writes `rel` (profile placeholder resolved),
    /// deserialized into that stage's params struct.
    pub fn params_of_producer<T: DeserializeOwned>(&self, rel: &str) -> anyhow::Result<T> {
        let r = crate::resolve(rel, &self.profile);
        let dep = self.inputs.get(&r).ok_or_else(|| {
            anyhow!(
                "stage `{}` reads `{r}`, which is not an output of any of its dependencies",
                self.name
            )
        })?;
        self.dep_params(dep)
    }

    /// Where this run's ensembles go (`--executor`); stages without ensembles ignore it.
    pub fn executor(&self) -> &crate::Executor {
        &self.executor
    }

    /// The directory for this stage's intermediate files (the Slurm executor's shards, scripts
    /// and task logs): `data/<profile>/shards/<stage>/` under the root. Not an output: no
    /// manifest hash covers it, and `cargo xtask clean` removes it with the stage's outputs.
    pub fn shard_dir(&self) -> PathBuf {
        self.root
            .join(crate::resolve(crate::SHARD_ROOT, &self.profile))
            .join(&self.name)
    }

    /// Was the stage forced (`--force`)? Then it recomputes everything, reusing no
    /// intermediate file (e.g. no Slurm shard) of an earlier run.
    pub fn forced(&self) -> bool {
        self.forced
    }

    /// Number of threads of the run's shared pool (`--jobs`).
    pub fn jobs(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// The run's shared work-stealing pool. The engine already runs [`crate::StageKind::run`]
    /// inside it, so a stage's rayon iterators use it without this; `install` on it is for code
    /// that may also run outside the engine (standalone contexts). Every stage running at the same
    /// time shares its threads: a long stage gets every core as soon as the others finish.
    pub fn thread_pool(&self) -> anyhow::Result<Arc<rayon::ThreadPool>> {
        Ok(self.pool.clone())
    }

    /// Report progress: a bar on a terminal, periodic plain lines otherwise.
    pub fn progress(&self, done: u64, total: u64) {
        self.progress.update(&self.name, done, total);
    }

    /// Report progress with a short status after the count (e.g. the Slurm executor's
    /// `3 done, 5 pending, 2 running, 0 failed`).
    pub fn progress_status(&self, done: u64, total: u64, status: &str) {
        self.progress
            .update_status(&self.name, done, total, Some(status));
    }

    /// Print a line without garbling progress bars (at most 200 characters: details belong
    /// in [`StageContext::record`]).
    pub fn log(&self, msg: &str) {
        self.progress
            .println(&crate::progress::cap_line(format!("[{}] {msg}", self.name)));
    }

    /// The one or two numbers a user wants, printed on the stage's `done` line (the full
    /// provenance goes to the manifest via [`StageContext::record`]; `--verbose` prints it).
    pub fn summary(&self, text: impl Into<String>) {
        *self.summary.lock().unwrap_or_else(|e| e.into_inner()) = Some(text.into());
    }

    /// The summary set by the stage, if any.
    pub fn summary_text(&self) -> Option<String> {
        self.summary
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Record extra provenance (seeds, counts, convergence numbers) into `data/manifest.json`.
    /// Recording the same key twice keeps the last value.
    pub fn record(&self, key: &str, value: serde_json::Value) {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_owned(), value);
    }

    /// Everything recorded so far.
    pub fn records(&self) -> BTreeMap<String, serde_json::Value> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// This stage's fingerprint (hex blake3).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Code version of this stage (hash of the code units it runs).
    pub fn code_version(&self) -> &str {
        &self.code_version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undeclared_output_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = StageContext::standalone(dir.path(), "s", &["data/{profile}/a.parquet"]);
        assert!(
            ctx.output("data/{profile}/a.parquet")
                .unwrap()
                .ends_with("data/standalone/a.parquet")
        );
        assert!(dir.path().join("data/standalone").is_dir());
        let e = ctx
            .output("data/{profile}/b.parquet")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not among its declared outputs"), "{e}");
        assert!(ctx.input("data/x").is_err());
        assert!(ctx.dep_params::<serde_json::Value>("nope").is_err());
    }
}
