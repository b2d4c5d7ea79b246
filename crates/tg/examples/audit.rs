//! Truncation audit at one density, printed as tables (release mode):
//! `cargo run -p tg --release --example audit -- [rho] [T] [mu_b]`
use std::time::Instant;
use tg::diffusion::{closed_form, fem_direct, galerkin};
use tg::spectrum::{Fem, PolyBasis};
use tg::stationary::GridSpec;
use tg::{Bath, StationaryState};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<f64> = std::env::args()
        .skip(1)
        .map(|s| s.parse().unwrap())
        .collect();
    let rho = a.first().copied().unwrap_or(0.5);
    let t = a.get(1).copied().unwrap_or(4.0);
    let mu = a.get(2).copied().unwrap_or(0.0);
    let bath = Bath::Thermal { temperature: t, mu };
    let t0 = Instant::now();
    let s = StationaryState::from_rho(bath, rho, GridSpec::default())?;
    println!(
        "rho={rho} T={t} mu_b={mu}: nu={:.6} grid L={:.1} nodes={}",
        s.nu,
        s.grid.half_width,
        s.grid.nodes.len()
    );
    let nmax = 64;
    let pb = PolyBasis::new(&s, nmax, None)?;
    println!(
        "basis built in {:.2?}; |M-I| = {:.2e}",
        t0.elapsed(),
        pb.orthonormality_error(nmax)
    );
    let ns = [2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 36];
    let mut dn = vec![];
    let mut g1 = vec![];
    println!("{:>4} {:>16} {:>14} {:>14}", "N", "D_N", "g1", "g2");
    for &n in &ns {
        let g = pb.rates(n)?;
        let d = galerkin(&pb, n).unwrap_or(f64::NAN);
        println!(
            "{n:>4} {d:>16.6} {:>14.6e} {:>14.6e}  g1/gmax {:.2e}",
            g[0],
            g.get(1).copied().unwrap_or(f64::NAN),
            g[0] / g[g.len() - 1]
        );
        dn.push(d);
        g1.push(g[0]);
    }
    println!("relative increments D_N: {}", rel_increments(&dn));
    println!("relative increments g1: {}", rel_increments(&g1));
    let lams = [5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0];
    let mut dl = vec![];
    println!(
        "{:>6} {:>16} {:>16} {:>14}",
        "Lambda", "D(Lambda)", "dD/dLambda", "FEM g1"
    );
    for (i, &l) in lams.iter().enumerate() {
        let d = closed_form(&s, l, (l * 200.0) as usize)?;
        let slope = if i > 0 {
            (d - dl[i - 1]) / (l - lams[i - 1])
        } else {
            f64::NAN
        };
        let fg = if l <= 30.0 {
            Fem::new(&s, l, (l * 20.0) as usize)?.rates()?[0]
        } else {
            f64::NAN
        };
        println!("{l:>6} {d:>16.6} {slope:>16.6} {fg:>14.6e}");
        dl.push(d);
    }
    println!("relative increments D(Lambda): {}", rel_increments(&dl));
    let f = Fem::new(&s, 10.0, 400)?;
    println!(
        "FEM direct D(10) = {:.6}, closed form {:.6}",
        fem_direct(&f)?,
        closed_form(&s, 10.0, 2000)?
    );
    println!("total {:.2?}", t0.elapsed());
    Ok(())
}

/// |x_{i+1} - x_i| / |x_{i+1}| (the convergence verdict itself is the audit's).
fn rel_increments(v: &[f64]) -> String {
    let d: Vec<String> = v
        .windows(2)
        .map(|w| format!("{:.1e}", ((w[1] - w[0]) / w[1]).abs()))
        .collect();
    d.join(", ")
}
