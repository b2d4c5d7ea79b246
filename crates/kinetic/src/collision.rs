//! Collision integrals (38), (39) of the velocity-swap models, their linearisation (56) around a
//! stationary state, and the direct numerical solution of the Chapman-Enskog equation (61)-(63).
//!
//! With `N = ∫ rho_p`, `n = 2 pi rho_p` and `K[rho_p] = ∫ (1 - chi n) rho_b`, both (38) (chi = 0)
//! and (39) (chi = 1) read
//! `I[rho_p](lambda) = gamma [ (1 - chi n(lambda)) rho_b(lambda) N - rho_p(lambda) K ]`.
//! Linearising (all terms, including those from `n = 2 pi rho_p`):
//! `Γ·δ(lambda) = gamma [ -(2 pi chi rho_b(lambda) N + K) δ(lambda)
//!                        + (1 - chi n(lambda)) rho_b(lambda) ∫ δ
//!                        + 2 pi chi rho_p(lambda) ∫ rho_b δ ]`.
//! On the trapezoid grid this is the matrix
//! `Γ_ij = gamma [ -(2 pi chi rho_b,i N + K) δ_ij + (1 - chi n_i) rho_b,i w_j + 2 pi chi rho_p,i rho_b,j w_j ]`,
//! with `sum_i w_i Γ_ij = 0` (particle conservation) exactly when `N`, `K` use the same quadrature.

use faer::Mat;
use faer::prelude::Solve;

use crate::error::KineticError;
use crate::stationary::{StationaryState, SwapModel};

const TWO_PI: f64 = 2.0 * std::f64::consts::PI;

impl SwapModel {
    /// Collision integral (38)/(39) for a homogeneous `rho_p` given on the grid nodes.
    pub fn collision_integral(&self, rho_p: &[f64]) -> Vec<f64> {
        let chi = self.statistics().chi();
        let grid = self.grid();
        let rb = self.bath_on_grid();
        let n_tot = grid.integrate(rho_p);
        let blocked: Vec<f64> = rho_p
            .iter()
            .zip(rb)
            .map(|(r, b)| (1.0 - chi * TWO_PI * r) * b)
            .collect();
        let k = grid.integrate(&blocked);
        let g = self.gamma();
        blocked
            .iter()
            .zip(rho_p)
            .map(|(bl, r)| g * (bl * n_tot - r * k))
            .collect()
    }

    /// Matrix of the linearised collision operator Γ^st = δI/δρ_p at `st` (eq. 56), acting on
    /// values at the grid nodes (quadrature weights included).
    pub fn linearised_operator(&self, st: &StationaryState) -> Mat<f64> {
        let chi = self.statistics().chi();
        let grid = self.grid();
        let w = grid.weights();
        let rb = self.bath_on_grid();
        let n_tot = grid.integrate(&st.rho_st);
        let blocked: Vec<f64> = st
            .occupation
            .iter()
            .zip(rb)
            .map(|(n, b)| (1.0 - chi * n) * b)
            .collect();
        let k = grid.integrate(&blocked);
        let g = self.gamma();
        Mat::from_fn(grid.len(), grid.len(), |i, j| {
            let diag = if i == j {
                -(TWO_PI * chi * rb[i] * n_tot + k)
            } else {
                0.0
            };
            g * (diag + blocked[i] * w[j] + TWO_PI * chi * st.rho_st[i] * rb[j] * w[j])
        })
    }

    /// Solves (61) `Γ^st a = (lambda - u) ∂rho_st/∂rho` with the constraint (62) `∫ a = 0` as
    /// the bordered system `[[Γ, 1], [w^T, 0]] [a; mu] = [rhs; 0]` (the right-hand side is in the
    /// range of Γ since `∫ (lambda - u) ∂rho_st/∂rho = 0` by (88), so mu vanishes up to
    /// roundoff; mu is returned as a diagnostic). Returns `(a, mu)`.
    pub fn chapman_enskog_solution(
        &self,
        st: &StationaryState,
    ) -> Result<(Vec<f64>, f64), KineticError> {
        let grid = self.grid();
        let n = grid.len();
        let lam = grid.nodes();
        let w = grid.weights();
        let gamma_op = self.linearised_operator(st);
        let u = self.inner(st, lam, &vec![1.0; n]) / st.h0h0;
        let d = self.drho_st_drho(st);
        let mut big = Mat::<f64>::zeros(n + 1, n + 1);
        for j in 0..n {
            for i in 0..n {
                big[(i, j)] = gamma_op[(i, j)];
            }
            big[(n, j)] = w[j];
            big[(j, n)] = 1.0;
        }
        let rhs = Mat::from_fn(
            n + 1,
            1,
            |i, _| if i < n { (lam[i] - u) * d[i] } else { 0.0 },
        );
        let sol = big.partial_piv_lu().solve(&rhs);
        let a: Vec<f64> = (0..n).map(|i| sol[(i, 0)]).collect();
        let mu = sol[(n, 0)];
        if a.iter().any(|x| !x.is_finite()) || !mu.is_finite() {
            return Err(KineticError::LinearAlgebra(
                "bordered Chapman-Enskog system gave non-finite solution".into(),
            ));
        }
        Ok((a, mu))
    }

