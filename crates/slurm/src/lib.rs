//! Slurm job arrays from the command-line tools: write the batch script, submit it
//! (`sbatch --parsable`), watch its tasks (`squeue`), find how finished tasks ended (the
//! job-completion log, else `sacct`), cancel (`scancel`).
//!
//! The crate knows nothing of what the tasks compute: a task is an array index and a command
//! line. Without `slurmdbd` (`AccountingStorageType=accounting_storage/none`) `sacct` has no
//! data; a cluster configured with `JobCompType=jobcomp/filetxt` still writes one line per
//! finished job or array task to `JobCompLoc`, which [`Job::final_states`] reads. Where neither
//! answers, a task's final state is [`FinalState::unknown`] and the caller decides from its
//! own output whether the task succeeded.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// What can go wrong talking to Slurm.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A Slurm command is not on `PATH`.
    #[error("`{program}` is not on PATH (is this a Slurm login node?)")]
    NotInstalled { program: String },
    /// A Slurm command ran and failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    Command {
        command: String,
        status: String,
        stderr: String,
    },
    /// `sbatch --parsable` printed something that is not a job id.
    #[error("`sbatch --parsable` printed `{0}`, not a job id")]
    JobId(String),
    /// Writing the batch script.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// One array job to submit.
#[derive(Debug, Clone)]
pub struct ArraySpec<'a> {
    /// `--job-name`
    pub job_name: &'a str,
    /// Where the batch script is written (kept: the manifest names it).
    pub script: &'a Path,
    /// Directory of the task logs, `<job id>_<task>.log`.
    pub log_dir: &'a Path,
    /// Array indices to run (any set; written compactly, e.g. `0-3,7`).
    pub tasks: &'a BTreeSet<usize>,
    /// The command of every task; an argument equal to [`TASK_ID`] becomes the task's index.
    pub command: &'a [OsString],
    /// Extra `sbatch` arguments (they override the script's `#SBATCH` lines).
    pub sbatch_args: &'a [String],
}

/// Placeholder for the array index in [`ArraySpec::command`].
pub const TASK_ID: &str = "{task}";

/// A submitted array job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Slurm job id of the array.
    pub id: String,
    /// The array indices submitted.
    pub tasks: BTreeSet<usize>,
    /// Directory of the task logs.
    pub log_dir: PathBuf,
    /// The batch script.
    pub script: PathBuf,
}

/// State of a task still known to the controller (`squeue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueState {
    Pending,
    Running,
    /// Completing, configuring, suspended, requeued...: neither waiting nor done.
    Other,
}

/// How a finished task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalState {
    /// `COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`, `OUT_OF_MEMORY`, `NODE_FAIL`, ... or `unknown`.
    pub state: String,
    /// `exit:signal` as Slurm reports it, when known.
    pub exit_code: Option<String>,
}

impl FinalState {
    /// Neither the completion log nor `sacct` knows the task (Slurm 22.05 logs nothing for an
    /// array task cancelled while pending).
    pub fn unknown() -> Self {
        Self {
            state: "no completion record (cancelled before it started?)".into(),
            exit_code: None,
        }
    }
}

/// Jobs submitted by this process and not yet finished: what an interrupt cancels.
static ACTIVE: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Run a Slurm command, mapping "not found" to [`Error::NotInstalled`].
fn run(program: &str, args: &[&OsStr]) -> Result<Output, Error> {
    let out = Command::new(program).args(args).output().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            Error::NotInstalled {
                program: program.to_owned(),
            }
        } else {
            Error::Command {
                command: program.to_owned(),
                status: "not started".into(),
                stderr: e.to_string(),
            }
        }
    })?;
    if !out.status.success() {
        return Err(Error::Command {
            command: std::iter::once(program.to_owned())
                .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(" "),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(out)
}

/// Is `program` on `PATH`?
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| {
            let f = d.join(program);
            f.is_file()
        })
    })
}

/// `0-3,7,9-10`: the compact `--array` form of a set of indices.
pub fn array_ranges(tasks: &BTreeSet<usize>) -> String {
    let mut out = String::new();
    let mut it = tasks.iter().copied().peekable();
    while let Some(a) = it.next() {
        let mut b = a;
        while it.peek() == Some(&(b + 1)) {
            b = it.next().expect("peeked");
        }
        if !out.is_empty() {
            out.push(',');
        }
        if a == b {
            let _ = write!(out, "{a}");
        } else {
            let _ = write!(out, "{a}-{b}");
        }
    }
    out
}

