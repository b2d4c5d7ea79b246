//! Wall time and numerical error of `hydro::kinetic_profiles` on the Fig. 5 setup (fermionic,
//! b = 0.3): periodic box 4000, Gaussian bump std 320 centred at 2600 with N = 1600, bath
//! sigma = 6, lambda_B = 5.9, rho_b = 50, gamma = 0.08, output times 0, 100, 200, 400.
//!
//! `cargo run --release -p hydro --example fig5_kinetic -- CELLS SPACING TAIL_TOL DT ADVECTION RICHARDSON [OUT]`
//! with ADVECTION `spectral` or `sl` (semi-Lagrangian, MC limiter) and RICHARDSON `1`/`0`;
//! prints the wall time, the Richardson estimates, occupations and drift, and writes the
//! densities (cell averages, little-endian f64, times x cells) to OUT if given. With the
//! environment variable CLASSICAL set, the classical model (38) instead.
//! TAIL_TOL must leave the stationary state negligible at the grid edges
//! (`kinetic::SwapModel::stationary` checks 1e-14 relative): 1e-20 works, 1e-12 and 1e-16 fail.

use std::io::Write;
use std::time::Instant;

use hydro::{Advection, Grid, Limiter, kinetic_profiles};
use kinetic::{Bath, Statistics, SwapModel, VelocityGrid};

fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 7 {
        anyhow::bail!("usage: CELLS SPACING TAIL_TOL DT ADVECTION RICHARDSON [OUT]");
    }
    let cells: usize = a[1].parse()?;
    let spacing: f64 = a[2].parse()?;
    let tail: f64 = a[3].parse()?;
    let dt: f64 = a[4].parse()?;
    let advection = match a[5].as_str() {
        "spectral" => Advection::Spectral,
        "sl" => Advection::SemiLagrangian(Limiter::MonotonizedCentral),
        s => anyhow::bail!("unknown advection {s}"),
    };
    let richardson = a[6] == "1";
    let bath = Bath::bragg(6.0, 5.9, 0.3, 50.0)?;
    let vgrid = VelocityGrid::for_bath(&bath, tail, spacing)?;
    let stats = if std::env::var("CLASSICAL").is_ok() {
        Statistics::Classical
    } else {
        Statistics::Fermionic
    };
    let model = SwapModel::new(bath, 0.08, stats, vgrid)?;
    let grid = Grid::new(0.0, 4000.0, cells)?;
    let (n, c, s) = (1600.0, 2600.0, 320.0);
    // periodised Gaussian, as the MD stage's initial profile
    let rho0 = grid.cell_averages(|x| {
        (-3..=3)
            .map(|k| {
                let d = x - c - k as f64 * 4000.0;
                n / ((2.0 * std::f64::consts::PI).sqrt() * s) * (-d * d / (2.0 * s * s)).exp()
            })
            .sum()
    });
    let times = [0.0, 100.0, 200.0, 400.0];
    let t0 = Instant::now();
    let p = kinetic_profiles(&model, grid, advection, &rho0, &times, dt, richardson)?;
    let wall = t0.elapsed().as_secs_f64();
    println!(
        "cells {cells} spacing {spacing} tail {tail:e} ({} nodes on {:?}) dt {dt} {} richardson {richardson}: wall {wall:.2} s, steps {}, occupations [{:.3e}, {:.15}], max number drift {:.2e}, richardson_l1 {:?}",
        model.grid().len(),
        model.grid().interval(),
        a[5],
        p.steps,
        p.occupation_range.0,
        p.occupation_range.1,
        p.max_relative_number_drift,
        p.richardson_l1
    );
    if let Some(out) = a.get(7) {
        let mut f = std::fs::File::create(out)?;
        for d in &p.densities {
            for v in d {
                f.write_all(&v.to_le_bytes())?;
            }
        }
    }
    Ok(())
}
