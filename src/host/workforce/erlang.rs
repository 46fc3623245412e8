//! Erlang B, Erlang C and Erlang A: the queueing formulas behind contact-centre
//! staffing.
//!
//! Every formula is computed without factorials or powers, so it stays exact to
//! the last printed digit at any size up to [`MAX_TRAFFIC_ERLANGS`]:
//!
//! * **Erlang B** uses the recursion on the inverse blocking probability,
//!   `I(0) = 1`, `I(n) = 1 + (n / A) · I(n − 1)`, `B(n, A) = 1 / I(n)`. The
//!   recursion is affine and an error in `I(k)` is multiplied by `k / A` at every
//!   step, so below `A` it dies out geometrically. That allows a warm start a
//!   few standard deviations (`13·√A`) below the traffic from the fluid value
//!   `I ≈ A / (A − n)`: the start error is damped by more than `e^-80`, and a
//!   solve at 100,000 Erlangs costs about 5,000 steps, not 100,000.
//! * **Erlang C** follows from Erlang B: `C = N / ((N − A) · I(N) + A)`, which
//!   has no cancellation for `N > A`.
//! * **Erlang A** (M/M/N+M, exponential patience) is computed from closed
//!   integral forms of the queue's tail sums, integrated in log space around
//!   their peak by adaptive Gauss–Kronrod quadrature (see [`ErlangA`]).

use std::time::Duration;
use thiserror::Error;

/// The largest offered traffic accepted, in Erlangs. Far beyond any contact
/// centre; it bounds the work of one evaluation.
pub const MAX_TRAFFIC_ERLANGS: f64 = 10_000_000.0;

/// Relative slack used when a computed value is compared with a target, so
/// that binary rounding (`21 / 0.7 = 30.000000000000004`) never adds an agent.
pub(crate) const COMPARISON_SLACK: f64 = 1e-12;

/// Above this the inverse blocking probability is treated as infinite: the
/// blocking and waiting probabilities are then below `1e-290`, that is zero.
const INVERSE_B_OVERFLOW: f64 = 1e290;

/// Errors of staffing calculations.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StaffingError {
    /// Erlang C has no steady state unless the agents exceed the traffic.
    #[error(
        "unstable queue: {traffic} Erlangs of traffic with {agents} agents; without abandonment \
         the agents must exceed the traffic"
    )]
    Unstable {
        /// Offered traffic in Erlangs.
        traffic: f64,
        /// Number of agents that was asked about.
        agents: u32,
    },
    /// No number of agents can meet the target (for example a 100% service level).
    #[error("infeasible: {reason}")]
    Infeasible {
        /// Why no staffing can meet the target.
        reason: String,
    },
    /// An input is out of its domain (negative, not finite, out of range).
    #[error("invalid input: {what}")]
    InvalidInput {
        /// What was wrong, naming the input.
        what: String,
    },
}

pub(crate) fn invalid(what: impl Into<String>) -> StaffingError {
    StaffingError::InvalidInput { what: what.into() }
}

/// Offered traffic in Erlangs: the average number of contacts in progress if
/// every contact were answered at once (volume × handling time ÷ interval).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Traffic(f64);

impl Traffic {
    /// Traffic of `erlangs` Erlangs; finite, not negative, at most
    /// [`MAX_TRAFFIC_ERLANGS`].
    ///
    /// ```
    /// use aftersales::host::workforce::erlang::Traffic;
    /// assert_eq!(Traffic::new(10.0)?.erlangs(), 10.0);
    /// assert!(Traffic::new(-1.0).is_err());
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn new(erlangs: f64) -> Result<Self, StaffingError> {
        if !erlangs.is_finite() || erlangs < 0.0 {
            return Err(invalid(format!(
                "traffic must be a finite number of Erlangs, not negative (got {erlangs})"
            )));
        }
        if erlangs > MAX_TRAFFIC_ERLANGS {
            return Err(invalid(format!(
                "traffic of {erlangs} Erlangs exceeds the supported maximum of {MAX_TRAFFIC_ERLANGS}"
            )));
        }
        Ok(Traffic(erlangs))
    }

    /// Traffic of `volume` contacts arriving in `interval`, each handled in
    /// `aht` on average.
    ///
    /// ```
    /// use aftersales::host::workforce::erlang::Traffic;
    /// use std::time::Duration;
    /// // 100 calls per 30 minutes at 180 s each: 10 Erlangs.
    /// let a = Traffic::from_volume(100.0, Duration::from_secs(1800), Duration::from_secs(180))?;
    /// assert_eq!(a.erlangs(), 10.0);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn from_volume(
        volume: f64,
        interval: Duration,
        aht: Duration,
    ) -> Result<Self, StaffingError> {
        if !volume.is_finite() || volume < 0.0 {
            return Err(invalid(format!(
                "volume must be a finite number of contacts, not negative (got {volume})"
            )));
        }
        if interval.is_zero() {
            return Err(invalid("interval must be longer than zero"));
        }
        Traffic::new(volume * aht.as_secs_f64() / interval.as_secs_f64())
    }

    /// The traffic in Erlangs.
    ///
    /// ```
    /// use aftersales::host::workforce::erlang::Traffic;
    /// assert_eq!(Traffic::new(2.5).map(|t| t.erlangs()), Ok(2.5));
    /// ```
    pub fn erlangs(self) -> f64 {
        self.0
    }
}

