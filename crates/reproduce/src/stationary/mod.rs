//! Stage `stationary_states`: the stationary states the figures rest on, computed with the
//! physics crates and written as data with their baths, and drawn each against its bath
//! ([`plot`]).
//!
//! - Classical (20) and fermionic (40) states of the velocity-swap kinetic equations (38)/(39)
//!   (`kinetic::SwapModel::stationary`) for the Figs. 4/5 baths of [`Table::SwapModel`] (both
//!   statistics) and for the Fig. 2 bath (classical, as in Fig. 2), whose model is the
//!   parameters of the stage writing [`Table::Fig2Velocities`] (`fig2_md`).
//! - Tonks-Girardeau states (34) (`tg::StationaryState::from_rho`) for the three baths of
//!   Fig. 3, taken from the parameters of the stage writing [`Table::TgTransport`]
//!   (`tg_transport`), at the first, middle and last density of each panel's density grid.
//!
//! Output [`Table::StationaryStates`] (columns [`contract::stationary::columns`]), figure
//! [`Figure::StationaryStates`], record [`StationaryRecord`] with raw diagnostics per state:
//! normalisation, the residual of the stationarity condition (84) (and for the swap models of
//! the collision integral), and the agreement with the state the other stages use. The stage
//! does not judge them (crates/audit/src/checks/stationary.rs does).

pub mod plot;

use contract::stationary::{
    Bath as BathCat, StateDiagnostics, StateGrid, StationaryRecord, System, columns as col,
};
use contract::swap::{BathSide, Statistics, SwapModel};
use contract::tg::Panel;
use contract::{Figure, Table};
use pipeline::{FieldError, StageContext};
use polars_core::prelude::*;
use serde::{Deserialize, Serialize};

use crate::fig2::md::Fig2Md;
use crate::fig4::transport::TransportSwap;
use crate::params::{densities, figure_size, in_range, positive};
use crate::tg::params::GridParams;
use crate::tg::transport::TgTransport;
use crate::{io, swap_model};

const TWO_PI: f64 = 2.0 * std::f64::consts::PI;

/// Velocity grid of a swap model: cut where the bath is below `tail_tol` of its maximum,
/// trapezoid spacing <= `spacing`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwapGrid {
    pub tail_tol: f64,
    pub spacing: f64,
}

impl SwapGrid {
    fn validate(&self, e: &mut Vec<FieldError>, path: &str) {
        in_range(
            e,
            &format!("{path}.tail_tol"),
            self.tail_tol,
            f64::MIN_POSITIVE,
            0.5,
        );
        positive(e, &format!("{path}.spacing"), self.spacing);
    }
}

/// Parameters of `stationary_states`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationaryStates {
    /// densities of the swap-model states (Fig. 2 and Figs. 4/5 baths)
    pub rhos: Vec<f64>,
    /// velocity grid of the Figs. 4/5 baths
    pub swap_grid: SwapGrid,
    /// velocity grid of the Fig. 2 bath (sigma = 0.2: a finer spacing)
    pub fig2_grid: SwapGrid,
    /// quadrature grid of the TG states (ln n_b drops by `depth` at its edges)
    pub tg_grid: GridParams,
    pub width: u32,
    pub height: u32,
}

/// One computed state on its grid, ready to be written and drawn.
#[derive(Debug, Clone)]
pub struct State {
    pub system: System,
    pub bath: BathCat,
    pub rho: f64,
    pub lambda: Vec<f64>,
    pub rho_p: Vec<f64>,
    pub n: Vec<f64>,
    pub rho_p_bath: Vec<f64>,
    pub diag: StateDiagnostics,
}

impl StationaryStates {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        densities(&mut e, "rhos", &self.rhos);
        self.swap_grid.validate(&mut e, "swap_grid");
        self.fig2_grid.validate(&mut e, "fig2_grid");
        self.tg_grid.validate(&mut e);
        figure_size(&mut e, self.width, self.height);
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let start = std::time::Instant::now();
        let model: SwapModel = io::read_json(ctx, Table::SwapModel)?;
        let transport: TransportSwap = ctx.params_of_producer(Table::Transport.path())?;
        let fig2: Fig2Md = ctx.params_of_producer(Table::Fig2Velocities.path())?;
        let tgt: TgTransport = ctx.params_of_producer(Table::TgTransport.path())?;
        let vel = io::read_table(ctx, Table::Fig2Velocities)?;
        let fig2_theory = fig2_final_theory(&vel)?;

