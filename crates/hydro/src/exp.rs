//! An exponential the compiler can vectorise: the fermionic collision step of the phase-space
//! solver (`phase_space`) needs one `e^{-a_j tau}` per velocity node and cell every half step,
//! and the C library's `exp` (a call per value) took a fifth of the solver's time.
//!
//! Method (the textbook one, e.g. Muller, "Elementary Functions", ch. 11): `x = k ln 2 + r` with
//! `k = round(x / ln 2)`, `|r| <= ln 2 / 2`, `r` computed with a two-part `ln 2` (Cody-Waite, the
//! high part has 32 trailing zero bits so `k ln2_hi` is exact); `e^r` by its Taylor polynomial of
//! degree 13 (truncation `r^14/14! < 4e-18` relative); the result scaled by `2^k` (one exact
//! multiplication). Branch-free (selects only, no 64-bit arithmetic shifts), so a loop over
//! values compiles to vector instructions.
//!
//! Accuracy: within 2 units in the last place of the correctly rounded value for results in
//! the normal range (test `exp_within_two_ulp`, which also measures the largest error); results
//! near the smallest normal double (`x < -708`, `e^x < 3.4e-308`) are flushed to 0, an
//! absolute error below 3.4e-308; `exp(-inf) = 0`, `exp(+inf) = inf`, `exp(NaN) = NaN`.

/// `ln 2` split as in fdlibm: `LN2_HI` has 32 trailing zero bits.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 6.93147180369123816490e-01
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927058770002e-10
/// `1.5 * 2^52`: adding it rounds to an integer held in the low mantissa bits.
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// `1/k!`, k = 13 down to 2.
const C: [f64; 12] = [
    1.0 / 6_227_020_800.0,
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    0.5,
];

/// Below this (`e^x < 3.4e-308`, near the smallest normal double) the result is returned as 0.
const FLUSH: f64 = -708.0;
/// Above this `e^x` overflows.
const OVERFLOW: f64 = 709.782_712_893_384;

/// `e^x` of every value of `x` (see the module docs). Written as one short loop over the
/// values per step of the algorithm, the form the compiler vectorises.
#[inline(always)]
pub(crate) fn exp_lanes<const N: usize>(x: &[f64; N]) -> [f64; N] {
    let (mut t, mut r) = ([0.0; N], [0.0; N]);
    for l in 0..N {
        // keeps k within [-1021, 1024] (the selects below replace the ends)
        let xc = x[l].clamp(FLUSH, OVERFLOW);
        t[l] = xc * std::f64::consts::LOG2_E + SHIFT;
        let kf = t[l] - SHIFT;
        r[l] = (xc - kf * LN2_HI) - kf * LN2_LO;
    }
    let mut p = [C[0]; N];
    for &c in &C[1..] {
        for l in 0..N {
            p[l] = p[l] * r[l] + c;
        }
    }
    let mut y = [0.0; N];
    for l in 0..N {
        let q = (p[l] * r[l] + 1.0) * r[l] + 1.0;
        // 2^(k-1) from the low bits of t, which hold 2^51 + k (the high bits shift out); the
        // factor 2 is applied to q, exactly, so that k = 1024 needs no exponent beyond 1023
        let scale = f64::from_bits(t[l].to_bits().wrapping_add(1022) << 52);
        let v = (q * 2.0) * scale;
        let v = select(x[l] < FLUSH, 0.0, v);
        let v = select(x[l] > OVERFLOW, f64::INFINITY, v);
        y[l] = select(x[l].is_nan(), x[l], v);
    }
    y
}

/// `e^x` of one value: [`exp_lanes`] of one lane (the same operations).
#[cfg(test)]
pub(crate) fn exp(x: f64) -> f64 {
    exp_lanes(&[x])[0]
}

/// `if cond { a } else { b }` through bit masks: the form of a select that the compiler
/// vectorises inside a loop (a plain `if` on floats often blocks it).
#[inline(always)]
pub(crate) fn select(cond: bool, a: f64, b: f64) -> f64 {
    let m = (cond as u64).wrapping_neg();
    f64::from_bits((m & a.to_bits()) | (!m & b.to_bits()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite doubles of the same sign.
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn exp_within_two_ulp() {
        let mut worst = (0u64, 0.0);
        // dense sweeps of the reduced range, of the arguments the solver sees (moderate
        // negative) and of the whole range including subnormal results
        let ranges = [
            (-0.4, 0.4, 200_001),
            (-50.0, 5.0, 400_001),
            (-708.0, 709.78, 400_001),
        ];
        for (lo, hi, n) in ranges {
            for i in 0..n {
                let x: f64 = lo + (hi - lo) * (i as f64 / (n - 1) as f64);
                let (got, want) = (exp(x), x.exp());
                let d = ulps(got, want);
                if d > worst.0 {
                    worst = (d, x);
                }
            }
        }
        println!("largest error {} ulp at x = {:e}", worst.0, worst.1);
        let xs: [f64; 8] = std::array::from_fn(|i| -3.7 * i as f64 + 0.3);
        let ys = exp_lanes(&xs);
        for (x, y) in xs.iter().zip(ys) {
            assert_eq!(exp(*x).to_bits(), y.to_bits());
        }
        assert!(worst.0 <= 2, "{} ulp at x = {:e}", worst.0, worst.1);
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(-1000.0), 0.0);
        assert_eq!(exp(-708.01), 0.0);
        assert!(exp(-708.0) >= f64::MIN_POSITIVE);
        assert_eq!(exp(709.78), 709.78f64.exp());
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert!(exp(f64::NAN).is_nan());
    }
}
