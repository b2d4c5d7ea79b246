//! Fermionic (chi = 1) stochastic velocity-swap model: kinetic equation (39) with Pauli blocking,
//! simulated by the cell algorithm of Appendix C with the erratum of docs/physics.md §3 corrected.
//!
//! **Phase-space discretisation.** The line is cut into cells of length `l`. In a cell the
//! one-particle states are the momentum levels `λ_k = 2πk/l` (spacing `2π/l`), each holding at
//! most one particle. A velocity window `dλ` of a cell holds `l dλ / 2π` levels and
//! `l ρ_p dλ` particles, so the level occupation is `n = 2π ρ_p`, the filling function of (39)
//! and (40). A collision draws a continuous bath velocity from `ρ_p^(b)/ρ_b` and maps it to the
//! nearest level, so level `k` is proposed with the bath probability `q_k` of its window.
//! The proposal is drawn directly from the discrete law `q_k` with an alias table
//! ([`crate::AliasTable`], one 64-bit word per proposal) over the levels within 14 standard
//! deviations of every bath component; the bath mass outside (< 1e-43) is dropped and
//! reported by [`CellAlgorithm::dropped_tail_mass`].
//!
//! **Collisions (exact thinning, replaces App. C step 2(c-d)).** Every particle proposes
//! collisions at the classical rate `γ ρ_b`; a proposal onto an occupied level of its cell is
//! blocked. The accepted rate out of a particle is then `γ ρ_b Σ_k q_k (1 − n_k)`, the
//! discrete form of the loss term of (39), i.e. the blocked rate (C2). Inside a time step `Δt`
//! the proposals of a cell form a Poisson process of rate `N_cell γ ρ_b`, simulated exactly
//! with exponential gaps (no "one collision per cell per step" bias, no `R Δt` inversion: the
//! two errata of step 2(c)); the colliding particle flies with its old velocity up to the
//! collision instant. The only approximation is that cell membership is frozen during a step,
//! taken at the step's start as in App. C (an error of first order in the step) or at mid-step
//! ([`Membership::MidStep`], second order; docs/physics.md §3.5).
//!
//! **Streaming and the duplicate rule (App. C step 2(b)).** After free flight two particles can
//! share a level of a cell. [`DuplicateRule`] says what happens at the next binning: the paper's
//! rule scatters the later one (in particle order) with the bath, re-drawing until it lands on a
//! free level; `Keep` leaves both; `NearestFree` moves the arrival to the nearest free level of
//! its new cell (the rule without a bias of the stationary state from l = 10 up, docs/physics.md
//! §3.5). Duplicates are counted.
//!
//! **Cost.** A step is one pass over the particles (free flight, and two comparisons that tell
//! whether a particle is still inside its cell), plus work per collision proposal and per
//! particle that changed cell (a few per cent of them per step): the state keeps the member
//! list of every cell and an occupancy byte per (cell, level) from one step to the next, and
//! re-bins only the particles that moved to another cell or changed level. `bin_step`
//! explains why this is the particle-order scan of every cell, with the same duplicates; a
//! test compares the two on the same re-draws.
//!
//! The stationary state of one isolated cell with `N` particles is the canonical ensemble of
//! free fermions with level fugacities `q_k` (detailed balance: `π(C) ∝ Π_{k occupied} q_k`); for
//! many particles per cell its occupations tend to `n_k = q_k / (q_k + a)`, the lattice form of
//! (40) ([`LatticeStationary`]).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ndarray::Array2;
use rand::Rng;
use rand_distr::{Distribution, Exp1};

use crate::classical::wrap;
use crate::{AliasTable, MdError, MixtureSampler, invalid};

/// Counts of what the algorithm did (summed over steps).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CellCounters {
    /// collision proposals (classical rate)
    pub proposals: u64,
    /// accepted collisions (velocity changed)
    pub accepted: u64,
    /// proposals blocked by an occupied level (including the particle's own level)
    pub blocked: u64,
    /// particles found on an already occupied level after streaming (and handled by the
    /// duplicate rule)
    pub duplicates: u64,
    /// bath draws spent re-scattering duplicates onto a free level
    pub duplicate_redraws: u64,
    /// particle-steps performed
    pub particle_steps: u64,
}

impl std::ops::AddAssign for CellCounters {
    fn add_assign(&mut self, o: Self) {
        self.proposals += o.proposals;
        self.accepted += o.accepted;
        self.blocked += o.blocked;
        self.duplicates += o.duplicates;
        self.duplicate_redraws += o.duplicate_redraws;
        self.particle_steps += o.particle_steps;
    }
}

/// Parameters of the cell algorithm (immutable, shared by all realizations).
#[derive(Debug, Clone)]
pub struct CellAlgorithm {
    rate: f64,
    sampler: MixtureSampler,
    cell_len: f64,
    n_cells: usize,
    dt: f64,
    /// levels `k_lo ..= k_lo + n_table - 1` have an O(1) occupancy table
    k_lo: i64,
    n_table: usize,
    duplicates: DuplicateRule,
    membership: Membership,
    /// proposal law `q_k` over the table's levels (index `k - k_lo`)
    levels: AliasTable,
    /// bath mass outside the table's levels (not proposed)
    tail_mass: f64,
    /// level spacing in velocity, `2π / l`
    dv: f64,
    /// `1 / l`
    inv_cell_len: f64,
    /// `cell_range[c] = [a, b]`: [`Self::cell`] puts exactly the positions in `[a, b)` in
    /// cell `c` (`a` of cell 0 is 0, `b` of the last cell is `L`)
    cell_range: Vec<[f64; 2]>,
}

/// What to do with a particle that streamed onto a level already occupied in its new cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DuplicateRule {
    /// The paper's rule (App. C step 2(b)): scatter it with the bath, re-drawing until it
    /// lands on a free level. Pauli is exact after every collision phase, but each duplicate
    /// is an extra collision, at a rate ∝ |v| n / l that does not vanish as dt → 0.
    #[default]
    Rescatter,
    /// Leave it: the level holds two particles until one leaves (collisions onto it stay
    /// blocked). No extra collisions; transient double occupancy of rate ∝ |v| n / l.
    Keep,
    /// Pauli projection: the particle that streamed in moves to the nearest free level of its
    /// new cell (the nearer side first; a fair coin when both sides are free at the same
    /// distance). Pauli is exact after every binning, as with [`Self::Rescatter`], but the
    /// velocity changes by a few level spacings `2π/l` instead of a bath draw: at a rate
    /// ∝ |v| n / l a change ∝ 1/l, with mean ∝ (1/l) ∂n/∂λ, so the bias of the occupations
    /// falls faster than 1/l (docs/physics.md §3.5).
    NearestFree,
}

impl DuplicateRule {
    /// Whether no level of a cell holds two particles after a binning.
    #[inline(always)]
    fn is_pauli_exact(self) -> bool {
        self != DuplicateRule::Keep
    }
}

/// When the cell membership that blocks a step's collisions is taken.
///
/// The collisions of a step are simulated in continuous time inside `[0, Δt)`, but each
/// particle is blocked by the occupations of one cell for the whole step. A particle of
/// velocity `v` that collides at instant `τ` is at `x(τ)`, and the cell it is blocked in is
/// that of the position at the binning instant `τ_b`, a distance `v (τ − τ_b)` away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Membership {
    /// App. C as printed: cells from the positions at the start of the step (`τ_b = 0`). The
    /// displacement `v τ` has mean `v Δt / 2` over the step: every particle is blocked in the
    /// occupations a distance `v Δt / 2` behind it, an error of first order in `Δt` (an
    /// outward-moving particle in a bump sees the denser interior: fewer accepted collisions,
    /// faster spreading; docs/physics.md §3.5).
    #[default]
    StepStart,
    /// Cells from the positions at the middle of the step (`τ_b = Δt / 2`, a Strang-type split
    /// of streaming and collisions): the displacement `v (τ − Δt/2)` has mean zero, so the
    /// first-order error cancels and the time-step error is of second order.
    MidStep,
}