        let mut states = Vec::new();
        let mut grids = Vec::new();
        // Fig. 2: classical, as in Fig. 2
        let (s, g) = self.fig2_states(&fig2, &fig2_theory)?;
        states.extend(s);
        grids.push(g);
        // Figs. 4/5: both statistics, both baths
        for stats in Statistics::ALL {
            for side in BathSide::ALL {
                let (s, g) = self.swap_states(&model, *side, *stats, &transport)?;
                states.extend(s);
                grids.push(g);
            }
        }
        // Fig. 3: TG
        for p in &tgt.panels {
            let (s, g) = self.tg_states(p, &tgt)?;
            states.extend(s);
            grids.push(g);
        }
        for s in &states {
            for (what, v) in [
                ("rho_p", &s.rho_p),
                ("n", &s.n),
                ("rho_p_bath", &s.rho_p_bath),
            ] {
                io::ensure_finite(&format!("{} {} rho={}: {what}", s.system, s.bath, s.rho), v)?;
            }
        }

        let mut df = table(&states)?;
        io::write_parquet(ctx, Table::StationaryStates, &mut df)?;
        crate::stationary::plot::draw(ctx, &states, self.width, self.height)?;

        let worst = |f: fn(&StateDiagnostics) -> f64| {
            states.iter().map(|s| f(&s.diag)).fold(0.0f64, f64::max)
        };
        let summary = format!(
            "{} states; max normalisation error {:.1e}, max (84) residual {:.1e}, max agreement diff {:.1e} ({:.2} s)",
            states.len(),
            worst(|d| d.normalisation_error),
            worst(|d| d.residual_84),
            worst(|d| d.agreement),
            start.elapsed().as_secs_f64()
        );
        io::record(
            ctx,
            &StationaryRecord {
                grids,
                states: states.into_iter().map(|s| s.diag).collect(),
                fig2_unrelaxed_fraction: (-fig2.gamma * fig2.rho_b * fig2.t_max).exp(),
            },
        )?;
        ctx.summary(summary);
        Ok(())
    }

    /// Classical (20) for the Fig. 2 bath; agreement: bin averages of rho_p / rho against the
    /// final theory histogram of `fig2_md`.
    fn fig2_states(
        &self,
        fig2: &Fig2Md,
        theory: &[(f64, f64)],
    ) -> anyhow::Result<(Vec<State>, StateGrid)> {
        let bath =
            kinetic::Bath::bragg(fig2.bath.sigma, fig2.bath.lambda_b, fig2.bath.b, fig2.rho_b)?;
        let grid = kinetic::VelocityGrid::for_bath(
            &bath,
            self.fig2_grid.tail_tol,
            self.fig2_grid.spacing,
        )?;
        let km = kinetic::SwapModel::new(bath, fig2.gamma, kinetic::Statistics::Classical, grid)?;
        let width = (fig2.lambda_max - fig2.lambda_min) / fig2.n_bins as f64;
        let scale = theory.iter().fold(0.0f64, |a, t| a.max(t.1));
        let mut out = Vec::new();
        for &rho in &self.rhos {
            let st = km.stationary(rho)?;
            // bin average of the state's closed form rho_b(lambda) / (2 pi A) (chi = 0), composite
            // Simpson with 64 cells per bin (exact to rounding for these Gaussians)
            let diff = theory
                .iter()
                .map(|&(c, th)| {
                    let avg = simpson(
                        |l| km.bath().density(l) / (TWO_PI * st.a),
                        c - 0.5 * width,
                        c + 0.5 * width,
                        64,
                    ) / width
                        / rho;
                    (avg - th).abs()
                })
                .fold(0.0f64, f64::max)
                / scale;
            out.push(swap_state(
                &km,
                System::Classical,
                BathCat::Fig2,
                rho,
                &st,
                diff,
                "fig2_velocities final theory (bin averages of rho_p/rho)",
            ));
        }
        Ok((out, grid_of(&km, System::Classical, BathCat::Fig2)))
    }

    /// (20) or (40) for one bath of Figs. 4/5; agreement: the state the transport stage computes
    /// (its velocity grid), evaluated on this stage's nodes.
    fn swap_states(
        &self,
        model: &SwapModel,
        side: BathSide,
        stats: Statistics,
        transport: &TransportSwap,
    ) -> anyhow::Result<(Vec<State>, StateGrid)> {
        let km = swap_model::kinetic_model(
            model,
            side,
            stats,
            self.swap_grid.tail_tol,
            self.swap_grid.spacing,
        )?;
        let other =
            swap_model::kinetic_model(model, side, stats, transport.tail_tol, transport.spacing)?;
        let (system, bath) = (system_of(stats), bath_of(side));
        let chi = km.statistics().chi();
        let mut out = Vec::new();
        for &rho in &self.rhos {
            let st = km.stationary(rho)?;
            let a_other = other.stationary(rho)?.a;
            let max = st.rho_st.iter().fold(0.0f64, |a, &b| a.max(b));
            let diff = km
                .bath_on_grid()
                .iter()
                .zip(&st.rho_st)
                .map(|(&rb, &r)| (rb / (TWO_PI * (chi * rb + a_other)) - r).abs())
                .fold(0.0f64, f64::max)
                / max;
            out.push(swap_state(
                &km,
                system,
                bath,
                rho,
                &st,
                diff,
                "transport_swap's state (its velocity grid)",
            ));
        }
        Ok((out, grid_of(&km, system, bath)))
    }

    /// (34) for one Fig. 3 bath at the first, middle and last density of its panel; agreement:
    /// the state on `tg_transport`'s grid, evaluated on this stage's nodes.
    fn tg_states(
        &self,
        p: &crate::tg::params::PanelParams,
        tgt: &TgTransport,
    ) -> anyhow::Result<(Vec<State>, StateGrid)> {
        let bath = p.bath.bath();
        let cat = match p.name {
            Panel::P3a => BathCat::Tg3a,
            Panel::P3b => BathCat::Tg3b,
            Panel::P3c => BathCat::Tg3c,
        };
        let rhos = p.rhos();
        let mut pick = vec![0, (rhos.len() - 1) / 2, rhos.len() - 1];
        pick.dedup();
        let mut out = Vec::new();
        let mut grid = None;
        for k in pick {
            let rho = rhos[k];
            let st = tg::StationaryState::from_rho(bath, rho, self.tg_grid.spec())?;
            let other = tg::StationaryState::from_rho(bath, rho, tgt.grid.spec())?;
            let other = tg::StationaryState::from_nu(bath, other.nu, st.grid.clone())?;
            let g = &st.grid;
            let lambda = g.nodes.clone();
            let rho_p: Vec<f64> = lambda.iter().map(|&x| st.rho_p(x)).collect();
            let n: Vec<f64> = lambda.iter().map(|&x| st.occupation(x)).collect();
            let rho_p_bath: Vec<f64> = lambda
                .iter()
                .map(|&x| bath.occupation(x) / TWO_PI)
                .collect();
            let integral: f64 = rho_p.iter().enumerate().map(|(k, r)| g.weight(k) * r).sum();
            let (mut residual, mut max_eps) = (0.0f64, 0.0f64);
            for &x in &lambda {
                let (ln_n, ln_1mn) = st.ln_occupation(x);
                let (ln_nb, ln_1mnb) = bath.ln_occupation(x);
                let eps = ln_1mn - ln_n;
                residual = residual.max((eps - (ln_1mnb - ln_nb) - st.nu).abs());
                max_eps = max_eps.max(eps.abs());
            }
            let max = rho_p.iter().fold(0.0f64, |a, &b| a.max(b));
            let agreement = lambda
                .iter()
                .zip(&rho_p)
                .map(|(&x, r)| (other.rho_p(x) - r).abs())
                .fold(0.0f64, f64::max)
                / max;
            grid.get_or_insert_with(|| StateGrid {
                system: System::Tg,
                bath: cat,
                lambda_min: g.nodes[0],
                lambda_max: g.nodes[g.nodes.len() - 1],
                nodes: g.nodes.len(),
                spacing: g.step,
            });
            out.push(State {
                system: System::Tg,
                bath: cat,
                rho,
                diag: StateDiagnostics {
                    system: System::Tg,
                    bath: cat,
                    rho,
                    constant: st.nu,
                    normalisation_error: (integral - rho).abs() / rho,
                    residual_84: residual,
                    max_abs_eps: max_eps,
                    collision_residual: None,
                    agreement,
                    agreement_with: "tg_transport's state (its grid)".into(),
                },
                lambda,
                rho_p,
                n,
                rho_p_bath,
            });
        }
        Ok((out, grid.expect("a panel has at least one density")))
    }
}