    /// D by the direct route: `D = -∫ lambda a` (63) with `a` from [`Self::chapman_enskog_solution`].
    pub fn diffusion_direct_at(&self, st: &StationaryState) -> Result<f64, KineticError> {
        let (a, _) = self.chapman_enskog_solution(st)?;
        let lam = self.grid().nodes();
        let la: Vec<f64> = lam.iter().zip(&a).map(|(l, x)| l * x).collect();
        Ok(-self.grid().integrate(&la))
    }

    /// D(rho) by the direct route (linearised operator, (61)-(63)).
    pub fn diffusion_direct(&self, rho: f64) -> Result<f64, KineticError> {
        let st = self.stationary(rho)?;
        self.diffusion_direct_at(&st)
    }
}

#[cfg(test)]
mod tests {
    use crate::bath::{Bath, Statistics};
    use crate::grid::VelocityGrid;
    use crate::stationary::SwapModel;

    fn small_model(b: f64, s: Statistics) -> SwapModel {
        let bath = Bath::bragg(6.0, 5.9, b, 50.0).unwrap();
        let grid = VelocityGrid::for_bath(&bath, 1e-20, 0.5).unwrap();
        SwapModel::new(bath, 0.08, s, grid).unwrap()
    }

    #[test]
    fn stationary_state_is_a_fixed_point_and_number_is_conserved() {
        for s in [Statistics::Classical, Statistics::Fermionic] {
            let model = small_model(0.3, s);
            for rho in [0.1, 1.0, 3.0] {
                let st = model.stationary(rho).unwrap();
                let i = model.collision_integral(&st.rho_st);
                let scale = model.gamma() * model.bath().rho_b() * rho;
                let max = i.iter().map(|x| x.abs()).fold(0.0, f64::max);
                assert!(max < 1e-14 * scale, "{s:?} rho={rho}: |I[rho_st]| = {max}");
                // ∫ I = 0 for an arbitrary (non-stationary) state
                let trial: Vec<f64> = model
                    .grid()
                    .nodes()
                    .iter()
                    .map(|l| 0.1 * (-(l - 1.0) * (l - 1.0) / 8.0).exp())
                    .collect();
                let it = model.collision_integral(&trial);
                assert!(model.grid().integrate(&it).abs() < 1e-14 * scale);
            }
        }
    }

    #[test]
    fn linearised_operator_matches_finite_difference_of_collision_integral() {
        for s in [Statistics::Classical, Statistics::Fermionic] {
            let model = small_model(0.3, s);
            let st = model.stationary(1.5).unwrap();
            let op = model.linearised_operator(&st);
            let n = model.grid().len();
            // direction: smooth perturbation that also changes the density
            let dir: Vec<f64> = model
                .grid()
                .nodes()
                .iter()
                .map(|l| 0.01 * (1.0 + 0.3 * l.sin()) * (-(l + 2.0) * (l + 2.0) / 20.0).exp())
                .collect();
            let eps = 1e-4;
            let plus: Vec<f64> = st
                .rho_st
                .iter()
                .zip(&dir)
                .map(|(r, d)| r + eps * d)
                .collect();
            let minus: Vec<f64> = st
                .rho_st
                .iter()
                .zip(&dir)
                .map(|(r, d)| r - eps * d)
                .collect();
            let ip = model.collision_integral(&plus);
            let im = model.collision_integral(&minus);
            let mut err: f64 = 0.0;
            let mut scale: f64 = 0.0;
            for i in 0..n {
                let lin: f64 = (0..n).map(|j| op[(i, j)] * dir[j]).sum();
                let fd = (ip[i] - im[i]) / (2.0 * eps);
                err = err.max((lin - fd).abs());
                scale = scale.max(lin.abs());
            }
            println!("{s:?}: max|Γ·δ - FD| / max|Γ·δ| = {:.2e}", err / scale);
            // I is quadratic in rho_p: the centred difference is exact up to roundoff.
            assert!(err < 1e-9 * scale);
            // Γ annihilates ∂rho_st/∂rho (the stationary family) and conserves number
            let d = model.drho_st_drho(&st);
            let w = model.grid().weights();
            for i in 0..n {
                let gd: f64 = (0..n).map(|j| op[(i, j)] * d[j]).sum();
                assert!(gd.abs() < 1e-12 * model.gamma() * model.bath().rho_b());
            }
            for j in 0..n {
                let col: f64 = (0..n).map(|i| w[i] * op[(i, j)]).sum();
                assert!(col.abs() < 1e-12 * model.gamma() * model.bath().rho_b());
            }
        }
    }

    #[test]
    fn chapman_enskog_solution_satisfies_constraint() {
        for s in [Statistics::Classical, Statistics::Fermionic] {
            let model = small_model(0.3, s);
            let st = model.stationary(2.0).unwrap();
            let (a, mu) = model.chapman_enskog_solution(&st).unwrap();
            let int_a = model.grid().integrate(&a);
            let amax = a.iter().map(|x| x.abs()).fold(0.0, f64::max);
            println!("{s:?}: ∫a = {int_a:.2e}, mu = {mu:.2e}, max|a| = {amax:.2e}");
            assert!(int_a.abs() < 1e-12 * amax);
            assert!(mu.abs() < 1e-12 * amax);
        }
    }
}
