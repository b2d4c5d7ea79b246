//! Hydrodynamic transport coefficients of the velocity-swap models (paper Sec. V.C):
//! particle current `J(rho) = ∫ lambda rho_st`, advection `u = (h1|h0)/(h0|h0)` (88),
//! its derivative by the corrected eq. (89), and the diffusion constant `D` by eq. (99).
//!
//! **Erratum (89).** As printed, `u' = -2 chi (h1 - u|h0)_st / (h0|h0)_st^2` vanishes identically
//! (it is the definition of u). Differentiating (88) with
//! `dm/drho = (1 - 2 chi n) m / (h0|h0)` (from (87) and `m = rho_st - 2 pi chi rho_st^2`) gives
//! `u' = [(h1 - u | 1 - 2 chi n)] / (h0|h0)^2 = -2 chi (h1 - u | n_st)_st / (h0|h0)_st^2`,
//! which is implemented here and checked against finite differences of u.
//!
//! Eq. (99) was re-derived from (92)-(96): with `K = (h0|rho_b/rho_st)_st = ∫ (1 - chi n) rho_b`,
//! `D = ((h1 - u)^2 | 1 - chi n)_st / (gamma (h0|h0)_st K)`; it is checked against the direct
//! solution of (61)-(63) in [`crate::collision`].

use crate::error::KineticError;
use crate::stationary::{StationaryState, SwapModel};

/// Transport coefficients at one density.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transport {
    pub rho: f64,
    /// Particle current `J = ∫ lambda rho_st`.
    pub current: f64,
    /// Advection velocity u (88) (= dJ/drho).
    pub u: f64,
    /// du/drho by the corrected eq. (89).
    pub du_drho: f64,
    /// Diffusion constant D by eq. (99), units of velocity^2 / (gamma rho_b) (hbar = m = 1).
    pub diffusion: f64,
}

impl SwapModel {
    /// Transport coefficients from a stationary state (no root finding).
    pub fn transport_at(&self, st: &StationaryState) -> Transport {
        let chi = self.statistics().chi();
        let grid = self.grid();
        let lam = grid.nodes();
        let w = grid.weights();
        let h = st.h0h0;
        let mut j = 0.0;
        let mut h1h0 = 0.0;
        for i in 0..lam.len() {
            j += w[i] * lam[i] * st.rho_st[i];
            h1h0 += w[i] * lam[i] * st.weight[i];
        }
        let u = h1h0 / h;
        let mut hn = 0.0; // (h1 - u | n)
        let mut var = 0.0; // ((h1 - u)^2 | 1 - chi n)
        let mut k = 0.0; // ∫ (1 - chi n) rho_b
        let rb = self.bath_on_grid();
        for i in 0..lam.len() {
            let d = lam[i] - u;
            let blocked = 1.0 - chi * st.occupation[i];
            hn += w[i] * st.weight[i] * d * st.occupation[i];
            var += w[i] * st.weight[i] * d * d * blocked;
            k += w[i] * blocked * rb[i];
        }
        Transport {
            rho: st.rho,
            current: j,
            u,
            du_drho: -2.0 * chi * hn / (h * h),
            diffusion: var / (self.gamma() * h * k),
        }
    }

    /// Transport coefficients at density `rho`.
    pub fn transport(&self, rho: f64) -> Result<Transport, KineticError> {
        Ok(self.transport_at(&self.stationary(rho)?))
    }

    /// Particle current `J(rho) = ∫ lambda rho_st(lambda; rho)`.
    pub fn current(&self, rho: f64) -> Result<f64, KineticError> {
        Ok(self.transport(rho)?.current)
    }

    /// Advection velocity u(rho), eq. (88).
    pub fn advection(&self, rho: f64) -> Result<f64, KineticError> {
        Ok(self.transport(rho)?.u)
    }

    /// du/drho by the corrected eq. (89).
    pub fn du_drho(&self, rho: f64) -> Result<f64, KineticError> {
        Ok(self.transport(rho)?.du_drho)
    }

    /// Diffusion constant D(rho) by eq. (99).
    pub fn diffusion(&self, rho: f64) -> Result<f64, KineticError> {
        Ok(self.transport(rho)?.diffusion)
    }

