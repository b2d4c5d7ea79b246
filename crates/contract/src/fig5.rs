//! Fig. 5: a Gaussian bump relaxing in a periodic box, by MD, by the kinetic equations
//! (38)/(39) and by hydrodynamics (2) (paper Sec. VI, App. C).

use serde::{Deserialize, Serialize};

use crate::swap::{BathSide, Statistics, SwapModel};
use crate::{Record, category};

category! {
    /// The four panels of Fig. 5.
    Panel {
        /// classical particles, symmetric bath: diffusion
        A = "a",
        /// fermions, symmetric bath: nonlinear diffusion
        B = "b",
        /// classical particles, asymmetric bath: boosted diffusion
        C = "c",
        /// fermions, asymmetric bath: Burgers
        D = "d",
    }
}

impl Panel {
    pub const fn statistics(self) -> Statistics {
        match self {
            Panel::A | Panel::C => Statistics::Classical,
            Panel::B | Panel::D => Statistics::Fermionic,
        }
    }
    pub const fn bath(self) -> BathSide {
        match self {
            Panel::A | Panel::B => BathSide::Symmetric,
            Panel::C | Panel::D => BathSide::Asymmetric,
        }
    }
    pub const fn fermionic(self) -> bool {
        matches!(self.statistics(), Statistics::Fermionic)
    }
    /// Index in [`Panel::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

category! {
    /// Duplicate rule of the fermionic cell algorithm (App. C 2(b)): what happens to a particle
    /// that streams onto an occupied level of its new cell.
    DuplicateRule {
        /// the paper's rule: re-scatter the duplicate with the bath onto a free level
        Rescatter = "rescatter",
        /// leave the duplicate until one of the two leaves the level
        Keep = "keep",
        /// move the duplicate to the nearest free level of its new cell (Pauli projection;
        /// docs/physics.md §3.4)
        NearestFree = "nearest_free",
    }
}

impl DuplicateRule {
    /// The rule of the App. C duplicate-rule audit rerun: the other of the paper's rule and
    /// `keep`, and the paper's rule for `nearest_free`.
    pub const fn other(self) -> Self {
        match self {
            DuplicateRule::Rescatter => DuplicateRule::Keep,
            DuplicateRule::Keep | DuplicateRule::NearestFree => DuplicateRule::Rescatter,
        }
    }
}

category! {
    /// When the cell membership that blocks a step's collisions is taken (docs/physics.md §3.5):
    /// App. C bins at the step's start, which makes an error of first order in dt.
    Membership {
        /// App. C as printed: cells from the positions at the step's start
        StepStart = "step_start",
        /// cells from the positions at mid-step: the first-order error cancels
        MidStep = "mid_step",
    }
}

category! {
    /// How the bump's initial positions are placed in the converged cell algorithm's ensembles
    /// (docs/physics.md §3.5).
    BumpPositions {
        /// independent draws from the bump: each realization starts with the mass noise of N
        /// independent particles, which the Burgers front of panel d turns into a spread of its
        /// position between realizations
        Independent = "independent",
        /// the bump's quantiles (i + 1/2) / N: every realization starts from the bump itself to
        /// within one particle per interval, the initial condition of (39); the initial
        /// histogram has no variance, so t = 0 is checked exactly instead of by a chi-square
        Stratified = "stratified",
    }
}

category! {
    /// How the converged cell algorithm's profile for l -> infinity is taken from its ladder of
    /// cell lengths (docs/physics.md §3.5).
    LadderLimit {
        /// the least-squares line in 1/l through the ladder, at 1/l = 0: for a bias linear in
        /// 1/l (rule `keep`)
        InverseL = "inverse_l",
        /// the least-squares line in l^2 through the ladder, at l = 0: for an error that is the
        /// cell's spatial averaging, of second order in l, once the rule's bias is negligible
        SquareL = "l_squared",
        /// the finest cell's profile, the other lengths measuring the l-dependence: for a rule
        /// whose bias falls faster than 1/l (`nearest_free`), where a line in 1/l would
        /// extrapolate the spatial (cell-averaging) error instead
        Finest = "finest",
    }
}

impl LadderLimit {
    /// How the limit is taken, in words (terminal and audit).
    pub const fn describe(self) -> &'static str {
        match self {
            LadderLimit::InverseL => "line in 1/l",
            LadderLimit::SquareL => "line in l^2",
            LadderLimit::Finest => "finest cell",
        }
    }
}

