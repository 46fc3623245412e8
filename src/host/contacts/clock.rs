//! One service-level clock (CONTACTS.md, "Clocks"): a target, the time it has counted and
//! the time it was paused, each in the clock's own kind of time (open time of a calendar
//! for a business-time target, else wall-clock time), and a due instant that moves later by
//! exactly the paused time.

use crate::eval::{add_wall, Calendar};
use crate::value::Duration;
use chrono::{DateTime, FixedOffset, TimeDelta};

type Instant = DateTime<FixedOffset>;

/// What a clock has come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    /// Counting, its due instant not passed.
    Running,
    /// Not counting (the contact waits on the customer), its due instant moving later.
    Paused,
    /// Its stop event came at or before its due instant.
    Met,
    /// Its due instant passed before its stop event (it keeps counting until that event).
    Breached,
}

impl ClockState {
    /// `running`, `paused`, `met` or `breached`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Running => "running",
            ClockState::Paused => "paused",
            ClockState::Met => "met",
            ClockState::Breached => "breached",
        }
    }
}

/// A clock as of an instant.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockStatus {
    /// Its target, as the rules give it (`4h`, `2 business days`).
    pub target: Duration,
    /// Where it stands.
    pub state: ClockState,
    /// Its due instant; for a breached clock, the instant it breached.
    pub due: Instant,
    /// When its stop event came, for a met or breached clock that has stopped.
    pub stopped_at: Option<Instant>,
    /// Time counted, in the clock's kind of time.
    pub elapsed: TimeDelta,
    /// Time paused, in the clock's kind of time.
    pub paused: TimeDelta,
}

/// The counts frozen when a clock stops (a `resolve` clock may start again on reopening).
#[derive(Debug, Clone, Copy)]
struct Frozen {
    at: Instant,
    counted: TimeDelta,
    paused: TimeDelta,
    due: Instant,
    breached: Option<Instant>,
}

/// A running service-level clock.
#[derive(Debug, Clone)]
pub(crate) struct Timer<'r> {
    target: Duration,
    /// The calendar of a business-time target; `None` for wall-clock time.
    cal: Option<Calendar<'r>>,
    /// When it started.
    begun: Instant,
    due: Instant,
    /// The instant up to which `counted` and `paused` are summed.
    mark: Instant,
    counted: TimeDelta,
    paused: TimeDelta,
    pausing: bool,
    /// Every pause so far, `[from, to)` (`to` `None` while it lasts): a new target in
    /// another kind of time measures the clock's history again in that kind.
    pauses: Vec<(Instant, Option<Instant>)>,
    breached: Option<Instant>,
    stop: Option<Frozen>,
}

/// Why a clock could not be started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimerError {
    /// A business-time target and no calendar to count it on.
    NeedsCalendar,
    /// The due instant is out of range.
    Overflow,
}

fn is_business(d: &Duration) -> bool {
    matches!(d, Duration::BusinessDays(_) | Duration::BusinessHours(_))
}

/// `start` plus `target`: business time on `cal` (the contact's calendar), any other
/// duration on the wall clock.
pub(crate) fn due(
    target: &Duration,
    cal: Option<Calendar<'_>>,
    start: Instant,
) -> Result<Instant, TimerError> {
    if is_business(target) {
        cal.ok_or(TimerError::NeedsCalendar)?.add(start, target)
    } else {
        add_wall(start, target)
    }
    .ok_or(TimerError::Overflow)
}

