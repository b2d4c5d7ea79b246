//! Stage `fig2_md`: homogeneous relaxation of the classical velocity-swap model (paper Fig. 2,
//! Sec. III.C): MD ensemble of exact velocity-jump processes against the exact solution of (38).
//!
//! Outputs [`Table::Fig2Energy`] (e(t): ensemble mean, standard error, kinetic solution) and
//! [`Table::Fig2Velocities`] (initial and final velocity densities with error bars and their
//! theory, bin averages), record [`Fig2Record`]. Realization `i` uses the xoshiro256++ stream
//! `(seed, i)`: outputs are bit-identical for any `--jobs`.

use contract::Table;
use contract::fig2::{Fig2Record, Which, energy, velocities};
use contract::swap::BraggBath;
use kinetic::bath::Bath;
use md::{Bins, HomogeneousObs, JumpProcess, MeanSem, RealizationRng};
use pipeline::{FieldError, StageContext};
use polars_core::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::params::{at_least, bragg_bath, positive};
use crate::{io, sampler};
use executor::{Plan, Spec};

/// Parameters of the homogeneous classical relaxation (Fig. 2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fig2Md {
    /// system particles per realization (paper: 1600)
    pub n_particles: usize,
    /// system density rho (paper: 1; the homogeneous classical dynamics does not depend on it)
    pub rho: f64,
    /// bath density rho_b (paper: 100)
    pub rho_b: f64,
    /// collision constant gamma (paper: 0.001); collision rate per particle gamma rho_b
    pub gamma: f64,
    /// initial temperature (paper: 0.08)
    pub temperature: f64,
    /// bath (104) (paper: sigma = 0.2, lambda_B = 0.4, b = 0.5)
    pub bath: BraggBath,
    /// realizations (paper: 1000)
    pub realizations: usize,
    /// ensemble seed
    pub seed: u64,
    /// last sample time (the final histogram is taken there)
    pub t_max: f64,
    /// number of sample times, uniformly in [0, t_max]
    pub n_times: usize,
    /// velocity histogram range and bins
    pub lambda_min: f64,
    /// upper end of the velocity histogram
    pub lambda_max: f64,
    /// number of velocity bins
    pub n_bins: usize,
}

/// The ensemble of Fig. 2: realization `i` is one homogeneous relaxation.
struct Fig2Plan<'a> {
    params: &'a Fig2Md,
    process: JumpProcess,
    times: Vec<f64>,
    bins: Bins,
    ensembles: [Spec; 1],
}

impl Plan for Fig2Plan<'_> {
    type Row = HomogeneousObs;

    fn ensembles(&self) -> &[Spec] {
        &self.ensembles
    }

    fn realize(
        &self,
        _: usize,
        _: usize,
        rng: &mut RealizationRng,
    ) -> anyhow::Result<HomogeneousObs> {
        let p = self.params;
        Ok(self.process.relax_homogeneous(
            p.n_particles,
            p.temperature,
            &self.times,
            &self.bins,
            rng,
        ))
    }
}