/// The offered work of one interval: traffic and the average handling time
/// that sets the time scale of waiting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Workload {
    traffic: Traffic,
    aht: Duration,
}

impl Workload {
    /// `volume` contacts in `interval`, handled in `aht` on average. The
    /// handling time must be longer than zero.
    ///
    /// ```
    /// use aftersales::host::workforce::erlang::Workload;
    /// use std::time::Duration;
    /// let w = Workload::new(100.0, Duration::from_secs(1800), Duration::from_secs(180))?;
    /// assert_eq!(w.traffic().erlangs(), 10.0);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn new(volume: f64, interval: Duration, aht: Duration) -> Result<Self, StaffingError> {
        let traffic = Traffic::from_volume(volume, interval, aht)?;
        Workload::from_traffic(traffic, aht)
    }

    /// A workload of known traffic with average handling time `aht` (> 0).
    ///
    /// ```
    /// use aftersales::host::workforce::erlang::{Traffic, Workload};
    /// use std::time::Duration;
    /// let w = Workload::from_traffic(Traffic::new(10.0)?, Duration::from_secs(180))?;
    /// assert_eq!(w.aht(), Duration::from_secs(180));
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn from_traffic(traffic: Traffic, aht: Duration) -> Result<Self, StaffingError> {
        if aht.is_zero() {
            return Err(invalid("average handling time must be longer than zero"));
        }
        Ok(Workload { traffic, aht })
    }

    /// The offered traffic.
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{Traffic, Workload};
    /// # use std::time::Duration;
    /// let w = Workload::from_traffic(Traffic::new(3.0)?, Duration::from_secs(60))?;
    /// assert_eq!(w.traffic().erlangs(), 3.0);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn traffic(&self) -> Traffic {
        self.traffic
    }

    /// The average handling time.
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{Traffic, Workload};
    /// # use std::time::Duration;
    /// let w = Workload::from_traffic(Traffic::new(3.0)?, Duration::from_secs(60))?;
    /// assert_eq!(w.aht().as_secs(), 60);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn aht(&self) -> Duration {
        self.aht
    }
}

/// First index of the inverse-B recursion and its starting value, for a
/// recursion that must reach `n` agents at traffic `a > 0`.
///
/// The start lies far enough below `min(n, a)` that the product of the damping
/// factors `k / a` over the steps up to `min(n, a)` is below `e^-80`.
fn warm_start(a: f64, n: u64) -> (u64, f64) {
    let hi = (n as f64).min(a);
    let by_width = 13.0 * a.sqrt();
    let by_ratio = if hi > 0.0 && hi < a {
        80.0 / (a / hi).ln()
    } else {
        f64::INFINITY
    };
    let start = (hi - by_width.min(by_ratio) - 10.0).floor();
    if start < 1.0 {
        (0, 1.0)
    } else {
        // start < a, so a / (a − start) is finite and at least 1.
        (start as u64, a / (a - start))
    }
}

/// One step of the inverse-B recursion: `I(k)` from `I(k − 1)`.
#[inline]
fn inverse_b_step(a: f64, k: u64, previous: f64) -> f64 {
    let next = 1.0 + (k as f64 / a) * previous;
    if next > INVERSE_B_OVERFLOW {
        f64::INFINITY
    } else {
        next
    }
}

/// `I(n) = 1 / B(n, a)` for `a > 0`; `f64::INFINITY` once it exceeds `1e290`.
pub(crate) fn inverse_erlang_b(a: f64, n: u64) -> f64 {
    let (start, mut inv) = warm_start(a, n);
    for k in start + 1..=n {
        inv = inverse_b_step(a, k, inv);
        if inv.is_infinite() {
            break;
        }
    }
    inv
}

/// The Erlang B blocking probability: the share of contacts that find all
/// `agents` busy when there is no queue (M/M/N/N).
///
/// ```
/// use aftersales::host::workforce::erlang::{erlang_b, Traffic};
/// // Textbook table: at a 1% grade of service 10 lines carry 4.461 Erlangs.
/// let b = erlang_b(Traffic::new(4.461)?, 10);
/// assert_eq!(format!("{b:.4}"), "0.0100");
/// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
/// ```
pub fn erlang_b(traffic: Traffic, agents: u32) -> f64 {
    let a = traffic.erlangs();
    if a == 0.0 {
        return if agents == 0 { 1.0 } else { 0.0 };
    }
    1.0 / inverse_erlang_b(a, u64::from(agents))
}

/// Erlang C from the inverse blocking probability `inv = 1 / B(n, a)`.
#[inline]
fn erlang_c_from_inverse_b(a: f64, n: f64, inv: f64) -> f64 {
    n / ((n - a) * inv + a)
}

