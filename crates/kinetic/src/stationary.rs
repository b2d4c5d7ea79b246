//! The velocity-swap model and its stationary states, eqs. (20) and (40).
//!
//! Both statistics are covered by one formula (chi = 0 classical, chi = 1 fermions):
//! `rho_st(lambda) = (1/2pi) rho_b(lambda) / (chi rho_b(lambda) + A)`,
//! which is eq. (40) for chi = 1 and eq. (20) for chi = 0 (with `A = rho_b / (2 pi rho)`).
//! The occupation is `n = 2 pi rho_st` (fermions: `0 < n < 1`), the weight of the scalar product
//! (86) is `m = rho_st (1 - chi n)`, and `A` is fixed by `∫ rho_st = rho`.
//! Since `d rho / d ln A = -(h0|h0)_st` (eq. 85), the density is strictly decreasing in `ln A`;
//! `A` is found by safeguarded Newton iteration in `ln A` inside a bracket.

use crate::bath::{Bath, Statistics};
use crate::error::{KineticError, check_positive};
use crate::grid::VelocityGrid;

const TWO_PI: f64 = 2.0 * std::f64::consts::PI;

/// Velocity-swap model: system particles of the given statistics colliding at rate `gamma` with
/// a frozen classical bath (collision integrals (38), (39)); integrals over lambda on `grid`.
#[derive(Debug, Clone)]
pub struct SwapModel {
    bath: Bath,
    gamma: f64,
    statistics: Statistics,
    grid: VelocityGrid,
    bath_on_grid: Vec<f64>,
    /// Relative size of the stationary state at the grid edges above which a state is rejected.
    edge_tol: f64,
}

/// A stationary state on the grid.
#[derive(Debug, Clone)]
pub struct StationaryState {
    /// Density `rho = ∫ rho_st`.
    pub rho: f64,
    /// The constant `A` of eq. (40) (classical: `rho_b / (2 pi rho)`).
    pub a: f64,
    /// `rho_st(lambda_i)` on the grid nodes.
    pub rho_st: Vec<f64>,
    /// Occupation `n_i = 2 pi rho_st(lambda_i)`.
    pub occupation: Vec<f64>,
    /// Weight `m_i = rho_st (1 - chi n)` of the scalar product (86).
    pub weight: Vec<f64>,
    /// `(h0|h0)_st = ∫ m`.
    pub h0h0: f64,
}

impl SwapModel {
    /// New model. `gamma > 0`. The grid must cover the bath (see [`VelocityGrid::for_bath`]).
    pub fn new(
        bath: Bath,
        gamma: f64,
        statistics: Statistics,
        grid: VelocityGrid,
    ) -> Result<SwapModel, KineticError> {
        check_positive("gamma", gamma)?;
        let bath_on_grid = grid.sample(|l| bath.density(l));
        Ok(SwapModel {
            bath,
            gamma,
            statistics,
            grid,
            bath_on_grid,
            edge_tol: 1e-14,
        })
    }

    /// Model with the default grid: cutoff where the bath falls below 1e-30 of its maximum,
    /// spacing at most 0.2 (see the convergence test in [`crate::transport`]).
    pub fn with_default_grid(
        bath: Bath,
        gamma: f64,
        statistics: Statistics,
    ) -> Result<SwapModel, KineticError> {
        let grid = VelocityGrid::for_bath(&bath, DEFAULT_TAIL_TOL, DEFAULT_SPACING)?;
        SwapModel::new(bath, gamma, statistics, grid)
    }

    /// Sets the tolerance of the edge check: a stationary state is rejected if
    /// `rho_st(edge) (1 + lambda_edge^2) > edge_tol * max rho_st` (default 1e-14).
    /// `f64::INFINITY` disables the check (used to measure truncation errors).
    pub fn with_edge_tol(mut self, edge_tol: f64) -> SwapModel {
        self.edge_tol = edge_tol;
        self
    }

    pub fn bath(&self) -> &Bath {
        &self.bath
    }
    pub fn gamma(&self) -> f64 {
        self.gamma
    }
    pub fn statistics(&self) -> Statistics {
        self.statistics
    }
    pub fn grid(&self) -> &VelocityGrid {
        &self.grid
    }
    /// Bath density on the grid nodes.
    pub fn bath_on_grid(&self) -> &[f64] {
        &self.bath_on_grid
    }
    /// `∫ rho_b` on the grid (equals `rho_b` to quadrature accuracy).
    pub fn rho_b_on_grid(&self) -> f64 {
        self.grid.integrate(&self.bath_on_grid)
    }