/// Quote one word for `sh`.
fn sh_quote(s: &OsStr) -> String {
    let s = s.to_string_lossy();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        return s.into_owned();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The batch script of `spec`.
pub fn script(spec: &ArraySpec) -> String {
    let log = spec.log_dir.join("%A_%a.log");
    let command: Vec<String> = spec
        .command
        .iter()
        .map(|a| {
            if a == TASK_ID {
                "\"$SLURM_ARRAY_TASK_ID\"".to_owned()
            } else {
                sh_quote(a)
            }
        })
        .collect();
    format!(
        "#!/bin/sh\n#SBATCH --job-name={}\n#SBATCH --array={}\n#SBATCH --output={}\n#SBATCH --ntasks=1\nexec {}\n",
        sh_quote(OsStr::new(spec.job_name)),
        array_ranges(spec.tasks),
        sh_quote(log.as_os_str()),
        command.join(" ")
    )
}

/// Write the batch script and submit it; the job is registered for [`cancel_active`].
pub fn submit(spec: &ArraySpec) -> Result<Job, Error> {
    let io_err = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(spec.log_dir).map_err(io_err(spec.log_dir))?;
    std::fs::write(spec.script, script(spec)).map_err(io_err(spec.script))?;
    let mut args: Vec<&OsStr> = vec![OsStr::new("--parsable")];
    args.extend(spec.sbatch_args.iter().map(OsStr::new));
    args.push(spec.script.as_os_str());
    let out = run("sbatch", &args)?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    // `--parsable` prints `<id>` or `<id>;<cluster>`
    let id = text.split(';').next().unwrap_or_default().to_owned();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::JobId(text));
    }
    ACTIVE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id.clone());
    Ok(Job {
        id,
        tasks: spec.tasks.clone(),
        log_dir: spec.log_dir.to_owned(),
        script: spec.script.to_owned(),
    })
}

impl Job {
    /// Log file of array task `task`.
    pub fn log(&self, task: usize) -> PathBuf {
        self.log_dir.join(format!("{}_{task}.log", self.id))
    }

    /// The tasks the controller still knows, with their state (`squeue`, one line per task).
    /// Tasks that are not listed have finished (or never existed).
    pub fn queue(&self) -> Result<BTreeMap<usize, QueueState>, Error> {
        let out = run(
            "squeue",
            &[
                OsStr::new("--noheader"),
                OsStr::new("--array"),
                OsStr::new("--jobs"),
                OsStr::new(&self.id),
                OsStr::new("--format=%K %T"),
            ],
        );
        // a job that left the controller's memory is "invalid" to squeue: nothing is queued
        let out = match out {
            Err(Error::Command { stderr, .. }) if stderr.contains("Invalid job id") => {
                return Ok(BTreeMap::new());
            }
            r => r?,
        };
        Ok(parse_queue(
            &String::from_utf8_lossy(&out.stdout),
            &self.tasks,
        ))
    }

    /// How finished tasks ended: the job-completion log when the cluster writes one
    /// (`jobcomp/filetxt`), else `sacct` (needs `slurmdbd`), else [`FinalState::unknown`].
    pub fn final_states(&self, tasks: &BTreeSet<usize>) -> BTreeMap<usize, FinalState> {
        let mut found = jobcomp_file()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .map(|text| parse_jobcomp(&text, &self.id, tasks))
            .unwrap_or_default();
        if tasks.iter().any(|t| !found.contains_key(t))
            && let Ok(out) = run(
                "sacct",
                &[
                    OsStr::new("--noheader"),
                    OsStr::new("--parsable2"),
                    OsStr::new("--jobs"),
                    OsStr::new(&self.id),
                    OsStr::new("--format=JobID,State,ExitCode"),
                ],
            )
        {
            for (t, s) in parse_sacct(&String::from_utf8_lossy(&out.stdout), &self.id) {
                found.entry(t).or_insert(s);
            }
        }
        tasks
            .iter()
            .map(|&t| (t, found.remove(&t).unwrap_or_else(FinalState::unknown)))
            .collect()
    }

    /// Cancel the whole array (`scancel`).
    pub fn cancel(&self) -> Result<(), Error> {
        run("scancel", &[OsStr::new(&self.id)])?;
        self.finished();
        Ok(())
    }

