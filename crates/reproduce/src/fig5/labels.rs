//! Names the Fig. 5 figures give to what the stages computed (shared by `fig5` and `fig5_appc`).

use contract::fig5::LadderLimit;

/// The converged cell algorithm's limit profile: `ℓ → ∞` for the extrapolation in 1/l,
/// `ℓ = <finest>` for the finest cell of the ladder.
pub(super) fn limit(limit: LadderLimit, finest: f64) -> String {
    match limit {
        LadderLimit::InverseL => "ℓ → ∞".to_owned(),
        LadderLimit::Finest => format!("ℓ = {finest}"),
    }
}
