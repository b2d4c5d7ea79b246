//! Fig. 5: a Gaussian bump relaxing in a periodic box (paper Sec. VI, App. C).
//!
//! - [`setup`] (stage `fig5_setup`): the system, written once and read by every other stage;
//! - [`md`] (`fig5_md`): molecular dynamics, with the App. C audit reruns;
//! - [`kinetic`] (`fig5_kinetic`): the kinetic equations (38)/(39);
//! - [`hydro`] (`fig5_hydro`): the hydrodynamic equation (2);
//! - [`limit`] (`hydro_limit`): a narrow bump followed into the hydrodynamic limit;
//! - [`plot`] (`fig5`): the figure; [`profiles`]: the profile tables' writer and reader.

pub mod hydro;
pub mod kinetic;
pub mod limit;
pub mod md;
pub mod plot;
pub mod profiles;
pub mod setup;
