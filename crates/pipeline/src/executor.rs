//! Where a stage's ensembles run (`cargo xtask reproduce --executor`).
//!
//! The executor is not part of any fingerprint: ensembles are seeded per realization, so the
//! local and the Slurm executor write the same bits, and outputs made by one are fresh for the
//! other. The engine only carries the choice to the stages ([`crate::StageContext::executor`]);
//! ensemble stages act on it, every other stage runs locally whatever it says.

use std::ffi::OsString;
use std::time::Duration;

/// How ensemble stages run their realizations.
#[derive(Debug, Clone, Default)]
pub enum Executor {
    /// In this process, on the run's shared thread pool.
    #[default]
    Local,
    /// As Slurm job arrays: one array task per chunk of realizations.
    Slurm(SlurmOptions),
}

/// Options of the Slurm executor.
#[derive(Debug, Clone)]
pub struct SlurmOptions {
    /// Realizations per array task (the last chunk of an ensemble may be shorter).
    pub chunk: usize,
    /// Extra `sbatch` arguments a cluster needs (partition, account, time limit, memory).
    pub sbatch_args: Vec<String>,
    /// Interval between two `squeue` polls.
    pub poll: Duration,
    /// Give up waiting for an array (and cancel it) after this long.
    pub timeout: Duration,
    /// The command an array task runs, before the stage, task and fingerprint arguments the
    /// stage appends: the program and its leading arguments (the CLI passes its own binary,
    /// its `shard` subcommand, the configuration and the profile).
    pub worker: Vec<OsString>,
}