    /// Largest density representable on the grid: unbounded for classical particles,
    /// `(hi - lo) / (2 pi)` for fermions (a filled Fermi sea over the whole grid).
    pub fn max_density(&self) -> f64 {
        match self.statistics {
            Statistics::Classical => f64::INFINITY,
            Statistics::Fermionic => self.grid.weights().iter().sum::<f64>() / TWO_PI,
        }
    }

    /// Stationary state for a given constant `A > 0` of eq. (40).
    pub fn stationary_at(&self, a: f64) -> StationaryState {
        let chi = self.statistics.chi();
        let rho_st: Vec<f64> = self
            .bath_on_grid
            .iter()
            .map(|&rb| rb / (TWO_PI * (chi * rb + a)))
            .collect();
        let occupation: Vec<f64> = rho_st.iter().map(|r| TWO_PI * r).collect();
        // 1 - chi n = A / (chi rho_b + A): computed this way it never cancels.
        let weight: Vec<f64> = self
            .bath_on_grid
            .iter()
            .zip(&rho_st)
            .map(|(&rb, &r)| r * a / (chi * rb + a))
            .collect();
        let rho = self.grid.integrate(&rho_st);
        let h0h0 = self.grid.integrate(&weight);
        StationaryState {
            rho,
            a,
            rho_st,
            occupation,
            weight,
            h0h0,
        }
    }

    /// Stationary state (20)/(40) of density `rho`, with `A` fixed by `∫ rho_st = rho` to
    /// relative accuracy ~1e-15. Fails if `rho` exceeds [`Self::max_density`] or if the state is
    /// not negligible (relative `edge_tol` = 1e-14) at the grid edges.
    pub fn stationary(&self, rho: f64) -> Result<StationaryState, KineticError> {
        check_positive("rho", rho)?;
        let st = match self.statistics {
            Statistics::Classical => self.stationary_at(self.rho_b_on_grid() / (TWO_PI * rho)),
            Statistics::Fermionic => self.fermionic_state(rho)?,
        };
        self.check_edges(&st)?;
        Ok(st)
    }

    fn fermionic_state(&self, rho: f64) -> Result<StationaryState, KineticError> {
        if rho >= self.max_density() {
            return Err(KineticError::RootFinding(format!(
                "density {rho} exceeds the filled-grid density {} (widen the grid)",
                self.max_density()
            )));
        }
        // f(x) = rho(e^x) - rho, strictly decreasing. rho(A) <= rho_b/(2 pi A) gives x_hi.
        let mut x_hi = (self.rho_b_on_grid() / (TWO_PI * rho)).ln();
        let mut st_hi = self.stationary_at(x_hi.exp());
        let mut x_lo = x_hi;
        let mut st_lo = st_hi.clone();
        let mut steps = 0;
        while st_lo.rho < rho {
            x_hi = x_lo;
            st_hi = st_lo;
            x_lo -= 4.0;
            st_lo = self.stationary_at(x_lo.exp());
            steps += 1;
            if steps > 170 || !x_lo.exp().is_normal() {
                return Err(KineticError::RootFinding(format!(
                    "could not bracket A for rho = {rho}"
                )));
            }
        }
        if st_hi.rho == rho {
            return Ok(st_hi);
        }
        // Safeguarded Newton in x = ln A: d rho/dx = -(h0|h0).
        let mut x = 0.5 * (x_lo + x_hi);
        let mut st = self.stationary_at(x.exp());
        for _ in 0..200 {
            let f = st.rho - rho;
            if f.abs() <= 1e-15 * rho {
                return Ok(st);
            }
            if f > 0.0 {
                x_lo = x;
            } else {
                x_hi = x;
            }
            let mut x_new = x + f / st.h0h0;
            if !(x_new > x_lo && x_new < x_hi) {
                x_new = 0.5 * (x_lo + x_hi);
            }
            if (x_new - x).abs() <= 1e-15 * x.abs().max(1.0) && (x_hi - x_lo) < 1e-12 {
                return Ok(st);
            }
            x = x_new;
            st = self.stationary_at(x.exp());
        }
        if (st.rho - rho).abs() <= 1e-13 * rho {
            Ok(st)
        } else {
            Err(KineticError::RootFinding(format!(
                "A did not converge for rho = {rho} (got {})",
                st.rho
            )))
        }
    }

    fn check_edges(&self, st: &StationaryState) -> Result<(), KineticError> {
        let max = st.rho_st.iter().cloned().fold(0.0, f64::max);
        let nodes = self.grid.nodes();
        let last = nodes.len() - 1;
        for i in [0, last] {
            let tail = st.rho_st[i] * (1.0 + nodes[i] * nodes[i]);
            if tail > self.edge_tol * max {
                return Err(KineticError::InvalidParameter {
                    name: "grid cutoff",
                    value: nodes[i],
                    reason: "stationary state not negligible at the grid edge (widen the grid)",
                });
            }
        }
        Ok(())
    }

