//! How an ensemble stage's realizations were run: the provenance record every ensemble stage
//! writes (`cargo xtask reproduce --executor`). The result does not depend on it (realizations
//! are seeded per index); the record says where to find the Slurm scripts and task logs.

use serde::{Deserialize, Serialize};

use crate::Record;

/// The executor of an ensemble stage's last run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "executor", rename_all = "snake_case")]
pub enum ExecutorRecord {
    /// In the pipeline's process, on its shared thread pool.
    Local,
    /// As Slurm job arrays.
    Slurm(SlurmRun),
}

impl Record for ExecutorRecord {
    const KEY: &'static str = "executor";
}

/// What the Slurm executor did for one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlurmRun {
    /// realizations per array task
    pub chunk: usize,
    /// array tasks of the stage (chunks over all its ensembles)
    pub tasks: usize,
    /// shards found from an earlier submission (same stage fingerprint) and reused
    pub reused: usize,
    /// where the shards are (`data/<profile>/shards/<stage>/<fingerprint prefix>/`)
    pub shard_dir: String,
    /// the array jobs submitted by this run (none when every shard was reused)
    pub jobs: Vec<SlurmJob>,
}

/// One submitted array job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlurmJob {
    /// Slurm job id
    pub id: String,
    /// the `--array` indices, e.g. `0-9,12`
    pub array: String,
    /// the batch script
    pub script: String,
    /// each submitted task's log, in array-index order (`logs/<job id>_<index>.log`)
    pub logs: Vec<String>,
    /// extra `sbatch` arguments (`--sbatch-arg`)
    pub sbatch_args: Vec<String>,
}