    /// Forget the job for [`cancel_active`] (it has finished).
    pub fn finished(&self) {
        ACTIVE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

/// Cancel every job this process submitted and has not seen finish (what an interrupt does);
/// returns their ids.
pub fn cancel_active() -> Vec<String> {
    let ids: Vec<String> = std::mem::take(&mut *ACTIVE.lock().unwrap_or_else(|e| e.into_inner()))
        .into_iter()
        .collect();
    for id in &ids {
        let _ = run("scancel", &[OsStr::new(id)]);
    }
    ids
}

/// `JobCompLoc` of a `jobcomp/filetxt` cluster (`scontrol show config`).
fn jobcomp_file() -> Option<PathBuf> {
    let out = run("scontrol", &[OsStr::new("show"), OsStr::new("config")]).ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let get = |key: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().to_owned())
        })
    };
    (get("JobCompType")? == "jobcomp/filetxt")
        .then(|| get("JobCompLoc"))
        .flatten()
        .map(PathBuf::from)
}

/// `squeue --array --format='%K %T'` lines: `<task> <STATE>`; a pending range (`[2-5%2]`)
/// is expanded over the submitted tasks.
pub fn parse_queue(text: &str, submitted: &BTreeSet<usize>) -> BTreeMap<usize, QueueState> {
    let mut q = BTreeMap::new();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        let (Some(k), Some(state)) = (w.next(), w.next()) else {
            continue;
        };
        let state = match state {
            "PENDING" => QueueState::Pending,
            "RUNNING" => QueueState::Running,
            _ => QueueState::Other,
        };
        for t in expand_tasks(k, submitted) {
            q.insert(t, state);
        }
    }
    q
}

/// `7`, or `[2-5,8%2]`/`2-5` restricted to `submitted`.
fn expand_tasks(k: &str, submitted: &BTreeSet<usize>) -> Vec<usize> {
    let k = k.trim_start_matches('[').trim_end_matches(']');
    let k = k.split('%').next().unwrap_or_default();
    let mut out = Vec::new();
    for part in k.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) {
                    out.extend(submitted.range(a..=b).copied());
                }
            }
            None => {
                if let Ok(t) = part.parse::<usize>() {
                    out.push(t);
                }
            }
        }
    }
    out
}

/// The lines of a `jobcomp/filetxt` log (space-separated `Key=Value` fields) that belong to
/// array job `job`: `ArrayJobId=<job> ArrayTaskId=<task>`, with `JobState` and `ExitCode`
/// (Slurm 22.05; `JobId` is each task's own id, and the last task to run reuses the array's).
/// The last line of a task wins (a requeued task is logged again). Cancelling the array's
/// pending tasks writes one line `JobId=<job>` without task fields: its state applies to every
/// task that has no line of its own.
pub fn parse_jobcomp(
    text: &str,
    job: &str,
    tasks: &BTreeSet<usize>,
) -> BTreeMap<usize, FinalState> {
    let mut out = BTreeMap::new();
    let mut whole: Option<FinalState> = None;
    for line in text.lines() {
        let fields: BTreeMap<&str, &str> = line
            .split_whitespace()
            .filter_map(|f| f.split_once('='))
            .collect();
        let Some(state) = fields.get("JobState") else {
            continue;
        };
        let fin = FinalState {
            state: (*state).to_owned(),
            exit_code: fields.get("ExitCode").map(|s| (*s).to_owned()),
        };
        match (fields.get("ArrayJobId"), fields.get("ArrayTaskId")) {
            (Some(a), Some(t)) if *a == job => {
                if let Ok(t) = t.parse() {
                    out.insert(t, fin);
                }
            }
            (None, _) if fields.get("JobId") == Some(&job) => whole = Some(fin),
            _ => {}
        }
    }
    if let Some(w) = whole {
        for &t in tasks {
            out.entry(t).or_insert_with(|| w.clone());
        }
    }
    out
}

