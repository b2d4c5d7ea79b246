//! Helpers shared by the md integration tests.

use md::{CellAlgorithm, LatticeStationary, MixtureSampler};

/// Sampler of the Bragg bath (104) `kinetic::Bath::bragg(sigma, lambda_b, b, 1)` (the samplers
/// draw from the normalised law; rho_b enters the simulators through their rate).
pub fn bragg(sigma: f64, lambda_b: f64, b: f64) -> MixtureSampler {
    MixtureSampler::from_bath(&kinetic::Bath::bragg(sigma, lambda_b, b, 1.0).unwrap()).unwrap()
}

/// Second moment `sum_k q_k v_k^2` of the bath's level weights (the velocity variance of a
/// freshly scattered fermion on the lattice of `algo`), over |v| <= 80 (bath negligible beyond).
pub fn lattice_second_moment(algo: &CellAlgorithm) -> f64 {
    let (k0, k1) = (algo.level(-80.0), algo.level(80.0));
    let q = LatticeStationary::level_weights(algo, k0, k1);
    (k0..=k1)
        .zip(&q)
        .map(|(k, q)| q * algo.velocity(k).powi(2))
        .sum()
}

/// Weighted least-squares polynomial `y = c_0 + c_1 x + ... + c_d x^d` through points
/// `(x, y, sem_y)`: the coefficients, their standard errors (from the points' errors, the
/// diagonal of the inverse normal matrix) and the chi-square per degree of freedom.
#[derive(Debug, Clone)]
#[allow(dead_code)] // not every test binary that includes this module fits polynomials
pub struct PolyFit {
    pub coef: Vec<f64>,
    pub sem: Vec<f64>,
    pub chi2_dof: f64,
}

#[allow(dead_code)]
pub fn weighted_poly(pts: &[(f64, f64, f64)], degree: usize) -> PolyFit {
    let m = degree + 1;
    assert!(pts.len() > m, "a fit needs more points than coefficients");
    // normal equations A c = b, A = sum w x^(i+j), b = sum w y x^i; inverse by Gauss-Jordan
    let mut a = vec![vec![0.0; 2 * m]; m];
    let mut b = vec![0.0; m];
    for &(x, y, e) in pts {
        let w = 1.0 / (e * e);
        for (i, (row, bi)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
            *bi += w * y * x.powi(i as i32);
            for (j, aij) in row[..m].iter_mut().enumerate() {
                *aij += w * x.powi((i + j) as i32);
            }
        }
    }
    for (i, row) in a.iter_mut().enumerate() {
        row[m + i] = 1.0;
    }
    for col in 0..m {
        let piv = (col..m)
            .max_by(|&r, &s| a[r][col].abs().total_cmp(&a[s][col].abs()))
            .unwrap();
        a.swap(col, piv);
        let d = a[col][col];
        a[col].iter_mut().for_each(|v| *v /= d);
        for r in 0..m {
            if r != col {
                let f = a[r][col];
                let pivot_row = a[col].clone();
                a[r].iter_mut()
                    .zip(&pivot_row)
                    .for_each(|(v, p)| *v -= f * p);
            }
        }
    }
    let inv: Vec<Vec<f64>> = a.iter().map(|row| row[m..].to_vec()).collect();
    let coef: Vec<f64> = (0..m)
        .map(|i| (0..m).map(|j| inv[i][j] * b[j]).sum())
        .collect();
    let chi2: f64 = pts
        .iter()
        .map(|&(x, y, e)| {
            let f: f64 = coef
                .iter()
                .enumerate()
                .map(|(i, c)| c * x.powi(i as i32))
                .sum();
            ((y - f) / e).powi(2)
        })
        .sum();
    PolyFit {
        sem: (0..m).map(|i| inv[i][i].sqrt()).collect(),
        coef,
        chi2_dof: chi2 / (pts.len() - m) as f64,
    }
}

#[cfg(test)]
mod tests {
    /// Exact data on a parabola come back exactly; the errors of a straight line through two
    /// symmetric points are the textbook ones.
    #[test]
    fn weighted_poly_recovers_a_parabola() {
        let pts: Vec<(f64, f64, f64)> = [0.0, 0.5, 1.0, 2.0]
            .iter()
            .map(|&x| (x, 1.0 - 2.0 * x + 3.0 * x * x, 0.1))
            .collect();
        let f = super::weighted_poly(&pts, 2);
        for (c, e) in f.coef.iter().zip([1.0, -2.0, 3.0]) {
            assert!((c - e).abs() < 1e-12, "{f:?}");
        }
        assert!(f.chi2_dof < 1e-20);
        let line = super::weighted_poly(&[(-1.0, 0.0, 1.0), (1.0, 0.0, 1.0), (0.0, 0.0, 1.0)], 1);
        // intercept: sem 1/sqrt(3); slope: 1/sqrt(sum x^2) = 1/sqrt(2)
        assert!((line.sem[0] - 3f64.sqrt().recip()).abs() < 1e-12);
        assert!((line.sem[1] - 2f64.sqrt().recip()).abs() < 1e-12);
    }
}
