//! Relaxation spectrum of the linearised grazing collision operator in the TG limit (E8):
//! <f|Gamma g> = -int w f' g', w = rho_p rho_h rho_p^b rho_h^b, scalar product (f|g)_st = int m f g,
//! m = rho_p (1 - n). Relaxation rates g >= 0 solve the Sturm-Liouville problem
//! -(w phi')' = g m phi (natural boundary conditions), i.e. K phi = g M phi with
//! K_ij = int w phi_i' phi_j', M_ij = int m phi_i phi_j. g_0 = 0 is the particle number
//! (constants); g_1 is the gap whose inverse is tau_RTA (68), footnote [81].
//!
//! Two independent discretisations:
//! 1. [`PolyBasis`]: polynomials orthonormal in (.|.)_st (the paper's basis, App. F), built by the
//!    Stieltjes procedure (Lanczos on the discrete measure of a fine trapezoid grid, with full
//!    re-orthogonalisation) - never Gram-Schmidt on monomials. Values and derivatives are stored
//!    multiplied by sqrt(quadrature weight x m), which keeps everything in floating-point range.
//! 2. [`Fem`]: P1 finite elements on [-Lambda, Lambda], element integrals by 4-point Gauss-Legendre,
//!    diagonally rescaled by 1/sqrt(m(node)) so that no tail weight underflows.

use crate::linalg::generalized_eigenvalues;
use crate::{GL4, Result, StationaryState, TgError};

/// m-orthonormal polynomial basis p_0..p_{N-1} on the discrete measure sum_k W_k delta(x - x_k),
/// W_k = (trapezoid weight) * m(x_k), with x_k restricted to |x_k| <= cutoff.
#[derive(Debug, Clone)]
pub struct PolyBasis {
    pub n_max: usize,
    pub cutoff: f64,
    pub x: Vec<f64>,
    /// sqrt(W_k).
    pub sqrt_w: Vec<f64>,
    /// r_k = w/m at x_k.
    pub rate: Vec<f64>,
    /// q[j][k] = sqrt(W_k) p_j(x_k).
    pub q: Vec<Vec<f64>>,
    /// dq[j][k] = sqrt(W_k) p_j'(x_k).
    pub dq: Vec<Vec<f64>>,
    /// Recurrence coefficients alpha_j (alpha_0 = u) and beta_j (beta_1 = Var_m).
    pub alpha: Vec<f64>,
    pub beta: Vec<f64>,
    /// (h0|h0) on the discrete measure.
    pub norm: f64,
}

