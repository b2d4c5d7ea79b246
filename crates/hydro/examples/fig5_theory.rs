//! Kinetic (38)/(39) vs hydrodynamic (2) density profiles for the Fig. 5 baths, on a periodic box
//! with a Gaussian bump: prints the L1 distance per time and the profile skewness.
//! `cargo run --release -p hydro --example fig5_theory -- BOX WIDTH N T1,T2,... [CELLS] [DT]`

use hydro::{Boundary, Burgers, BurgersConfig, Grid, KineticSolver, Limiter, Tabulated};
use kinetic::{Bath, Statistics, SwapModel, VelocityGrid};

fn skew(x: &[f64], r: &[f64]) -> f64 {
    let m0: f64 = r.iter().sum();
    let m1 = x.iter().zip(r).map(|(x, r)| x * r).sum::<f64>() / m0;
    let m2 = x
        .iter()
        .zip(r)
        .map(|(x, r)| (x - m1).powi(2) * r)
        .sum::<f64>()
        / m0;
    let m3 = x
        .iter()
        .zip(r)
        .map(|(x, r)| (x - m1).powi(3) * r)
        .sum::<f64>()
        / m0;
    m3 / m2.powf(1.5)
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let box_len: f64 = a[1].parse().unwrap();
    let width: f64 = a[2].parse().unwrap();
    let n: f64 = a[3].parse().unwrap();
    let times: Vec<f64> = a[4].split(',').map(|s| s.parse().unwrap()).collect();
    let cells: usize = a
        .get(5)
        .map(|s| s.parse().unwrap())
        .unwrap_or(box_len as usize);
    let dt: f64 = a.get(6).map(|s| s.parse().unwrap()).unwrap_or(0.05);
    let grid = Grid::new(0.0, box_len, cells).unwrap();
    let peak = n / ((2.0 * std::f64::consts::PI).sqrt() * width);
    let rho0 =
        grid.cell_averages(|x| peak * (-(x - box_len / 2.0).powi(2) / (2.0 * width * width)).exp());
    println!("peak density {peak:.4}");
    for (label, stats, b) in [
        ("a", Statistics::Classical, 1.0),
        ("b", Statistics::Fermionic, 1.0),
        ("c", Statistics::Classical, 0.3),
        ("d", Statistics::Fermionic, 0.3),
    ] {
        let bath = Bath::bragg(6.0, 5.9, b, 50.0).unwrap();
        let model = SwapModel::new(
            bath.clone(),
            0.08,
            stats,
            VelocityGrid::for_bath(&bath, 1e-20, 0.5).unwrap(),
        )
        .unwrap();
        let top = 1.02 * peak;
        let nodes: Vec<f64> = (0..201).map(|k| top * k as f64 / 200.0).collect();
        let tiny = 1e-9 * top;
        let tr = |r: f64| model.transport(r.max(tiny)).unwrap();
        let table = Tabulated::from_fns(
            &nodes,
            |r| if r == 0.0 { 0.0 } else { tr(r).current },
            |r| tr(r).u,
            |r| tr(r).diffusion,
        )
        .unwrap();
        println!(
            "panel {label}: u(0)={:.4} u(peak)={:.4} D(0)={:.4} D(peak)={:.4}",
            tr(0.0).u,
            tr(peak).u,
            tr(0.0).diffusion,
            tr(peak).diffusion
        );
        let mut hy =
            Burgers::new(BurgersConfig::new(grid, Boundary::Periodic, 0.1), &table).unwrap();
        let mut kin = KineticSolver::new(&model, grid, Limiter::MonotonizedCentral).unwrap();
        kin.set_local_stationary(&rho0).unwrap();
        println!("  initial occupation range {:?}", kin.occupation_range());
        let mut rh = rho0.clone();
        let mut t = 0.0;
        let x = grid.centers();
        let start = std::time::Instant::now();
        for &tt in &times {
            hy.evolve(&mut rh, tt - t).unwrap();
            kin.evolve(tt - t, dt).unwrap();
            t = tt;
            let rk = kin.density();
            let d = rk.iter().zip(&rh).map(|(a, b)| (a - b).abs()).sum::<f64>() * grid.dx() / n;
            println!(
                "  t={tt:7.2} L1/N={d:.3e} skew hydro={:+.4} kinetic={:+.4}  ({:.1}s)",
                skew(&x, &rh),
                skew(&x, &rk),
                start.elapsed().as_secs_f64()
            );
        }
    }
}