/// The finest (smallest) cell length of a ladder.
pub fn finest_cell(cell_lens: &[f64]) -> f64 {
    cell_lens.iter().copied().fold(f64::INFINITY, f64::min)
}

category! {
    /// Which App. C setting the audit rerun of the fermionic panels changes.
    AuditKind {
        /// the other duplicate rule
        DuplicateRule = "duplicate_rule",
        /// a smaller time step
        TimeStep = "time_step",
    }
}

/// The Fig. 5 system, written once (stage `fig5_setup`, [`crate::Table::Fig5Setup`]) and read by
/// the MD, kinetic, hydrodynamic and figure stages and by the audit.
///
/// Periodic box `[0, box_len)`; initial density
/// `rho(x, 0) = N/(sqrt(2 pi) w) exp(-(x - x_c)^2/(2 w^2))` (N = `n_particles`,
/// w = `bump_width`, x_c = `bump_center`) in local equilibrium; profiles at `times`, compared on
/// `n_bins` histogram bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    pub model: SwapModel,
    pub n_particles: usize,
    pub box_len: f64,
    pub bump_center: f64,
    pub bump_width: f64,
    /// output times, ascending
    pub times: Vec<f64>,
    /// histogram bins over the box (the theory grids are multiples of it)
    pub n_bins: usize,
}

impl Setup {
    /// Initial density rho(x, 0) (periodic images included up to ±3 boxes).
    pub fn initial_density(&self, x: f64) -> f64 {
        let w = self.bump_width;
        let peak = self.n_particles as f64 / ((2.0 * std::f64::consts::PI).sqrt() * w);
        (-3..=3)
            .map(|j| {
                let d = x - self.bump_center - j as f64 * self.box_len;
                peak * (-0.5 * d * d / (w * w)).exp()
            })
            .sum()
    }

    /// Width of one histogram bin.
    pub fn bin_width(&self) -> f64 {
        self.box_len / self.n_bins as f64
    }
}

/// Columns of [`crate::Table::Fig5Md`]: one row per (panel, t, bin).
pub mod md {
    /// [`super::Panel`]
    pub const PANEL: &str = "panel";
    pub const T: &str = "t";
    /// bin centre
    pub const X: &str = "x";
    /// ensemble mean density in the bin
    pub const RHO_MEAN: &str = "rho_mean";
    /// its standard error over the realizations
    pub const RHO_SEM: &str = "rho_sem";
}

/// Columns of [`crate::Table::Fig5MdAudit`]: the columns of [`md`] (the rerun's own profile over
/// its `audit_realizations`) plus the changed setting and the paired difference.
///
/// The rerun uses the production panel's seed: its realization `i` starts from the same initial
/// state as production realization `i` (common random numbers), so the difference of the two
/// profiles is measured per realization, `d_i = rerun_i − production_i`, with the much smaller
/// error of a paired comparison.
pub mod md_audit {
    pub use super::md::{PANEL, RHO_MEAN, RHO_SEM, T, X};
    /// [`super::AuditKind`]
    pub const AUDIT: &str = "audit";
    /// the value of the changed setting (the rule, or dt)
    pub const SETTING: &str = "setting";
    /// mean over the rerun's realizations of `rerun_i − production_i` in the bin
    pub const DIFF_MEAN: &str = "diff_mean";
    /// its standard error (paired: the spread of `d_i` over the realizations)
    pub const DIFF_SEM: &str = "diff_sem";
}