impl PolyBasis {
    /// Builds p_0..p_{n_max-1} (degree < n_max). `cutoff = None` uses the state's whole grid.
    pub fn new(state: &StationaryState, n_max: usize, cutoff: Option<f64>) -> Result<Self> {
        if n_max < 2 {
            return Err(TgError::InvalidParameter("basis size must be >= 2".into()));
        }
        let g = &state.grid;
        let cut = cutoff.unwrap_or(f64::INFINITY);
        let mut x = Vec::new();
        let mut ln_w = Vec::new();
        let mut rate = Vec::new();
        for (k, &xk) in g.nodes.iter().enumerate() {
            if xk.abs() > cut + 1e-12 {
                continue;
            }
            let wt = if xk.abs() >= cut - 1e-12 {
                0.5 * g.step
            } else {
                g.weight(k)
            };
            let lw = wt.ln() + state.ln_weight(xk);
            if lw < -1400.0 {
                continue; // sqrt(W) would underflow: no weight there
            }
            x.push(xk);
            ln_w.push(lw);
            rate.push(state.ln_rate_ratio(xk).exp());
        }
        let np = x.len();
        if np < 2 * n_max {
            return Err(TgError::InvalidParameter(format!(
                "only {np} quadrature nodes for {n_max} polynomials"
            )));
        }
        let lmax = ln_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let sqrt_w: Vec<f64> = ln_w.iter().map(|l| (0.5 * l).exp()).collect();
        let norm = (ln_w.iter().map(|l| (l - lmax).exp()).sum::<f64>()).ln() + lmax;
        let norm = norm.exp();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
        let mut q: Vec<Vec<f64>> = Vec::with_capacity(n_max);
        let mut dq: Vec<Vec<f64>> = Vec::with_capacity(n_max);
        q.push(sqrt_w.iter().map(|s| s / norm.sqrt()).collect());
        dq.push(vec![0.0; np]);
        let mut alpha = Vec::with_capacity(n_max);
        let mut beta: Vec<f64> = vec![0.0];
        for j in 0..n_max - 1 {
            let qj = &q[j];
            let a = qj.iter().zip(&x).map(|(v, xk)| v * v * xk).sum::<f64>();
            alpha.push(a);
            let sb = beta[j].sqrt();
            let mut v: Vec<f64> = (0..np)
                .map(|k| (x[k] - a) * qj[k] - if j > 0 { sb * q[j - 1][k] } else { 0.0 })
                .collect();
            let mut dv: Vec<f64> = (0..np)
                .map(|k| {
                    qj[k] + (x[k] - a) * dq[j][k] - if j > 0 { sb * dq[j - 1][k] } else { 0.0 }
                })
                .collect();
            // full re-orthogonalisation (twice), applied consistently to the derivative:
            // the corrected vector is still a polynomial of degree j+1.
            for _ in 0..2 {
                for i in 0..=j {
                    let c = dot(&v, &q[i]);
                    for k in 0..np {
                        v[k] -= c * q[i][k];
                        dv[k] -= c * dq[i][k];
                    }
                }
            }
            let b2 = dot(&v, &v);
            if !(b2 > 0.0 && b2.is_finite()) {
                return Err(TgError::Linalg(format!(
                    "Stieltjes breakdown at degree {}",
                    j + 1
                )));
            }
            let s = b2.sqrt();
            v.iter_mut().for_each(|e| *e /= s);
            dv.iter_mut().for_each(|e| *e /= s);
            beta.push(b2);
            q.push(v);
            dq.push(dv);
        }
        Ok(Self {
            n_max,
            cutoff: cut,
            x,
            sqrt_w,
            rate,
            q,
            dq,
            alpha,
            beta,
            norm,
        })
    }

    /// u = (h1|h0)/(h0|h0) on the discrete measure (= alpha_0).
    pub fn u(&self) -> f64 {
        self.alpha[0]
    }

    /// Mass matrix M_ij = (p_i|p_j) for i, j in `range` (row-major).
    pub fn mass(&self, lo: usize, n: usize) -> Vec<f64> {
        self.gram(lo, n, |i, j| {
            self.q[i].iter().zip(&self.q[j]).map(|(a, b)| a * b).sum()
        })
    }

    /// Stiffness matrix K_ij = int w p_i' p_j' for i, j in lo..n (row-major).
    pub fn stiffness(&self, lo: usize, n: usize) -> Vec<f64> {
        self.gram(lo, n, |i, j| {
            (0..self.x.len())
                .map(|k| self.rate[k] * self.dq[i][k] * self.dq[j][k])
                .sum()
        })
    }

    fn gram(&self, lo: usize, n: usize, f: impl Fn(usize, usize) -> f64) -> Vec<f64> {
        let d = n - lo;
        let mut a = vec![0.0; d * d];
        for i in lo..n {
            for j in lo..=i {
                let v = f(i, j);
                a[(i - lo) * d + (j - lo)] = v;
                a[(j - lo) * d + (i - lo)] = v;
            }
        }
        a
    }

    /// max |M - I| over the first n polynomials (orthonormality check of the construction).
    pub fn orthonormality_error(&self, n: usize) -> f64 {
        let m = self.mass(0, n);
        let mut e: f64 = 0.0;
        for i in 0..n {
            for j in 0..n {
                e = e.max((m[i * n + j] - if i == j { 1.0 } else { 0.0 }).abs());
            }
        }
        e
    }

    /// Source vector b_i = (lambda - u | p_i)_st, i = 1..n-1.
    pub fn source(&self, n: usize) -> Vec<f64> {
        let u = self.u();
        (1..n)
            .map(|i| {
                (0..self.x.len())
                    .map(|k| self.sqrt_w[k] * (self.x[k] - u) * self.q[i][k])
                    .sum()
            })
            .collect()
    }

    /// Non-zero relaxation rates g_1 <= g_2 <= ... from the first n polynomials (the constant
    /// p_0 is the exact zero mode, K_0j = 0, and is removed).
    pub fn rates(&self, n: usize) -> Result<Vec<f64>> {
        self.check(n)?;
        let d = n - 1;
        generalized_eigenvalues(d, &self.stiffness(1, n), &self.mass(1, n))
    }

