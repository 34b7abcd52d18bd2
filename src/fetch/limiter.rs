//! A first-come, first-served limit on requests in flight, and the token
//! bucket that follows an API's leaky bucket.
//!
//! A page that waits out a backoff holds no slot, so the other pages keep
//! the connection budget busy; pages queue for slots in the order they ask.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::budget::{BucketLevel, RateSource};

/// At most `limit` holders of a [`Permit`] at once, served in order of asking.
#[derive(Debug)]
pub(crate) struct Limiter {
    state: RefCell<State>,
}

#[derive(Debug)]
struct State {
    limit: usize,
    in_use: usize,
    next_ticket: u64,
    queue: VecDeque<(u64, Option<Waker>)>,
}

impl State {
    fn wake_head(&mut self) {
        if self.in_use < self.limit {
            if let Some((_, Some(waker))) = self.queue.front_mut() {
                waker.wake_by_ref();
            }
        }
    }
}

impl Limiter {
    /// A limiter with `limit` slots (at least 1).
    pub(crate) fn new(limit: usize) -> Self {
        Limiter {
            state: RefCell::new(State {
                limit: limit.max(1),
                in_use: 0,
                next_ticket: 0,
                queue: VecDeque::new(),
            }),
        }
    }

    /// The current number of slots.
    pub(crate) fn limit(&self) -> usize {
        self.state.borrow().limit
    }

    /// Changes the number of slots (at least 1). Holders over a lowered
    /// limit keep their slot until they finish.
    pub(crate) fn set_limit(&self, limit: usize) {
        let mut state = self.state.borrow_mut();
        state.limit = limit.max(1);
        state.wake_head();
    }

    /// Waits for a slot.
    pub(crate) fn acquire(&self) -> Acquire<'_> {
        Acquire {
            limiter: self,
            ticket: None,
            granted: false,
        }
    }
}

/// The future of [`Limiter::acquire`]; dropping it gives up its place in line.
#[derive(Debug)]
pub(crate) struct Acquire<'a> {
    limiter: &'a Limiter,
    ticket: Option<u64>,
    granted: bool,
}

impl<'a> Future for Acquire<'a> {
    type Output = Permit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit<'a>> {
        let limiter = self.limiter;
        let mut state = limiter.state.borrow_mut();
        let ticket = *self.ticket.get_or_insert_with(|| {
            let ticket = state.next_ticket;
            state.next_ticket += 1;
            state.queue.push_back((ticket, None));
            ticket
        });
        let first = state.queue.front().map(|(t, _)| *t) == Some(ticket);
        if first && state.in_use < state.limit {
            state.queue.pop_front();
            state.in_use += 1;
            state.wake_head();
            drop(state);
            self.granted = true;
            return Poll::Ready(Permit { limiter });
        }
        if let Some(entry) = state.queue.iter_mut().find(|(t, _)| *t == ticket) {
            entry.1 = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if let (Some(ticket), false) = (self.ticket, self.granted) {
            let mut state = self.limiter.state.borrow_mut();
            state.queue.retain(|(t, _)| *t != ticket);
            state.wake_head();
        }
    }
}

/// A held slot, released when dropped.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    limiter: &'a Limiter,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = self.limiter.state.borrow_mut();
        state.in_use -= 1;
        state.wake_head();
    }
}

/// What a run knew of an API's budget when it ended: the next run or
/// preview of the same API in this tab starts from it, as the run would
/// have gone on. It is what the answers said, less the requests started
/// since, with answers read late already reconciled; not the last answer
/// alone (answers arrive out of order).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KnownBudget {
    /// A window's requests left, when it resets, which headers said it,
    /// and whether an answer said none were left.
    pub(crate) window: Option<KnownWindow>,
    /// The room left in a leaky bucket (it keeps draining meanwhile).
    pub(crate) bucket: TokenBucket,
    /// The bucket's level as the last answer said it (for the log).
    pub(crate) level: Option<BucketLevel>,
}

/// A window's budget as a run left it (see [`KnownBudget`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KnownWindow {
    pub(crate) left: u64,
    pub(crate) reset: DateTime<Utc>,
    pub(crate) source: RateSource,
    pub(crate) spent: bool,
}

/// One call, in millionths: room is counted in these, so that a leak of
/// 2 calls a second (2,000 millionths a millisecond) stays exact.
const CALL: u64 = 1_000_000;

