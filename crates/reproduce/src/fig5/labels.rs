//! Names the Fig. 5 figures give to what the stages computed (shared by `fig5` and `fig5_appc`).

use contract::fig5::LadderLimit;

/// The converged cell algorithm's limit profile: `ℓ → ∞` for the extrapolation in 1/l,
/// `extrapolated in ℓ²` for the line in l² at l = 0, `ℓ = <finest>` for the finest cell.
pub(super) fn limit(limit: LadderLimit, finest: f64) -> String {
    match limit {
        LadderLimit::InverseL => "ℓ → ∞".to_owned(),
        LadderLimit::SquareL => "extrapolated in ℓ²".to_owned(),
        LadderLimit::Finest => format!("ℓ = {finest}"),
    }
}