    pub(crate) fn check(&self, n: usize) -> Result<()> {
        if n < 2 || n > self.n_max {
            return Err(TgError::InvalidParameter(format!(
                "basis size {n} not in 2..={}",
                self.n_max
            )));
        }
        Ok(())
    }
}

/// P1 finite-element discretisation of -(w phi')' = g m phi on [-cutoff, cutoff] with natural
/// boundary conditions. Matrices are stored rescaled, K~ = S K S, M~ = S M S, S = diag(m(x_i)^{-1/2}).
#[derive(Debug, Clone)]
pub struct Fem {
    pub cutoff: f64,
    pub nodes: Vec<f64>,
    /// ln m at the nodes (the scaling).
    pub ln_m: Vec<f64>,
    /// Tridiagonal K~: diagonal and super-diagonal.
    pub k_diag: Vec<f64>,
    pub k_off: Vec<f64>,
    pub m_diag: Vec<f64>,
    pub m_off: Vec<f64>,
    /// Rescaled load vectors s_i int phi_i m and s_i int phi_i lambda m.
    pub load_m: Vec<f64>,
    pub load_xm: Vec<f64>,
}

impl Fem {
    pub fn new(state: &StationaryState, cutoff: f64, elements: usize) -> Result<Self> {
        if cutoff.is_nan() || cutoff <= 0.0 || elements < 4 {
            return Err(TgError::InvalidParameter(format!(
                "FEM needs cutoff > 0 and >= 4 elements (got {cutoff}, {elements})"
            )));
        }
        let n = elements + 1;
        let h = 2.0 * cutoff / elements as f64;
        let nodes: Vec<f64> = (0..n).map(|i| -cutoff + i as f64 * h).collect();
        let ln_m: Vec<f64> = nodes.iter().map(|&x| state.ln_weight(x)).collect();
        let (mut kd, mut ko, mut md, mut mo) = (
            vec![0.0; n],
            vec![0.0; n - 1],
            vec![0.0; n],
            vec![0.0; n - 1],
        );
        let (mut lm, mut lxm) = (vec![0.0; n], vec![0.0; n]);
        for e in 0..elements {
            let (a, b) = (e, e + 1);
            let (sa, sb) = (-0.5 * ln_m[a], -0.5 * ln_m[b]);
            for &(xi, wq) in GL4.iter() {
                let t = 0.5 * (1.0 + xi);
                let x = nodes[a] + h * t;
                let lmx = state.ln_weight(x);
                let lwx = lmx + state.ln_rate_ratio(x);
                let wgt = 0.5 * h * wq;
                let (pa, pb) = (1.0 - t, t);
                // mass
                md[a] += wgt * (lmx + 2.0 * sa).exp() * pa * pa;
                md[b] += wgt * (lmx + 2.0 * sb).exp() * pb * pb;
                mo[a] += wgt * (lmx + sa + sb).exp() * pa * pb;
                // stiffness: phi_a' = -1/h, phi_b' = 1/h
                let kk = wgt / (h * h);
                kd[a] += kk * (lwx + 2.0 * sa).exp();
                kd[b] += kk * (lwx + 2.0 * sb).exp();
                ko[a] -= kk * (lwx + sa + sb).exp();
                lm[a] += wgt * (lmx + sa).exp() * pa;
                lm[b] += wgt * (lmx + sb).exp() * pb;
                lxm[a] += wgt * x * (lmx + sa).exp() * pa;
                lxm[b] += wgt * x * (lmx + sb).exp() * pb;
            }
        }
        Ok(Self {
            cutoff,
            nodes,
            ln_m,
            k_diag: kd,
            k_off: ko,
            m_diag: md,
            m_off: mo,
            load_m: lm,
            load_xm: lxm,
        })
    }

    fn dense(d: &[f64], o: &[f64]) -> Vec<f64> {
        let n = d.len();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i * n + i] = d[i];
            if i + 1 < n {
                a[i * n + i + 1] = o[i];
                a[(i + 1) * n + i] = o[i];
            }
        }
        a
    }

    /// All generalized eigenvalues (ascending; the first is the zero mode up to rounding).
    pub fn eigenvalues(&self) -> Result<Vec<f64>> {
        let n = self.nodes.len();
        generalized_eigenvalues(
            n,
            &Self::dense(&self.k_diag, &self.k_off),
            &Self::dense(&self.m_diag, &self.m_off),
        )
    }

    /// Non-zero rates g_1 <= g_2 <= ... (drops the zero mode).
    pub fn rates(&self) -> Result<Vec<f64>> {
        let mut g = self.eigenvalues()?;
        g.remove(0);
        Ok(g)
    }
}