/// The Erlang C probability of waiting: the share of contacts that find all
/// `agents` busy and queue (M/M/N). Fails with [`StaffingError::Unstable`]
/// unless the agents exceed the traffic (no traffic never waits).
///
/// ```
/// use aftersales::host::workforce::erlang::{erlang_c, Traffic};
/// // 10 Erlangs on 14 agents: 17.41% of calls wait.
/// let c = erlang_c(Traffic::new(10.0)?, 14)?;
/// assert_eq!(format!("{c:.4}"), "0.1741");
/// assert!(erlang_c(Traffic::new(10.0)?, 10).is_err());
/// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
/// ```
pub fn erlang_c(traffic: Traffic, agents: u32) -> Result<f64, StaffingError> {
    let a = traffic.erlangs();
    if a == 0.0 {
        return Ok(0.0);
    }
    let n = f64::from(agents);
    if a >= n {
        return Err(StaffingError::Unstable { traffic: a, agents });
    }
    Ok(erlang_c_from_inverse_b(
        a,
        n,
        inverse_erlang_b(a, u64::from(agents)),
    ))
}

/// An M/M/N queue (Erlang C): contacts wait as long as it takes.
///
/// The published check — 100 calls per 30 minutes, 180 s handling, 14 agents:
///
/// ```
/// use aftersales::host::workforce::erlang::{ErlangC, Workload};
/// use std::time::Duration;
/// let load = Workload::new(100.0, Duration::from_secs(1800), Duration::from_secs(180))?;
/// let q = ErlangC::new(&load, 14)?;
/// assert_eq!(format!("{:.3}", q.service_level(Duration::from_secs(20))), "0.888");
/// assert_eq!(format!("{:.3}", q.p_wait()), "0.174");
/// assert_eq!(format!("{:.3}", q.occupancy()), "0.714");
/// // One agent fewer: 79.56% answered within 20 s.
/// let q13 = ErlangC::new(&load, 13)?;
/// assert_eq!(format!("{:.4}", q13.service_level(Duration::from_secs(20))), "0.7956");
/// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangC {
    traffic: f64,
    agents: u32,
    aht_seconds: f64,
    p_wait: f64,
}

impl ErlangC {
    /// The queue of `workload` served by `agents`; [`StaffingError::Unstable`]
    /// unless the agents exceed the traffic.
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangC, Workload, StaffingError};
    /// # use std::time::Duration;
    /// let load = Workload::new(100.0, Duration::from_secs(1800), Duration::from_secs(180))?;
    /// assert!(matches!(ErlangC::new(&load, 10), Err(StaffingError::Unstable { agents: 10, .. })));
    /// # Ok::<(), StaffingError>(())
    /// ```
    pub fn new(workload: &Workload, agents: u32) -> Result<Self, StaffingError> {
        let p_wait = erlang_c(workload.traffic(), agents)?;
        Ok(ErlangC {
            traffic: workload.traffic().erlangs(),
            agents,
            aht_seconds: workload.aht().as_secs_f64(),
            p_wait,
        })
    }

    /// Built from a probability of waiting computed by the staffing solver.
    pub(crate) fn from_parts(traffic: f64, agents: u32, aht_seconds: f64, p_wait: f64) -> Self {
        ErlangC {
            traffic,
            agents,
            aht_seconds,
            p_wait,
        }
    }

    /// Number of agents.
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangC, Traffic, Workload};
    /// # use std::time::Duration;
    /// # let load = Workload::from_traffic(Traffic::new(1.0)?, Duration::from_secs(60))?;
    /// assert_eq!(ErlangC::new(&load, 3)?.agents(), 3);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn agents(&self) -> u32 {
        self.agents
    }

    /// Probability that a contact has to wait at all (the Erlang C formula).
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangC, Traffic, Workload};
    /// # use std::time::Duration;
    /// // One agent, half busy: half of the contacts wait.
    /// let load = Workload::from_traffic(Traffic::new(0.5)?, Duration::from_secs(60))?;
    /// assert!((ErlangC::new(&load, 1)?.p_wait() - 0.5).abs() < 1e-15);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn p_wait(&self) -> f64 {
        self.p_wait
    }

    /// Probability that a contact waits longer than `t`:
    /// `C · exp(−(N − A) · t / AHT)`.
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangC, Traffic, Workload};
    /// # use std::time::Duration;
    /// let load = Workload::from_traffic(Traffic::new(0.5)?, Duration::from_secs(60))?;
    /// let q = ErlangC::new(&load, 1)?;
    /// // (N − A) · t / AHT = 0.5 · 120 / 60 = 1.
    /// let p = q.p_wait_longer_than(Duration::from_secs(120));
    /// assert!((p - 0.5 * (-1.0f64).exp()).abs() < 1e-15);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn p_wait_longer_than(&self, t: Duration) -> f64 {
        if self.p_wait == 0.0 {
            return 0.0;
        }
        let n = f64::from(self.agents);
        self.p_wait * (-(n - self.traffic) * t.as_secs_f64() / self.aht_seconds).exp()
    }

    /// Service level: probability that a contact is answered within `t`
    /// (`t = 0` gives `1 − C`).
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangC, Workload};
    /// # use std::time::Duration;
    /// let load = Workload::new(100.0, Duration::from_secs(1800), Duration::from_secs(180))?;
    /// let q = ErlangC::new(&load, 14)?;
    /// assert_eq!(q.service_level(Duration::ZERO), 1.0 - q.p_wait());
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn service_level(&self, t: Duration) -> f64 {
        1.0 - self.p_wait_longer_than(t)
    }

    /// Average speed of answer over all contacts, in seconds:
    /// `C · AHT / (N − A)`.
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangC, Workload};
    /// # use std::time::Duration;
    /// let load = Workload::new(100.0, Duration::from_secs(1800), Duration::from_secs(180))?;
    /// assert_eq!(format!("{:.2}", ErlangC::new(&load, 14)?.asa_seconds()), "7.84");
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn asa_seconds(&self) -> f64 {
        if self.p_wait == 0.0 {
            return 0.0;
        }
        self.p_wait * self.aht_seconds / (f64::from(self.agents) - self.traffic)
    }

    /// Occupancy: the share of agent time spent handling contacts, `A / N`
    /// (0 with no agents).
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangC, Traffic, Workload};
    /// # use std::time::Duration;
    /// let load = Workload::from_traffic(Traffic::new(3.0)?, Duration::from_secs(60))?;
    /// assert_eq!(ErlangC::new(&load, 4)?.occupancy(), 0.75);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn occupancy(&self) -> f64 {
        if self.agents == 0 {
            0.0
        } else {
            self.traffic / f64::from(self.agents)
        }
    }

    /// Average number of contacts waiting in the queue: `C · A / (N − A)`.
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangC, Traffic, Workload};
    /// # use std::time::Duration;
    /// // M/M/1 at 50% load: Lq = ρ² / (1 − ρ) = 0.5.
    /// let load = Workload::from_traffic(Traffic::new(0.5)?, Duration::from_secs(60))?;
    /// assert!((ErlangC::new(&load, 1)?.queue_length() - 0.5).abs() < 1e-15);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn queue_length(&self) -> f64 {
        if self.p_wait == 0.0 {
            return 0.0;
        }
        self.p_wait * self.traffic / (f64::from(self.agents) - self.traffic)
    }
}

