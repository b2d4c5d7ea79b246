//! Measures of density profiles on a periodic box, defined once: the producer uses them for the
//! columns and records it writes (`hydro_limit`, the hydrodynamic resolution check), the audit
//! for its checks and regression summaries.

/// Moments of a density profile on a periodic box of length `box_len` with bin centres `x`:
/// [mass, mean, variance, skewness]. The centre is the circular mean; positions are unwrapped
/// to `[-L/2, L/2)` around it; mass = sum rho dx.
pub fn moments(x: &[f64], rho: &[f64], box_len: f64) -> [f64; 4] {
    let dx = box_len / x.len() as f64;
    let k = 2.0 * std::f64::consts::PI / box_len;
    let (s, c) = x.iter().zip(rho).fold((0.0, 0.0), |(s, c), (&xi, &r)| {
        (s + r * (k * xi).sin(), c + r * (k * xi).cos())
    });
    let centre = s.atan2(c) / k;
    let d: Vec<f64> = x
        .iter()
        .map(|&xi| (xi - centre + 0.5 * box_len).rem_euclid(box_len) - 0.5 * box_len)
        .collect();
    let m0: f64 = rho.iter().sum();
    let m1: f64 = d.iter().zip(rho).map(|(d, r)| d * r).sum::<f64>() / m0;
    let m2: f64 = d
        .iter()
        .zip(rho)
        .map(|(d, r)| (d - m1).powi(2) * r)
        .sum::<f64>()
        / m0;
    let m3: f64 = d
        .iter()
        .zip(rho)
        .map(|(d, r)| (d - m1).powi(3) * r)
        .sum::<f64>()
        / m0;
    let mean = (centre + m1).rem_euclid(box_len);
    [m0 * dx, mean, m2, m3 / m2.powf(1.5)]
}

/// Skewness of a profile ([`moments`]).
pub fn skewness(x: &[f64], rho: &[f64], box_len: f64) -> f64 {
    moments(x, rho, box_len)[3]
}

/// L1 distance of two profiles on the same uniform grid of spacing `dx`, relative to `mass`.
pub fn l1_rel(a: &[f64], b: &[f64], dx: f64, mass: f64) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() * dx / mass
}

/// Average of consecutive groups of `k` cells (exact for cell averages on nested grids).
pub fn coarsen(v: &[f64], k: usize) -> Vec<f64> {
    v.chunks(k)
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect()
}

/// Greatest common divisor (cell counts of two grids: their common coarse grid).
pub fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_of_a_gaussian_across_the_seam() {
        let l = 40.0;
        let n = 400;
        let x: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) * l / n as f64).collect();
        let rho: Vec<f64> = x
            .iter()
            .map(|x| {
                let d2 = [x - 38.0, x - 38.0 + l, x - 38.0 - l]
                    .iter()
                    .map(|d: &f64| d * d)
                    .fold(f64::INFINITY, f64::min);
                100.0 * (-d2 / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
            })
            .collect();
        let m = moments(&x, &rho, l);
        assert!((m[0] - 100.0).abs() < 1e-9, "mass");
        assert!(
            (m[1] - 38.0).abs() < 1e-9,
            "mean across the periodic boundary"
        );
        assert!(
            (m[2] - 1.0).abs() < 1e-3,
            "variance (midpoint rule + h^2/12)"
        );
        assert!(m[3].abs() < 1e-9, "symmetric: no skewness");
    }

    #[test]
    fn skewness_of_skewed_profiles_and_helpers() {
        let l = 100.0;
        let x: Vec<f64> = (0..400).map(|i| (i as f64 + 0.5) * l / 400.0).collect();
        // symmetric bump across the periodic seam: zero skewness
        let sym: Vec<f64> = x
            .iter()
            .map(|&x| {
                let d = (x - 2.0f64).rem_euclid(l).min((2.0 - x).rem_euclid(l));
                (-d * d / 20.0).exp()
            })
            .collect();
        assert!(skewness(&x, &sym, l).abs() < 1e-10);
        // exponential-tailed profile to the right: positive skewness (~2 for an exponential)
        let right: Vec<f64> = x
            .iter()
            .map(|&x| {
                if x > 30.0 {
                    (-(x - 30.0) / 5.0).exp()
                } else {
                    0.0
                }
            })
            .collect();
        let s = skewness(&x, &right, l);
        assert!(s > 1.5 && s < 2.1, "{s}");
        let left: Vec<f64> = right.iter().rev().cloned().collect();
        assert!((skewness(&x, &left, l) + s).abs() < 1e-9);
        assert_eq!(
            (gcd(4000, 1000), gcd(1000, 400), gcd(200, 7)),
            (1000, 200, 1)
        );
        assert_eq!(coarsen(&[1.0, 3.0, 5.0, 7.0], 2), vec![2.0, 6.0]);
        assert!((l1_rel(&[1.0, 2.0], &[2.0, 2.0], 0.5, 1.0) - 0.5).abs() < 1e-15);
    }
}