/// Density standing in for the limit rho -> 0 at which tau_RTA is taken (footnote [81]); the
/// log-form state is exact there (m is proportional to n_b/(1-n_b) up to O(rho)).
pub const RHO_DILUTE: f64 = 1e-9;

/// Non-zero rates of the dilute state (rho = [`RHO_DILUTE`]) in the polynomial basis of size n;
/// tau_RTA(n) = 1/g_1(n) (68).
pub fn dilute_rates(
    bath: crate::Bath,
    n: usize,
    spec: crate::stationary::GridSpec,
) -> Result<Vec<f64>> {
    let s = StationaryState::from_rho(bath, RHO_DILUTE, spec)?;
    PolyBasis::new(&s, n, None)?.rates(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Bath;
    use crate::stationary::GridSpec;
    use crate::test_fixtures::fig3b_bath;

    #[test]
    fn polynomial_basis_is_orthonormal_and_recovers_moments() {
        let bath = fig3b_bath();
        let s = StationaryState::from_rho(
            bath,
            0.5,
            GridSpec {
                depth: 200.0,
                step: 0.01,
            },
        )
        .unwrap();
        let pb = PolyBasis::new(&s, 30, None).unwrap();
        let err = pb.orthonormality_error(30);
        println!("max |M - I| for N = 30: {err:.2e}");
        assert!(err < 1e-12);
        let t = crate::transport::Transport::of(&s);
        assert!((pb.u() - t.u).abs() < 1e-12);
        assert!((pb.beta[1] - t.var_lambda).abs() < 1e-12 * t.var_lambda);
        // derivative recurrence: p_1' = 1/sqrt(beta_1) exactly
        let k = pb.x.len() / 2;
        assert!(
            (pb.dq[1][k] / pb.q[0][k] - 1.0 / pb.beta[1].sqrt()).abs() < 1e-10 / pb.beta[1].sqrt()
        );
    }

    #[test]
    fn galerkin_and_fem_spectra_agree_on_a_truncated_domain() {
        // Same Sturm-Liouville problem on [-6, 6] (T = 4 thermal bath): polynomial Galerkin
        // converges spectrally in N, P1 FEM as h^2. Both must agree to the FEM's measured error.
        let bath = Bath::Thermal {
            temperature: 4.0,
            mu: 0.0,
        };
        let s = StationaryState::from_rho(
            bath,
            0.3,
            GridSpec {
                depth: 60.0,
                step: 0.0025,
            },
        )
        .unwrap();
        let cut = 6.0;
        let pb = PolyBasis::new(&s, 24, Some(cut)).unwrap();
        let gal16 = pb.rates(16).unwrap();
        let gal = pb.rates(24).unwrap();
        let f1 = Fem::new(&s, cut, 100).unwrap().rates().unwrap();
        let f2 = Fem::new(&s, cut, 200).unwrap().rates().unwrap();
        for i in 0..3 {
            // Richardson-extrapolated FEM value and its error estimate (h^2)
            let fem_ext = (4.0 * f2[i] - f1[i]) / 3.0;
            let fem_err = (f2[i] - f1[i]).abs() / 3.0;
            println!(
                "g_{}: Galerkin N=16 {:.10}  N=24 {:.10}  FEM 100 {:.10}  200 {:.10}  extrap {:.10}",
                i + 1,
                gal16[i],
                gal[i],
                f1[i],
                f2[i],
                fem_ext
            );
            let tol = 10.0 * fem_err + 1e-5 * gal[i];
            assert!(
                (gal[i] - fem_ext).abs() < tol,
                "mode {i}: {} vs {}",
                gal[i],
                fem_ext
            );
            assert!((gal[i] - f2[i]).abs() > 0.0);
        }
        // Ritz: Galerkin eigenvalues are upper bounds and decrease with N
        for i in 0..3 {
            assert!(gal[i] <= gal16[i] * (1.0 + 1e-12));
        }
    }
}