/// Columns of [`crate::Table::Fig5MdConverged`]: one row per (panel, 1/l, t, bin). The rows of
/// `1/l = 0` are the limit profile l -> infinity ([`MdConvergedRecord::limit`] says how it is
/// taken), a linear combination of the ladder's profiles
/// taken per realization (the ladder's ensembles share their seeds, so realization `i` of every
/// cell length starts from the same positions), with the standard error of that combination
/// over the realizations.
pub mod md_converged {
    pub use super::md::{PANEL, RHO_MEAN, RHO_SEM, T, X};
    /// inverse cell length 1/l of the ensemble; 0 for the limit profile
    pub const INV_CELL_LEN: &str = "inv_cell_len";
}

/// Columns of [`crate::Table::Fig5Hydro`] and [`crate::Table::Fig5Kinetic`]: one row per
/// (panel, t, cell).
pub mod profile {
    pub use super::md::{PANEL, T, X};
    /// cell average of the density
    pub const RHO: &str = "rho";
}

/// Columns of [`crate::Table::HydroLimit`]: one row per (panel, t).
pub mod limit {
    pub use super::md::{PANEL, T};
    /// L1 distance of the kinetic and hydrodynamic profiles / N
    pub const L1_KINETIC_HYDRO: &str = "l1_kinetic_hydro";
    pub const VAR_KINETIC: &str = "var_kinetic";
    pub const VAR_HYDRO: &str = "var_hydro";
    pub const SKEWNESS_KINETIC: &str = "skewness_kinetic";
    pub const SKEWNESS_HYDRO: &str = "skewness_hydro";
}

/// Event counters of the fermionic cell algorithm (summed over the ensemble).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CellCounters {
    pub proposals: u64,
    pub accepted: u64,
    pub blocked: u64,
    pub duplicates: u64,
    pub duplicate_redraws: u64,
    pub particle_steps: u64,
}

/// One MD ensemble of the Fig. 5 stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MdRun {
    pub panel: Panel,
    /// `None` for the production run, the changed setting for an App. C audit rerun
    pub audit: Option<AuditKind>,
    pub seed: u64,
    /// elapsed seconds of the ensemble (on the shared pool: with other stages' work in it)
    pub wall_s: f64,
    /// thread seconds inside the realizations, summed over threads
    pub thread_s: f64,
    /// fermionic panels
    pub counters: Option<CellCounters>,
    /// classical panels: collision events of the whole ensemble
    pub collision_events: Option<u64>,
    /// particle number in the ensemble-mean histogram at each output time (exactly N)
    pub histogram_particle_number: Vec<f64>,
    /// realizations of this ensemble (production: `realizations`; audit reruns:
    /// `audit_realizations`, paired with production realizations `0..audit_realizations`)
    pub realizations: usize,
    /// audit reruns: the variance gain of pairing per output time with a nonzero difference
    /// (empty for production runs)
    pub pairing_gain: Vec<PairingGain>,
}

/// The variance gain of the paired App. C comparison at one output time: the median over the
/// bins with at least 5 expected particles of `(s_p² + s_r²) / s_d²` (per-realization variances
/// of production, rerun and their difference). An unpaired comparison of two independent
/// ensembles of `R'` realizations each has the power of the paired one when
/// `R' = audit_realizations × gain`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairingGain {
    pub t: f64,
    pub gain: f64,
}

/// Provenance of the Fig. 5 MD stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MdRecord {
    pub realizations: usize,
    pub seed: u64,
    pub cell_len: f64,
    pub dt: f64,
    pub duplicate_rule: DuplicateRule,
    /// the time step of the App. C time-step audit
    pub audit_dt: f64,
    /// realizations of each App. C audit rerun (paired with production realizations
    /// `0..audit_realizations`)
    pub audit_realizations: usize,
    pub runs: Vec<MdRun>,
}

impl MdRecord {
    /// The setting of the production run that an audit changes, and its changed value, as text.
    pub fn audit_settings(&self, audit: AuditKind) -> (String, String) {
        match audit {
            AuditKind::DuplicateRule => (
                format!("rule `{}`", self.duplicate_rule),
                format!("rule `{}`", self.duplicate_rule.other()),
            ),
            AuditKind::TimeStep => (
                format!("dt = {}", self.dt),
                format!("dt = {}", self.audit_dt),
            ),
        }
    }
}

