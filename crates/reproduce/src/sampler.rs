//! The md crate's sampler of a bath law defined by the kinetic crate.

/// The sampler of the normalised law of `bath` (alias tables over its Gaussian components).
pub fn sampler(bath: &kinetic::Bath) -> anyhow::Result<md::MixtureSampler> {
    Ok(md::MixtureSampler::from_bath(bath)?)
}