/// Diagnostics and columns of a swap-model state `st` of `km`.
fn swap_state(
    km: &kinetic::SwapModel,
    system: System,
    bath: BathCat,
    rho: f64,
    st: &kinetic::StationaryState,
    agreement: f64,
    agreement_with: &str,
) -> State {
    let chi = km.statistics().chi();
    let grid = km.grid();
    let rb = km.bath_on_grid();
    let integral = grid.integrate(&st.rho_st);
    // (84): eps_st = eps_b + ln(2 pi A), from the written rho_p
    let c = (TWO_PI * st.a).ln();
    let (mut residual, mut max_eps) = (0.0f64, 0.0f64);
    for (&r, &b) in st.rho_st.iter().zip(rb) {
        let n = TWO_PI * r;
        let eps = ((1.0 - chi * n) / n).ln();
        let eps_b = -(TWO_PI * b).ln();
        residual = residual.max((eps - eps_b - c).abs());
        max_eps = max_eps.max(eps.abs());
    }
    // the collision integral (38)/(39) at the state, relative to its loss term gamma K rho_p
    let coll = km.collision_integral(&st.rho_st);
    let blocked: Vec<f64> = st
        .rho_st
        .iter()
        .zip(rb)
        .map(|(r, b)| (1.0 - chi * TWO_PI * r) * b)
        .collect();
    let k = grid.integrate(&blocked);
    let loss = st
        .rho_st
        .iter()
        .fold(0.0f64, |a, &r| a.max(km.gamma() * k * r));
    let coll_res = coll.iter().fold(0.0f64, |a, &x| a.max(x.abs())) / loss;
    State {
        system,
        bath,
        rho,
        lambda: grid.nodes().to_vec(),
        rho_p: st.rho_st.clone(),
        n: st.occupation.clone(),
        rho_p_bath: rb.to_vec(),
        diag: StateDiagnostics {
            system,
            bath,
            rho,
            constant: st.a,
            normalisation_error: (integral - rho).abs() / rho,
            residual_84: residual,
            max_abs_eps: max_eps,
            collision_residual: Some(coll_res),
            agreement,
            agreement_with: agreement_with.into(),
        },
    }
}