impl Fig2Md {
    /// Range checks.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        at_least(&mut e, "n_particles", self.n_particles, 1);
        at_least(&mut e, "realizations", self.realizations, 2);
        for (f, v) in [
            ("rho", self.rho),
            ("rho_b", self.rho_b),
            ("gamma", self.gamma),
            ("temperature", self.temperature),
            ("t_max", self.t_max),
        ] {
            positive(&mut e, f, v);
        }
        bragg_bath(&mut e, "bath", &self.bath);
        at_least(&mut e, "n_times", self.n_times, 2);
        if !(self.lambda_max > self.lambda_min) {
            e.push(FieldError::new("lambda_max", "must exceed lambda_min"));
        }
        at_least(&mut e, "n_bins", self.n_bins, 1);
        e
    }

    /// The jump process of the model: rate gamma rho_b, new velocities from the bath.
    pub fn process(&self) -> anyhow::Result<JumpProcess> {
        let bath = Bath::bragg(self.bath.sigma, self.bath.lambda_b, self.bath.b, self.rho_b)?;
        Ok(JumpProcess::new(
            self.gamma,
            self.rho_b,
            sampler::sampler(&bath)?,
        )?)
    }

    /// Sample times, uniformly in [0, t_max].
    pub fn times(&self) -> Vec<f64> {
        (0..self.n_times)
            .map(|i| self.t_max * i as f64 / (self.n_times - 1) as f64)
            .collect()
    }

    /// The one ensemble of the stage.
    fn plan(&self) -> anyhow::Result<Fig2Plan<'_>> {
        Ok(Fig2Plan {
            params: self,
            process: self.process()?,
            times: self.times(),
            bins: Bins::new(self.lambda_min, self.lambda_max, self.n_bins)?,
            ensembles: [Spec {
                label: "Fig. 2 relaxation".into(),
                seed: self.seed,
                realizations: self.realizations,
            }],
        })
    }

    /// Array task `task` (chunks of `chunk` realizations) of the Slurm executor.
    pub fn run_task(
        &self,
        ctx: &StageContext,
        chunk: usize,
        task: usize,
    ) -> anyhow::Result<std::path::PathBuf> {
        executor::run_task(ctx, &self.plan()?, chunk, task)
    }

    /// Compute and write the Fig. 2 tables.
    pub fn run(&self, ctx: &StageContext) -> anyhow::Result<()> {
        let plan = self.plan()?;
        let (process, times, bins) = (&plan.process, &plan.times, &plan.bins);
        let [out] = <[_; 1]>::try_from(executor::run(ctx, &plan)?)
            .map_err(|_| anyhow::anyhow!("one ensemble"))?;
        let (rows, wall, thread_s) = (out.rows, out.wall_s, out.thread_s);
        let events: u64 = rows.iter().map(|o| o.events).sum();

        // e(t): ensemble mean, sem, exact solution of (38)
        let energies: Vec<&[f64]> = rows.iter().map(|o| o.energy.as_slice()).collect();
        let e = MeanSem::from_rows(&energies);
        let e0 = 0.5 * self.temperature;
        let e_kin: Vec<f64> = times.iter().map(|&t| process.energy_exact(e0, t)).collect();

        // velocity densities per realization: counts / (N * width)
        let w = bins.width();
        let norm = 1.0 / (self.n_particles as f64 * w);
        let dens = |f: &dyn Fn(&md::HomogeneousObs) -> &Vec<u32>| {
            let r: Vec<Vec<f64>> = rows
                .iter()
                .map(|o| f(o).iter().map(|&c| c as f64 * norm).collect())
                .collect();
            MeanSem::from_rows(&r)
        };
        let (d_init, d_final) = (dens(&|o| &o.initial), dens(&|o| &o.last));
        let edges = bins.edges();
        let thermal = Normal::new(0.0, self.temperature.sqrt())?;
        let th_init: Vec<f64> = edges
            .windows(2)
            .map(|q| (thermal.cdf(q[1]) - thermal.cdf(q[0])) / w)
            .collect();
        // final theory: (20) at the last time, plus the exact unrelaxed remainder e^{-γρ_b t} of
        // the thermal state (negligible when t_max >> 1/(γ ρ_b)); bin averages
        let decay = (-process.rate() * self.t_max).exp();
        let th_final: Vec<f64> = edges
            .windows(2)
            .map(|q| {
                (1.0 - decay) * process.sampler().bath().prob(q[0], q[1]) / w
                    + decay * (thermal.cdf(q[1]) - thermal.cdf(q[0])) / w
            })
            .collect();
        let (e_mean, e_sem) = (e.mean.to_vec(), e.sem.to_vec());
        let (i_mean, i_sem) = (d_init.mean.to_vec(), d_init.sem.to_vec());
        let (f_mean, f_sem) = (d_final.mean.to_vec(), d_final.sem.to_vec());
        for (what, v) in [
            ("e_mean", &e_mean),
            ("e_sem", &e_sem),
            ("initial density", &i_mean),
            ("final density", &f_mean),
        ] {
            io::ensure_finite(what, v)?;
        }

        io::record(
            ctx,
            &Fig2Record {
                n_particles: self.n_particles,
                realizations: self.realizations,
                seed: self.seed,
                collision_events: events,
                wall_s: wall,
                events_per_s: events as f64 / wall,
                thread_s,
                unrelaxed_fraction_at_t_max: decay,
                rng: "xoshiro256++ keyed by (seed, realization index)".into(),
            },
        )?;
        ctx.summary(format!(
            "{} realizations x {} particles, {:.1} ns per collision event-thread",
            self.realizations,
            self.n_particles,
            1e9 * thread_s / (events as f64).max(1.0)
        ));

        let mut energy = df!(
            energy::T => times, energy::E_MEAN => &e_mean, energy::E_SEM => &e_sem,
            energy::E_KINETIC => &e_kin,
        )?;
        io::write_parquet(ctx, Table::Fig2Energy, &mut energy)?;
        let centers = bins.centers();
        let n = centers.len();
        let which: Vec<&str> = std::iter::repeat_n(Which::Initial.as_str(), n)
            .chain(std::iter::repeat_n(Which::Final.as_str(), n))
            .collect();
        let lambda: Vec<f64> = centers.iter().chain(&centers).copied().collect();
        let cat = |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().chain(b).copied().collect() };
        let mut vel = df!(
            velocities::WHICH => which,
            velocities::LAMBDA => lambda,
            velocities::DENSITY => cat(&i_mean, &f_mean),
            velocities::DENSITY_SEM => cat(&i_sem, &f_sem),
            velocities::THEORY => cat(&th_init, &th_final),
        )?;
        io::write_parquet(ctx, Table::Fig2Velocities, &mut vel)?;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn small() -> Fig2Md {
        Fig2Md {
            n_particles: 100,
            rho: 1.0,
            rho_b: 100.0,
            gamma: 0.001,
            temperature: 0.08,
            bath: BraggBath {
                sigma: 0.2,
                lambda_b: 0.4,
                b: 0.5,
            },
            realizations: 20,
            seed: 1,
            t_max: 100.0,
            n_times: 11,
            lambda_min: -1.2,
            lambda_max: 1.2,
            n_bins: 24,
        }
    }

    #[test]
    fn fig2_data_and_figure() {
        let dir = tempfile::tempdir().unwrap();
        let p = small();
        assert!(p.validate().is_empty());
        let ctx = StageContext::standalone(
            dir.path(),
            "fig2_md",
            &[Table::Fig2Energy.path(), Table::Fig2Velocities.path()],
        );
        p.run(&ctx).unwrap();
        let df = io::read_parquet(&ctx.output(Table::Fig2Energy.path()).unwrap()).unwrap();
        assert_eq!(df.height(), 11);
        let files = contract::Figure::Fig2.files();
        let outputs: Vec<&str> = files.iter().map(String::as_str).collect();
        let fctx = StageContext::standalone(dir.path(), "fig2", &outputs)
            .with_input("fig2_md", Table::Fig2Energy.path(), &p)
            .unwrap()
            .with_input("fig2_md", Table::Fig2Velocities.path(), &p)
            .unwrap();
        super::super::plot::Fig2Figure {
            width: 1000,
            height: 700,
        }
        .run(&fctx)
        .unwrap();
        for f in &files {
            assert!(dir.path().join(pipeline::resolve(f, "standalone")).exists());
        }
        crate::figcheck::check_figure(dir.path(), contract::Figure::Fig2);
    }
}