/// The smallest `N ≥ min_agents` (with `min_agents > A > 0`) whose Erlang C
/// service level within `t` reaches `target`, walking the recursion upwards so
/// that each extra agent costs one step. Returns the queue at that `N`.
pub(crate) fn erlang_c_first_meeting(
    workload: &Workload,
    min_agents: u64,
    target: f64,
    t: Duration,
) -> Result<ErlangC, StaffingError> {
    let a = workload.traffic().erlangs();
    let aht = workload.aht().as_secs_f64();
    let decay_per_agent = t.as_secs_f64() / aht;
    let mut n = min_agents;
    let mut inv = inverse_erlang_b(a, n);
    loop {
        let agents = u32::try_from(n).map_err(|_| StaffingError::Infeasible {
            reason: format!("more than {} agents would be needed", u32::MAX),
        })?;
        let nf = n as f64;
        let c = erlang_c_from_inverse_b(a, nf, inv);
        // Once the inverse overflows, c = 0 and the service level is 1, which
        // meets every target below 1: the loop always ends.
        let sl = 1.0 - c * (-(nf - a) * decay_per_agent).exp();
        if sl >= target - COMPARISON_SLACK {
            return Ok(ErlangC::from_parts(a, agents, aht, c));
        }
        n += 1;
        inv = inverse_b_step(a, n, inv);
    }
}

// ---------------------------------------------------------------------------
// Erlang A
// ---------------------------------------------------------------------------

/// Cut-off of the integrands in log space: beyond `e^-80` of the peak nothing
/// contributes to a double.
const LOG_CUTOFF: f64 = 80.0;

/// `φ(d) = e^{−d} − 1 + d ≥ 0`, accurately also for small `|d|`.
fn phi(d: f64) -> f64 {
    if d.abs() <= 0.1 {
        // Σ_{k≥2} (−d)^k / k!, 16 terms: exact to the last bit for |d| ≤ 0.1.
        let mut term = d * d / 2.0;
        let mut sum = term;
        for k in 3..18 {
            term *= -d / f64::from(k);
            sum += term;
        }
        sum
    } else {
        (-d).exp_m1() + d
    }
}

/// The tail sums of the Erlang A queue in scaled time `w = θ·t`
/// (θ = 1 / mean patience): with `x = N / r`, `y = A / r`, `r = AHT / patience`,
/// the arrivals that find `j` contacts queued ahead carry the weights
/// `x · ∫ m(w) · exp(g(w)) dw` with `g(w) = y·(1 − e^{−w}) − x·w`. `g` is
/// concave, so the integrand is one smooth hump around `peak`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tail {
    x: f64,
    y: f64,
    /// `x − y`, computed as `(N − A) / r` without cancellation.
    x_minus_y: f64,
    overloaded: bool,
    peak: f64,
    /// `g(peak)`: the log of the integrand's maximum.
    log_peak: f64,
    /// Width of the hump near its peak.
    scale: f64,
    lo: f64,
    hi: f64,
}

impl Tail {
    fn new(agents: f64, traffic: f64, r: f64) -> Self {
        let x = agents / r;
        let y = traffic / r;
        let x_minus_y = (agents - traffic) / r;
        let overloaded = traffic > agents;
        let (peak, log_peak, scale) = if overloaded {
            let u = (traffic / agents).ln();
            (u, x * (u.exp_m1() - u), 1.0 / x.sqrt())
        } else {
            (0.0, 0.0, 1.0 / (x_minus_y + y.sqrt()))
        };
        let mut tail = Tail {
            x,
            y,
            x_minus_y,
            overloaded,
            peak,
            log_peak,
            scale,
            lo: 0.0,
            hi: 0.0,
        };
        tail.hi = tail.far_end(1.0);
        tail.lo = if overloaded { tail.far_end(-1.0) } else { 0.0 };
        tail
    }