/// Positions, levels and scratch buffers of one realization.
///
/// Besides `x` and `k` the state keeps the binning of the last step, updated incrementally:
/// the cell and level of every particle as last binned, the member list of every cell and an
/// occupancy count per (cell, level). A step re-bins only the particles whose cell or level
/// changed (see [`CellAlgorithm::collide`]).
#[derive(Debug, Clone)]
pub struct FermionicState {
    /// positions in `[0, L)`
    pub x: Vec<f64>,
    /// momentum levels, velocity `2π k / l`
    pub k: Vec<i64>,
    /// time elapsed since the start of the step at which the particle's position is `x`
    t_last: Vec<f64>,
    /// cell of every particle at its last binning
    home: Vec<u32>,
    /// level of every particle as recorded in `occ` (equal to `k` except when `k` was
    /// changed from outside)
    lev: Vec<i64>,
    /// index of every particle in the member list of its home cell
    pos: Vec<u32>,
    /// members of every cell (in no particular order)
    members: Vec<Vec<u32>>,
    /// occupancy counts, `n_table` bytes per cell: byte `j` of cell `c` counts the members of
    /// `c` on table level `k_lo + j` (0: free), saturating at 255
    occ: Vec<u8>,
    /// one `(cell, table level)` entry per occupant beyond 255 of a level (never, in practice)
    overflow: Vec<(u32, u32)>,
    /// occupants beyond the first of their (cell, table level), summed: the duplicates that
    /// [`DuplicateRule::Keep`] keeps (0 after every binning with Rescatter)
    n_dups: u64,
    /// number of particles whose level lies outside the table (only an initial state drawn
    /// from another law has any; while there are, every step re-bins all particles)
    n_out: usize,
    /// [`CellAlgorithm::pauli_violations`] bins the current positions (true after
    /// [`CellAlgorithm::run`]) instead of using the last binning
    cells_from_x: bool,
    /// scratch: particles that changed cell or level
    movers: Vec<u32>,
    /// scratch: duplicates to re-scatter, smallest particle first
    pending: BinaryHeap<Reverse<u32>>,
    /// what happened so far
    pub counters: CellCounters,
}

impl CellAlgorithm {
    /// Periodic box of `n_cells` cells of length `cell_len`, time step `dt`, collision rate
    /// `gamma * rho_b`, bath velocities from `sampler`.
    pub fn new(
        gamma: f64,
        rho_b: f64,
        sampler: MixtureSampler,
        cell_len: f64,
        n_cells: usize,
        dt: f64,
    ) -> Result<Self, MdError> {
        if !(gamma > 0.0 && gamma.is_finite()) {
            return Err(invalid("gamma", "must be > 0"));
        }
        if !(rho_b > 0.0 && rho_b.is_finite()) {
            return Err(invalid("rho_b", "must be > 0"));
        }
        if !(cell_len > 0.0 && cell_len.is_finite()) {
            return Err(invalid("cell_len", "must be > 0"));
        }
        if n_cells == 0 || n_cells > u32::MAX as usize {
            return Err(invalid("n_cells", "must be >= 1"));
        }
        if !(dt > 0.0 && dt.is_finite()) {
            return Err(invalid("dt", "must be > 0"));
        }
        let bath = sampler.bath();
        let (lo, hi) = bath.support_std_devs(14.0);
        let scale = cell_len / (2.0 * std::f64::consts::PI);
        let k_lo = (lo * scale).floor() as i64 - 1;
        let k_hi = (hi * scale).ceil() as i64 + 1;
        let n_table = (k_hi - k_lo + 1) as usize;
        if n_table > 50_000_000 {
            return Err(invalid(
                "cell_len",
                "too many momentum levels in the bath support",
            ));
        }
        if n_cells.saturating_mul(n_table) > 1 << 30 {
            return Err(invalid(
                "n_cells",
                "too many (cell, level) pairs for the occupancy counts (> 2^30)",
            ));
        }
        let q = level_weights(bath, cell_len, k_lo, k_lo + n_table as i64 - 1);
        let edge = std::f64::consts::PI / cell_len;
        let (v_lo, v_hi) = (
            k_lo as f64 * 2.0 * edge - edge,
            (k_lo + n_table as i64 - 1) as f64 * 2.0 * edge + edge,
        );
        let tail_mass = bath.prob(f64::NEG_INFINITY, v_lo) + bath.prob(v_hi, f64::INFINITY);
        let levels = AliasTable::new(&q)?;
        Ok(Self {
            rate: gamma * rho_b,
            sampler,
            cell_len,
            n_cells,
            dt,
            k_lo,
            n_table,
            duplicates: DuplicateRule::Rescatter,
            membership: Membership::StepStart,
            levels,
            tail_mass,
            dv: 2.0 * std::f64::consts::PI / cell_len,
            inv_cell_len: 1.0 / cell_len,
            cell_range: Vec::new(),
        }
        .with_cell_ranges())
    }

    /// Fill `cell_range` (the cell map is monotone in the position, so each cell is an
    /// interval; its ends are found to the last bit from the map itself).
    fn with_cell_ranges(mut self) -> Self {
        let n = self.n_cells;
        let mut b = vec![0.0; n + 1];
        b[n] = self.box_len();
        for (c, bc) in b.iter_mut().enumerate().take(n).skip(1) {
            let mut g = c as f64 * self.cell_len;
            while g > 0.0 && self.cell(g) as usize >= c {
                g = g.next_down();
            }
            while (self.cell(g) as usize) < c {
                g = g.next_up();
            }
            *bc = g;
        }
        self.cell_range = b.windows(2).map(|w| [w[0], w[1]]).collect();
        self
    }

    /// One cell of length `length` without spatial structure: the homogeneous fermionic gas
    /// (no streaming matters; the dynamics is exact for any `dt`).
    pub fn homogeneous(
        gamma: f64,
        rho_b: f64,
        sampler: MixtureSampler,
        length: f64,
    ) -> Result<Self, MdError> {
        let rate = gamma * rho_b;
        Self::new(gamma, rho_b, sampler, length, 1, 1.0 / rate)
    }

    /// Use duplicate rule `rule` (default [`DuplicateRule::Rescatter`]).
    pub fn with_duplicate_rule(mut self, rule: DuplicateRule) -> Self {
        self.duplicates = rule;
        self
    }

    /// Take cell membership at `membership` (default [`Membership::StepStart`]).
    pub fn with_membership(mut self, membership: Membership) -> Self {
        self.membership = membership;
        self
    }

    /// The binning instant inside a step, `τ_b` of [`Membership`].
    #[inline(always)]
    fn bin_offset(&self) -> f64 {
        match self.membership {
            Membership::StepStart => 0.0,
            Membership::MidStep => 0.5 * self.dt,
        }
    }

    /// Box length `L = n_cells * cell_len`.
    pub fn box_len(&self) -> f64 {
        self.cell_len * self.n_cells as f64
    }
    /// Cell length.
    pub fn cell_len(&self) -> f64 {
        self.cell_len
    }
    /// Time step.
    pub fn dt(&self) -> f64 {
        self.dt
    }
    /// Collision (proposal) rate per particle `γ ρ_b`.
    pub fn rate(&self) -> f64 {
        self.rate
    }
    /// The sampler of continuous bath velocities; its law is [`MixtureSampler::bath`] (the
    /// collisions draw levels from an alias table of the same law, [`Self::draw_level`]).
    pub fn sampler(&self) -> &MixtureSampler {
        &self.sampler
    }
    /// Level of velocity `lambda` (nearest lattice point).
    #[inline]
    pub fn level(&self, lambda: f64) -> i64 {
        (lambda * self.cell_len / (2.0 * std::f64::consts::PI)).round() as i64
    }
    /// Velocity of level `k`, `k · 2π/l`.
    #[inline]
    pub fn velocity(&self, k: i64) -> f64 {
        k as f64 * self.dv
    }

    /// Draw a collision proposal: level `k` with the bath probability `q_k` of its window
    /// (the law of `level(bath sample)`, tails beyond the table dropped).
    #[inline(always)]
    pub fn draw_level<R: Rng + ?Sized>(&self, rng: &mut R) -> i64 {
        self.k_lo + self.levels.sample(rng) as i64
    }

    /// Bath probability outside the levels that can be proposed (dropped, < 1e-43 for the
    /// 14-standard-deviation table).
    pub fn dropped_tail_mass(&self) -> f64 {
        self.tail_mass
    }

    #[inline(always)]
    fn cell(&self, x: f64) -> u32 {
        // x in [0, L): the product is in [0, n_cells] (= n_cells only by rounding); the cast
        // saturates, so even a NaN position lands in a cell
        ((x * self.inv_cell_len) as u32).min(self.n_cells as u32 - 1)
    }