fn grid_of(km: &kinetic::SwapModel, system: System, bath: BathCat) -> StateGrid {
    let (lo, hi) = km.grid().interval();
    StateGrid {
        system,
        bath,
        lambda_min: lo,
        lambda_max: hi,
        nodes: km.grid().len(),
        spacing: km.grid().spacing(),
    }
}

fn system_of(s: Statistics) -> System {
    match s {
        Statistics::Classical => System::Classical,
        Statistics::Fermionic => System::Fermionic,
    }
}

fn bath_of(side: BathSide) -> BathCat {
    match side {
        BathSide::Symmetric => BathCat::Symmetric,
        BathSide::Asymmetric => BathCat::Asymmetric,
    }
}

/// (bin centre, theory) of the final histogram of `fig2_velocities`.
fn fig2_final_theory(vel: &DataFrame) -> anyhow::Result<Vec<(f64, f64)>> {
    use contract::fig2::{Which, velocities as v};
    let which: Vec<Which> = io::column_cat(vel, v::WHICH)?;
    let lambda = io::column_f64(vel, v::LAMBDA)?;
    let theory = io::column_f64(vel, v::THEORY)?;
    Ok((0..which.len())
        .filter(|&i| which[i] == Which::Final)
        .map(|i| (lambda[i], theory[i]))
        .collect())
}

/// Composite Simpson rule with `cells` (even) cells on [a, b].
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, cells: usize) -> f64 {
    let h = (b - a) / cells as f64;
    let inner: f64 = (1..cells)
        .map(|k| if k % 2 == 1 { 4.0 } else { 2.0 } * f(a + h * k as f64))
        .sum();
    (f(a) + inner + f(b)) * h / 3.0
}