    /// Eq. (89) exactly as printed, `-2 chi (h1 - u|h0)_st / (h0|h0)_st^2`: identically zero
    /// (kept only to document the erratum in a test).
    pub fn du_drho_as_printed(&self, st: &StationaryState) -> f64 {
        let chi = self.statistics().chi();
        let lam = self.grid().nodes();
        let ones = vec![1.0; lam.len()];
        let u = self.inner(st, lam, &ones) / st.h0h0;
        let shifted: Vec<f64> = lam.iter().map(|l| l - u).collect();
        -2.0 * chi * self.inner(st, &shifted, &ones) / (st.h0h0 * st.h0h0)
    }
}

#[cfg(test)]
mod tests {
    use crate::bath::{Bath, Statistics};
    use crate::grid::VelocityGrid;
    use crate::stationary::SwapModel;

    const GAMMA: f64 = 0.08;
    const RHO_B: f64 = 50.0;

    fn fig4_model(b: f64, s: Statistics) -> SwapModel {
        SwapModel::with_default_grid(Bath::bragg(6.0, 5.9, b, RHO_B).unwrap(), GAMMA, s).unwrap()
    }

    fn rho_grid(n: usize) -> Vec<f64> {
        let mut v: Vec<f64> = (0..n)
            .map(|i| 0.05 * (4.0f64 / 0.05).powf(i as f64 / (n - 1) as f64))
            .collect();
        v.extend([0.5, 1.0, 2.0]);
        v
    }

    #[test]
    fn eq99_agrees_with_direct_linearised_operator_route() {
        let mut worst: f64 = 0.0;
        for b in [1.0, 0.3] {
            for s in [Statistics::Classical, Statistics::Fermionic] {
                let model = fig4_model(b, s);
                let mut case_worst: f64 = 0.0;
                for rho in rho_grid(12) {
                    let st = model.stationary(rho).unwrap();
                    let d99 = model.transport_at(&st).diffusion;
                    let dd = model.diffusion_direct_at(&st).unwrap();
                    let rel = (d99 - dd).abs() / d99.abs();
                    case_worst = case_worst.max(rel);
                    assert!(
                        rel < 1e-8,
                        "{s:?} b={b} rho={rho}: (99) {d99} vs direct {dd}"
                    );
                }
                println!(
                    "{s:?} b={b}: grid n={} max rel diff (99) vs direct = {case_worst:.2e}",
                    model.grid().len()
                );
                worst = worst.max(case_worst);
            }
        }
        println!("overall max rel diff = {worst:.2e}");
    }

    #[test]
    fn corrected_eq89_matches_finite_difference_of_u() {
        for b in [1.0, 0.3] {
            for s in [Statistics::Classical, Statistics::Fermionic] {
                let model = fig4_model(b, s);
                for rho in [0.5, 1.0, 2.0] {
                    let t = model.transport(rho).unwrap();
                    let scale = t.du_drho.abs().max(1e-3);
                    let mut errs = Vec::new();
                    for k in 1..=5 {
                        let h = rho * 10f64.powi(-k);
                        let fd = (model.advection(rho + h).unwrap()
                            - model.advection(rho - h).unwrap())
                            / (2.0 * h);
                        errs.push((h, (fd - t.du_drho).abs() / scale));
                    }
                    println!(
                        "{s:?} b={b} rho={rho} u'={:.10e}: step/rel err {:?}",
                        t.du_drho,
                        errs.iter()
                            .map(|(h, e)| format!("{h:.0e}:{e:.1e}"))
                            .collect::<Vec<_>>()
                    );
                    let best = errs.iter().map(|e| e.1).fold(f64::INFINITY, f64::min);
                    assert!(best < 1e-7, "best FD error {best}");
                    // truncation regime (where u' != 0): error falls ~100x per decade of step (O(h^2))
                    if t.du_drho.abs() > 1e-3 {
                        assert!(errs[1].1 < errs[0].1 / 30.0);
                    }
                }
            }
        }
    }

    #[test]
    fn printed_eq89_vanishes_identically_erratum() {
        let model = fig4_model(0.3, Statistics::Fermionic);
        for rho in [0.5, 1.0, 2.0] {
            let st = model.stationary(rho).unwrap();
            let printed = model.du_drho_as_printed(&st);
            let corrected = model.transport_at(&st).du_drho;
            println!("rho={rho}: printed (89) = {printed:.2e}, corrected (89) = {corrected:.6e}");
            assert!(printed.abs() < 1e-13 * corrected.abs().max(1.0) * 100.0);
            assert!(corrected.abs() > 1e-3);
        }
    }