    /// A state with particles at positions `x` (wrapped into the box) whose levels are drawn
    /// from `draw` per cell, re-drawing onto free levels (a Pauli-projected sample of `draw`).
    pub fn init_with<R: Rng + ?Sized>(
        &self,
        x: Vec<f64>,
        rng: &mut R,
        mut draw: impl FnMut(&mut R) -> f64,
    ) -> FermionicState {
        let n = x.len();
        let l = self.box_len();
        let mut s = FermionicState {
            x: x.into_iter().map(|xi| wrap(xi, l)).collect(),
            k: vec![i64::MIN; n],
            t_last: vec![0.0; n],
            home: vec![0; n],
            lev: vec![i64::MIN; n],
            pos: vec![0; n],
            members: vec![Vec::new(); self.n_cells],
            occ: vec![0; self.n_cells * self.n_table],
            overflow: Vec::new(),
            n_dups: 0,
            n_out: 0,
            cells_from_x: false,
            movers: vec![0; n],
            pending: BinaryHeap::new(),
            counters: CellCounters::default(),
        };
        // particle by particle: the members of a cell already placed are the earlier ones
        for i in 0..n {
            let c = self.cell(s.x[i]) as usize;
            s.k[i] = loop {
                let kk = self.level(draw(rng));
                let free = match self.slot(kk) {
                    Some(j) => s.occ[c * self.n_table + j] == 0,
                    None => !s.members[c].iter().any(|&p| s.lev[p as usize] == kk),
                };
                if free {
                    break kk;
                }
            };
            self.place(&mut s, i, c);
        }
        s
    }

    /// The local stationary state: Pauli-projected sample of the level law `q_k`, then `relax` collision
    /// proposals per particle inside each frozen cell (no streaming), which relaxes every cell
    /// to its own stationary state (lattice (40) at the cell's density).
    pub fn init_local_stationary<R: Rng + ?Sized>(
        &self,
        x: Vec<f64>,
        relax: f64,
        rng: &mut R,
    ) -> FermionicState {
        let mut s = self.init_with(x, rng, |r| self.velocity(self.draw_level(r)));
        let horizon = relax / self.rate;
        self.collide_cells::<false, R>(&mut s, horizon, rng);
        s.counters = CellCounters::default();
        s
    }

    /// Table index of level `k`, if it has one.
    #[inline(always)]
    fn slot(&self, k: i64) -> Option<usize> {
        let j = k.wrapping_sub(self.k_lo) as u64;
        if j < self.n_table as u64 {
            Some(j as usize)
        } else {
            None
        }
    }

    /// Record particle `i`, on level `k[i]`, as a member of cell `c` (the caller has applied
    /// the duplicate rule).
    #[inline(always)]
    fn place(&self, s: &mut FermionicState, i: usize, c: usize) {
        let kk = s.k[i];
        s.home[i] = c as u32;
        s.lev[i] = kk;
        s.pos[i] = s.members[c].len() as u32;
        s.members[c].push(i as u32);
        match self.slot(kk) {
            Some(j) => {
                let row = &mut s.occ[c * self.n_table..(c + 1) * self.n_table];
                occupy(row, &mut s.overflow, &mut s.n_dups, c, j);
            }
            None => s.n_out += 1,
        }
    }

    /// Binning of one step from scratch (App. C step 2(b)): every particle in particle order,
    /// so that when particle `i` is binned into cell `c` the counts of `c` hold exactly the
    /// (final) levels of the members of `c` before `i`, and "occupied" is "occupied by an
    /// earlier member", as in a cell-by-cell scan of the members in particle order.
    #[cold]
    #[inline(never)]
    fn bin_full<D: Redraws>(&self, s: &mut FermionicState, draws: &mut D) {
        s.occ.iter_mut().for_each(|o| *o = 0);
        s.members.iter_mut().for_each(Vec::clear);
        s.overflow.clear();
        s.n_dups = 0;
        s.n_out = 0;
        let nt = self.n_table;
        for i in 0..s.x.len() {
            let c = self.cell(s.x[i]) as usize;
            let kk = s.k[i];
            let duplicate = match self.slot(kk) {
                Some(j) => s.occ[c * nt + j] != 0,
                None => s.members[c].iter().any(|&p| s.lev[p as usize] == kk),
            };
            if duplicate {
                s.counters.duplicates += 1;
                let row = &s.occ[c * nt..(c + 1) * nt];
                match self.duplicates {
                    DuplicateRule::Rescatter => {
                        let mut attempt = 0;
                        let j = loop {
                            s.counters.duplicate_redraws += 1;
                            let j = draws.redraw(&self.levels, i as u32, attempt);
                            attempt += 1;
                            if row[j] == 0 {
                                break j;
                            }
                        };
                        s.k[i] = self.k_lo + j as i64;
                    }
                    DuplicateRule::NearestFree => {
                        let j = match self.slot(kk) {
                            Some(j) => nearest_free(row, j, draws),
                            // outside the table: the nearest table level, or its nearest free
                            None => {
                                let edge = if kk < self.k_lo { 0 } else { nt - 1 };
                                if row[edge] == 0 {
                                    edge
                                } else {
                                    nearest_free(row, edge, draws)
                                }
                            }
                        };
                        s.k[i] = self.k_lo + j as i64;
                    }
                    DuplicateRule::Keep => {}
                }
            }
            self.place(s, i, c);
        }
    }

    /// Binning and duplicate rule of one step (App. C step 2(b)); with `STREAM` a free flight
    /// to the binning instant is done first, in the same pass ([`Self::stream_to`]: `span` is
    /// `dt + τ_b` after a step, the rest of the previous step and the start of this one, or `τ_b`
    /// before the first).
    ///
    /// Incremental, with the result of [`Self::bin_full`] (step 2(b) literally: the members
    /// of every cell in particle order; a member on a level held by an earlier member is a
    /// duplicate, which Rescatter re-draws until its level is free of earlier members and Keep
    /// leaves), obtained by moving only the particles whose cell or level changed (`movers`):
    /// * Keep: the scan changes nothing; it counts, level by level, the occupants beyond the
    ///   first, which `n_dups` holds.
    /// * Rescatter: after the previous step no level of a cell is doubly occupied, so the scan
    ///   meets duplicates only on levels that received a mover. On such a level the scan
    ///   keeps the smallest occupant and meets the others, in particle order. Each arrival
    ///   (movers come in particle order) puts the larger of itself and the level's smallest
    ///   other occupant in `pending` (the other occupants are pending already, or a resident,
    ///   which is then alone and larger than the arrival). The pending particles are handled
    ///   smallest first, as by the scan, each re-drawn until its level is free of members of
    ///   its cell smaller than itself: the scan's test, because at that point the smaller
    ///   members are final (members never pending never move, smaller pending ones were
    ///   handled before). If the drawn level holds only larger members, the particle takes it
    ///   and the smallest of them, which the scan would now meet as a duplicate, becomes
    ///   pending. The re-draws of different cells interleave: the random numbers come in
    ///   another order, the law is the same (each cell uses independent draws in the scan's
    ///   order). The test `incremental_binning_is_the_particle_order_scan` compares the two on
    ///   re-draws keyed by (particle, attempt), which make the order irrelevant.
    ///
    /// A level outside the table (an initial state drawn from another law, or `k` set from
    /// outside), or doubly occupied levels left by Keep when the rule is Rescatter, make the
    /// step re-bin from scratch.
    fn bin_step<const STREAM: bool, D: Redraws>(
        &self,
        s: &mut FermionicState,
        draws: &mut D,
        span: f64,
    ) {
        s.cells_from_x = false;
        let pauli = self.duplicates.is_pauli_exact();
        if s.n_out > 0 || (pauli && s.n_dups > 0) {
            if STREAM {
                self.stream_to(s, span);
            }
            self.bin_full(s, draws);
            return;
        }
        let nm = self.find_movers::<STREAM>(s, span);
        if !self.move_particles(s, nm) {
            // a level outside the table (set from outside): no random number used yet
            s.pending.clear();
            self.bin_full(s, draws);
        } else {
            match self.duplicates {
                DuplicateRule::Keep => s.counters.duplicates += s.n_dups,
                _ if s.pending.is_empty() => {}
                DuplicateRule::Rescatter | DuplicateRule::NearestFree => {
                    self.resolve_pending(s, draws)
                }
            }
        }
        debug_assert!(!pauli || s.n_dups == 0);
    }

