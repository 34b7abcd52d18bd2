//! A first-come, first-served limit on requests in flight.
//!
//! A page that waits out a backoff holds no slot, so the other pages keep
//! the connection budget busy; pages queue for slots in the order they ask.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

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
}
