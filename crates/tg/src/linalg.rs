//! Dense generalized symmetric eigenproblem K x = g M x (M SPD) by Cholesky reduction with faer:
//! M = L L^T, A = L^{-1} K L^{-T}, eig(A) (faer 0.24 has no generalized symmetric solver).

use crate::{Result, TgError};
use faer::{Mat, Side};

/// Row-major square matrix helper -> faer Mat.
pub fn to_mat(n: usize, a: &[f64]) -> Mat<f64> {
    Mat::from_fn(n, n, |i, j| a[i * n + j])
}

/// Eigenvalues (ascending) of K x = g M x for symmetric K and SPD M (row-major n x n).
pub fn generalized_eigenvalues(n: usize, k: &[f64], m: &[f64]) -> Result<Vec<f64>> {
    let km = to_mat(n, k);
    let mm = to_mat(n, m);
    let llt = mm
        .llt(Side::Lower)
        .map_err(|e| TgError::Linalg(format!("Cholesky of the mass matrix failed: {e:?}")))?;
    let l = llt.L();
    let mut x = km.clone();
    l.solve_lower_triangular_in_place(x.as_mut()); // L^{-1} K
    let mut y = x.transpose().to_owned(); // K L^{-T}... = (L^{-1} K)^T
    l.solve_lower_triangular_in_place(y.as_mut()); // L^{-1} K L^{-T}
    let a = Mat::from_fn(n, n, |i, j| 0.5 * (y[(i, j)] + y[(j, i)]));
    a.self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| TgError::Linalg(format!("symmetric eigensolver failed: {e:?}")))
}

/// x^T K^{-1} x for SPD K (row-major), via Cholesky: |L^{-1} x|^2.
pub fn inverse_quadratic_form(n: usize, k: &[f64], x: &[f64]) -> Result<f64> {
    let km = to_mat(n, k);
    let llt = km
        .llt(Side::Lower)
        .map_err(|e| TgError::Linalg(format!("Cholesky of the stiffness matrix failed: {e:?}")))?;
    let mut v = Mat::from_fn(n, 1, |i, _| x[i]);
    llt.L().solve_lower_triangular_in_place(v.as_mut());
    Ok((0..n).map(|i| v[(i, 0)] * v[(i, 0)]).sum())
}

/// Solves a symmetric tridiagonal system (diag d, off-diagonal e, e[i] couples i and i+1) by
/// the Thomas algorithm (stable for SPD).
pub fn solve_tridiagonal(d: &[f64], e: &[f64], rhs: &[f64]) -> Vec<f64> {
    let n = d.len();
    let mut c = vec![0.0; n];
    let mut y = vec![0.0; n];
    let mut piv = d[0];
    y[0] = rhs[0] / piv;
    for i in 1..n {
        c[i - 1] = e[i - 1] / piv;
        piv = d[i] - e[i - 1] * c[i - 1];
        y[i] = (rhs[i] - e[i - 1] * y[i - 1]) / piv;
    }
    for i in (0..n - 1).rev() {
        y[i] -= c[i] * y[i + 1];
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_eigenvalues_of_a_known_pencil() {
        // K = diag(1,2,3) in the basis B (M = B^T B): eigenvalues of K x = g M x with
        // K = B^T D B are D's entries.
        let b = [1.0, 0.5, 0.0, 0.0, 1.0, 0.3, 0.2, 0.0, 1.0];
        let d = [1.0, 2.0, 3.0];
        let n = 3;
        let mut k = vec![0.0; 9];
        let mut m = vec![0.0; 9];
        for i in 0..n {
            for j in 0..n {
                for l in 0..n {
                    k[i * n + j] += b[l * n + i] * d[l] * b[l * n + j];
                    m[i * n + j] += b[l * n + i] * b[l * n + j];
                }
            }
        }
        let g = generalized_eigenvalues(n, &k, &m).unwrap();
        for (a, e) in g.iter().zip(d) {
            assert!((a - e).abs() < 1e-12, "{g:?}");
        }
        // x^T K^{-1} x with K = M: x = M e_1 -> e_1^T M e_1
        let x: Vec<f64> = (0..n).map(|i| m[i * n]).collect();
        let q = inverse_quadratic_form(n, &m, &x).unwrap();
        assert!((q - m[0]).abs() < 1e-12);
    }

    #[test]
    fn tridiagonal_solver() {
        let d = [4.0, 5.0, 6.0, 7.0];
        let e = [1.0, -2.0, 0.5];
        let x = [1.0, -1.0, 2.0, 0.25];
        let rhs: Vec<f64> = (0..4)
            .map(|i| {
                d[i] * x[i]
                    + if i > 0 { e[i - 1] * x[i - 1] } else { 0.0 }
                    + if i < 3 { e[i] * x[i + 1] } else { 0.0 }
            })
            .collect();
        let y = solve_tridiagonal(&d, &e, &rhs);
        for i in 0..4 {
            assert!((y[i] - x[i]).abs() < 1e-13);
        }
    }
}
