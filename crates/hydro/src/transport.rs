//! Transport model of the generalized Burgers equation (2): the stationary particle current
//! `J(rho) = int lambda rho_st(lambda; rho) dlambda`, the advective coefficient `u(rho) = J'(rho)`
//! (eq. 88) and the diffusion coefficient `D(rho)` (eq. 99).

use crate::HydroError;

/// `J(rho)`, `u(rho) = dJ/drho` and `D(rho)` of eq. (2) in conservation form.
pub trait Transport: Sync {
    /// Particle current of the local stationary state, `J(rho)`.
    fn current(&self, rho: f64) -> f64;
    /// Advective coefficient `u(rho) = J'(rho)` (eq. 88).
    fn velocity(&self, rho: f64) -> f64;
    /// Diffusion coefficient `D(rho)` (eq. 99).
    fn diffusion(&self, rho: f64) -> f64;
}

/// A transport model from three closures.
pub struct FnTransport<J, U, D> {
    pub current: J,
    pub velocity: U,
    pub diffusion: D,
}

impl<J, U, D> Transport for FnTransport<J, U, D>
where
    J: Fn(f64) -> f64 + Sync,
    U: Fn(f64) -> f64 + Sync,
    D: Fn(f64) -> f64 + Sync,
{
    fn current(&self, rho: f64) -> f64 {
        (self.current)(rho)
    }
    fn velocity(&self, rho: f64) -> f64 {
        (self.velocity)(rho)
    }
    fn diffusion(&self, rho: f64) -> f64 {
        (self.diffusion)(rho)
    }
}

/// Constant `u` and `D`, `J = u rho`: the boosted diffusion equation of classical particles (1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearTransport {
    pub u: f64,
    pub d: f64,
}

impl Transport for LinearTransport {
    fn current(&self, rho: f64) -> f64 {
        self.u * rho
    }
    fn velocity(&self, _rho: f64) -> f64 {
        self.u
    }
    fn diffusion(&self, _rho: f64) -> f64 {
        self.d
    }
}

/// Monotone piecewise-cubic Hermite interpolant (PCHIP, Fritsch-Carlson slopes with the
/// Fritsch-Butland weighted harmonic mean): shape preserving (monotone data give a monotone
/// interpolant, no new extrema), C1, error O(h^3) in smooth monotone regions (O(h^2) near
/// extrema of the data). Outside the table the end cubics are extended.
#[derive(Debug, Clone)]
pub struct Pchip {
    x: Vec<f64>,
    y: Vec<f64>,
    d: Vec<f64>,
    /// `(n - 1) / (x[n-1] - x[0])`: the first guess of [`Pchip::segment`]
    inv_spacing: f64,
}

impl Pchip {
    pub fn new(x: Vec<f64>, y: Vec<f64>) -> Result<Pchip, HydroError> {
        let n = x.len();
        if n < 3 || y.len() != n {
            return Err(HydroError::InvalidParameter {
                name: "table",
                value: n as f64,
                reason: "need >= 3 nodes and as many values",
            });
        }
        if x.windows(2).any(|w| w[1] <= w[0]) || x.iter().chain(&y).any(|v| !v.is_finite()) {
            return Err(HydroError::InvalidParameter {
                name: "table",
                value: f64::NAN,
                reason: "nodes must be strictly increasing and values finite",
            });
        }
        let h: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        let del: Vec<f64> = (0..n - 1).map(|k| (y[k + 1] - y[k]) / h[k]).collect();
        let mut d = vec![0.0; n];
        for k in 1..n - 1 {
            if del[k - 1] * del[k] > 0.0 {
                let w1 = 2.0 * h[k] + h[k - 1];
                let w2 = h[k] + 2.0 * h[k - 1];
                d[k] = (w1 + w2) / (w1 / del[k - 1] + w2 / del[k]);
            }
        }
        let end = |h0: f64, h1: f64, d0: f64, d1: f64| {
            // non-centred three-point formula, shape preserving (Moler, "Numerical computing with MATLAB")
            let s = ((2.0 * h0 + h1) * d0 - h0 * d1) / (h0 + h1);
            if s * d0 <= 0.0 {
                0.0
            } else if d0 * d1 <= 0.0 && s.abs() > 3.0 * d0.abs() {
                3.0 * d0
            } else {
                s
            }
        };
        d[0] = end(h[0], h[1], del[0], del[1]);
        d[n - 1] = end(h[n - 2], h[n - 3], del[n - 2], del[n - 3]);
        let inv_spacing = (n - 1) as f64 / (x[n - 1] - x[0]);
        Ok(Pchip {
            x,
            y,
            d,
            inv_spacing,
        })
    }