    #[test]
    fn current_derivative_is_u() {
        // u = dJ/drho: independent of the (h|h) formalism.
        for s in [Statistics::Classical, Statistics::Fermionic] {
            let model = fig4_model(0.3, s);
            for rho in [0.3, 1.0, 3.0] {
                let h = 1e-4 * rho;
                let fd =
                    (model.current(rho + h).unwrap() - model.current(rho - h).unwrap()) / (2.0 * h);
                let u = model.advection(rho).unwrap();
                assert!(
                    (fd - u).abs() < 1e-7 * u.abs().max(1.0),
                    "{s:?} {rho}: {fd} vs {u}"
                );
            }
        }
    }

    #[test]
    fn classical_limits_100_101_103() {
        for b in [1.0, 0.3, 0.0] {
            let bath = Bath::bragg(6.0, 5.9, b, RHO_B).unwrap();
            let model =
                SwapModel::with_default_grid(bath.clone(), GAMMA, Statistics::Classical).unwrap();
            let u100 = bath.mean();
            let d101 = bath.variance() / (GAMMA * RHO_B);
            for rho in [0.05, 1.0, 4.0] {
                let t = model.transport(rho).unwrap();
                let dd = model.diffusion_direct(rho).unwrap();
                assert!((t.u - u100).abs() < 1e-12 * (1.0 + u100.abs()));
                assert!((t.diffusion - d101).abs() < 1e-12 * d101);
                assert!((dd - d101).abs() < 1e-10 * d101);
                assert_eq!(t.du_drho, 0.0);
            }
        }
        for (temp, w) in [(1.0, 0.0), (4.0, 2.5), (0.3, -1.0)] {
            let bath = Bath::thermal(temp, w, RHO_B).unwrap();
            let model = SwapModel::with_default_grid(bath, GAMMA, Statistics::Classical).unwrap();
            let d103 = temp / (GAMMA * RHO_B);
            for rho in [0.1, 2.0] {
                let t = model.transport(rho).unwrap();
                let dd = model.diffusion_direct(rho).unwrap();
                println!(
                    "T={temp} w={w} rho={rho}: D(99)={:.15} D_direct={dd:.15} T/(γρb)={d103:.15}",
                    t.diffusion
                );
                assert!((t.diffusion - d103).abs() < 1e-12 * d103);
                assert!((dd - d103).abs() < 1e-10 * d103);
                assert!((t.u - w).abs() < 1e-12 * (1.0 + w.abs()));
            }
        }
    }