/// The table: one row per (state, node).
fn table(states: &[State]) -> anyhow::Result<DataFrame> {
    let rows: usize = states.iter().map(|s| s.lambda.len()).sum();
    let mut system = Vec::with_capacity(rows);
    let mut bath = Vec::with_capacity(rows);
    let mut rho = Vec::with_capacity(rows);
    let (mut lambda, mut rho_p, mut n, mut rho_p_bath) = (
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
    );
    for s in states {
        let m = s.lambda.len();
        system.extend(std::iter::repeat_n(s.system.as_str(), m));
        bath.extend(std::iter::repeat_n(s.bath.as_str(), m));
        rho.extend(std::iter::repeat_n(s.rho, m));
        lambda.extend_from_slice(&s.lambda);
        rho_p.extend_from_slice(&s.rho_p);
        n.extend_from_slice(&s.n);
        rho_p_bath.extend_from_slice(&s.rho_p_bath);
    }
    Ok(df!(
        col::SYSTEM => system,
        col::BATH => bath,
        col::RHO => rho,
        col::LAMBDA => lambda,
        col::RHO_P => rho_p,
        col::N => n,
        col::RHO_P_BATH => rho_p_bath,
    )?)
}

/// The figure's files (for the registry's outputs).
pub fn outputs() -> Vec<String> {
    let mut v = vec![Table::StationaryStates.path().to_owned()];
    v.extend(Figure::StationaryStates.files());
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tg::params::{BathParams, PanelParams};

    fn params() -> StationaryStates {
        StationaryStates {
            rhos: vec![0.5, 1.0, 2.0],
            swap_grid: SwapGrid {
                tail_tol: 1e-30,
                spacing: 0.1,
            },
            fig2_grid: SwapGrid {
                tail_tol: 1e-30,
                spacing: 0.01,
            },
            tg_grid: GridParams {
                depth: 60.0,
                step: 0.05,
            },
            width: 2100,
            height: 1150,
        }
    }

    fn tg_transport() -> TgTransport {
        let panel = |name, bath| PanelParams {
            name,
            bath,
            rho_min: 0.2,
            rho_max: 1.6,
            n_rho: 3,
        };
        TgTransport {
            panels: vec![
                panel(
                    Panel::P3a,
                    BathParams::Thermal {
                        temperature: 4.0,
                        mu: 0.0,
                    },
                ),
                panel(
                    Panel::P3b,
                    BathParams::BraggSplit {
                        temperature: 1.0,
                        mu: 8.0,
                        lambda_b: 3.9,
                        b: 9.0,
                        norm: 1.0,
                    },
                ),
                panel(
                    Panel::P3c,
                    BathParams::BraggSplit {
                        temperature: 10.0,
                        mu: 36.125,
                        lambda_b: 8.0,
                        b: 9.0,
                        norm: 1.0,
                    },
                ),
            ],
            basis_sizes: vec![2, 4],
            grid: GridParams {
                depth: 40.0,
                step: 0.04,
            },
        }
    }

    /// Runs `fig2_md` (small) and this stage in a tempdir; returns the dir and the record.
    fn run_stage() -> (tempfile::TempDir, StationaryRecord, DataFrame) {
        let dir = tempfile::tempdir().unwrap();
        let fig2 = crate::fig2::md::tests::small();
        let fctx = StageContext::standalone(
            dir.path(),
            "fig2_md",
            &[Table::Fig2Energy.path(), Table::Fig2Velocities.path()],
        );
        fig2.run(&fctx).unwrap();
        io::put_json(
            dir.path(),
            Table::SwapModel,
            &crate::fig5::md::tests::model(),
        );
        let p = params();
        assert!(p.validate().is_empty());
        let out = outputs();
        let outs: Vec<&str> = out.iter().map(String::as_str).collect();
        let ctx = StageContext::standalone(dir.path(), "stationary_states", &outs)
            .with_input("swap_model", Table::SwapModel.path(), serde_json::json!({}))
            .unwrap()
            .with_input(
                "transport_swap",
                Table::Transport.path(),
                crate::fig4::transport::tests::params(),
            )
            .unwrap()
            .with_input("fig2_md", Table::Fig2Velocities.path(), &fig2)
            .unwrap()
            .with_input("tg_transport", Table::TgTransport.path(), tg_transport())
            .unwrap();
        p.run(&ctx).unwrap();
        let rec: StationaryRecord = serde_json::from_value(
            ctx.records()
                .get(<StationaryRecord as contract::Record>::KEY)
                .unwrap()
                .clone(),
        )
        .unwrap();
        let df = io::read_parquet(&ctx.output(Table::StationaryStates.path()).unwrap()).unwrap();
        (dir, rec, df)
    }

    #[test]
    fn states_are_normalised_stationary_and_agree_and_the_figure_reads() {
        let (dir, rec, df) = run_stage();
        // 3 fig2 + 4 x 3 swap + 3 x 3 TG
        assert_eq!(rec.states.len(), 3 + 12 + 9);
        for d in &rec.states {
            assert!(d.normalisation_error < 1e-12, "{d:?}");
            assert!(d.residual_84 < 1e-13 * (1.0 + d.max_abs_eps), "{d:?}");
            if let Some(c) = d.collision_residual {
                assert!(c < 1e-12, "{d:?}");
            }
            if d.bath == BathCat::Fig2 {
                assert!(d.agreement < rec.fig2_unrelaxed_fraction, "{d:?}");
            } else {
                assert!(d.agreement < 1e-12, "{d:?}");
            }
        }
        // the table integrates to rho (trapezoid over each state's rows)
        let rho = io::column_f64(&df, col::RHO).unwrap();
        let lam = io::column_f64(&df, col::LAMBDA).unwrap();
        let rp = io::column_f64(&df, col::RHO_P).unwrap();
        let n = io::column_f64(&df, col::N).unwrap();
        let sys: Vec<System> = io::column_cat(&df, col::SYSTEM).unwrap();
        let mut start = 0;
        while start < rho.len() {
            let mut end = start;
            while end < rho.len()
                && rho[end] == rho[start]
                && (end == start || lam[end] > lam[end - 1])
            {
                end += 1;
            }
            let integral: f64 = (start..end - 1)
                .map(|i| 0.5 * (lam[i + 1] - lam[i]) * (rp[i] + rp[i + 1]))
                .sum();
            assert!(((integral - rho[start]) / rho[start]).abs() < 1e-12);
            if sys[start] != System::Classical {
                assert!(n[start..end].iter().all(|&x| x > 0.0 && x < 1.0));
            }
            start = end;
        }
        crate::figcheck::check_figure(dir.path(), Figure::StationaryStates);
    }

    /// Exact cases: a thermal swap bath gives the Maxwell-Boltzmann state (20) scaled to rho and
    /// a thermal TG bath a Fermi-Dirac state at the same temperature (mu = mu_b - T nu).
    #[test]
    fn thermal_baths_give_thermal_states() {
        let (t, w, rho_b) = (2.0, 0.5, 30.0);
        let bath = kinetic::Bath::thermal(t, w, rho_b).unwrap();
        let grid = kinetic::VelocityGrid::for_bath(&bath, 1e-30, 0.1).unwrap();
        let km = kinetic::SwapModel::new(bath, 0.1, kinetic::Statistics::Classical, grid).unwrap();
        let rho = 0.7;
        let st = km.stationary(rho).unwrap();
        let max = st.rho_st.iter().fold(0.0f64, |a, &b| a.max(b));
        for (&l, &r) in km.grid().nodes().iter().zip(&st.rho_st) {
            let mb = rho * (-(l - w) * (l - w) / (2.0 * t)).exp() / (TWO_PI * t).sqrt();
            assert!((r - mb).abs() < 1e-13 * max, "{l}: {r} vs {mb}");
        }
        let d = swap_state(&km, System::Classical, BathCat::Fig2, rho, &st, 0.0, "-").diag;
        assert!(d.normalisation_error < 1e-14 && d.residual_84 < 1e-12);

        let (temp, mu_b) = (4.0, 0.0);
        let tb = tg::Bath::Thermal {
            temperature: temp,
            mu: mu_b,
        };
        let spec = GridParams {
            depth: 60.0,
            step: 0.05,
        }
        .spec();
        let st = tg::StationaryState::from_rho(tb, 0.9, spec).unwrap();
        let mu = mu_b - temp * st.nu;
        for &l in &st.grid.nodes {
            let fd = 1.0 / (1.0 + ((0.5 * l * l - mu) / temp).exp());
            assert!((st.occupation(l) - fd).abs() < 1e-13, "{l}");
        }
    }
}