impl Record for MdRecord {
    const KEY: &'static str = "fig5_md";
}

/// One ensemble of the converged cell algorithm's ladder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvergedRun {
    pub cell_len: f64,
    /// `audit` is `None`; the seed is the panel's for every cell length
    pub run: MdRun,
}

/// Provenance of the `fig5_md_converged` stage: the fermionic panels by the cell algorithm with
/// mid-step binning on a ladder of cell lengths, with the limit profile taken as `limit` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MdConvergedRecord {
    pub realizations: usize,
    pub seed: u64,
    pub cell_lens: Vec<f64>,
    pub dt: f64,
    pub membership: Membership,
    pub duplicate_rule: DuplicateRule,
    /// how the initial positions are placed
    pub initial_positions: BumpPositions,
    /// how the limit profile is taken from the ladder
    pub limit: LadderLimit,
    /// the weights `w_l` of the limit profile `sum_l w_l rho_l` (they sum to 1), in the order of
    /// `cell_lens`
    pub weights: Vec<f64>,
    pub runs: Vec<ConvergedRun>,
}

impl Record for MdConvergedRecord {
    const KEY: &'static str = "fig5_md_converged";
}

/// One panel of the kinetic solver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KineticPanel {
    pub panel: Panel,
    pub n_cells: usize,
    pub dt: f64,
    pub advection: String,
    pub richardson: bool,
    pub lambda_nodes: usize,
    pub lambda_interval: (f64, f64),
    pub lambda_spacing: f64,
    pub steps: usize,
    pub max_relative_number_drift: f64,
    pub occupation_min: f64,
    pub occupation_max: f64,
    /// per output time, the L1/N size of the step-h error removed by the extrapolation
    pub richardson_l1_error_estimate: Option<Vec<f64>>,
    /// per output time, L1/N against 2x cells, dt/2, lambda spacing/2 (when checked)
    pub resolution_check: Option<Vec<f64>>,
    pub wall_s: f64,
}

/// Provenance of the kinetic stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KineticRecord {
    pub panels: Vec<KineticPanel>,
}

impl Record for KineticRecord {
    const KEY: &'static str = "fig5_kinetic";
}

/// One panel of the hydrodynamic solver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HydroPanel {
    pub panel: Panel,
    pub u_at_rho_top: f64,
    pub d_at_rho_top: f64,
    pub u_at_0: f64,
    pub d_at_0: f64,
    pub rho_table_top: f64,
    pub rho_table_nodes: usize,
    /// PCHIP interpolation error at the table midpoints, relative: J, u, D
    pub pchip_midpoint_rel_error: [f64; 3],
    pub velocity_nodes: usize,
    pub steps: usize,
    pub largest_dt: f64,
    pub max_picard_iterations: usize,
    pub max_relative_mass_drift: f64,
    pub min_rho: f64,
    /// per output time, L1/N against n_cells/2 and 2 max_dt (when checked; about 3x the error
    /// of the recorded profiles for the second-order scheme)
    pub resolution_check: Option<Vec<f64>>,
    /// per output time: skewness of the profile, and with n_cells/2 and 2 max_dt (when checked)
    pub skewness: Option<Vec<f64>>,
    pub skewness_coarse: Option<Vec<f64>>,
}

/// Provenance of the hydrodynamic stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HydroRecord {
    pub panels: Vec<HydroPanel>,
}

impl Record for HydroRecord {
    const KEY: &'static str = "fig5_hydro";
}

/// One panel of the narrow-bump approach to the hydrodynamic limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitPanel {
    pub panel: Panel,
    pub kinetic: KineticPanel,
    pub hydro: HydroPanel,
    pub wall_s: f64,
}

/// Provenance of the `hydro_limit` stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitRecord {
    pub panels: Vec<LimitPanel>,
}

impl Record for LimitRecord {
    const KEY: &'static str = "hydro_limit";
}