    #[test]
    fn galilean_boost_shifts_u_and_leaves_d_invariant() {
        for s in [Statistics::Classical, Statistics::Fermionic] {
            for b in [1.0, 0.3] {
                let bath = Bath::bragg(6.0, 5.9, b, RHO_B).unwrap();
                let model = SwapModel::with_default_grid(bath.clone(), GAMMA, s).unwrap();
                for w in [1.7, -3.2] {
                    let boosted = SwapModel::with_default_grid(bath.boosted(w), GAMMA, s).unwrap();
                    for rho in [0.5, 2.0] {
                        let t0 = model.transport(rho).unwrap();
                        let t1 = boosted.transport(rho).unwrap();
                        let dd1 = boosted.diffusion_direct(rho).unwrap();
                        assert!(
                            (t1.u - t0.u - w).abs() < 1e-12,
                            "{s:?}: u {} -> {}",
                            t0.u,
                            t1.u
                        );
                        assert!((t1.diffusion / t0.diffusion - 1.0).abs() < 1e-12);
                        assert!((dd1 / t0.diffusion - 1.0).abs() < 1e-10);
                        assert!((t1.du_drho - t0.du_drho).abs() < 1e-10 * (1.0 + t0.du_drho.abs()));
                        assert!(
                            (t1.current - t0.current - w * rho).abs()
                                < 1e-11 * (1.0 + t0.current.abs())
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn independent_quadrature_double_exponential() {
        // Fermionic asymmetric state: density, (h0|h0), u and D by (99) with the
        // double-exponential rule of the `quadrature` crate on the same A.
        use quadrature::integrate;
        let model = fig4_model(0.3, Statistics::Fermionic);
        let bath = model.bath().clone();
        let (lo, hi) = model.grid().interval();
        for rho in [0.5, 2.0] {
            let st = model.stationary(rho).unwrap();
            let a = st.a;
            let two_pi = 2.0 * std::f64::consts::PI;
            let r = |l: f64| {
                let rb = bath.density(l);
                rb / (two_pi * (rb + a))
            };
            let m = |l: f64| {
                let rb = bath.density(l);
                r(l) * a / (rb + a)
            };
            // composite double-exponential rule on 40 panels of the cutoff interval
            let q = |f: &dyn Fn(f64) -> f64| {
                let panels = 40;
                let w = (hi - lo) / panels as f64;
                (0..panels)
                    .map(|k| {
                        let a0 = lo + w * k as f64;
                        integrate(f, a0, a0 + w, 1e-16).integral
                    })
                    .sum::<f64>()
            };
            let dens = q(&r);
            let h = q(&m);
            let u = q(&|l| l * m(l)) / h;
            let var = q(&|l| (l - u) * (l - u) * m(l) * (1.0 - two_pi * r(l)));
            let k = q(&|l| (1.0 - two_pi * r(l)) * bath.density(l));
            let d = var / (GAMMA * h * k);
            let t = model.transport_at(&st);
            println!(
                "rho={rho}: DE density {dens:.15} u {u:.15} D {d:.15}; grid u {:.15} D {:.15}",
                t.u, t.diffusion
            );
            assert!((dens - rho).abs() < 1e-12 * rho);
            assert!((u - t.u).abs() < 1e-12 * (1.0 + u.abs()));
            assert!((d - t.diffusion).abs() < 1e-11 * d);
        }
    }

    #[test]
    fn velocity_grid_convergence() {
        // Separate sweeps in the spacing h (cutoff fixed at tail_tol = 1e-40) and in the cutoff
        // (h fixed at 0.1), for the fermionic model (the harder one); reference = finest grid.
        let rel = |x: f64, y: f64| (x - y).abs() / y.abs().max(1e-300);
        for b in [1.0, 0.3] {
            let bath = Bath::bragg(6.0, 5.9, b, RHO_B).unwrap();
            let model = |tol: f64, h: f64| {
                let g = VelocityGrid::for_bath(&bath, tol, h).unwrap();
                SwapModel::new(bath.clone(), GAMMA, Statistics::Fermionic, g)
                    .unwrap()
                    .with_edge_tol(f64::INFINITY)
            };
            let reference = model(1e-40, 0.1);
            let default = model(
                crate::stationary::DEFAULT_TAIL_TOL,
                crate::stationary::DEFAULT_SPACING,
            );
            for rho in [0.05, 0.5, 1.0, 2.0, 4.0] {
                let t_ref = reference.transport(rho).unwrap();
                let mut line = format!("b={b} rho={rho}: spacing h -> |dD|/D, |du|, |du'|:");
                for h in [1.6, 0.8, 0.4, 0.2] {
                    let t = model(1e-40, h).transport(rho).unwrap();
                    line += &format!(
                        " h={h}: {:.1e},{:.1e},{:.1e};",
                        rel(t.diffusion, t_ref.diffusion),
                        (t.u - t_ref.u).abs(),
                        (t.du_drho - t_ref.du_drho).abs()
                    );
                }
                line += " | cutoff tail_tol ->";
                for tol in [1e-4, 1e-8, 1e-12, 1e-16, 1e-30] {
                    match model(tol, 0.1).transport(rho) {
                        Ok(t) => {
                            line += &format!(
                                " {tol:.0e} (lambda_max={:.1}): {:.1e},{:.1e},{:.1e};",
                                model(tol, 0.1).grid().interval().1,
                                rel(t.diffusion, t_ref.diffusion),
                                (t.u - t_ref.u).abs(),
                                (t.du_drho - t_ref.du_drho).abs()
                            )
                        }
                        Err(_) => {
                            line += &format!(" {tol:.0e}: rejected (state not negligible at edge);")
                        }
                    }
                }
                println!("{line}");
                // the default grid (tail_tol 1e-30, h 0.2) is converged to roundoff level
                let t = default.transport(rho).unwrap();
                assert!(rel(t.diffusion, t_ref.diffusion) < 1e-12);
                assert!((t.u - t_ref.u).abs() < 1e-12);
                assert!((t.du_drho - t_ref.du_drho).abs() < 1e-12);
                let dd = default.diffusion_direct(rho).unwrap();
                assert!(rel(dd, t_ref.diffusion) < 1e-10);
            }
        }
    }
}