    /// Move the particles `movers[..nm]` (in particle order) from their home cells to the
    /// cells of their positions, on their current levels. An arrival on an occupied level is
    /// a duplicate: Rescatter puts the larger of it and the level's smallest other occupant in
    /// `pending`; NearestFree puts the arrival in `pending`; Keep keeps it (counted in
    /// `n_dups`). Returns false if a particle holds a level outside the table (only possible if
    /// `k` was changed from outside): the caller then re-bins from scratch.
    #[inline(never)] // once per step; keeps the profiles readable
    fn move_particles(&self, s: &mut FermionicState, nm: usize) -> bool {
        let nt = self.n_table;
        let FermionicState {
            x,
            k,
            home,
            lev,
            pos,
            members,
            occ,
            overflow,
            n_dups,
            movers,
            pending,
            ..
        } = s;
        let movers = &movers[..nm];
        for &i in movers {
            let i = i as usize;
            let c = home[i] as usize;
            let list = &mut members[c];
            let last = list.pop().expect("a particle is a member of its home cell");
            if last as usize != i {
                let p = pos[i] as usize;
                list[p] = last;
                pos[last as usize] = p as u32;
            }
            // the recorded levels all lie in the table (`n_out` is 0)
            if let Some(j) = self.slot(lev[i]) {
                vacate(&mut occ[c * nt..(c + 1) * nt], overflow, n_dups, c, j);
            }
        }
        for &i in movers {
            let i = i as usize;
            let c = self.cell(x[i]) as usize;
            let Some(j) = self.slot(k[i]) else {
                return false;
            };
            if occupy(&mut occ[c * nt..(c + 1) * nt], overflow, n_dups, c, j) > 0 {
                match self.duplicates {
                    DuplicateRule::Rescatter => {
                        // the smaller of `i` and the smallest other occupant is kept; the
                        // other occupants are all pending already except possibly a resident,
                        // which is larger than `i` (movers come in particle order) and unique
                        // (the cell had no doubly occupied level)
                        let other = smallest_on(&members[c], lev, k[i], u32::MAX);
                        pending.push(Reverse(if other < i as u32 { i as u32 } else { other }));
                    }
                    DuplicateRule::NearestFree => pending.push(Reverse(i as u32)),
                    DuplicateRule::Keep => {}
                }
            }
            home[i] = c as u32;
            lev[i] = k[i];
            pos[i] = members[c].len() as u32;
            members[c].push(i as u32);
        }
        true
    }

    /// Free flight (with `STREAM`, as [`Self::stream_to`]`(s, span)`) of all particles; the
    /// particles whose cell or level differs
    /// from their last binning are listed in `movers[..returned]`, in particle order. A
    /// particle still inside its home cell (the common case) costs two comparisons with the
    /// cell's exact ends (`cell_range`); inside the cell it is inside the box, so the wrap of
    /// [`Self::stream`] would leave it unchanged.
    #[inline(never)] // once per step; keeps the profiles readable
    fn find_movers<const STREAM: bool>(&self, s: &mut FermionicState, span: f64) -> usize {
        let (l, t_bin) = (self.box_len(), self.bin_offset());
        let n = s.x.len();
        let (x, k, t_last) = (&mut s.x[..n], &s.k[..n], &mut s.t_last[..n]);
        let (home, lev, movers) = (&s.home[..n], &s.lev[..n], &mut s.movers[..n]);
        let ranges = &self.cell_range[..];
        let mut nm = 0;
        for i in 0..n {
            let ki = k[i];
            let h = home[i] as usize;
            let mut xi = x[i];
            if STREAM {
                xi += self.velocity(ki) * (span - t_last[i]);
                t_last[i] = t_bin;
            }
            // inside its home cell (hence inside the box: no wrap) and on its recorded level
            let [lo, hi] = ranges[h];
            if !(xi >= lo && xi < hi && ki == lev[i]) {
                if STREAM {
                    xi = wrap(xi, l);
                }
                if self.cell(xi) as usize != h || ki != lev[i] {
                    movers[nm] = i as u32;
                    nm += 1;
                }
            }
            if STREAM {
                x[i] = xi;
            }
        }
        nm
    }

    /// The duplicates in `pending`, smallest first (see [`Self::bin_step`]): each leaves the
    /// level it shares, which keeps its other occupant, for the level its rule gives.
    /// * Rescatter: re-drawn until its level is free of members of its cell smaller than
    ///   itself; a level held only by larger members is taken, and the smallest of them becomes
    ///   pending.
    /// * NearestFree: the nearest level of its cell free once all movers are placed
    ///   ([`nearest_free`]).
    #[cold]
    #[inline(never)]
    fn resolve_pending<D: Redraws>(&self, s: &mut FermionicState, draws: &mut D) {
        let nt = self.n_table;
        let FermionicState {
            k,
            home,
            lev,
            members,
            occ,
            overflow,
            n_dups,
            pending,
            counters,
            ..
        } = s;
        while let Some(Reverse(d)) = pending.pop() {
            counters.duplicates += 1;
            let c = home[d as usize] as usize;
            let row = &mut occ[c * nt..(c + 1) * nt];
            // the level is shared: it stays occupied
            let old = self
                .slot(lev[d as usize])
                .expect("a duplicate's level is in the table");
            vacate(row, overflow, n_dups, c, old);
            let j = match self.duplicates {
                DuplicateRule::Rescatter => {
                    let mut attempt = 0;
                    loop {
                        counters.duplicate_redraws += 1;
                        let j = draws.redraw(&self.levels, d, attempt);
                        attempt += 1;
                        if row[j] == 0 {
                            break j;
                        }
                        let owner = smallest_on(&members[c], lev, self.k_lo + j as i64, d);
                        if owner > d {
                            // the level holds only larger members: `d` takes it, the smallest
                            // of them is now a duplicate
                            pending.push(Reverse(owner));
                            break j;
                        }
                    }
                }
                DuplicateRule::NearestFree => nearest_free(row, old, draws),
                DuplicateRule::Keep => unreachable!("Keep leaves nothing pending"),
            };
            occupy(row, overflow, n_dups, c, j);
            k[d as usize] = self.k_lo + j as i64;
            lev[d as usize] = k[d as usize];
        }
    }

    /// Exact Poisson proposals in every cell during `[0, horizon)` with thinning by Pauli
    /// blocking; the members and occupancy counts of the cells must be those of the current
    /// binning.
    ///
    /// Proposals come from [`Self::draw_level`], whose levels all lie in the occupancy table,
    /// so the test is one byte of the cell's counts.
    #[inline(never)] // once per step; keeps the profiles readable
    fn collide_cells<const MOVING: bool, R: Rng + ?Sized>(
        &self,
        s: &mut FermionicState,
        horizon: f64,
        rng: &mut R,
    ) {
        let n = s.x.len();
        let FermionicState {
            x,
            k,
            t_last,
            lev,
            members,
            occ,
            overflow,
            n_dups,
            n_out,
            counters,
            ..
        } = s;
        let (x, k, t_last, lev) = (&mut x[..n], &mut k[..n], &mut t_last[..n], &mut lev[..n]);
        let rng = &mut child_generator(rng);
        let (mut proposals, mut accepted) = (0u64, 0u64);
        for (c, (members, row)) in members
            .iter()
            .zip(occ.chunks_exact_mut(self.n_table))
            .enumerate()
        {
            let nc = members.len();
            if nc == 0 {
                continue;
            }
            let inv_total = 1.0 / (self.rate * nc as f64);
            let mut t = inv_total * exp1(rng);
            while t < horizon {
                // level first: the proposing particle (uniform, independent of the level) is
                // drawn only when the level is free, i.e. when it matters
                let j = self.levels.sample(rng);
                proposals += 1;
                if row[j] == 0 {
                    let i = members[rng.random_range(0..nc as u32) as usize] as usize;
                    if MOVING {
                        x[i] += self.velocity(k[i]) * (t - t_last[i]);
                        t_last[i] = t;
                    }
                    match self.slot(k[i]) {
                        Some(jo) => vacate(row, overflow, n_dups, c, jo),
                        None => *n_out -= 1,
                    }
                    row[j] = 1;
                    let kk = self.k_lo + j as i64;
                    k[i] = kk;
                    lev[i] = kk;
                    accepted += 1;
                }
                t += inv_total * exp1(rng);
            }
        }
        counters.proposals += proposals;
        counters.accepted += accepted;
        counters.blocked += proposals - accepted;
    }