/// `sacct --parsable2 --format=JobID,State,ExitCode` lines `<job>_<task>|STATE|x:y` (job steps,
/// `<job>_<task>.batch`, are skipped; `CANCELLED by 0` is reported as `CANCELLED`).
pub fn parse_sacct(text: &str, job: &str) -> BTreeMap<usize, FinalState> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut f = line.split('|');
        let (Some(id), Some(state), exit) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let Some(task) = id
            .strip_prefix(job)
            .and_then(|r| r.strip_prefix('_'))
            .and_then(|t| t.parse::<usize>().ok())
        else {
            continue;
        };
        out.insert(
            task,
            FinalState {
                state: state.split_whitespace().next().unwrap_or(state).to_owned(),
                exit_code: exit.map(str::to_owned),
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[usize]) -> BTreeSet<usize> {
        v.iter().copied().collect()
    }

    #[test]
    fn array_ranges_are_compact() {
        assert_eq!(array_ranges(&set(&[0, 1, 2, 3, 7, 9, 10])), "0-3,7,9-10");
        assert_eq!(array_ranges(&set(&[5])), "5");
        assert_eq!(array_ranges(&set(&[])), "");
    }

    #[test]
    fn queue_lines_expand_pending_ranges() {
        let text = "4 RUNNING\n[5-7,9%2] PENDING\n3 COMPLETING\n";
        let q = parse_queue(text, &set(&[3, 4, 5, 6, 7, 9]));
        assert_eq!(q[&4], QueueState::Running);
        assert_eq!(q[&6], QueueState::Pending);
        assert_eq!(q[&9], QueueState::Pending);
        assert_eq!(q[&3], QueueState::Other);
        assert_eq!(q.len(), 6);
    }

    #[test]
    fn script_quotes_and_places_the_task_id() {
        let tasks = set(&[0, 2]);
        let cmd: Vec<OsString> = ["/x y/xtask", "shard", "--task", TASK_ID]
            .iter()
            .map(OsString::from)
            .collect();
        let s = script(&ArraySpec {
            job_name: "fig2_md",
            script: Path::new("/tmp/s.sh"),
            log_dir: Path::new("/tmp/logs"),
            tasks: &tasks,
            command: &cmd,
            sbatch_args: &[],
        });
        assert!(s.contains("#SBATCH --array=0,2\n"), "{s}");
        assert!(s.contains("#SBATCH --output=/tmp/logs/%A_%a.log\n"), "{s}");
        assert!(
            s.ends_with("exec '/x y/xtask' shard --task \"$SLURM_ARRAY_TASK_ID\"\n"),
            "{s}"
        );
    }

    /// Lines as Slurm 22.05's `jobcomp/filetxt` writes them (scripts/SLURM-NOTES.md).
    #[test]
    fn jobcomp_lines_by_array_task() {
        let text = "JobId=7 UserId=root(0) Name=wrap JobState=FAILED Partition=local ArrayJobId=5 ArrayTaskId=1 DerivedExitCode=0:0 ExitCode=1:0 \n\
                    JobId=5 UserId=root(0) Name=wrap JobState=COMPLETED ArrayJobId=5 ArrayTaskId=3 DerivedExitCode=0:0 ExitCode=0:0 \n\
                    JobId=9 Name=wrap JobState=COMPLETED ArrayJobId=8 ArrayTaskId=1 ExitCode=0:0 \n";
        let s = parse_jobcomp(text, "5", &set(&[1, 3]));
        assert_eq!(s[&1].state, "FAILED");
        assert_eq!(s[&1].exit_code.as_deref(), Some("1:0"));
        assert_eq!(s[&3].state, "COMPLETED");
        assert_eq!(s.len(), 2);
        // the pending tasks of array 12 cancelled at once: one line without task fields
        let text = "JobId=13 JobState=COMPLETED ArrayJobId=12 ArrayTaskId=0 ExitCode=0:0 \n\
                    JobId=12 JobState=CANCELLED NodeList=(null) NodeCnt=0 ExitCode=0:0 \n";
        let s = parse_jobcomp(text, "12", &set(&[0, 2, 3]));
        assert_eq!(s[&0].state, "COMPLETED");
        assert_eq!(s[&2].state, "CANCELLED");
        assert_eq!(s[&3].state, "CANCELLED");
    }

    #[test]
    fn sacct_lines_skip_steps() {
        let text = "12_0|COMPLETED|0:0\n12_0.batch|COMPLETED|0:0\n12_1|CANCELLED by 0|0:15\n13_0|FAILED|1:0\n";
        let s = parse_sacct(text, "12");
        assert_eq!(s.len(), 2);
        assert_eq!(s[&1].state, "CANCELLED");
        assert_eq!(s[&0].exit_code.as_deref(), Some("0:0"));
    }
}