/// The room this run may use in an API's leaky bucket (Shopify's call
/// limit), as a token bucket shared by every request of the run: a request
/// takes one call of room, room comes back at the bucket's leak rate up to
/// its size, and each answer's level caps it (less the requests sent and
/// not yet answered, which the bucket will hold too). Until an answer has
/// said a level nothing waits; while the bucket has room nothing waits
/// either, so only a bucket that fills is slowed, to its leak rate.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TokenBucket {
    level: Option<Room>,
}

#[derive(Debug, Clone, Copy)]
struct Room {
    /// Millionths of a call free at `at`.
    free: u64,
    /// The bucket's size, in calls.
    size: u64,
    /// Millionths of a call it drains a millisecond (thousandths a second).
    leak: u64,
    at: DateTime<Utc>,
}

impl Room {
    /// Brings the room up to `now`: what drained since is free again.
    fn drain_to(&mut self, now: DateTime<Utc>) {
        let millis = (now - self.at).num_milliseconds();
        if millis <= 0 {
            return;
        }
        self.at += TimeDelta::milliseconds(millis);
        let drained = self.leak.saturating_mul(millis.unsigned_abs());
        self.free = self
            .free
            .saturating_add(drained)
            .min(self.size.saturating_mul(CALL));
    }
}

impl TokenBucket {
    /// Reads an answer's level at `now`, with `unanswered` other requests
    /// sent and not yet answered. An answer read late (its request was
    /// counted before others already answered) must not give back room a
    /// later level took, so the room only ever drops to what an answer
    /// says; it grows by draining.
    pub(crate) fn observe(&mut self, now: DateTime<Utc>, level: BucketLevel, unanswered: u64) {
        let said = level
            .size
            .saturating_sub(level.used)
            .saturating_sub(unanswered)
            .saturating_mul(CALL);
        let free = match self.level {
            Some(mut known) if known.size == level.size && known.leak == level.leak_milli => {
                known.drain_to(now);
                known.free.min(said)
            }
            _ => said,
        };
        self.level = Some(Room {
            free,
            size: level.size,
            leak: level.leak_milli,
            at: now,
        });
    }

    /// How long from `now` until the bucket has room for one more request
    /// (zero: it has now, or no level is known).
    pub(crate) fn wait(&mut self, now: DateTime<Utc>) -> Duration {
        let Some(room) = &mut self.level else {
            return Duration::ZERO;
        };
        room.drain_to(now);
        let short = CALL.saturating_sub(room.free);
        Duration::from_millis(short.div_ceil(room.leak.max(1)))
    }

