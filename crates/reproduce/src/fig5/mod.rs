//! Fig. 5: a Gaussian bump relaxing in a periodic box (paper Sec. VI, App. C).
//!
//! - [`setup`] (stage `fig5_setup`): the system, written once and read by every other stage;
//! - [`md`] (`fig5_md`): molecular dynamics, with the App. C audit reruns;
//! - [`kinetic`] (`fig5_kinetic`): the kinetic equations (38)/(39);
//! - [`hydro`] (`fig5_hydro`): the hydrodynamic equation (2);
//! - [`limit`] (`hydro_limit`): a narrow bump followed into the hydrodynamic limit;
//! - [`plot`] (`fig5`): the figure; [`profiles`]: the profile tables' writer and reader.

pub mod appc;
pub mod hydro;
pub mod kinetic;
mod labels;
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
    use contract::fig5::{
        AuditKind, Panel, Setup, md as mdcol, md_audit as acol, md_converged as ccol,
    };
    use contract::{Figure, Table};
    use pipeline::StageContext;
    use polars_core::df;

    use super::appc::Fig5AppCFigure;
    use super::plot::Fig5Figure;
    use super::profiles::Columns;
    use crate::io;

    /// Synthetic Fig. 5 tables of the paper's size under `root` (box 4000, 200 MD bins, four
    /// output times, drifting and spreading bumps): setup, MD, App. C reruns, converged ladder,
    /// hydrodynamic and kinetic profiles.
    fn write_synthetic(root: &std::path::Path) {
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
        // App. C reruns: the MD rows of panels b, d with a changed setting and a difference
        let md = io::read_parquet(&path(Table::Fig5Md)).unwrap();
        let panels: Vec<Panel> = io::column_cat(&md, mdcol::PANEL).unwrap();
        let (t, x) = (
            io::column_f64(&md, mdcol::T).unwrap(),
            io::column_f64(&md, mdcol::X).unwrap(),
        );
        let (m, e) = (
            io::column_f64(&md, mdcol::RHO_MEAN).unwrap(),
            io::column_f64(&md, mdcol::RHO_SEM).unwrap(),
        );
        // string columns panel, audit, setting; numbers t, x, mean, sem, diff, diff sem
        let mut a: ([Vec<&str>; 2], Vec<String>, [Vec<f64>; 6]) = Default::default();
        for (kind, setting) in [
            (AuditKind::DuplicateRule, "keep"),
            (AuditKind::TimeStep, "0.05"),
        ] {
            for i in (0..panels.len()).filter(|&i| panels[i].fermionic()) {
                a.0[0].push(panels[i].as_str());
                a.0[1].push(kind.as_str());
                a.1.push(setting.to_owned());
                let d = 0.01 * (x[i] / 300.0).sin();
                let row = [t[i], x[i], m[i] + d, e[i], d, 0.2 * e[i]];
                a.2.iter_mut().zip(row).for_each(|(c, v)| c.push(v));
            }
        }
        let [at, ax, am, ae, ad, ads] = a.2;
        let [ap, ak] = a.0;
        let mut audit = df!(acol::PANEL => ap, acol::AUDIT => ak, acol::SETTING => a.1,
                            acol::T => at, acol::X => ax, acol::RHO_MEAN => am,
                            acol::RHO_SEM => ae, acol::DIFF_MEAN => ad, acol::DIFF_SEM => ads)
        .unwrap();
        io::write_parquet_path(&path(Table::Fig5MdAudit), &mut audit).unwrap();
    }

    /// The context of figure stage `stage` drawing `figure` from the synthetic tables, with
    /// the parameters of the stages that produce them.
    fn figure_context(root: &std::path::Path, stage: &str, figure: Figure) -> StageContext {
        let files = figure.files();
        let outputs: Vec<&str> = files.iter().map(String::as_str).collect();
        let mut ctx = StageContext::standalone(root, stage, &outputs);
        let md = serde_json::to_value(super::md::tests::small_md()).unwrap();
        let conv = serde_json::to_value(super::md_converged::tests::small()).unwrap();
        let none = serde_json::json!({});
        for (dep, table, params) in [
            ("fig5_setup", Table::Fig5Setup, &none),
            ("fig5_md", Table::Fig5Md, &md),
            ("fig5_md_audit", Table::Fig5MdAudit, &md),
            ("fig5_md_converged", Table::Fig5MdConverged, &conv),
            ("fig5_hydro", Table::Fig5Hydro, &none),
            ("fig5_kinetic", Table::Fig5Kinetic, &none),
        ] {
            ctx = ctx.with_input(dep, table.path(), params.clone()).unwrap();
        }
        ctx
    }

    /// The Fig. 5 stage on the synthetic tables, checked like every figure.
    #[test]
    fn fig5_figure_from_synthetic_profiles() {
        let dir = tempfile::tempdir().unwrap();
        write_synthetic(dir.path());
        Fig5Figure {
            width: 1600,
            height: 1200,
        }
        .run(&figure_context(dir.path(), "fig5", Figure::Fig5))
        .unwrap();
        crate::figcheck::check_figure(dir.path(), Figure::Fig5);
    }

    /// The App. C audit figure on the synthetic tables, checked like every figure.
    #[test]
    fn appc_figure_from_synthetic_profiles() {
        let dir = tempfile::tempdir().unwrap();
        write_synthetic(dir.path());
        Fig5AppCFigure {
            width: 1600,
            height: 900,
        }
        .run(&figure_context(dir.path(), "fig5_appc", Figure::AuditAppC))
        .unwrap();
        crate::figcheck::check_figure(dir.path(), Figure::AuditAppC);
    }
}