    /// Collisions of one step, after [`Self::bin_step`].
    fn collide_step<R: Rng + ?Sized>(&self, s: &mut FermionicState, rng: &mut R) {
        self.collide_cells::<true, R>(s, self.dt, rng);
        s.counters.particle_steps += s.x.len() as u64;
    }

    /// Binning, duplicate rule and collisions of one step (positions of colliding particles
    /// advanced to their collision instants). With [`DuplicateRule::Rescatter`] no level of
    /// any cell is doubly occupied afterwards ([`Self::pauli_violations`] is 0). Call [`Self::stream`] to finish the step.
    pub fn collide<R: Rng + ?Sized>(&self, s: &mut FermionicState, rng: &mut R) {
        self.bin_first(s, rng);
        self.collide_step(s, rng);
    }

    /// Binning of a step that follows no collision phase (positions at the step's start):
    /// with [`Membership::MidStep`] the particles first fly to the middle of the step.
    fn bin_first<R: Rng + ?Sized>(&self, s: &mut FermionicState, rng: &mut R) {
        match self.membership {
            Membership::StepStart => self.bin_step::<false, _>(s, &mut FromRng(&mut *rng), 0.0),
            Membership::MidStep => {
                self.bin_step::<true, _>(s, &mut FromRng(&mut *rng), self.bin_offset())
            }
        }
    }

    /// Free flight of every particle from its instant `t_last` to the instant `span` after
    /// the start of the step that `t_last` refers to, then the periodic wrap; `t_last` becomes
    /// the binning instant of the next collision phase ([`Membership`]).
    fn stream_to(&self, s: &mut FermionicState, span: f64) {
        let (l, t_bin) = (self.box_len(), self.bin_offset());
        for ((x, &k), t) in s.x.iter_mut().zip(&s.k).zip(s.t_last.iter_mut()) {
            *x = wrap(*x + self.velocity(k) * (span - *t), l);
            *t = t_bin;
        }
    }

    /// Free flight to the end of the step and periodic wrap.
    pub fn stream(&self, s: &mut FermionicState) {
        let l = self.box_len();
        for ((x, &k), t) in s.x.iter_mut().zip(&s.k).zip(s.t_last.iter_mut()) {
            *x = wrap(*x + self.velocity(k) * (self.dt - *t), l);
            *t = 0.0;
        }
    }

    /// Let [`Self::pauli_violations`] bin the current positions (as at the end of
    /// [`Self::run`]).
    #[cfg(test)]
    fn bin(&self, s: &mut FermionicState) {
        s.cells_from_x = true;
    }

    /// One full step `Δt`.
    pub fn step<R: Rng + ?Sized>(&self, s: &mut FermionicState, rng: &mut R) {
        self.collide(s, rng);
        self.stream(s);
    }

    /// Number of (cell, level) pairs holding more than one particle, cells as last binned
    /// (by [`Self::collide`], initialisation, or at the end of [`Self::run`]).
    pub fn pauli_violations(&self, s: &FermionicState) -> usize {
        let mut pairs: Vec<(u32, i64)> = if s.cells_from_x {
            s.x.iter()
                .map(|&x| self.cell(x))
                .zip(s.k.iter().copied())
                .collect()
        } else {
            s.home.iter().copied().zip(s.k.iter().copied()).collect()
        };
        pairs.sort_unstable();
        pairs.windows(2).filter(|w| w[0] == w[1]).count()
    }

    /// Run through ascending output `times` (each a multiple of `dt`, first may be 0), calling
    /// `record(m, state)` at each.
    pub fn run<R: Rng + ?Sized>(
        &self,
        s: &mut FermionicState,
        times: &[f64],
        rng: &mut R,
        mut record: impl FnMut(usize, &FermionicState),
    ) -> Result<(), MdError> {
        let mut done = 0u64;
        for (m, &t) in times.iter().enumerate() {
            let steps = (t / self.dt).round();
            if !(steps >= 0.0) || (steps * self.dt - t).abs() > 1e-9 * t.abs().max(1.0) {
                return Err(invalid(
                    "times",
                    format!("{t} is not a non-negative multiple of dt = {}", self.dt),
                ));
            }
            let steps = steps as u64;
            if steps < done {
                return Err(invalid("times", "must be ascending"));
            }
            // same arithmetic as repeated `step`: the streaming that ends a step is fused with
            // the binning of the next one, and done on its own before a record
            if done < steps {
                self.bin_first(s, rng);
                self.collide_step(s, rng);
                done += 1;
                let span = self.dt + self.bin_offset();
                while done < steps {
                    self.bin_step::<true, _>(s, &mut FromRng(&mut *rng), span);
                    self.collide_step(s, rng);
                    done += 1;
                }
                self.stream(s);
                s.cells_from_x = true;
            }
            record(m, s);
        }
        Ok(())
    }
}

/// The smallest of `members` (other than `except`) whose level (`lev`) is `kk`; `u32::MAX` if
/// none.
#[inline]
fn smallest_on(members: &[u32], lev: &[i64], kk: i64, except: u32) -> u32 {
    members.iter().fold(u32::MAX, |m, &p| {
        if lev[p as usize] == kk && p != except {
            m.min(p)
        } else {
            m
        }
    })
}

/// Source of the duplicate rule's re-draws: the table index of the `attempt`-th re-draw
/// (from 0) of particle `particle` in the current binning, each from the bath law `levels`.
/// In the simulation they are consecutive draws of the realization's generator
/// ([`FromRng`]); the tests use draws keyed by `(particle, attempt)`, which do not depend on
/// the order in which the binning asks for them, to compare the incremental binning with a
/// literal scan of App. C step 2(b).
trait Redraws {
    fn redraw(&mut self, levels: &AliasTable, particle: u32, attempt: u32) -> usize;
    /// A fair coin (the tie of [`DuplicateRule::NearestFree`]).
    fn coin(&mut self) -> bool;
}

/// The free level of a cell's occupancy `row` nearest to table level `j` (which is occupied):
/// `j − d` or `j + d` for the smallest `d` with one of them free, a fair coin from `draws` when
/// both are. Levels outside the table are never chosen (the table spans 14 standard deviations
/// of the bath; a cell holds far fewer particles than it has levels).
#[inline]
fn nearest_free<D: Redraws>(row: &[u8], j: usize, draws: &mut D) -> usize {
    for d in 1..row.len() {
        let below = j.checked_sub(d).filter(|&b| row[b] == 0);
        let above = Some(j + d).filter(|&a| a < row.len() && row[a] == 0);
        match (below, above) {
            (Some(b), Some(a)) => return if draws.coin() { a } else { b },
            (Some(b), None) => return b,
            (None, Some(a)) => return a,
            (None, None) => {}
        }
    }
    panic!("a cell with every level of its table occupied")
}

/// [`Redraws`] from a generator, in the order asked.
struct FromRng<'a, R: ?Sized>(&'a mut R);

impl<R: Rng + ?Sized> Redraws for FromRng<'_, R> {
    #[inline(always)]
    fn redraw(&mut self, levels: &AliasTable, _: u32, _: u32) -> usize {
        levels.sample(self.0)
    }
    #[inline(always)]
    fn coin(&mut self) -> bool {
        self.0.random()
    }
}

/// A xoshiro256++ generator (the realization generator's algorithm, [`crate::RealizationRng`])
/// whose 256-bit state is the next four words of `rng`: the collisions of a step draw from it.
///
/// Why: the proposal loop draws about three words per proposal; from a generator held behind
/// `&mut R` the compiler writes the four state words back to memory after every draw, from a
/// local one it keeps them in registers (about 10 % fewer instructions per proposal, and
/// about 10 % less time on the `fermionic_cells` benchmark as measured). The numbers still
/// depend only on `rng`, and the law is unchanged: the child state is 256 uniform bits, so
/// the child stream is a xoshiro256++ stream from a uniformly random starting point, like
/// every realization's stream (two children overlap with probability below `m² w / 2^256`
/// for `m` children of `w` words each, nil for any feasible run).
#[inline]
fn child_generator<R: Rng + ?Sized>(rng: &mut R) -> crate::RealizationRng {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    <crate::RealizationRng as rand::SeedableRng>::from_seed(seed)
}

