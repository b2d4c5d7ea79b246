//! Prints u, u', D (99) and D_direct at rho = 0.5, 1, 2 for the Fig. 4 models, with timings.
//! `cargo run --release -p kinetic --example fig4_table`
use kinetic::{Bath, Statistics, SwapModel};

fn main() -> Result<(), kinetic::KineticError> {
    for (name, b) in [("symmetric", 1.0), ("asymmetric", 0.3)] {
        for s in [Statistics::Classical, Statistics::Fermionic] {
            let model = SwapModel::with_default_grid(Bath::bragg(6.0, 5.9, b, 50.0)?, 0.08, s)?;
            for rho in [0.05, 0.5, 1.0, 2.0, 4.0] {
                let t0 = std::time::Instant::now();
                let st = model.stationary(rho)?;
                let t = model.transport_at(&st);
                let t1 = t0.elapsed();
                let dd = model.diffusion_direct_at(&st)?;
                let t2 = t0.elapsed() - t1;
                println!(
                    "{:9} {:10} rho={rho:<4} A={:.6e} u={:+.12} u'={:+.12} D={:.12} D_direct={:.12} rel={:.1e} J={:+.10}  [{:.1?} / direct {:.1?}]",
                    s.name(),
                    name,
                    st.a,
                    t.u,
                    t.du_drho,
                    t.diffusion,
                    dd,
                    (dd - t.diffusion).abs() / t.diffusion,
                    t.current,
                    t1,
                    t2
                );
            }
        }
    }
    Ok(())
}
