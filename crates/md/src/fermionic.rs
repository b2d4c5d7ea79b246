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
//! collision instant. The only approximation is that cell membership is frozen during a step.
//!
//! **Streaming and the duplicate rule (App. C step 2(b)).** After free flight two particles can
//! share a level of a cell. At the next step the later one (in particle order) is scattered
//! with the bath, re-drawing until it lands on a free level. Duplicates are counted.
//!
//! The stationary state of one isolated cell with `N` particles is the canonical ensemble of
//! free fermions with level fugacities `q_k` (detailed balance: `π(C) ∝ Π_{k occupied} q_k`); for
//! many particles per cell its occupations tend to `n_k = q_k / (q_k + a)`, the lattice form of
//! (40) ([`LatticeStationary`]).

use ndarray::Array2;
use rand::Rng;
use rand_distr::Exp1;

use crate::classical::wrap;
use crate::{AliasTable, MdError, MixtureSampler, invalid};

/// Counts of what the algorithm did (summed over steps).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CellCounters {
    /// collision proposals (classical rate)
    pub proposals: u64,
    /// accepted collisions (velocity changed)
    pub accepted: u64,
    /// proposals blocked by an occupied level (including the particle's own level)
    pub blocked: u64,
    /// particles found on an already occupied level after streaming and re-scattered
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
    /// proposal law `q_k` over the table's levels (index `k - k_lo`)
    levels: AliasTable,
    /// bath mass outside the table's levels (not proposed)
    tail_mass: f64,
    /// level spacing in velocity, `2π / l`
    dv: f64,
    /// `1 / l`
    inv_cell_len: f64,
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
}

/// Positions, levels and scratch buffers of one realization.
#[derive(Debug, Clone)]
pub struct FermionicState {
    /// positions in `[0, L)`
    pub x: Vec<f64>,
    /// momentum levels, velocity `2π k / l`
    pub k: Vec<i64>,
    /// time elapsed since the start of the step at which the particle's position is `x`
    t_last: Vec<f64>,
    cell_of: Vec<u32>,
    start: Vec<u32>,
    order: Vec<u32>,
    /// per table level: `epoch << 32 | count`; a word from an older epoch reads as empty, so
    /// moving to the next cell clears the table in O(1)
    occ: Vec<u64>,
    /// current epoch (`1 ..= u32::MAX`), one per cell visit
    epoch: u64,
    /// counting-sort scratch (next free slot per cell)
    fill: Vec<u32>,
    /// what happened so far
    pub counters: CellCounters,
}

