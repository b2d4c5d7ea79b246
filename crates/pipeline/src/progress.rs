//! Progress reporting: an indicatif bar per running stage on a terminal, periodic
//! plain lines otherwise (CI has no terminal), nothing in tests.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

enum Mode {
    Bars(MultiProgress),
    Lines { interval: Duration },
    Hidden,
}

/// Longest line the runner prints in a normal run.
pub const MAX_LINE: usize = 200;

/// `line` cut to [`MAX_LINE`] characters (an ellipsis marks the cut).
pub fn cap_line(line: String) -> String {
    if line.chars().count() <= MAX_LINE {
        return line;
    }
    let mut s: String = line.chars().take(MAX_LINE - 1).collect();
    s.push('…');
    s
}

/// Shared progress reporter for all running stages.
pub struct Progress {
    mode: Mode,
    bars: Mutex<HashMap<String, ProgressBar>>,
    /// Stage -> (started, last printed line); started from [`Progress::start`], else from the
    /// stage's first update.
    lines: Mutex<HashMap<String, (Instant, Option<Instant>)>>,
}

impl Progress {
    /// Bars when stderr is a terminal, otherwise a line every 10 s per stage.
    pub fn auto() -> Self {
        if std::io::stderr().is_terminal() {
            Self::with_mode(Mode::Bars(MultiProgress::with_draw_target(
                ProgressDrawTarget::stderr(),
            )))
        } else {
            Self::lines(Duration::from_secs(10))
        }
    }

    /// Plain lines on stderr, at most one per `interval` per stage (plus the final one).
    pub fn lines(interval: Duration) -> Self {
        Self::with_mode(Mode::Lines { interval })
    }

    /// No output at all.
    pub fn hidden() -> Self {
        Self::with_mode(Mode::Hidden)
    }

    fn with_mode(mode: Mode) -> Self {
        Self {
            mode,
            bars: Mutex::new(HashMap::new()),
            lines: Mutex::new(HashMap::new()),
        }
    }

    /// Print a message line (above the bars on a terminal).
    pub fn println(&self, msg: &str) {
        match &self.mode {
            Mode::Bars(m) => {
                let _ = m.println(msg);
            }
            Mode::Lines { .. } => eprintln!("{msg}"),
            Mode::Hidden => {}
        }
    }

    /// `stage` starts now: its progress reports the time since this call (without it, since
    /// the first update, which would make a first unit of work look instantaneous).
    pub fn start(&self, stage: &str) {
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(stage.to_owned(), (Instant::now(), None));
    }

    /// `stage` has done `done` of `total` units of work.
    pub fn update(&self, stage: &str, done: u64, total: u64) {
        self.update_status(stage, done, total, None);
    }

    /// [`Progress::update`] with a short status shown after the count.
    pub fn update_status(&self, stage: &str, done: u64, total: u64, status: Option<&str>) {
        match &self.mode {
            Mode::Hidden => {}
            Mode::Bars(m) => {
                let started = self
                    .lines
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(stage)
                    .map(|(t, _)| t.elapsed());
                let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
                let bar = bars.entry(stage.to_owned()).or_insert_with(|| {
                    let b =
                        m.add(ProgressBar::new(total).with_elapsed(started.unwrap_or_default()));
                    b.set_style(
                        ProgressStyle::with_template(
                            "{prefix:>20} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta} {msg}",
                        )
                        .expect("valid template")
                        .progress_chars("=> "),
                    );
                    b.set_prefix(stage.to_owned());
                    b
                });
                bar.set_length(total);
                bar.set_position(done);
                if let Some(s) = status {
                    bar.set_message(s.to_owned());
                }
            }
            Mode::Lines { interval } => {
                let now = Instant::now();
                let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
                let (start, last) = lines.entry(stage.to_owned()).or_insert((now, None));
                let due = last.is_none_or(|t| now.duration_since(t) >= *interval);
                if due || done >= total {
                    let pct = if total > 0 {
                        100.0 * done as f64 / total as f64
                    } else {
                        100.0
                    };
                    let status = status.map_or(String::new(), |s| format!(": {s}"));
                    eprintln!(
                        "[{stage}] {done}/{total} ({pct:.0}%) after {:.1} s{status}",
                        now.duration_since(*start).as_secs_f64()
                    );
                    *last = Some(now);
                }
            }
        }
    }

    /// `stage` finished (removes its bar).
    pub fn finish(&self, stage: &str) {
        if let Some(b) = self
            .bars
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(stage)
        {
            b.finish_and_clear();
        }
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(stage);
    }
}
