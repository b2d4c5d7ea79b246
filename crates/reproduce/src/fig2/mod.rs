//! Fig. 2: homogeneous relaxation of the classical swap model (data stage `fig2_md`, figure
//! stage `fig2`).

pub mod md;
pub mod plot;