impl FermionicState {
    /// Start a new cell visit: every level reads as empty.
    #[inline]
    fn next_epoch(&mut self) {
        self.epoch += 1;
        if self.epoch > u64::from(u32::MAX) {
            self.occ.iter_mut().for_each(|w| *w = 0);
            self.epoch = 1;
        }
    }
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
            levels,
            tail_mass,
            dv: 2.0 * std::f64::consts::PI / cell_len,
            inv_cell_len: 1.0 / cell_len,
        })
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

    #[inline]
    fn cell(&self, x: f64) -> u32 {
        (((x * self.inv_cell_len) as usize).min(self.n_cells - 1)) as u32
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
            cell_of: vec![0; n],
            start: vec![0; self.n_cells + 1],
            order: vec![0; n],
            occ: vec![0; self.n_table],
            epoch: 0,
            fill: vec![0; self.n_cells],
            counters: CellCounters::default(),
        };
        self.bin(&mut s);
        for c in 0..self.n_cells {
            s.next_epoch();
            let (a, b) = (s.start[c] as usize, s.start[c + 1] as usize);
            for m in a..b {
                let i = s.order[m] as usize;
                let kk = loop {
                    let kk = self.level(draw(rng));
                    if !self.occupied(&s, kk, a, b) {
                        break kk;
                    }
                };
                s.k[i] = kk;
                self.mark(&mut s, kk);
            }
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
        for c in 0..self.n_cells {
            s.next_epoch();
            let (a, b) = (s.start[c] as usize, s.start[c + 1] as usize);
            for m in a..b {
                let kk = s.k[s.order[m] as usize];
                self.mark(&mut s, kk);
            }
            self.collide_cell::<false, R>(&mut s, a, b, horizon, rng);
        }
        s.counters = CellCounters::default();
        s
    }

    #[inline]
    fn slot(&self, k: i64) -> Option<usize> {
        let j = k - self.k_lo;
        if j >= 0 && (j as usize) < self.n_table {
            Some(j as usize)
        } else {
            None
        }
    }

    /// Is level `kk` occupied in the cell whose members are `order[a..b]` (current epoch)?
    #[inline]
    fn occupied(&self, s: &FermionicState, kk: i64, a: usize, b: usize) -> bool {
        match self.slot(kk) {
            Some(j) => s.occ[j] > s.epoch << 32,
            // outside the table (probability < e^-98 per draw): scan the cell
            None => s.order[a..b].iter().any(|&i| s.k[i as usize] == kk),
        }
    }
    #[inline]
    fn mark(&self, s: &mut FermionicState, kk: i64) {
        if let Some(j) = self.slot(kk) {
            let base = s.epoch << 32;
            s.occ[j] = s.occ[j].max(base) + 1;
        }
    }

    /// Counting sort of the particles into cells (stable in particle index).
    fn bin(&self, s: &mut FermionicState) {
        s.start.iter_mut().for_each(|c| *c = 0);
        for (i, &xi) in s.x.iter().enumerate() {
            let c = self.cell(xi);
            s.cell_of[i] = c;
            s.start[c as usize + 1] += 1;
        }
        self.finish_bin(s);
    }

    /// Second half of the counting sort, from `cell_of` and the per-cell counts in
    /// `start[1..]`.
    fn finish_bin(&self, s: &mut FermionicState) {
        for c in 0..self.n_cells {
            s.start[c + 1] += s.start[c];
        }
        s.fill.copy_from_slice(&s.start[..self.n_cells]);
        for (i, &c) in s.cell_of.iter().enumerate() {
            s.order[s.fill[c as usize] as usize] = i as u32;
            s.fill[c as usize] += 1;
        }
    }

    /// Exact Poisson proposals in the cell `order[a..b]` during `[0, horizon)` with thinning by
    /// Pauli blocking; the occupancy table must hold the cell's levels (current epoch).
    ///
    /// Proposals come from [`Self::draw_level`], whose levels all lie in the occupancy table,
    /// so the test is one load of the packed `epoch | count` word.
    fn collide_cell<const MOVING: bool, R: Rng + ?Sized>(
        &self,
        s: &mut FermionicState,
        a: usize,
        b: usize,
        horizon: f64,
        rng: &mut R,
    ) {
        let nc = b - a;
        if nc == 0 {
            return;
        }
        let inv_total = 1.0 / (self.rate * nc as f64);
        let members = &s.order[a..b];
        let (x, k, t_last, occ) = (&mut s.x, &mut s.k, &mut s.t_last, &mut s.occ);
        let base = s.epoch << 32;
        let (mut proposals, mut accepted) = (0u64, 0u64);
        let mut t = inv_total * rng.sample::<f64, _>(Exp1);
        while t < horizon {
            // level first: the proposing particle (uniform, independent of the level) is
            // drawn only when the level is free, i.e. when it matters
            let j = self.levels.sample(rng);
            proposals += 1;
            if occ[j] <= base {
                let i = members[rng.random_range(0..nc as u32) as usize] as usize;
                if MOVING {
                    x[i] += self.velocity(k[i]) * (t - t_last[i]);
                    t_last[i] = t;
                }
                if let Some(jo) = self.slot(k[i]) {
                    occ[jo] -= 1;
                }
                occ[j] = base + 1;
                k[i] = self.k_lo + j as i64;
                accepted += 1;
            }
            t += inv_total * rng.sample::<f64, _>(Exp1);
        }
        s.counters.proposals += proposals;
        s.counters.accepted += accepted;
        s.counters.blocked += proposals - accepted;
    }

    /// Binning, duplicate rule and collisions of one step (positions of colliding particles
    /// advanced to their collision instants). With [`DuplicateRule::Rescatter`] no level of
    /// any cell is doubly occupied afterwards ([`Self::pauli_violations`] is 0). Call [`Self::stream`] to finish the step.
    pub fn collide<R: Rng + ?Sized>(&self, s: &mut FermionicState, rng: &mut R) {
        self.bin(s);
        self.collide_binned(s, rng);
    }

    /// [`Self::collide`] after the counting sort.
    fn collide_binned<R: Rng + ?Sized>(&self, s: &mut FermionicState, rng: &mut R) {
        for c in 0..self.n_cells {
            s.next_epoch();
            let (a, b) = (s.start[c] as usize, s.start[c + 1] as usize);
            for m in a..b {
                let i = s.order[m] as usize;
                let mut kk = s.k[i];
                let duplicate = self.occupied_before(s, kk, a, m);
                if duplicate {
                    s.counters.duplicates += 1;
                }
                if duplicate && self.duplicates == DuplicateRule::Rescatter {
                    kk = loop {
                        s.counters.duplicate_redraws += 1;
                        let kk = self.draw_level(rng);
                        if !self.occupied_before(s, kk, a, m) {
                            break kk;
                        }
                    };
                    s.k[i] = kk;
                }
                self.mark(s, kk);
            }
            self.collide_cell::<true, R>(s, a, b, self.dt, rng);
        }
        s.counters.particle_steps += s.x.len() as u64;
    }

    /// Occupancy among the first members `order[a..m]` (duplicate scan).
    #[inline]
    fn occupied_before(&self, s: &FermionicState, kk: i64, a: usize, m: usize) -> bool {
        match self.slot(kk) {
            Some(j) => s.occ[j] > s.epoch << 32,
            None => s.order[a..m].iter().any(|&i| s.k[i as usize] == kk),
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

    /// [`Self::stream`] fused with the first half of the next step's counting sort (cells and
    /// per-cell counts of the new positions), for [`Self::run`], where nothing can move a
    /// particle between the two.
    fn stream_and_count(&self, s: &mut FermionicState) {
        let l = self.box_len();
        s.start.iter_mut().for_each(|c| *c = 0);
        for (((x, &k), t), cell) in
            s.x.iter_mut()
                .zip(&s.k)
                .zip(s.t_last.iter_mut())
                .zip(s.cell_of.iter_mut())
        {
            *x = wrap(*x + self.velocity(k) * (self.dt - *t), l);
            *t = 0.0;
            *cell = self.cell(*x);
            s.start[*cell as usize + 1] += 1;
        }
    }

    /// One full step `Δt`.
    pub fn step<R: Rng + ?Sized>(&self, s: &mut FermionicState, rng: &mut R) {
        self.collide(s, rng);
        self.stream(s);
    }

    /// Number of (cell, level) pairs holding more than one particle, cells as last binned
    /// (by [`Self::collide`], initialisation, or at the end of [`Self::run`]).
    pub fn pauli_violations(&self, s: &FermionicState) -> usize {
        let mut pairs: Vec<(u32, i64)> =
            s.cell_of.iter().copied().zip(s.k.iter().copied()).collect();
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
            // same arithmetic as repeated `step`, with streaming and cell counting fused
            if done < steps {
                self.bin(s);
                while done < steps {
                    self.collide_binned(s, rng);
                    self.stream_and_count(s);
                    self.finish_bin(s);
                    done += 1;
                }
            }
            record(m, s);
        }
        Ok(())
    }
}

