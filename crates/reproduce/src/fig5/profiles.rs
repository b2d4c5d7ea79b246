//! The long-format profile tables of Fig. 5 (`panel, t, x, value`): the writer the kinetic and
//! hydrodynamic stages share, the reader of the figure stage, and the rule that ties the theory
//! grids to the MD histogram.

use anyhow::{Context as _, ensure};
use contract::fig5::{Panel, Setup, profile as col};
use contract::measure::{coarsen, l1_rel};
use polars_core::prelude::*;

use crate::io;

/// The theory grid must refine the MD histogram (bin averages of the curves are then exact).
pub fn check_cells(n_cells: usize, setup: &Setup) -> anyhow::Result<()> {
    anyhow::ensure!(
        n_cells.is_multiple_of(setup.n_bins),
        "n_cells = {n_cells} must be a multiple of the histogram bins fig5_setup.n_bins = {}",
        setup.n_bins
    );
    Ok(())
}

/// The resolution check of a theory stage: per output time, the L1 distance / `mass` between
/// the `coarse` profiles (cell width `dx`) and the once-refined `fine` ones averaged pairwise
/// onto the coarse cells.
pub fn refinement_l1(coarse: &[Vec<f64>], fine: &[Vec<f64>], dx: f64, mass: f64) -> Vec<f64> {
    coarse
        .iter()
        .zip(fine)
        .map(|(c, f)| l1_rel(c, &coarsen(f, 2), dx, mass))
        .collect()
}

/// Long-format table `panel, t, x, rho` being built.
#[derive(Default)]
pub struct Columns {
    panel: Vec<&'static str>,
    t: Vec<f64>,
    x: Vec<f64>,
    rho: Vec<f64>,
}

impl Columns {
    /// Append the profiles of one panel (one per output time, on the cell centres `xs`).
    pub fn push(&mut self, panel: Panel, times: &[f64], xs: &[f64], profiles: &[Vec<f64>]) {
        for (&tm, prof) in times.iter().zip(profiles) {
            for (&x, &r) in xs.iter().zip(prof) {
                self.panel.push(panel.as_str());
                self.t.push(tm);
                self.x.push(x);
                self.rho.push(r);
            }
        }
    }

    pub fn frame(self) -> anyhow::Result<DataFrame> {
        io::ensure_finite("profile", &self.rho)?;
        Ok(df!(col::PANEL => self.panel, col::T => self.t, col::X => self.x, col::RHO => self.rho)?)
    }
}

/// Profiles of one table: `rho[panel][time]` ordered by x, on the cell centres `x`.
pub struct Profiles {
    pub rho: Vec<Vec<Vec<f64>>>,
    pub x: Vec<f64>,
}

/// Read the column `value` of a profile table at the output `times`.
pub fn read(df: &DataFrame, value: &str, times: &[f64]) -> anyhow::Result<Profiles> {
    read_rows(df, value, times, Panel::ALL, |_| true)
}

/// Read the column `value` of the rows that `keep` accepts (by row index) at the output
/// `times`; the table must hold complete profiles of exactly the panels `panels` (the others
/// are left empty).
pub fn read_rows(
    df: &DataFrame,
    value: &str,
    times: &[f64],
    panels: &[Panel],
    keep: impl Fn(usize) -> bool,
) -> anyhow::Result<Profiles> {
    let panel: Vec<Panel> = io::column_cat(df, col::PANEL)?;
    let t = io::column_f64(df, col::T)?;
    let x = io::column_f64(df, col::X)?;
    let v = io::column_f64(df, value)?;
    let mut rho = vec![vec![Vec::new(); times.len()]; Panel::ALL.len()];
    let mut xs: Vec<f64> = Vec::new();
    let first = panels.first().context("no panels to read")?.index();
    for k in (0..panel.len()).filter(|&k| keep(k)) {
        let p = panel[k].index();
        ensure!(
            panels.contains(&panel[k]),
            "unexpected panel {} in the table",
            panel[k]
        );
        let m = times
            .iter()
            .position(|&tt| (tt - t[k]).abs() <= 1e-9 * tt.abs().max(1.0))
            .with_context(|| format!("time {} is not an output time of the setup", t[k]))?;
        if p == first && m == 0 {
            xs.push(x[k]);
        }
        rho[p][m].push(v[k]);
    }
    for &p in panels {
        for (m, r) in rho[p.index()].iter().enumerate() {
            ensure!(
                r.len() == xs.len(),
                "panel {p} time {m} has {} rows, expected {}",
                r.len(),
                xs.len()
            );
        }
    }
    Ok(Profiles { rho, x: xs })
}
