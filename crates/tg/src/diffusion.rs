//! "Full" diffusion constant from the Chapman-Enskog equation (61) with the TG grazing operator
//! (E8), and its Galerkin and finite-element approximations.
//!
//! With a = m alpha, (61) reads (w alpha')' = (lambda - u) m / (h0|h0), constraint (62):
//! int m alpha = 0. Integrating once (natural boundary conditions, Phi(+-Lambda) = 0 because u is
//! the m-mean):
//!   w alpha' = Phi / (h0|h0),  Phi(lambda) = int_{-Lambda}^{lambda} (l - u) m(l) dl,
//! and D = -int lambda a (63) = -int (lambda - u) m alpha = int Phi alpha' gives the closed form
//!   D(Lambda) = (1/(h0|h0)) int_{-Lambda}^{Lambda} Phi^2 / w dlambda.
//! Variationally D = max_alpha [2 int Phi alpha' - (h0|h0) int w alpha'^2], so any Galerkin
//! subspace gives a lower bound that increases with the subspace (Ritz):
//!   D_N = b^T K_N^{-1} b / (h0|h0),  b_i = (lambda - u | p_i)_st,  i = 1..N-1
//! (docs/physics.md §5: (h0|h0) b^T K^{-1} b with b normalised by (h0|h0)).
//!
//! All moments here are taken on the truncated domain [-Lambda, Lambda] (u_Lambda, (h0|h0)_Lambda),
//! which makes D(Lambda) the exact supremum over functions on that domain; for the cutoffs used
//! the difference to whole-line moments is below e^{-Lambda^2/2T}.

use crate::linalg::{inverse_quadratic_form, solve_tridiagonal};
use crate::spectrum::{Fem, PolyBasis};
use crate::{GL4, Result, StationaryState, TgError};

/// Closed-form quadrature D(Lambda) of (61) (module doc), with Phi evaluated from the nearer tail
/// as Phi/m (no cancellation, no underflow): on each interval the tail integral is accumulated
/// with 4-point Gauss-Legendre in the ratio m(l)/m(x_k); the outer integral by Simpson's rule on
/// `2 * half_intervals` intervals.
pub fn closed_form(state: &StationaryState, cutoff: f64, half_intervals: usize) -> Result<f64> {
    if cutoff.is_nan() || cutoff <= 0.0 || half_intervals < 2 {
        return Err(TgError::InvalidParameter(format!(
            "cutoff {cutoff}, intervals {half_intervals}"
        )));
    }
    let n = 2 * half_intervals;
    let h = 2.0 * cutoff / n as f64;
    let xs: Vec<f64> = (0..=n).map(|k| -cutoff + k as f64 * h).collect();
    let lm: Vec<f64> = xs.iter().map(|&x| state.ln_weight(x)).collect();
    // moments on the truncated domain, scaled by m_ref = max m to stay in range
    let lref = lm.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let (mut h0, mut h1) = (0.0, 0.0);
    for &xk in &xs[..n] {
        for &(xi, wq) in GL4.iter() {
            let x = xk + 0.5 * h * (1.0 + xi);
            let m = (state.ln_weight(x) - lref).exp();
            h0 += 0.5 * h * wq * m;
            h1 += 0.5 * h * wq * m * x;
        }
    }
    let u = h1 / h0;
    let norm = h0 * lref.exp();
    // I_k(base) = int_{x_k}^{x_{k+1}} (l - u) m(l)/m(x_base) dl
    let seg = |k: usize, base: usize| -> f64 {
        GL4.iter()
            .map(|&(xi, wq)| {
                let x = xs[k] + 0.5 * h * (1.0 + xi);
                0.5 * h * wq * (x - u) * (state.ln_weight(x) - lm[base]).exp()
            })
            .sum()
    };
    let mut psi = vec![0.0; n + 1];
    // left tail: psi_k = Phi(x_k)/m(x_k), Phi(-Lambda) = 0
    let mut k = 0;
    while k < n && xs[k + 1] <= u {
        psi[k + 1] = psi[k] * (lm[k] - lm[k + 1]).exp() + seg(k, k + 1);
        k += 1;
    }
    // right tail: Phi(x) = -int_x^Lambda (l-u) m, Phi(Lambda) = 0
    let mut j = n;
    while j > k + 1 {
        psi[j - 1] = psi[j] * (lm[j] - lm[j - 1]).exp() - seg(j - 1, j - 1);
        j -= 1;
    }
    // node k (<= u) and node k+1 (> u) are set from their own sides; nothing left in between.
    let f: Vec<f64> = (0..=n)
        .map(|k| psi[k] * psi[k] * (lm[k] - state.ln_rate_ratio(xs[k])).exp())
        .collect();
    let mut s = f[0] + f[n];
    for (k, v) in f.iter().enumerate().take(n).skip(1) {
        s += if k % 2 == 1 { 4.0 * v } else { 2.0 * v };
    }
    Ok(s * h / 3.0 / norm)
}