    /// `g(w) − g(peak)`, never positive, computed without cancellation.
    fn log_shape(&self, w: f64) -> f64 {
        if self.overloaded {
            -self.x * phi(w - self.peak)
        } else {
            -self.y * phi(w) - self.x_minus_y * w
        }
    }

    /// A point on side `direction` of the peak where the integrand has fallen
    /// below `e^-LOG_CUTOFF` (clamped at 0 on the left).
    fn far_end(&self, direction: f64) -> f64 {
        let mut step = self.scale;
        // g falls at least quadratically then linearly: a few dozen doublings
        // at most; the bound only guards against a non-finite scale.
        for _ in 0..2100 {
            let w = self.peak + direction * step;
            if w <= 0.0 {
                return 0.0;
            }
            if self.log_shape(w) <= -LOG_CUTOFF || !w.is_finite() {
                return w;
            }
            step *= 2.0;
        }
        if direction > 0.0 {
            f64::MAX
        } else {
            0.0
        }
    }

    /// Break points from the peak outwards, doubling in width, within `[lo, end]`.
    fn break_points(&self, end: f64) -> Vec<f64> {
        let end = end.min(self.hi);
        let mut points = Vec::with_capacity(32);
        if end <= self.lo {
            return points;
        }
        let mut left = Vec::new();
        let mut step = self.scale;
        while self.peak - step > self.lo && left.len() < 1100 {
            left.push(self.peak - step);
            step *= 2.0;
        }
        points.push(self.lo);
        points.extend(left.into_iter().rev());
        if self.peak > self.lo {
            points.push(self.peak);
        }
        let mut step = self.scale;
        while self.peak + step < end && points.len() < 2200 {
            points.push(self.peak + step);
            step *= 2.0;
        }
        points.retain(|&p| p < end);
        points.push(end);
        points
    }
}

/// Gauss–Kronrod 7/15 nodes and weights (QUADPACK `qk15`), kept as published.
#[allow(clippy::excessive_precision)]
const XGK: [f64; 8] = [
    0.991_455_371_120_812_639_206_854_697_526_329,
    0.949_107_912_342_758_524_526_189_684_047_851,
    0.864_864_423_359_769_072_789_712_788_640_926,
    0.741_531_185_599_394_439_863_864_773_280_788,
    0.586_087_235_467_691_130_294_144_845_693_013,
    0.405_845_151_377_397_166_906_606_412_076_961,
    0.207_784_955_007_898_467_600_689_403_773_245,
    0.0,
];
#[allow(clippy::excessive_precision)]
const WGK: [f64; 8] = [
    0.022_935_322_010_529_224_963_732_008_058_970,
    0.063_092_092_629_978_553_290_700_663_189_204,
    0.104_790_010_322_250_183_839_876_322_541_518,
    0.140_653_259_715_525_918_745_189_590_510_238,
    0.169_004_726_639_267_902_826_583_426_598_550,
    0.190_350_578_064_785_409_913_256_402_421_014,
    0.204_432_940_075_298_892_414_161_999_234_649,
    0.209_482_141_084_727_828_012_999_174_891_714,
];
#[allow(clippy::excessive_precision)]
const WG: [f64; 4] = [
    0.129_484_966_168_869_693_270_611_432_679_082,
    0.279_705_391_489_276_667_901_467_771_423_780,
    0.381_830_050_505_118_944_950_369_775_488_975,
    0.417_959_183_673_469_387_755_102_040_816_327,
];

/// One Gauss–Kronrod 15-point rule on `[a, b]` for a vector integrand:
/// (Kronrod estimate, error estimate per component). The error is QUADPACK's
/// `qk15` estimate, `resasc · min(1, (200 · |K − G| / resasc)^1.5)`, which for
/// smooth integrands is close to the Kronrod rule's real error rather than
/// the Gauss rule's.
fn gauss_kronrod<const K: usize>(
    f: &impl Fn(f64) -> [f64; K],
    a: f64,
    b: f64,
) -> ([f64; K], [f64; K]) {
    let centre = 0.5 * (a + b);
    let half = 0.5 * (b - a);
    let mid = f(centre);
    let mut lows = [[0.0; K]; 7];
    let mut highs = [[0.0; K]; 7];
    for (j, &node) in XGK.iter().take(7).enumerate() {
        lows[j] = f(centre - half * node);
        highs[j] = f(centre + half * node);
    }
    let mut value = [0.0; K];
    let mut error = [0.0; K];
    for i in 0..K {
        let mut kronrod = WGK[7] * mid[i];
        let mut gauss = WG[3] * mid[i];
        for j in 0..7 {
            let pair = lows[j][i] + highs[j][i];
            kronrod += WGK[j] * pair;
            if j % 2 == 1 {
                gauss += WG[j / 2] * pair;
            }
        }
        let mean = 0.5 * kronrod;
        let mut spread = WGK[7] * (mid[i] - mean).abs();
        for j in 0..7 {
            spread += WGK[j] * ((lows[j][i] - mean).abs() + (highs[j][i] - mean).abs());
        }
        let spread = spread * half;
        let raw = ((kronrod - gauss) * half).abs();
        value[i] = kronrod * half;
        error[i] = if spread > 0.0 && raw > 0.0 {
            spread * (200.0 * raw / spread).powf(1.5).min(1.0)
        } else {
            raw
        };
    }
    (value, error)
}