    /// Scalar product (86): `(f|g)_st = ∫ rho_st (1 - chi n_st) f g`.
    pub fn inner(&self, st: &StationaryState, f: &[f64], g: &[f64]) -> f64 {
        self.grid
            .weights()
            .iter()
            .zip(&st.weight)
            .zip(f.iter().zip(g))
            .map(|((w, m), (a, b))| w * m * a * b)
            .sum()
    }

    /// `∂rho_st/∂rho` by eq. (87): `rho_st (1 - chi n) / (h0|h0)_st`.
    pub fn drho_st_drho(&self, st: &StationaryState) -> Vec<f64> {
        st.weight.iter().map(|m| m / st.h0h0).collect()
    }
}

/// Default cutoff: bath below 1e-30 of its maximum outside the grid.
pub const DEFAULT_TAIL_TOL: f64 = 1e-30;
/// Default maximal spacing of the velocity grid.
pub const DEFAULT_SPACING: f64 = 0.2;

#[cfg(test)]
mod tests {
    use super::*;

    fn models() -> Vec<SwapModel> {
        let mut out = Vec::new();
        for b in [1.0, 0.3] {
            for s in [Statistics::Classical, Statistics::Fermionic] {
                let bath = Bath::bragg(6.0, 5.9, b, 50.0).unwrap();
                out.push(SwapModel::with_default_grid(bath, 0.08, s).unwrap());
            }
        }
        out
    }

    #[test]
    fn normalisation_and_occupation_bounds() {
        for model in models() {
            for rho in [1e-3, 0.05, 0.5, 1.0, 2.0, 4.0, 6.0] {
                let st = model.stationary(rho).unwrap();
                let rel = (st.rho - rho).abs() / rho;
                assert!(rel < 1e-14, "∫rho_st = {} vs {rho}", st.rho);
                if model.statistics() == Statistics::Fermionic {
                    assert!(st.occupation.iter().all(|&n| n > 0.0 && n < 1.0));
                }
                // (87) integrates to 1 (identity of the quadrature)
                let d = model.drho_st_drho(&st);
                assert!((model.grid().integrate(&d) - 1.0).abs() < 1e-14);
            }
        }
    }

    #[test]
    fn drho_st_drho_matches_finite_difference() {
        // Independent route to (87): centred difference of rho_st(lambda; rho) in rho.
        for model in models() {
            for rho in [0.05, 0.5, 2.0] {
                let st = model.stationary(rho).unwrap();
                let d87 = model.drho_st_drho(&st);
                let h = 1e-4 * rho;
                let p = model.stationary(rho + h).unwrap();
                let m = model.stationary(rho - h).unwrap();
                let fd: Vec<f64> = p
                    .rho_st
                    .iter()
                    .zip(&m.rho_st)
                    .map(|(a, b)| (a - b) / (2.0 * h))
                    .collect();
                let norm_fd = model.grid().integrate(&fd);
                let max = d87.iter().cloned().fold(0.0, f64::max);
                let err = d87
                    .iter()
                    .zip(&fd)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max)
                    / max;
                println!(
                    "{:?} b-bath rho={rho}: ∫ FD ∂rho_st/∂rho = {norm_fd:.12}, max|(87)-FD|/max = {err:.2e}",
                    model.statistics()
                );
                assert!((norm_fd - 1.0).abs() < 1e-7);
                assert!(err < 1e-6);
            }
        }
    }

    #[test]
    fn fermionic_high_density_fills_the_sea_and_low_density_is_classical() {
        let bath = Bath::bragg(6.0, 5.9, 0.3, 50.0).unwrap();
        let f = SwapModel::with_default_grid(bath.clone(), 0.08, Statistics::Fermionic).unwrap();
        let c = SwapModel::with_default_grid(bath, 0.08, Statistics::Classical).unwrap();
        // rho -> 0: Pauli blocking negligible, state -> (20)
        let rho = 1e-6;
        let sf = f.stationary(rho).unwrap();
        let sc = c.stationary(rho).unwrap();
        let max = sc.rho_st.iter().cloned().fold(0.0, f64::max);
        let diff = sf
            .rho_st
            .iter()
            .zip(&sc.rho_st)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(diff / max < 1e-5, "{}", diff / max);
        // beyond the filled-grid density the root finder reports an error, not garbage
        assert!(f.stationary(2.0 * f.max_density()).is_err());
        // high density (Fermi sea of width ~ 2 pi rho = 63): fails loudly if grid too narrow
        let st = f.stationary(10.0);
        match st {
            Ok(st) => assert!((st.rho - 10.0).abs() < 1e-13 * 10.0),
            Err(e) => println!("rho = 10 rejected on the default grid: {e}"),
        }
    }
}
