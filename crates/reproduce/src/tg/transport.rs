//! Stage `tg_transport`: Tonks-Girardeau tubes, Fig. 3 data (paper Sec. V.B): per panel (bath)
//! and density, u, u' (corrected (89)), Var_m(lambda), tau_RTA = 1/g_1(N) at rho -> 0 for each
//! basis size N, D_RTA = tau_RTA Var_m (77), and the Burgers parameter nu = D_RTA/u'.
//! Output [`Table::TgTransport`] (columns [`contract::tg::transport`]), record
//! [`TransportRecord`]. Rates in units of C of (E8).

use ::tg::StationaryState;
use ::tg::spectrum::PolyBasis;
use ::tg::transport::Transport;
use anyhow::Context as _;
use contract::Table;
use contract::tg::{RESOLUTION, TransportPanel, TransportRecord, transport as col};
use pipeline::{FieldError, StageContext};
use polars_core::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::params::{GridParams, PanelParams};
use crate::io;
use crate::params::{at_least, basis_sizes, positive};

/// `tg_transport`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TgTransport {
    pub panels: Vec<PanelParams>,
    /// Polynomial basis sizes N for tau_RTA = 1/g_1(N) at rho -> 0 (one set of rows per N).
    pub basis_sizes: Vec<usize>,
    pub grid: GridParams,
}

impl TgTransport {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if self.panels.is_empty() {
            e.push(FieldError::new("panels", "must not be empty"));
        }
        for (i, p) in self.panels.iter().enumerate() {
            p.bath.validate(&mut e, &format!("panels[{i}].bath"));
            positive(&mut e, &format!("panels[{i}].rho_min"), p.rho_min);
            if !(p.rho_max > p.rho_min) {
                e.push(FieldError::new(
                    format!("panels[{i}].rho_max"),
                    "must exceed rho_min",
                ));
            }
            at_least(&mut e, &format!("panels[{i}].n_rho"), p.n_rho, 2);
        }
        basis_sizes(&mut e, "basis_sizes", &self.basis_sizes);
        self.grid.validate(&mut e);
        e
    }

    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let spec = self.grid.spec();
        let pool = ctx.thread_pool()?;
        let nmax = *self.basis_sizes.last().expect("validated: not empty");
        let mut cols = TransportCols::default();
        let mut record = TransportRecord { panels: Vec::new() };
        let total: u64 = self.panels.iter().map(|p| p.n_rho as u64).sum();
        let mut done = 0;
        for p in &self.panels {
            let bath = p.bath.bath();
            // tau_RTA(N) = 1/g_1(N) of the dilute state, nested bases (one Stieltjes run)
            let dil = StationaryState::from_rho(bath, ::tg::spectrum::RHO_DILUTE, spec)?;
            let basis = PolyBasis::new(&dil, nmax, None)?;
            let mut taus = Vec::new();
            let mut g1s = Vec::new();
            let mut unresolved = Vec::new();
            for &n in &self.basis_sizes {
                let g = basis.rates(n)?;
                if g[0] / g[g.len() - 1] < RESOLUTION || g[0] <= 0.0 {
                    unresolved.push(n);
                }
                g1s.push(g[0]);
                taus.push(1.0 / g[0]);
            }
            let rhos = p.rhos();
            let rows: Vec<anyhow::Result<Transport>> = pool.install(|| {
                rhos.par_iter()
                    .map(|&rho| {
                        let s = StationaryState::from_rho(bath, rho, spec)
                            .with_context(|| format!("panel {} rho={rho}", p.name))?;
                        Ok(Transport::of(&s))
                    })
                    .collect()
            });
            let rows: Vec<Transport> = rows.into_iter().collect::<anyhow::Result<_>>()?;
            done += rhos.len() as u64;
            ctx.progress(done, total);
            for (k, &n) in self.basis_sizes.iter().enumerate() {
                if unresolved.contains(&n) {
                    continue;
                }
                for t in &rows {
                    cols.push(
                        p.name.as_str(),
                        bath.temperature(),
                        t,
                        taus[k],
                        t.burgers(&bath, taus[k]),
                        n,
                    );
                }
            }
            record.panels.push(TransportPanel {
                panel: p.name,
                temperature: bath.temperature(),
                bath_density: bath.density(),
                rho_dilute: ::tg::spectrum::RHO_DILUTE,
                basis_sizes: self.basis_sizes.clone(),
                g1_dilute: g1s,
                tau_rta: taus,
                unresolved_basis_sizes: unresolved,
                grid_half_width: dil.grid.half_width,
                grid_step: dil.grid.step,
            });
        }
        io::ensure_finite("D_rta", &cols.d)?;
        let mut df = cols.frame()?;
        io::write_parquet(ctx, Table::TgTransport, &mut df)?;
        ctx.summary(format!(
            "{} panels x {} basis sizes, {} rows",
            self.panels.len(),
            self.basis_sizes.len(),
            df.height()
        ));
        io::record(ctx, &record)?;
        Ok(())
    }
}

#[derive(Default)]
struct TransportCols {
    panel: Vec<&'static str>,
    t: Vec<f64>,
    rho: Vec<f64>,
    u: Vec<f64>,
    du: Vec<f64>,
    var: Vec<f64>,
    tau: Vec<f64>,
    d: Vec<f64>,
    nu: Vec<Option<f64>>,
    n: Vec<u32>,
}

impl TransportCols {
    fn push(
        &mut self,
        panel: &'static str,
        t: f64,
        tr: &Transport,
        tau: f64,
        nu: Option<f64>,
        n: usize,
    ) {
        self.panel.push(panel);
        self.t.push(t);
        self.rho.push(tr.rho);
        self.u.push(tr.u);
        self.du.push(tr.du_drho);
        self.var.push(tr.var_lambda);
        self.tau.push(tau);
        self.d.push(tr.d_rta(tau));
        self.nu.push(nu);
        self.n.push(n as u32);
    }
    fn frame(&self) -> anyhow::Result<DataFrame> {
        Ok(df!(
            col::PANEL => &self.panel, col::T => &self.t, col::RHO => &self.rho, col::U => &self.u,
            col::DU_DRHO => &self.du, col::VAR_LAMBDA => &self.var, col::TAU_RTA => &self.tau,
            col::D_RTA => &self.d, col::NU_BURGERS => &self.nu, col::BASIS_SIZE => &self.n,
        )?)
    }
}