    /// Index k of the cubic used at `t`: the last node with `x[k] <= t`, clamped to the
    /// segments `0..=n-2` (so the end cubics extend outside the table; NaN gives 0).
    ///
    /// The tables of this crate are (nearly) uniform: the guess from the uniform spacing is
    /// corrected by a few comparisons, so the result is exactly that of a binary search (to
    /// which it falls back when the guess is far off) at a fraction of its cost, which
    /// dominated the Burgers solver's time.
    fn segment(&self, t: f64) -> usize {
        let x = &self.x;
        let last = x.len() - 2;
        // `as usize` saturates: negative and NaN give 0, +inf gives usize::MAX
        let mut k = (((t - x[0]) * self.inv_spacing) as usize).min(last);
        for _ in 0..4 {
            if k > 0 && x[k] > t {
                k -= 1;
            } else if k < last && x[k + 1] <= t {
                k += 1;
            } else {
                return k;
            }
        }
        self.x.partition_point(|&v| v <= t).clamp(1, last + 1) - 1
    }

    /// Interpolated value.
    pub fn eval(&self, t: f64) -> f64 {
        let k = self.segment(t);
        let h = self.x[k + 1] - self.x[k];
        let s = (t - self.x[k]) / h;
        let (h00, h10, h01, h11) = (
            (1.0 + 2.0 * s) * (1.0 - s) * (1.0 - s),
            s * (1.0 - s) * (1.0 - s),
            s * s * (3.0 - 2.0 * s),
            s * s * (s - 1.0),
        );
        h00 * self.y[k] + h10 * h * self.d[k] + h01 * self.y[k + 1] + h11 * h * self.d[k + 1]
    }

    /// Derivative of the interpolant.
    pub fn derivative(&self, t: f64) -> f64 {
        let k = self.segment(t);
        let h = self.x[k + 1] - self.x[k];
        let s = (t - self.x[k]) / h;
        let (d00, d10, d01, d11) = (
            6.0 * s * (s - 1.0) / h,
            (1.0 - s) * (1.0 - 3.0 * s),
            -6.0 * s * (s - 1.0) / h,
            s * (3.0 * s - 2.0),
        );
        d00 * self.y[k] + d10 * self.d[k] + d01 * self.y[k + 1] + d11 * self.d[k + 1]
    }

    /// Nodes of the table.
    pub fn nodes(&self) -> &[f64] {
        &self.x
    }
}

/// A transport model tabulated on a density grid, `J`, `u` and `D` each interpolated by PCHIP
/// (u is tabulated from its own formula (88), not differentiated from the J table).
#[derive(Debug, Clone)]
pub struct Tabulated {
    pub current: Pchip,
    pub velocity: Pchip,
    pub diffusion: Pchip,
}

impl Tabulated {
    /// Tabulate `model` on the nodes `rho`.
    pub fn from_model(model: &dyn Transport, rho: &[f64]) -> Result<Tabulated, HydroError> {
        Tabulated::from_fns(
            rho,
            |r| model.current(r),
            |r| model.velocity(r),
            |r| model.diffusion(r),
        )
    }

    /// Tabulate three functions on the nodes `rho`.
    pub fn from_fns(
        rho: &[f64],
        j: impl Fn(f64) -> f64,
        u: impl Fn(f64) -> f64,
        d: impl Fn(f64) -> f64,
    ) -> Result<Tabulated, HydroError> {
        let x = rho.to_vec();
        Ok(Tabulated {
            current: Pchip::new(x.clone(), rho.iter().map(|&r| j(r)).collect())?,
            velocity: Pchip::new(x.clone(), rho.iter().map(|&r| u(r)).collect())?,
            diffusion: Pchip::new(x, rho.iter().map(|&r| d(r)).collect())?,
        })
    }

    /// Maximum interpolation errors (J, u, D) measured at the midpoints between nodes against
    /// `reference` (relative to the maximum of |J|, |u|, |D| over the table).
    pub fn midpoint_errors(&self, reference: &dyn Transport) -> [f64; 3] {
        let x = self.current.nodes();
        let mut err = [0.0f64; 3];
        let mut scale = [0.0f64; 3];
        for w in x.windows(2) {
            let m = 0.5 * (w[0] + w[1]);
            let exact = [
                reference.current(m),
                reference.velocity(m),
                reference.diffusion(m),
            ];
            let got = [self.current(m), self.velocity(m), self.diffusion(m)];
            for k in 0..3 {
                err[k] = err[k].max((exact[k] - got[k]).abs());
                scale[k] = scale[k].max(exact[k].abs());
            }
        }
        [0, 1, 2].map(|k| err[k] / scale[k].max(f64::MIN_POSITIVE))
    }
}