    /// Takes room for one request (once [`TokenBucket::wait`] said zero).
    pub(crate) fn take(&mut self) {
        if let Some(room) = &mut self.level {
            room.free = room.free.saturating_sub(CALL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    /// A permit `limiter` grants at once.
    fn granted(limiter: &Limiter) -> Permit<'_> {
        limiter.acquire().now_or_never().expect("free slot")
    }

    /// A request to `limiter` that has to wait.
    fn waiting(limiter: &Limiter) -> Acquire<'_> {
        let mut request = limiter.acquire();
        assert!((&mut request).now_or_never().is_none(), "not served yet");
        request
    }

    #[test]
    fn at_most_limit_permits_at_once() {
        let limiter = Limiter::new(2);
        let a = granted(&limiter);
        let _b = granted(&limiter);
        let c = waiting(&limiter);
        drop(a);
        assert!(c.now_or_never().is_some());
    }

    #[test]
    fn waiting_requests_are_served_in_order() {
        let limiter = Limiter::new(1);
        let held = granted(&limiter);
        let mut first = waiting(&limiter);
        let mut second = waiting(&limiter);
        drop(held);
        assert!(
            (&mut second).now_or_never().is_none(),
            "second may not overtake first"
        );
        let permit = (&mut first).now_or_never().expect("first is served");
        drop(permit);
        assert!(second.now_or_never().is_some());
    }

    #[test]
    fn a_dropped_waiter_leaves_the_line() {
        let limiter = Limiter::new(1);
        let held = granted(&limiter);
        let gone = waiting(&limiter);
        let next = waiting(&limiter);
        drop(gone);
        drop(held);
        assert!(next.now_or_never().is_some());
    }

    #[test]
    fn lowering_the_limit_applies_to_new_requests() {
        let limiter = Limiter::new(2);
        let a = granted(&limiter);
        let b = granted(&limiter);
        limiter.set_limit(1);
        drop(a);
        let mut c = limiter.acquire();
        assert!(
            (&mut c).now_or_never().is_none(),
            "b still holds the only slot"
        );
        drop(b);
        assert!(c.now_or_never().is_some());
        assert_eq!(limiter.limit(), 1);
    }

    /// What paces requests against a leaky bucket: the token bucket, or a
    /// mutant for the checks that the tests can fail.
    trait Pacer {
        fn observe(&mut self, now: DateTime<Utc>, level: BucketLevel, unanswered: u64);
        fn wait(&mut self, now: DateTime<Utc>) -> Duration;
        fn take(&mut self);
    }

    impl Pacer for TokenBucket {
        fn observe(&mut self, now: DateTime<Utc>, level: BucketLevel, unanswered: u64) {
            TokenBucket::observe(self, now, level, unanswered);
        }
        fn wait(&mut self, now: DateTime<Utc>) -> Duration {
            TokenBucket::wait(self, now)
        }
        fn take(&mut self) {
            TokenBucket::take(self);
        }
    }

    /// A pacer that never waits.
    struct NeverWaits;

    impl Pacer for NeverWaits {
        fn observe(&mut self, _: DateTime<Utc>, _: BucketLevel, _: u64) {}
        fn wait(&mut self, _: DateTime<Utc>) -> Duration {
            Duration::ZERO
        }
        fn take(&mut self) {}
    }

    /// A pacer that spaces every request by the leak rate once it knows
    /// one, room or not.
    struct AlwaysWaits {
        bucket: TokenBucket,
        next: Option<DateTime<Utc>>,
    }

    impl Pacer for AlwaysWaits {
        fn observe(&mut self, now: DateTime<Utc>, level: BucketLevel, unanswered: u64) {
            self.bucket.observe(now, level, unanswered);
            self.next.get_or_insert(now);
        }
        fn wait(&mut self, now: DateTime<Utc>) -> Duration {
            self.next.map_or(Duration::ZERO, |next| {
                (next - now).to_std().unwrap_or_default()
            })
        }
        fn take(&mut self) {
            if let Some(next) = &mut self.next {
                *next += TimeDelta::milliseconds(500);
            }
        }
    }

    fn at(millis: u64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + TimeDelta::milliseconds(millis as i64)
    }

    /// Shopify's side: a bucket of `size` calls leaking 2 a second, level
    /// in millionths of a call; a call that would overflow it is a 429.
    struct FakeShop {
        size: u64,
        level: u64,
        at: u64,
    }

    impl FakeShop {
        fn standard() -> Self {
            FakeShop {
                size: 40,
                level: 0,
                at: 0,
            }
        }

        /// A call at `now` (ms): the `used/size` it answers, `None` for a 429.
        fn call(&mut self, now: u64) -> Option<BucketLevel> {
            self.level = self.level.saturating_sub((now - self.at) * 2_000);
            self.at = now;
            let level = |level: u64| BucketLevel {
                used: level.div_ceil(CALL),
                size: self.size,
                leak_milli: 2_000,
            };
            if self.level + CALL > self.size * CALL {
                return None;
            }
            self.level += CALL;
            Some(level(self.level))
        }
    }

    /// What a paced run of `requests` requests saw.
    #[derive(Debug, PartialEq)]
    struct Paced {
        refused: u32,
        waited_ms: u64,
        took_ms: u64,
    }

    /// `requests` requests, `in_flight` at a time (answers come back in
    /// order, each once `in_flight - 1` later requests were sent; the last
    /// ones at the end), every request spaced `gap_ms` from the one before
    /// (the time a request takes), paced by `pacer` (no real time passes).
    fn drive(
        pacer: &mut impl Pacer,
        shop: &mut FakeShop,
        requests: u32,
        in_flight: usize,
        gap_ms: u64,
    ) -> Paced {
        let mut now = 0;
        let (mut refused, mut waited_ms) = (0, 0);
        let mut unanswered = VecDeque::new();
        for n in 0..requests {
            if n > 0 {
                now += gap_ms;
            }
            loop {
                let wait = pacer.wait(at(now)).as_millis() as u64;
                if wait == 0 {
                    break;
                }
                now += wait;
                waited_ms += wait;
            }
            pacer.take();
            unanswered.push_back(shop.call(now));
            if unanswered.len() == in_flight {
                let answer = unanswered.pop_front().expect("one in flight");
                match answer {
                    Some(level) => pacer.observe(at(now), level, unanswered.len() as u64),
                    None => refused += 1,
                }
            }
        }
        refused += unanswered.iter().filter(|a| a.is_none()).count() as u32;
        Paced {
            refused,
            waited_ms,
            took_ms: now,
        }
    }

    /// A bucket far from full: 30 requests into Shopify's 40 are not slowed.
    fn clean(pacer: &mut impl Pacer) -> Paced {
        drive(pacer, &mut FakeShop::standard(), 30, 4, 0)
    }

    /// A bucket that fills: 100 requests at once into 40 leaking 2 a second.
    fn filling(pacer: &mut impl Pacer) -> Paced {
        drive(pacer, &mut FakeShop::standard(), 100, 4, 0)
    }

    #[test]
    fn a_bucket_far_from_full_is_not_slowed() {
        assert_eq!(
            clean(&mut TokenBucket::default()),
            Paced {
                refused: 0,
                waited_ms: 0,
                took_ms: 0
            }
        );
        // Requests slower than the leak never fill it, however many.
        let mut shop = FakeShop::standard();
        let slow = drive(&mut TokenBucket::default(), &mut shop, 500, 4, 600);
        assert_eq!((slow.refused, slow.waited_ms), (0, 0));
    }

    #[test]
    fn a_filling_bucket_is_paced_to_its_leak_rate_and_never_overflows() {
        let paced = filling(&mut TokenBucket::default());
        assert_eq!(paced.refused, 0, "{paced:?}");
        // 40 at once, then one per half second: the 100th goes at 30 s,
        // the soonest the bucket allows.
        assert_eq!(paced.took_ms, 30_000, "{paced:?}");
        assert_eq!(paced.waited_ms, paced.took_ms);
    }

    #[test]
    fn a_pacer_that_never_waits_overflows_the_bucket() {
        let paced = filling(&mut NeverWaits);
        assert!(paced.refused > 50, "{paced:?}");
        assert_eq!(
            clean(&mut NeverWaits).refused,
            0,
            "the clean case cannot tell"
        );
    }

    #[test]
    fn a_pacer_that_always_waits_slows_the_clean_case() {
        let mut always = AlwaysWaits {
            bucket: TokenBucket::default(),
            next: None,
        };
        assert!(clean(&mut always).waited_ms > 0);
        let mut always = AlwaysWaits {
            bucket: TokenBucket::default(),
            next: None,
        };
        assert_eq!(
            filling(&mut always).refused,
            0,
            "the filling case cannot tell"
        );
    }

    #[test]
    fn waits_are_exact_to_the_millisecond() {
        let standard = BucketLevel {
            used: 40,
            size: 40,
            leak_milli: 2_000,
        };
        let mut bucket = TokenBucket::default();
        assert_eq!(bucket.wait(at(0)), Duration::ZERO, "no level known");
        bucket.observe(at(0), standard, 0);
        assert_eq!(bucket.wait(at(0)), Duration::from_millis(500));
        assert_eq!(bucket.wait(at(200)), Duration::from_millis(300));
        assert_eq!(bucket.wait(at(500)), Duration::ZERO);
        bucket.take();
        assert_eq!(bucket.wait(at(500)), Duration::from_millis(500));
        // 38 used and two requests sent, still unanswered: the bucket is full.
        bucket.observe(
            at(1_000),
            BucketLevel {
                used: 38,
                ..standard
            },
            2,
        );
        assert_eq!(bucket.wait(at(1_000)), Duration::from_millis(500));
        assert_eq!(bucket.wait(at(1_100)), Duration::from_millis(400));
        // Room drains back to the bucket's size, no further.
        bucket.observe(
            at(0),
            BucketLevel {
                used: 0,
                ..standard
            },
            0,
        );
        assert_eq!(bucket.wait(at(60_000)), Duration::ZERO);
        for _ in 0..40 {
            bucket.take();
        }
        assert_eq!(bucket.wait(at(60_000)), Duration::from_millis(500));
    }

    #[test]
    fn an_answer_read_late_gives_no_room_back() {
        let standard = BucketLevel {
            used: 30,
            size: 40,
            leak_milli: 2_000,
        };
        let mut bucket = TokenBucket::default();
        bucket.observe(
            at(0),
            BucketLevel {
                used: 39,
                ..standard
            },
            0,
        );
        // An earlier request's answer, said before the later one.
        bucket.observe(at(0), standard, 0);
        assert_eq!(bucket.wait(at(0)), Duration::ZERO);
        bucket.take();
        assert_eq!(bucket.wait(at(0)), Duration::from_millis(500));
        // Another size is another bucket: its word is taken as it is.
        bucket.observe(
            at(0),
            BucketLevel {
                used: 30,
                size: 80,
                leak_milli: 4_000,
            },
            0,
        );
        assert_eq!(bucket.wait(at(0)), Duration::ZERO);
    }
}