/// Relative accuracy asked of the quadrature.
const QUADRATURE_TOLERANCE: f64 = 1e-14;
/// Bound on the subdivisions of one integral (nothing may hang).
const QUADRATURE_MAX_SEGMENTS: usize = 400;

/// Globally adaptive quadrature of a positive vector integrand over the
/// segments between consecutive `points`: the segment with the largest error
/// relative to the running total is halved until every component is within
/// [`QUADRATURE_TOLERANCE`] or the segment budget is spent.
fn integrate<const K: usize>(f: impl Fn(f64) -> [f64; K], points: &[f64]) -> [f64; K] {
    struct Segment<const K: usize> {
        a: f64,
        b: f64,
        value: [f64; K],
        error: [f64; K],
    }
    let mut segments: Vec<Segment<K>> = points
        .windows(2)
        .filter(|p| p[1] > p[0])
        .map(|p| {
            let (value, error) = gauss_kronrod(&f, p[0], p[1]);
            Segment {
                a: p[0],
                b: p[1],
                value,
                error,
            }
        })
        .collect();
    loop {
        let mut total = [0.0; K];
        let mut total_error = [0.0; K];
        for s in &segments {
            for i in 0..K {
                total[i] += s.value[i];
                total_error[i] += s.error[i];
            }
        }
        let converged = (0..K)
            .all(|i| total_error[i] <= QUADRATURE_TOLERANCE * total[i].abs() + f64::MIN_POSITIVE);
        if converged || segments.len() >= QUADRATURE_MAX_SEGMENTS {
            return total;
        }
        // The worst segment: largest error relative to its component's total.
        let relative = |s: &Segment<K>| {
            (0..K)
                .map(|i| {
                    if total[i] > 0.0 {
                        s.error[i] / total[i]
                    } else {
                        0.0
                    }
                })
                .fold(0.0, f64::max)
        };
        let Some(worst) = (0..segments.len())
            .max_by(|&p, &q| relative(&segments[p]).total_cmp(&relative(&segments[q])))
        else {
            return total;
        };
        let s = segments.swap_remove(worst);
        let mid = 0.5 * (s.a + s.b);
        if !(mid > s.a && mid < s.b) {
            // The segment cannot be split further in floating point.
            segments.push(s);
            return total;
        }
        for (a, b) in [(s.a, mid), (mid, s.b)] {
            let (value, error) = gauss_kronrod(&f, a, b);
            segments.push(Segment { a, b, value, error });
        }
    }
}

/// An M/M/N+M queue (Erlang A, the Palm model): contacts abandon after an
/// exponentially distributed patience with the given mean.
///
/// Definitions (fractions of all offered contacts unless stated):
/// * `p_wait` — the contact finds every agent busy and queues;
/// * `p_abandon` — the contact hangs up before being answered;
/// * `service_level(t)` — the contact is **answered** within `t`; contacts that
///   abandon count as not answered, whenever they hang up;
/// * `asa_seconds` — mean wait of the answered contacts (zero waits included);
/// * `mean_wait_seconds` — mean time in queue of all contacts, abandoned ones
///   included (`p_abandon × patience`);
/// * `occupancy` — busy share of the agents, `A · (1 − p_abandon) / N`.
///
/// The queue is stable for any number of agents, even fewer than the traffic.
/// As the patience grows the figures tend to Erlang C's.
///
/// ```
/// use aftersales::host::workforce::erlang::{ErlangA, ErlangC, Workload};
/// use std::time::Duration;
/// let load = Workload::new(100.0, Duration::from_secs(1800), Duration::from_secs(180))?;
/// let q = ErlangA::new(&load, 14, Duration::from_secs(300))?;
/// let c = ErlangC::new(&load, 14)?;
/// let t = Duration::from_secs(20);
/// assert!(q.p_abandon() > 0.0 && q.p_abandon() < 0.05);
/// // Impatient callers thin the queue: fewer wait than in Erlang C.
/// assert!(q.p_wait() < c.p_wait());
/// assert!(q.service_level(t) > c.service_level(t));
/// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ErlangA {
    traffic: f64,
    agents: u32,
    aht_seconds: f64,
    patience_seconds: f64,
    /// Share of the arrivals answered at once (they find a free agent).
    immediate: f64,
    /// Weight that turns a tail integral into a share of the arrivals.
    tail_weight: f64,
    tail: Option<Tail>,
    p_wait: f64,
    p_abandon: f64,
    answered: f64,
    asa_seconds: f64,
}

