//! Names the Fig. 5 figures give to what the stages computed (shared by `fig5` and `fig5_appc`).

use contract::fig5::{BumpPositions, LadderLimit};

/// The converged cell algorithm's limit profile: `ℓ → ∞` for the extrapolation in 1/l,
/// `extrapolated in ℓ²` for the line in l² at l = 0, `ℓ = <finest>` for the finest cell.
pub(super) fn limit(limit: LadderLimit, finest: f64) -> String {
    match limit {
        LadderLimit::InverseL => "ℓ → ∞".to_owned(),
        LadderLimit::SquareL => "extrapolated in ℓ²".to_owned(),
        LadderLimit::Finest => format!("ℓ = {finest}"),
    }
}

/// How the converged cell algorithm's ensembles start, as a suffix of their label: nothing for
/// independent positions (as every other MD of the figures), `, stratified start` for the
/// bump's quantiles.
pub(super) fn start(positions: BumpPositions) -> &'static str {
    match positions {
        BumpPositions::Independent => "",
        BumpPositions::Stratified => ", stratified start",
    }
}