/// One `Exp(1)` variate (ziggurat of `rand_distr`).
#[inline(always)]
fn exp1<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    Distribution::<f64>::sample(&Exp1, rng)
}

/// One more occupant of table level `j` of cell `c` (occupancy counts `row` of the cell);
/// returns the number of occupants before.
#[inline(always)]
fn occupy(
    row: &mut [u8],
    overflow: &mut Vec<(u32, u32)>,
    n_dups: &mut u64,
    c: usize,
    j: usize,
) -> u8 {
    let before = row[j];
    if before == u8::MAX {
        overflow.push((c as u32, j as u32));
    } else {
        row[j] = before + 1;
    }
    if before > 0 {
        *n_dups += 1;
    }
    before
}

/// One occupant less on table level `j` of cell `c` (which has one).
#[inline(always)]
fn vacate(row: &mut [u8], overflow: &mut Vec<(u32, u32)>, n_dups: &mut u64, c: usize, j: usize) {
    let before = row[j];
    if before != u8::MAX || !take_overflow(overflow, c, j) {
        row[j] = before - 1;
    }
    if before > 1 {
        *n_dups -= 1;
    }
}

/// Remove one overflow occupant of table level `j` of cell `c`, if there is one.
#[cold]
#[inline(never)]
fn take_overflow(overflow: &mut Vec<(u32, u32)>, c: usize, j: usize) -> bool {
    match overflow.iter().position(|&e| e == (c as u32, j as u32)) {
        Some(p) => {
            overflow.swap_remove(p);
            true
        }
        None => false,
    }
}

/// Observation of one fermionic realization of the bump relaxation (Fig. 5, panels b and d):
/// density histograms `ρ(x_b, t_m)` at `[[m, b]]` (shape `(times.len(), bins.n)`) and the
/// algorithm's counters. The bump's positions are placed as `positions` says, the levels drawn
/// from the local stationary state and relaxed by `relax` proposals per particle.
pub fn bump_profiles<R: Rng + ?Sized>(
    algo: &CellAlgorithm,
    bump: &crate::classical::GaussianBump,
    positions: crate::classical::BumpPositions,
    relax: f64,
    times: &[f64],
    bins: &crate::classical::Bins,
    rng: &mut R,
) -> Result<(Array2<f64>, CellCounters), MdError> {
    let x = bump.positions(positions, rng);
    let mut s = algo.init_local_stationary(x, relax, rng);
    let mut dens = Array2::<f64>::zeros((times.len(), bins.n));
    let w = bins.width();
    algo.run(&mut s, times, rng, |m, st| {
        let mut row = dens.row_mut(m);
        for &x in &st.x {
            if let Some(b) = bins.index(x) {
                row[b] += 1.0 / w;
            }
        }
    })?;
    Ok((dens, s.counters))
}

/// Exact stationary occupations of one isolated cell holding exactly `n` fermions on levels
/// with proposal weights `q` (canonical ensemble, `π(C) ∝ Π_{k∈C} q_k`):
/// `<n_k> = q_k e_{n−1}(q without k) / e_n(q)` with elementary symmetric polynomials `e_j`,
/// computed by positive prefix/suffix recursions with per-row rescaling (no cancellation).
pub fn canonical_occupations(q: &[f64], n: usize) -> Vec<f64> {
    let kk = q.len();
    assert!(n >= 1 && n <= kk, "need 1 <= n <= number of levels");
    // <n_k> is invariant under q -> q/a; with the grand-canonical a (Σ q/(q+a) = n) the
    // weights x = q/a make e_n the dominant term of its row, so nothing underflows.
    let fill = |a: f64| q.iter().map(|&qk| qk / (qk + a)).sum::<f64>();
    let (mut la, mut lb) = (-1400.0f64, 700.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (la + lb);
        if fill(mid.exp()) > n as f64 {
            la = mid
        } else {
            lb = mid
        }
    }
    let a = (0.5 * (la + lb)).exp();
    let q: Vec<f64> = q.iter().map(|&qk| qk / a).collect();
    let q = q.as_slice();
    // rows: (normalised e_0..e_n, ln scale)
    let step = |row: &(Vec<f64>, f64), x: f64| -> (Vec<f64>, f64) {
        let mut r = row.0.clone();
        for j in (1..=n).rev() {
            r[j] += x * row.0[j - 1];
        }
        let m = r.iter().cloned().fold(0.0, f64::max);
        r.iter_mut().for_each(|v| *v /= m);
        (r, row.1 + m.ln())
    };
    let mut unit = vec![0.0; n + 1];
    unit[0] = 1.0;
    let mut prefix = Vec::with_capacity(kk + 1);
    prefix.push((unit.clone(), 0.0));
    for &x in q {
        let next = step(prefix.last().expect("non-empty"), x);
        prefix.push(next);
    }
    let mut suffix = vec![(unit, 0.0); kk + 1];
    for i in (0..kk).rev() {
        suffix[i] = step(&suffix[i + 1], q[i]);
    }
    let (e_all, ls_all) = (&prefix[kk].0, prefix[kk].1);
    (0..kk)
        .map(|i| {
            let (p, lp) = (&prefix[i].0, prefix[i].1);
            let (s, ls) = (&suffix[i + 1].0, suffix[i + 1].1);
            let sum: f64 = (0..n).map(|j| p[j] * s[n - 1 - j]).sum();
            q[i] * sum / e_all[n] * (lp + ls - ls_all).exp()
        })
        .collect()
}

/// Bath probabilities `q_k` of the velocity windows `[λ_k − π/l, λ_k + π/l)` of levels
/// `k0 ..= k1` (the law of the nearest level of a bath velocity).
fn level_weights(bath: &kinetic::Bath, cell_len: f64, k0: i64, k1: i64) -> Vec<f64> {
    let dv = 2.0 * std::f64::consts::PI / cell_len;
    (k0..=k1)
        .map(|k| {
            let v = k as f64 * dv;
            bath.prob(v - 0.5 * dv, v + 0.5 * dv)
        })
        .collect()
}

/// Lattice form of the stationary state (40) for one cell of length `l` with `N` particles in
/// the grand-canonical approximation: `n_k = q_k / (q_k + a)`, `Σ_k n_k = N`, where
/// `q_k` is the bath probability of level `k`'s velocity window.
#[derive(Debug, Clone)]
pub struct LatticeStationary {
    /// first level
    pub k0: i64,
    /// occupations of levels `k0, k0 + 1, ...`
    pub n: Vec<f64>,
    /// the constant `a` (the continuum `A` of (40) is `a ρ_b l / 2π`)
    pub a: f64,
}

impl LatticeStationary {
    /// The bath weights `q_k` of levels `k0 ..= k1`.
    pub fn level_weights(algo: &CellAlgorithm, k0: i64, k1: i64) -> Vec<f64> {
        level_weights(algo.sampler.bath(), algo.cell_len, k0, k1)
    }

    /// Solve `Σ_k q_k/(q_k + a) = n_particles` for `a` by bisection in `ln a`.
    pub fn new(algo: &CellAlgorithm, n_particles: f64) -> Result<Self, MdError> {
        let (lo, hi) = algo.sampler.bath().support_std_devs(12.0);
        let (k0, k1) = (algo.level(lo), algo.level(hi));
        let q = Self::level_weights(algo, k0, k1);
        if !(n_particles > 0.0) || n_particles >= q.iter().filter(|&&x| x > 0.0).count() as f64 {
            return Err(invalid(
                "n_particles",
                "must be positive and below the number of levels",
            ));
        }
        let fill = |a: f64| q.iter().map(|&qk| qk / (qk + a)).sum::<f64>();
        let (mut la, mut lb) = (-800.0f64, 10.0f64);
        for _ in 0..200 {
            let mid = 0.5 * (la + lb);
            if fill(mid.exp()) > n_particles {
                la = mid
            } else {
                lb = mid
            }
        }
        let a = (0.5 * (la + lb)).exp();
        let n = q.iter().map(|&qk| qk / (qk + a)).collect();
        Ok(Self { k0, n, a })
    }

    /// Probability density of velocity implied by the occupations, normalised to 1,
    /// integrated over `[a, b)` (levels counted by their velocity).
    pub fn prob(&self, algo: &CellAlgorithm, a: f64, b: f64) -> f64 {
        let total: f64 = self.n.iter().sum();
        self.n
            .iter()
            .enumerate()
            .filter(|(j, _)| {
                let v = algo.velocity(self.k0 + *j as i64);
                v >= a && v < b
            })
            .map(|(_, n)| n)
            .sum::<f64>()
            / total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RealizationRng, realization_rng};