impl ErlangA {
    /// The queue of `workload` served by `agents` contacts abandoning after a
    /// mean `patience` (longer than zero).
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangA, Traffic, Workload};
    /// # use std::time::Duration;
    /// // Overloaded: 20 Erlangs on 15 agents is stable with abandonment.
    /// let load = Workload::from_traffic(Traffic::new(20.0)?, Duration::from_secs(180))?;
    /// let q = ErlangA::new(&load, 15, Duration::from_secs(120))?;
    /// assert!(q.p_abandon() > 0.25 - 1e-9 && q.occupancy() <= 1.0);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn new(
        workload: &Workload,
        agents: u32,
        patience: Duration,
    ) -> Result<Self, StaffingError> {
        let patience_seconds = patience.as_secs_f64();
        if patience_seconds <= 0.0 {
            return Err(invalid("patience must be longer than zero"));
        }
        let a = workload.traffic().erlangs();
        let aht = workload.aht().as_secs_f64();
        let mut q = ErlangA {
            traffic: a,
            agents,
            aht_seconds: aht,
            patience_seconds,
            immediate: 1.0,
            tail_weight: 0.0,
            tail: None,
            p_wait: 0.0,
            p_abandon: 0.0,
            answered: 1.0,
            asa_seconds: 0.0,
        };
        if a == 0.0 {
            return Ok(q);
        }
        if agents == 0 {
            q.immediate = 0.0;
            q.p_wait = 1.0;
            q.p_abandon = 1.0;
            q.answered = 0.0;
            return Ok(q);
        }
        let n = u64::from(agents);
        let inv_previous = inverse_erlang_b(a, n - 1);
        if inv_previous.is_infinite() {
            // Waiting is below 1e-290: nobody waits.
            return Ok(q);
        }
        // In units of π_N: the arrivals answered at once weigh
        // Σ_{k<N} π_k / π_N = I(N) − 1 = (N / A) · I(N − 1), the queued ones
        // x · e^{g(peak)} · ∫ e^{g − g(peak)}. Normalise by the larger of the two
        // so that a huge exponent never multiplies its rounding error.
        let log_immediate = (n as f64 / a).ln() + inv_previous.ln();
        let r = aht / patience_seconds;
        let tail = Tail::new(n as f64, a, r);
        let points = tail.break_points(tail.hi);
        let [all, served, abandoned, answered_wait] = integrate(
            |w| {
                let e = tail.log_shape(w).exp();
                let stay = (-w).exp();
                [e, stay * e, -(-w).exp_m1() * e, w * stay * e]
            },
            &points,
        );
        let log_ratio = tail.x.ln() + tail.log_peak - log_immediate;
        let (immediate_units, tail_units) = if log_ratio <= 0.0 {
            (1.0, log_ratio.exp())
        } else {
            ((-log_ratio).exp(), 1.0)
        };
        let total = immediate_units + tail_units * all;
        q.immediate = immediate_units / total;
        q.tail_weight = tail_units / total;
        q.p_wait = (q.tail_weight * all).min(1.0);
        q.p_abandon = (q.tail_weight * abandoned).min(1.0);
        q.answered = (q.immediate + q.tail_weight * served).min(1.0);
        if q.answered > 0.0 {
            q.asa_seconds = q.tail_weight * answered_wait * patience_seconds / q.answered;
        }
        q.tail = Some(tail);
        Ok(q)
    }

    /// Number of agents.
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangA, Traffic, Workload};
    /// # use std::time::Duration;
    /// # let load = Workload::from_traffic(Traffic::new(1.0)?, Duration::from_secs(60))?;
    /// assert_eq!(ErlangA::new(&load, 2, Duration::from_secs(60))?.agents(), 2);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn agents(&self) -> u32 {
        self.agents
    }

    /// Probability that a contact queues (finds all agents busy).
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangA, Traffic, Workload};
    /// # use std::time::Duration;
    /// let load = Workload::from_traffic(Traffic::new(1.0)?, Duration::from_secs(60))?;
    /// // With no agents everybody waits.
    /// assert_eq!(ErlangA::new(&load, 0, Duration::from_secs(60))?.p_wait(), 1.0);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn p_wait(&self) -> f64 {
        self.p_wait
    }

    /// Probability that a contact abandons before it is answered.
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangA, Traffic, Workload};
    /// # use std::time::Duration;
    /// // Only contacts that queue can abandon.
    /// let load = Workload::from_traffic(Traffic::new(1.0)?, Duration::from_secs(60))?;
    /// let q = ErlangA::new(&load, 1, Duration::from_secs(60))?;
    /// assert!(q.p_abandon() > 0.0 && q.p_abandon() < q.p_wait());
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn p_abandon(&self) -> f64 {
        self.p_abandon
    }

    /// Service level: probability that a contact is answered within `t`
    /// (abandoned contacts are not answered).
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangA, Workload};
    /// # use std::time::Duration;
    /// let load = Workload::new(100.0, Duration::from_secs(1800), Duration::from_secs(180))?;
    /// let q = ErlangA::new(&load, 14, Duration::from_secs(300))?;
    /// assert!((q.service_level(Duration::ZERO) - (1.0 - q.p_wait())).abs() < 1e-15);
    /// assert!(q.service_level(Duration::from_secs(20)) > q.service_level(Duration::from_secs(10)));
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn service_level(&self, t: Duration) -> f64 {
        let Some(tail) = &self.tail else {
            return self.immediate;
        };
        let points = tail.break_points(t.as_secs_f64() / self.patience_seconds);
        if points.is_empty() {
            return self.immediate;
        }
        let [answered] = integrate(|w| [(tail.log_shape(w) - w).exp()], &points);
        (self.immediate + self.tail_weight * answered).min(1.0)
    }

    /// Mean wait of the answered contacts, in seconds (zero waits included).
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangA, ErlangC, Workload};
    /// # use std::time::Duration;
    /// let load = Workload::new(100.0, Duration::from_secs(1800), Duration::from_secs(180))?;
    /// let a = ErlangA::new(&load, 14, Duration::from_secs(300))?;
    /// assert!(a.asa_seconds() < ErlangC::new(&load, 14)?.asa_seconds());
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn asa_seconds(&self) -> f64 {
        self.asa_seconds
    }

    /// Mean time in queue of all contacts, abandoned ones included:
    /// `p_abandon × mean patience` (by Little's law).
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangA, Traffic, Workload};
    /// # use std::time::Duration;
    /// let load = Workload::from_traffic(Traffic::new(5.0)?, Duration::from_secs(60))?;
    /// let q = ErlangA::new(&load, 5, Duration::from_secs(30))?;
    /// assert!((q.mean_wait_seconds() - q.p_abandon() * 30.0).abs() < 1e-12);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn mean_wait_seconds(&self) -> f64 {
        self.p_abandon * self.patience_seconds
    }

    /// Occupancy: busy share of the agents, `A · (1 − p_abandon) / N`.
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangA, Traffic, Workload};
    /// # use std::time::Duration;
    /// let load = Workload::from_traffic(Traffic::new(8.0)?, Duration::from_secs(60))?;
    /// let q = ErlangA::new(&load, 10, Duration::from_secs(60))?;
    /// assert!((q.occupancy() - 0.8 * (1.0 - q.p_abandon())).abs() < 1e-14);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn occupancy(&self) -> f64 {
        if self.agents == 0 {
            0.0
        } else {
            // Carried load over agents; at most 1 (rounding aside).
            (self.traffic * self.answered / f64::from(self.agents)).min(1.0)
        }
    }

    /// Average number of contacts waiting: `A · p_abandon · patience / AHT`
    /// (abandonment rate θ·Lq equals λ·p_abandon).
    ///
    /// ```
    /// # use aftersales::host::workforce::erlang::{ErlangA, Traffic, Workload};
    /// # use std::time::Duration;
    /// let load = Workload::from_traffic(Traffic::new(5.0)?, Duration::from_secs(60))?;
    /// let q = ErlangA::new(&load, 5, Duration::from_secs(30))?;
    /// assert!((q.queue_length() - 5.0 * q.p_abandon() * 0.5).abs() < 1e-12);
    /// # Ok::<(), aftersales::host::workforce::erlang::StaffingError>(())
    /// ```
    pub fn queue_length(&self) -> f64 {
        // λ · mean wait = (A / AHT) · p_abandon · patience.
        self.traffic * self.mean_wait_seconds() / self.aht_seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_kronrod_is_exact_for_polynomials() {
        // K15 integrates degree 22 exactly; G7 degree 13.
        let (k, e) = gauss_kronrod(&|x: f64| [x.powi(12), x.powi(22)], 0.0, 1.0);
        assert!((k[0] - 1.0 / 13.0).abs() < 1e-16);
        assert!((k[1] - 1.0 / 23.0).abs() < 1e-16);
        assert!(e[0] < 1e-16);
        assert!(e[1] > 1e-12, "G7 is not exact at degree 22");
    }

    #[test]
    fn integrate_reaches_gaussian_mass() {
        let points = [-12.0, -4.0, -1.0, 0.0, 1.0, 4.0, 12.0];
        let [v] = integrate(|x| [(-x * x / 2.0).exp()], &points);
        assert!((v - (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-14);
    }

    #[test]
    fn phi_series_matches_direct_form_at_the_switch() {
        for d in [0.1f64, -0.1, 0.099_999, -0.099_999] {
            let direct = (-d).exp() - 1.0 + d;
            assert!(((phi(d) - direct) / direct).abs() < 1e-13, "{d}");
        }
        assert_eq!(phi(0.0), 0.0);
        assert!((phi(1e-8) - (5e-17 - 1e-24 / 6.0)).abs() < 1e-31);
    }

    #[test]
    fn warm_start_agrees_with_full_recursion() {
        for &(a, n) in &[
            (900.0f64, 950u64),
            (10_000.0, 10_300),
            (5_000.0, 4_000),
            (2_500.5, 2_600),
        ] {
            let mut full = 1.0f64;
            for k in 1..=n {
                full = 1.0 + k as f64 / a * full;
            }
            let warm = inverse_erlang_b(a, n);
            assert!(
                ((warm - full) / full).abs() < 1e-12,
                "a={a} n={n}: {warm} vs {full}"
            );
            assert!(warm_start(a, n).0 > 0, "the warm start is used at a={a}");
        }
    }

    #[test]
    fn tail_ends_bracket_the_peak() {
        for &(n, a, r) in &[
            (14.0, 10.0, 0.6),
            (15.0, 20.0, 1.5),
            (1000.0, 1000.0, 1e-4),
            (3.0, 1e-3, 50.0),
        ] {
            let t = Tail::new(n, a, r);
            assert!(t.lo <= t.peak && t.peak < t.hi, "{t:?}");
            assert!(t.log_shape(t.hi) <= -LOG_CUTOFF);
            assert_eq!(t.log_shape(t.peak), 0.0);
        }
    }
}