/// Observation of one fermionic realization of the bump relaxation (Fig. 5, panels b and d):
/// density histograms `ρ(x_b, t_m)` at `[[m, b]]` (shape `(times.len(), bins.n)`) and the
/// algorithm's counters.
pub fn bump_profiles<R: Rng + ?Sized>(
    algo: &CellAlgorithm,
    bump: &crate::classical::GaussianBump,
    relax: f64,
    times: &[f64],
    bins: &crate::classical::Bins,
    rng: &mut R,
) -> Result<(Array2<f64>, CellCounters), MdError> {
    let x: Vec<f64> = (0..bump.n).map(|_| bump.sample(rng)).collect();
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
    use crate::realization_rng;

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
        let a = algo(3.0, 60, 0.2);
        let mut rng = realization_rng(5, 0);
        // ~7 particles per cell of 3 length units: n ~ 0.5 at the bath peaks
        let x: Vec<f64> = (0..400)
            .map(|_| rng.random::<f64>() * a.box_len())
            .collect();
        let mut s = a.init_local_stationary(x, 5.0, &mut rng);
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
        for rule in [DuplicateRule::Rescatter, DuplicateRule::Keep] {
            let a = algo(3.0, 60, 0.2).with_duplicate_rule(rule);
            let mut rng = realization_rng(9, 0);
            let x: Vec<f64> = (0..400)
                .map(|_| rng.random::<f64>() * a.box_len())
                .collect();
            let s0 = a.init_local_stationary(x, 5.0, &mut rng);
            let (mut s1, mut r1) = (s0.clone(), rng.clone());
            let mut s2 = s0;
            for _ in 0..50 {
                a.step(&mut s1, &mut r1);
            }
            a.run(&mut s2, &[4.0, 10.0], &mut rng, |_, _| {}).unwrap();
            assert_eq!((s1.x, s1.k, s1.counters), (s2.x, s2.k, s2.counters));
            assert!(s1.counters.duplicates > 0);
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