    fn algo(cell_len: f64, n_cells: usize, dt: f64) -> CellAlgorithm {
        CellAlgorithm::new(
            0.08,
            50.0,
            crate::sampler::bragg(6.0, 5.9, 0.3),
            cell_len,
            n_cells,
            dt,
        )
        .unwrap()
    }

    #[test]
    fn levels_roundtrip() {
        let a = algo(4.0, 3, 0.1);
        for k in -50..50 {
            assert_eq!(a.level(a.velocity(k)), k);
        }
    }

    /// Blocked moves never create a doubly occupied level; duplicates from streaming are
    /// resolved at the next step; the particle number is conserved.
    #[test]
    fn pauli_never_violated_after_collisions() {
        for membership in [Membership::StepStart, Membership::MidStep] {
            pauli_never_violated(algo(3.0, 60, 0.2).with_membership(membership));
        }
    }

    /// `n` particles placed uniformly in the box, on levels of the local stationary state
    /// relaxed by 5 proposals per particle.
    fn uniform_start(a: &CellAlgorithm, n: usize, rng: &mut RealizationRng) -> FermionicState {
        let x: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * a.box_len()).collect();
        a.init_local_stationary(x, 5.0, rng)
    }

    fn pauli_never_violated(a: CellAlgorithm) {
        let mut rng = realization_rng(5, 0);
        // ~7 particles per cell of 3 length units: n ~ 0.5 at the bath peaks
        let mut s = uniform_start(&a, 400, &mut rng);
        assert_eq!(a.pauli_violations(&s), 0);
        let mut streamed_dups = 0;
        for _ in 0..100 {
            a.collide(&mut s, &mut rng);
            assert_eq!(a.pauli_violations(&s), 0);
            a.stream(&mut s);
            // count would-be violations after streaming by rebinning a copy
            let mut c = s.clone();
            a.bin(&mut c);
            streamed_dups += a.pauli_violations(&c);
        }
        let c = s.counters;
        println!("pauli test: {c:?}, violations after streaming {streamed_dups}");
        assert!(
            c.duplicates > 0 && c.blocked > 0,
            "test must exercise both rules"
        );
        assert_eq!(s.x.len(), 400);
        assert!(s.x.iter().all(|&x| (0.0..a.box_len()).contains(&x)));
    }

    /// The alias-table proposal law is the nearest-level law of a continuous bath velocity:
    /// both `draw_level` and `level(bath.sample)` pass a chi-square test (p = 0.001) against
    /// the window probabilities computed from the bath CDF, and the dropped tail is < 1e-40.
    #[test]
    fn proposal_law_is_nearest_level_of_bath() {
        use statrs::distribution::{ChiSquared, ContinuousCDF};
        let a = algo(20.0, 1, 0.2);
        assert!(a.dropped_tail_mass() < 1e-40, "{}", a.dropped_tail_mass());
        let (k0, k1) = (a.level(-40.0), a.level(40.0));
        let h = 0.5 * a.velocity(1);
        let p: Vec<f64> = (k0..=k1)
            .map(|k| {
                let bath = a.sampler().bath();
                bath.cdf(a.velocity(k) + h) - bath.cdf(a.velocity(k) - h)
            })
            .collect();
        let n = 300_000usize;
        let mut rng = realization_rng(11, 0);
        let mut table = vec![0u64; p.len()];
        let mut continuous = vec![0u64; p.len()];
        for _ in 0..n {
            let k = a.draw_level(&mut rng);
            table[(k.clamp(k0, k1) - k0) as usize] += 1;
            let k = a.level(a.sampler().sample(&mut rng));
            continuous[(k.clamp(k0, k1) - k0) as usize] += 1;
        }
        // bins with expectation >= 20; the rest pooled into one bin
        let chi2 = |counts: &[u64]| {
            let (mut chi, mut bins, mut pe, mut pc) = (0.0, 0usize, 0.0, 0u64);
            for (c, &q) in counts.iter().zip(&p) {
                let e = q * n as f64;
                if e >= 20.0 {
                    chi += (*c as f64 - e).powi(2) / e;
                    bins += 1;
                } else {
                    pe += e;
                    pc += c;
                }
            }
            chi += (pc as f64 - pe).powi(2) / pe;
            (chi, bins)
        };
        let (ct, bins) = chi2(&table);
        let (cc, _) = chi2(&continuous);
        let crit = ChiSquared::new(bins as f64).unwrap().inverse_cdf(0.999);
        println!(
            "proposal law: chi2 alias {ct:.1}, continuous {cc:.1}, {bins} dof, critical {crit:.1}"
        );
        assert!(ct < crit && cc < crit);
    }

    /// `run` (streaming fused with cell counting) is bit-identical to repeated `step`.
    #[test]
    fn run_equals_repeated_steps() {
        for (rule, membership) in [
            (DuplicateRule::Rescatter, Membership::StepStart),
            (DuplicateRule::Keep, Membership::StepStart),
            (DuplicateRule::Rescatter, Membership::MidStep),
            (DuplicateRule::Keep, Membership::MidStep),
        ] {
            let a = algo(3.0, 60, 0.2)
                .with_duplicate_rule(rule)
                .with_membership(membership);
            let mut rng = realization_rng(9, 0);
            let s0 = uniform_start(&a, 400, &mut rng);
            let (mut s1, mut r1) = (s0.clone(), rng.clone());
            let mut s2 = s0;
            for _ in 0..50 {
                a.step(&mut s1, &mut r1);
            }
            a.run(&mut s2, &[4.0, 10.0], &mut rng, |_, _| {}).unwrap();
            assert!(s1.counters.duplicates > 0);
            assert_eq!((&s1.k, s1.counters), (&s2.k, s2.counters), "{membership:?}");
            if membership == Membership::StepStart {
                assert_eq!(s1.x, s2.x);
            } else {
                // `run` flies from mid-step to mid-step in one addition, `step` ends every
                // step at its end (two additions, a wrap between): the same law, positions
                // equal to round-off (the same cells and levels: the same counters above)
                let l = a.box_len();
                for (x1, x2) in s1.x.iter().zip(&s2.x) {
                    let d = wrap(x1 - x2 + 0.5 * l, l) - 0.5 * l;
                    assert!(d.abs() < 1e-9, "{x1} vs {x2}");
                }
            }
        }
    }

    /// Re-draws keyed by `(particle, attempt)`: the same levels whatever the order in which
    /// the binning asks for them.
    struct Keyed(u64);

    impl Redraws for Keyed {
        fn redraw(&mut self, levels: &AliasTable, particle: u32, attempt: u32) -> usize {
            let key = (u64::from(particle) << 32) | u64::from(attempt);
            levels.sample(&mut realization_rng(self.0, key))
        }
        fn coin(&mut self) -> bool {
            unreachable!("the particle-order scan comparison covers Rescatter and Keep only")
        }
    }

    /// App. C step 2(b) literally: every cell, its members in particle order; a member whose
    /// level an earlier member holds is a duplicate, and (Rescatter) is re-drawn until its
    /// level is free of earlier members. Returns (duplicates, re-draws).
    fn scan_reference(
        a: &CellAlgorithm,
        x: &[f64],
        k: &mut [i64],
        draws: &mut Keyed,
    ) -> (u64, u64) {
        let (mut dups, mut redraws) = (0, 0);
        for c in 0..a.n_cells as u32 {
            let mut held = std::collections::HashSet::new();
            for i in (0..x.len()).filter(|&i| a.cell(x[i]) == c) {
                if held.contains(&k[i]) {
                    dups += 1;
                    if a.duplicates == DuplicateRule::Rescatter {
                        let mut attempt = 0;
                        k[i] = loop {
                            redraws += 1;
                            let kk = a.k_lo + draws.redraw(&a.levels, i as u32, attempt) as i64;
                            attempt += 1;
                            if !held.contains(&kk) {
                                break kk;
                            }
                        };
                    }
                }
                held.insert(k[i]);
            }
        }
        (dups, redraws)
    }

    /// The incremental structures describe `(home, k)`: member lists and positions, the
    /// occupancy count of every (cell, level), the occupants beyond the first, the levels
    /// outside the table; right after a binning `home` is the cell of `x`.
    fn check_structures(a: &CellAlgorithm, s: &FermionicState, binned: bool) {
        use std::collections::HashMap;
        let n = s.x.len();
        let mut occupants: HashMap<(u32, i64), usize> = HashMap::new();
        for i in 0..n {
            if binned {
                assert_eq!(s.home[i], a.cell(s.x[i]), "home of {i}");
            }
            assert_eq!(s.lev[i], s.k[i], "level of {i}");
            assert_eq!(s.members[s.home[i] as usize][s.pos[i] as usize] as usize, i);
            *occupants.entry((s.home[i], s.k[i])).or_default() += 1;
        }
        assert_eq!(s.members.iter().map(Vec::len).sum::<usize>(), n);
        let mut overflow: HashMap<(u32, u32), usize> = HashMap::new();
        for &e in &s.overflow {
            *overflow.entry(e).or_default() += 1;
        }
        let mut dups = 0;
        for c in 0..a.n_cells {
            for j in 0..a.n_table {
                let m = occupants
                    .get(&(c as u32, a.k_lo + j as i64))
                    .copied()
                    .unwrap_or(0);
                assert_eq!(
                    usize::from(s.occ[c * a.n_table + j]),
                    m.min(255),
                    "count of ({c}, {j})"
                );
                let o = overflow.get(&(c as u32, j as u32)).copied().unwrap_or(0);
                assert_eq!(o, m.saturating_sub(255), "overflow of ({c}, {j})");
                dups += m.saturating_sub(1);
            }
        }
        assert_eq!(s.n_dups as usize, dups);
        let out = s.k.iter().filter(|&&k| a.slot(k).is_none()).count();
        assert_eq!(s.n_out, out);
    }

    /// The incremental binning (only particles that changed cell or level are moved) gives
    /// exactly the literal particle-order scan of every cell, with and without the fused
    /// streaming, for both rules, in a dense box where duplicates are frequent (levels
    /// changed from outside, and one outside the table, included).
    #[test]
    fn incremental_binning_is_the_particle_order_scan() {
        for rule in [DuplicateRule::Rescatter, DuplicateRule::Keep] {
            // 12 particles per cell of length 3, where about 20 levels carry the bath
            let a = algo(3.0, 20, 0.3).with_duplicate_rule(rule);
            let mut rng = realization_rng(21, 0);
            let mut s = uniform_start(&a, 240, &mut rng);
            check_structures(&a, &s, true);
            let (mut dups, mut redraws, mut full) = (0, 0, 0);
            for step in 0..400u64 {
                if step % 37 == 5 {
                    s.k[7] = a.draw_level(&mut rng);
                }
                if step == 100 {
                    s.k[11] = a.k_lo - 3;
                }
                let fused = step % 2 == 1;
                if !fused {
                    a.stream(&mut s);
                }
                let mut reference = s.clone();
                if fused {
                    a.stream(&mut reference);
                }
                // while a level lies outside the table every step re-bins all particles
                full += usize::from(s.n_out > 0 || step == 100);
                let c0 = s.counters;
                if fused {
                    a.bin_step::<true, _>(&mut s, &mut Keyed(step), a.dt);
                } else {
                    a.bin_step::<false, _>(&mut s, &mut Keyed(step), 0.0);
                }
                let (d, r) = scan_reference(&a, &reference.x, &mut reference.k, &mut Keyed(step));
                assert_eq!(s.x, reference.x, "step {step}");
                assert_eq!(s.k, reference.k, "step {step}");
                assert_eq!(s.counters.duplicates - c0.duplicates, d, "step {step}");
                assert_eq!(s.counters.duplicate_redraws - c0.duplicate_redraws, r);
                check_structures(&a, &s, true);
                assert!(step != 100 || s.n_out == 1);
                (dups, redraws) = (dups + d, redraws + r);
                a.collide_step(&mut s, &mut rng);
                check_structures(&a, &s, false);
            }
            println!("{rule:?}: {dups} duplicates, {redraws} re-draws, {full} full re-binnings");
            assert!(dups > 10_000 && full > 0, "{dups} {full}");
            assert!(rule == DuplicateRule::Keep || redraws > dups);
        }
    }

    /// NearestFree: after every binning no level of a cell is doubly occupied, the incremental
    /// structures are consistent, and every particle the binning moved went to a nearest free
    /// level: all levels of its cell closer to its old level are occupied (a shift only fills
    /// levels, so this holds at the end if it held when the particle moved). Moves go both ways.
    #[test]
    fn nearest_free_moves_duplicates_the_least() {
        let a = algo(3.0, 20, 0.3).with_duplicate_rule(DuplicateRule::NearestFree);
        let mut rng = realization_rng(22, 0);
        let mut s = uniform_start(&a, 240, &mut rng);
        assert_eq!(a.pauli_violations(&s), 0);
        let (mut up, mut down) = (0usize, 0usize);
        for _ in 0..400 {
            a.stream(&mut s);
            let before = s.k.clone();
            let c0 = s.counters;
            a.bin_step::<false, _>(&mut s, &mut FromRng(&mut rng), 0.0);
            check_structures(&a, &s, true);
            assert_eq!(a.pauli_violations(&s), 0);
            let mut moved = 0;
            for (i, (&k0, &k1)) in before.iter().zip(&s.k).enumerate() {
                if k0 == k1 {
                    continue;
                }
                moved += 1;
                let c = s.home[i];
                let held = |kk: i64| s.home.iter().zip(&s.k).any(|(&h, &k)| h == c && k == kk);
                let d = (k1 - k0).abs();
                assert!((1 - d..d).all(|o| held(k0 + o)), "{i}: {k0} -> {k1}");
                if k1 > k0 {
                    up += 1;
                } else {
                    down += 1;
                }
            }
            assert_eq!(moved as u64, s.counters.duplicates - c0.duplicates);
            a.collide_step(&mut s, &mut rng);
        }
        println!("shifted up {up}, down {down}");
        assert!(
            up + down > 5_000 && up > 1_000 && down > 1_000,
            "{up} {down}"
        );
    }

    /// `cell_range` brackets every cell to the last bit.
    #[test]
    fn cell_ranges_are_exact() {
        for (l, n) in [(3.0, 20), (0.1, 1000), (20.0, 200), (7.3, 13)] {
            let a = algo(l, n, 0.1);
            for c in 0..n {
                let [lo, hi] = a.cell_range[c];
                assert_eq!(a.cell(lo) as usize, c);
                assert_eq!(a.cell(hi.next_down()) as usize, c);
                if c > 0 {
                    assert_eq!(a.cell(lo.next_down()) as usize, c - 1);
                }
            }
            assert_eq!(a.cell_range[0][0], 0.0);
            assert_eq!(a.cell_range[n - 1][1], a.box_len());
            assert!(a.cell_range.windows(2).all(|w| w[0][1] == w[1][0]));
        }
    }

    /// Canonical occupations against brute-force enumeration of all configurations.
    #[test]
    fn canonical_matches_enumeration() {
        let q = [0.3, 0.05, 0.2, 0.25, 0.1, 0.1];
        for n in 1..=5 {
            let c = canonical_occupations(&q, n);
            let mut z = 0.0;
            let mut occ = [0.0; 6];
            for mask in 0u32..64 {
                if mask.count_ones() as usize != n {
                    continue;
                }
                let w: f64 = (0..6)
                    .filter(|i| mask >> i & 1 == 1)
                    .map(|i| q[i])
                    .product();
                z += w;
                for (i, o) in occ.iter_mut().enumerate() {
                    if mask >> i & 1 == 1 {
                        *o += w;
                    }
                }
            }
            for i in 0..6 {
                assert!((c[i] - occ[i] / z).abs() < 1e-13, "n={n} level {i}");
            }
            assert!((c.iter().sum::<f64>() - n as f64).abs() < 1e-12);
        }
    }

    #[test]
    fn lattice_stationary_normalised() {
        let a = algo(200.0, 1, 1.0);
        let st = LatticeStationary::new(&a, 150.0).unwrap();
        let total: f64 = st.n.iter().sum();
        assert!((total - 150.0).abs() < 1e-8);
        assert!(st.n.iter().all(|&n| (0.0..1.0).contains(&n)));
        assert!((st.prob(&a, -1e9, 1e9) - 1.0).abs() < 1e-12);
    }
}