impl<'r> Timer<'r> {
    /// A clock of `target` started at `start`, counting business time on `cal`.
    pub(crate) fn start(
        target: Duration,
        cal: Option<Calendar<'r>>,
        start: Instant,
    ) -> Result<Timer<'r>, TimerError> {
        let cal = if is_business(&target) {
            Some(cal.ok_or(TimerError::NeedsCalendar)?)
        } else {
            None
        };
        let due = due(&target, cal, start)?;
        Ok(Timer {
            target,
            cal,
            begun: start,
            due,
            mark: start,
            counted: TimeDelta::zero(),
            paused: TimeDelta::zero(),
            pausing: false,
            pauses: Vec::new(),
            breached: None,
            stop: None,
        })
    }

    /// The clock's time between two instants.
    fn measure(&self, a: Instant, b: Instant) -> TimeDelta {
        match self.cal {
            Some(c) => c.open_between(a, b).unwrap_or_default(),
            None => (b - a).max(TimeDelta::zero()),
        }
    }

    /// `x` moved later by `by` of the clock's time (nothing for nothing).
    fn shift(&self, x: Instant, by: TimeDelta) -> Instant {
        if by <= TimeDelta::zero() {
            return x;
        }
        match self.cal {
            Some(c) => c.add_open(x, by).unwrap_or(x),
            None => x.checked_add_signed(by).unwrap_or(x),
        }
    }

    /// Sum the time from the mark to `t` (counted, or paused and the due moved), and note
    /// a breach where the due instant passed while counting.
    fn advance(&mut self, t: Instant) {
        if t <= self.mark {
            return;
        }
        let span = self.measure(self.mark, t);
        if self.pausing {
            self.paused += span;
            if self.breached.is_none() {
                self.due = self.shift(self.due, span);
            }
        } else {
            if self.breached.is_none() && self.due < t {
                self.breached = Some(self.due);
            }
            self.counted += span;
        }
        self.mark = t;
    }

    /// Stop counting at `t` until [`Timer::resume`].
    pub(crate) fn pause(&mut self, t: Instant) {
        self.advance(t);
        if !self.pausing {
            self.pauses.push((t, None));
        }
        self.pausing = true;
    }

    /// Count again from `t` (a reopened clock forgets its stop).
    pub(crate) fn resume(&mut self, t: Instant) {
        self.advance(t);
        if self.pausing {
            if let Some(p) = self.pauses.last_mut() {
                p.1 = Some(t);
            }
        }
        self.pausing = false;
        self.stop = None;
    }

    /// The stop event at `t`: met or breached from now on. A `resolve` clock stopped by
    /// `solved` counts the time until a reopening as paused.
    pub(crate) fn stop(&mut self, t: Instant) {
        self.advance(t);
        if self.stop.is_none() {
            self.stop = Some(Frozen {
                at: t,
                counted: self.counted,
                paused: self.paused,
                due: self.due,
                breached: self.breached,
            });
        }
        if !self.pausing {
            self.pauses.push((t, None));
        }
        self.pausing = true;
    }

    /// Whether the clock has stopped.
    pub(crate) fn stopped(&self) -> bool {
        self.stop.is_some()
    }

    /// A new target from `t` on, counted from the clock's start: the due instant is the
    /// start plus the target, plus the time paused so far. Time counted stays (measured
    /// again over the clock's history where the new target counts another kind of time).
    /// A stopped clock keeps the target it was measured against.
    pub(crate) fn retarget(
        &mut self,
        target: Duration,
        cal: Option<Calendar<'r>>,
        t: Instant,
    ) -> Result<(), TimerError> {
        let start = self.begun;
        if self.stop.is_some() {
            // a stopped clock was measured against the target it had
            return Ok(());
        }
        self.advance(t);
        let cal = if is_business(&target) {
            Some(cal.ok_or(TimerError::NeedsCalendar)?)
        } else {
            None
        };
        let base = due(&target, cal, start)?;
        let same_kind = match (self.cal, cal) {
            (None, None) => true,
            (Some(a), Some(b)) => a.name() == b.name(),
            _ => false,
        };
        self.target = target;
        self.cal = cal;
        if !same_kind {
            // the clock's history measured again in its new kind of time
            let paused: TimeDelta = self
                .pauses
                .iter()
                .map(|(a, b)| self.measure(*a, b.unwrap_or(t).min(t)))
                .sum();
            self.paused = paused;
            self.counted = self.measure(start, t) - paused;
        }
        if self.breached.is_none() {
            self.due = self.shift(base, self.paused);
            if self.stop.is_none() && self.due < t {
                self.breached = Some(self.due);
            }
        }
        Ok(())
    }

    /// The contact moved to calendar `cal` at `t`: the time left to the due instant on
    /// the old calendar is counted on the new one from `t`; time counted stays.
    pub(crate) fn rebase(&mut self, cal: Option<Calendar<'r>>, t: Instant) {
        let (Some(old), Some(new)) = (self.cal, cal) else {
            return;
        };
        if old.name() == new.name() {
            return;
        }
        self.advance(t);
        if self.breached.is_none() {
            let left = self.measure(t, self.due);
            self.cal = Some(new);
            self.due = if left > TimeDelta::zero() {
                self.shift(t, left)
            } else {
                self.due.max(t)
            };
        } else {
            self.cal = Some(new);
        }
    }

    /// Where the clock stands at `at` (not before the last event it saw).
    pub(crate) fn status(&self, at: Instant) -> ClockStatus {
        if let Some(f) = self.stop {
            return ClockStatus {
                target: self.target,
                state: if f.breached.is_some() {
                    ClockState::Breached
                } else {
                    ClockState::Met
                },
                due: f.breached.unwrap_or(f.due),
                stopped_at: Some(f.at),
                elapsed: f.counted,
                paused: f.paused,
            };
        }
        let mut c = self.clone();
        c.advance(at);
        ClockStatus {
            target: c.target,
            state: if c.breached.is_some() {
                ClockState::Breached
            } else if c.pausing {
                ClockState::Paused
            } else {
                ClockState::Running
            },
            due: c.breached.unwrap_or(c.due),
            stopped_at: None,
            elapsed: c.counted,
            paused: c.paused,
        }
    }
}