impl Transport for Tabulated {
    fn current(&self, rho: f64) -> f64 {
        self.current.eval(rho)
    }
    fn velocity(&self, rho: f64) -> f64 {
        self.velocity.eval(rho)
    }
    fn diffusion(&self, rho: f64) -> f64 {
        self.diffusion.eval(rho)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The segment search with a uniform-spacing guess picks exactly the segment of a binary
    /// search, for uniform, linspace-rounded and strongly non-uniform nodes, at the nodes,
    /// between them, outside the table and at non-finite points.
    #[test]
    fn segment_equals_binary_search() {
        let reference = |x: &[f64], t: f64| match x.partition_point(|&v| v <= t) {
            0 => 0,
            k if k >= x.len() => x.len() - 2,
            k => k - 1,
        };
        let tables: Vec<Vec<f64>> = vec![
            (0..401).map(|k| 2.04 * k as f64 / 400.0).collect(),
            (0..401).map(|k| k as f64 * (2.04 / 400.0)).collect(),
            (0..50)
                .map(|k| (k as f64 / 49.0).powi(3) * 7.0 - 1.0)
                .collect(),
            vec![0.0, 1e-9, 1.0],
        ];
        for x in &tables {
            let p = Pchip::new(x.clone(), x.iter().map(|v| v.sin()).collect()).unwrap();
            let (lo, hi) = (x[0], x[x.len() - 1]);
            let mut points = vec![
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                lo - 1.0,
                hi + 1.0,
            ];
            for w in x.windows(2) {
                points.extend([w[0], w[1], 0.5 * (w[0] + w[1])]);
                points.extend([w[0].next_up(), w[0].next_down(), w[1].next_down()]);
            }
            points.extend((0..10_000).map(|i| lo + (hi - lo) * (i as f64 / 9_999.0)));
            for t in points {
                assert_eq!(
                    p.segment(t),
                    reference(x, t),
                    "t = {t:e} on {} nodes",
                    x.len()
                );
            }
        }
    }

    #[test]
    fn pchip_reproduces_cubic_free_data_and_is_monotone() {
        // monotone data with a kink: interpolant monotone, hits the nodes
        let x: Vec<f64> = (0..12).map(|i| i as f64 * 0.5).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|&t| if t < 2.0 { t } else { 2.0 + 0.01 * (t - 2.0) })
            .collect();
        let p = Pchip::new(x.clone(), y.clone()).unwrap();
        for (a, b) in x.iter().zip(&y) {
            assert!((p.eval(*a) - b).abs() < 1e-14);
        }
        let mut prev = p.eval(0.0);
        for k in 1..2000 {
            let v = p.eval(k as f64 * 5.5 / 2000.0);
            assert!(v >= prev - 1e-15, "not monotone at {k}");
            prev = v;
        }
    }

    #[test]
    fn pchip_error_converges_on_smooth_monotone_function() {
        // J(rho) = rho - 0.1 rho^2 + 0.05 sin(rho) style, monotone on [0, 4]
        let f = |r: f64| r + 0.3 * r * r + 0.2 * r.sin();
        let mut errs = Vec::new();
        for &n in &[21usize, 41, 81, 161] {
            let x: Vec<f64> = (0..n).map(|i| 4.0 * i as f64 / (n - 1) as f64).collect();
            let y = x.iter().map(|&r| f(r)).collect();
            let p = Pchip::new(x, y).unwrap();
            let e = (0..1000)
                .map(|k| {
                    let r = 4.0 * (k as f64 + 0.37) / 1000.0;
                    (p.eval(r) - f(r)).abs()
                })
                .fold(0.0, f64::max);
            errs.push(e);
        }
        println!("PCHIP max error vs nodes 21,41,81,161: {errs:?}");
        for w in errs.windows(2) {
            let order = (w[0] / w[1]).log2();
            println!("  observed order {order:.2}");
            assert!(order > 2.5, "PCHIP order {order}");
        }
        // derivative consistent with a centred difference of the interpolant
        let x: Vec<f64> = (0..41).map(|i| 0.1 * i as f64).collect();
        let p = Pchip::new(x.clone(), x.iter().map(|&r| f(r)).collect()).unwrap();
        for r in [0.33, 1.71, 3.05] {
            let h = 1e-6;
            let fd = (p.eval(r + h) - p.eval(r - h)) / (2.0 * h);
            assert!((fd - p.derivative(r)).abs() < 1e-7);
        }
    }
}