/// Asymptotic slope dD/dLambda for a thermal bath (Gaussian tails): in the tails
/// Phi -> -T m sign(lambda) and m^2/w -> (2 pi)^3 m/(n_b(1-n_b)) -> (2 pi)^2 e^{-nu}, so the integrand
/// of [`closed_form`] tends to T^2 (2 pi)^2 e^{-nu}/(h0|h0) on both sides: D(Lambda) grows linearly
/// with slope 2 T^2 (2 pi)^2 e^{-nu}/(h0|h0) and the full D of (61) is infinite.
pub fn thermal_tail_slope(state: &StationaryState) -> f64 {
    let t = state.bath.temperature();
    2.0 * t * t * (2.0 * std::f64::consts::PI).powi(2) * (-state.nu).exp() / state.norm()
}

/// Galerkin D_N = b^T K_N^{-1} b / (h0|h0) on the first n polynomials (n = basis size including
/// the constant; the constant is removed by the constraint (62), cf. (F5)).
pub fn galerkin(basis: &PolyBasis, n: usize) -> Result<f64> {
    basis.check(n)?;
    let b = basis.source(n);
    let k = basis.stiffness(1, n);
    Ok(inverse_quadratic_form(n - 1, &k, &b)? / basis.norm)
}

/// Direct finite-element solution of (61) on [-Lambda, Lambda]: solves K alpha = -F,
/// F_i = int (lambda - u) m phi_i / (h0|h0), grounded at the node nearest to u (the
/// constant is irrelevant for D because sum_i F_i = 0), and returns D = (h0|h0) alpha^T K alpha
/// = -(h0|h0) F.alpha. This does not use the once-integrated form, so it is an independent route
/// to [`closed_form`]; by the variational principle it is also a lower bound on it, converging
/// as h^2.
pub fn fem_direct(fem: &Fem) -> Result<f64> {
    let n = fem.nodes.len();
    // moments from the same element quadrature (rescaled loads: s_i int phi_i m, s_i = m_i^{-1/2})
    let lref = fem.ln_m.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let unscale = |i: usize| (0.5 * fem.ln_m[i] - lref).exp(); // m_i^{1/2} / m_ref
    let h0: f64 = (0..n).map(|i| fem.load_m[i] * unscale(i)).sum();
    let h1: f64 = (0..n).map(|i| fem.load_xm[i] * unscale(i)).sum();
    let u = h1 / h0;
    let norm = h0 * lref.exp();
    // rescaled F~_i = s_i F_i
    let f: Vec<f64> = (0..n)
        .map(|i| (fem.load_xm[i] - u * fem.load_m[i]) / norm)
        .collect();
    let g = fem
        .nodes
        .iter()
        .enumerate()
        .min_by(|a, b| (a.1 - u).abs().total_cmp(&(b.1 - u).abs()))
        .map(|(i, _)| i)
        .unwrap();
    // remove row/column g: the remaining tridiagonal system decouples into two blocks
    let keep: Vec<usize> = (0..n).filter(|&i| i != g).collect();
    let d: Vec<f64> = keep.iter().map(|&i| fem.k_diag[i]).collect();
    let e: Vec<f64> = keep
        .windows(2)
        .map(|w| {
            if w[1] == w[0] + 1 {
                fem.k_off[w[0]]
            } else {
                0.0
            }
        })
        .collect();
    let rhs: Vec<f64> = keep.iter().map(|&i| -f[i]).collect();
    let a = solve_tridiagonal(&d, &e, &rhs);
    let fa: f64 = keep.iter().zip(&a).map(|(&i, ai)| f[i] * ai).sum();
    Ok(-norm * fa)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Bath;
    use crate::stationary::GridSpec;

    fn thermal(rho: f64) -> StationaryState {
        StationaryState::from_rho(
            Bath::Thermal {
                temperature: 4.0,
                mu: 0.0,
            },
            rho,
            GridSpec {
                depth: 100.0,
                step: 0.005,
            },
        )
        .unwrap()
    }

    #[test]
    fn closed_form_agrees_with_direct_fem_solution_of_61() {
        for (rho, cut) in [(0.2, 8.0), (1.5, 12.0)] {
            let s = thermal(rho);
            let dq = closed_form(&s, cut, 2000).unwrap();
            let dq2 = closed_form(&s, cut, 4000).unwrap();
            let mut prev = f64::NAN;
            let mut errs = vec![];
            for el in [200, 400, 800] {
                let d = fem_direct(&Fem::new(&s, cut, el).unwrap()).unwrap();
                println!(
                    "rho={rho} Lambda={cut}: FEM {el:4} elements D = {d:.10}  (closed form {dq:.10}, {dq2:.10})"
                );
                assert!(d <= dq * (1.0 + 1e-10), "FEM must be a lower bound");
                errs.push(dq - d);
                prev = d;
            }
            let order = (errs[1] / errs[2]).log2();
            println!(
                "  observed FEM order {order:.3}; Simpson h vs h/2 rel diff {:.2e}",
                (dq - dq2).abs() / dq
            );
            assert!(
                (order - 2.0).abs() < 0.2,
                "FEM error must fall as h^2, got order {order}"
            );
            assert!((prev - dq).abs() < 2e-4 * dq);
            assert!((dq - dq2).abs() < 1e-10 * dq);
        }
    }

    #[test]
    fn closed_form_grows_linearly_with_the_predicted_tail_slope() {
        let s = thermal(0.5);
        let pred = thermal_tail_slope(&s);
        let d30 = closed_form(&s, 30.0, 3000).unwrap();
        let d40 = closed_form(&s, 40.0, 4000).unwrap();
        let slope = (d40 - d30) / 10.0;
        println!("dD/dLambda on [30,40] = {slope:.4}, predicted asymptote {pred:.4}");
        // corrections are O(T/Lambda^2) relative (next term of the tail expansion)
        assert!(
            (slope / pred - 1.0).abs() < 4.0 * 4.0 / (30.0 * 30.0),
            "{slope} vs {pred}"
        );
    }

    #[test]
    fn galerkin_d_n_is_nondecreasing_and_bounded_by_the_quadrature_at_matching_cutoff() {
        let s = thermal(0.5);
        let cut = 10.0;
        let pb = PolyBasis::new(&s, 26, Some(cut)).unwrap();
        let dq = closed_form(&s, cut, 4000).unwrap();
        let mut prev = 0.0;
        for n in [2, 4, 6, 8, 12, 16, 20, 26] {
            let d = galerkin(&pb, n).unwrap();
            println!("N={n:2}: D_N = {d:.8}  (D(Lambda={cut}) = {dq:.8})");
            assert!(d >= prev * (1.0 - 1e-10), "Ritz: D_N must not decrease");
            assert!(
                d <= dq * (1.0 + 1e-6),
                "Ritz: D_N must stay below D(Lambda)"
            );
            prev = d;
        }
        // on the bounded domain the polynomial basis is complete: D_N -> D(Lambda)
        assert!((prev - dq).abs() < 1e-3 * dq, "{prev} vs {dq}");
    }
}
