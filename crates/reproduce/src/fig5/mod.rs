//! Fig. 5: a Gaussian bump relaxing in a periodic box (paper Sec. VI, App. C).
//!
//! - [`setup`] (stage `fig5_setup`): the system, written once and read by every other stage;
//! - [`md`] (`fig5_md`): molecular dynamics, with the App. C audit reruns;
//! - [`kinetic`] (`fig5_kinetic`): the kinetic equations (38)/(39);
//! - [`hydro`] (`fig5_hydro`): the hydrodynamic equation (2);
//! - [`limit`] (`hydro_limit`): a narrow bump followed into the hydrodynamic limit;
//! - [`plot`] (`fig5`): the figure; [`profiles`]: the profile tables' writer and reader.

pub mod hydro;
pub mod kinetic;
pub mod limit;
pub mod md;
pub mod md_converged;
pub mod plot;
pub mod profiles;
pub mod setup;

use std::sync::atomic::{AtomicU64, Ordering};

use contract::fig5::Panel;
use pipeline::StageContext;
use rayon::prelude::*;

/// `solve` for every panel, the panels side by side as coarse tasks of the stage's pool (a
/// panel's many short parallel steps, run one panel after the other, would wait on other
/// stages' long tasks), with the stage's progress counted in panels; results in
/// [`Panel::ALL`] order, the first error returned.
pub fn per_panel<T: Send>(
    ctx: &StageContext,
    solve: impl Fn(Panel) -> anyhow::Result<T> + Sync,
) -> anyhow::Result<Vec<T>> {
    let total = Panel::ALL.len() as u64;
    let done = AtomicU64::new(0);
    let solved: Vec<anyhow::Result<T>> = ctx.thread_pool()?.install(|| {
        Panel::ALL
            .par_iter()
            .map(|&panel| {
                let r = solve(panel);
                ctx.progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                r
            })
            .collect()
    });
    solved.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use contract::fig5::{Panel, Setup, md as mdcol, md_converged as ccol};
    use contract::{Figure, Table};
    use pipeline::StageContext;
    use polars::df;

    use super::plot::Fig5Figure;
    use super::profiles::Columns;
    use crate::io;

    /// The figure stage on synthetic profiles of the paper's size (box 4000, 200 MD bins, four
    /// output times, drifting and spreading bumps), checked like every figure.
    #[test]
    fn fig5_figure_from_synthetic_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let times = vec![0.0, 100.0, 200.0, 400.0];
        let setup = Setup {
            model: super::md::tests::model(),
            n_particles: 1600,
            box_len: 4000.0,
            bump_center: 2600.0,
            bump_width: 320.0,
            times: times.clone(),
            n_bins: 200,
        };
        io::put_json(root, Table::Fig5Setup, &setup);
        let rho = |p: usize, t: f64, x: f64| {
            let c = 2600.0 - if p >= 2 { 3.2 * t } else { 0.0 };
            let w = (320f64.powi(2) + 2.0 * 13.0 * t).sqrt();
            1600.0 / ((2.0 * std::f64::consts::PI).sqrt() * w)
                * (-0.5 * ((x - c) / w).powi(2)).exp()
        };
        let cells = |n: usize| -> Vec<f64> {
            (0..n)
                .map(|k| (k as f64 + 0.5) * 4000.0 / n as f64)
                .collect()
        };
        let (mut panel, mut t, mut x, mut mean, mut sem) = (vec![], vec![], vec![], vec![], vec![]);
        // the converged table: fermionic panels at 1/l = 1/40, 1/80 and the extrapolation 0
        let mut conv: (Vec<&str>, [Vec<f64>; 5]) = Default::default();
        for (p, label) in Panel::ALL.iter().enumerate() {
            for &tm in &times {
                for (k, &xc) in cells(200).iter().enumerate() {
                    panel.push(label.as_str());
                    t.push(tm);
                    x.push(xc);
                    mean.push(rho(p, tm, xc) * (1.0 + 0.03 * (k as f64).sin()));
                    sem.push(0.02 + 0.02 * rho(p, tm, xc));
                }
            }
        }
        for inv_l in [1.0 / 40.0, 1.0 / 80.0, 0.0] {
            for (p, label) in Panel::ALL.iter().enumerate().filter(|(_, l)| l.fermionic()) {
                for &tm in &times {
                    for (k, &xc) in cells(200).iter().enumerate() {
                        conv.0.push(label.as_str());
                        let r = rho(p, tm, xc);
                        let row = [
                            inv_l,
                            tm,
                            xc,
                            r * (1.0 + 0.02 * (k as f64).cos()),
                            0.03 + 0.02 * r,
                        ];
                        conv.1.iter_mut().zip(row).for_each(|(c, v)| c.push(v));
                    }
                }
            }
        }
        let path = |table: Table| root.join(pipeline::resolve(table.path(), "standalone"));
        let mut md = df!(mdcol::PANEL => panel, mdcol::T => t, mdcol::X => x,
                         mdcol::RHO_MEAN => mean, mdcol::RHO_SEM => sem)
        .unwrap();
        io::write_parquet_path(&path(Table::Fig5Md), &mut md).unwrap();
        let [inv_l, tc, xc, mc, sc] = conv.1;
        let mut conv = df!(ccol::PANEL => conv.0, ccol::INV_CELL_LEN => inv_l, ccol::T => tc,
                           ccol::X => xc, ccol::RHO_MEAN => mc, ccol::RHO_SEM => sc)
        .unwrap();
        io::write_parquet_path(&path(Table::Fig5MdConverged), &mut conv).unwrap();
        for (table, n) in [(Table::Fig5Hydro, 800), (Table::Fig5Kinetic, 400)] {
            let mut c = Columns::default();
            let xs = cells(n);
            for (p, label) in Panel::ALL.iter().enumerate() {
                let profiles: Vec<Vec<f64>> = times
                    .iter()
                    .map(|&tm| xs.iter().map(|&xc| rho(p, tm, xc)).collect())
                    .collect();
                c.push(*label, &times, &xs, &profiles);
            }
            io::write_parquet_path(&path(table), &mut c.frame().unwrap()).unwrap();
        }
        let files = Figure::Fig5.files();
        let outputs: Vec<&str> = files.iter().map(String::as_str).collect();
        let mut ctx = StageContext::standalone(root, "fig5", &outputs);
        for (dep, table) in [
            ("fig5_setup", Table::Fig5Setup),
            ("fig5_md", Table::Fig5Md),
            ("fig5_md_converged", Table::Fig5MdConverged),
            ("fig5_hydro", Table::Fig5Hydro),
            ("fig5_kinetic", Table::Fig5Kinetic),
        ] {
            ctx = ctx
                .with_input(dep, table.path(), serde_json::json!({}))
                .unwrap();
        }
        Fig5Figure {
            width: 1600,
            height: 1200,
        }
        .run(&ctx)
        .unwrap();
        crate::figcheck::check_figure(root, Figure::Fig5);
    }
}
