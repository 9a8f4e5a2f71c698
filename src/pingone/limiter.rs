//! The rate limiter: paces every request of a client, learning the tenant's rate from its 429s.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Paces requests, learning the tenant's rate from its 429s (additive increase, multiplicative
/// decrease, as TCP does). It starts at the cap (or 100/s, PingOne's historical per-IP figure) and
/// grows 10% a second until the first 429; then each 429 takes 15% off, at most once a second
/// (the requests already in flight were sent at the old rate and will be refused too), and the
/// rate creeps back up by 1 request/s each second to find any headroom. A steady stream of
/// refusals (an exhausted quota, not a burst) pauses everyone for `Retry-After`.
#[derive(Debug)]
pub struct Limiter {
    state: Mutex<LimState>,
}

#[derive(Debug)]
struct LimState {
    rate: f64,
    cap: Option<f64>,
    next: Instant,
    paused_until: Instant,
    seen_429: bool,
    /// The rate the latest 429 stopped (before its decrease): the tenant's ceiling, as seen.
    ceiling: Option<f64>,
    last_decrease: Option<Instant>,
    recent_429: VecDeque<Instant>,
}

const MIN_RATE: f64 = 1.0;
/// The share of the rate a 429 stopped that a run keeps as learnt (the middle of the saw
/// between that ceiling and the 85% it backs off to).
pub const LEARNT_OF_CEILING: f64 = 0.925;
/// 429s within a second that mean "stop", not "slow down".
const PAUSE_AFTER: usize = 10;

impl Limiter {
    pub fn new(cap: Option<f64>) -> Limiter {
        Limiter::starting(cap, None)
    }

    /// A limiter that starts at `learnt` (a rate an earlier run learnt from its 429s, kept under
    /// the cap): it creeps up from there by 1 request/s a second, as after a 429, instead of
    /// probing up by 10% a second.
    pub fn starting(cap: Option<f64>, learnt: Option<f64>) -> Limiter {
        let now = Instant::now();
        let learnt = learnt.filter(|r| r.is_finite() && *r >= MIN_RATE);
        let start = match (learnt, cap) {
            (Some(r), Some(c)) => r.min(c),
            (Some(r), None) => r,
            (None, c) => c.unwrap_or(100.0),
        }
        .max(MIN_RATE);
        Limiter {
            state: Mutex::new(LimState {
                rate: start,
                cap: cap.map(|c| c.max(MIN_RATE)),
                next: now,
                paused_until: now,
                seen_429: learnt.is_some(),
                ceiling: None,
                last_decrease: None,
                recent_429: VecDeque::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LimState> {
        // A poisoned lock only means another task panicked mid-update; the numbers are still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for this request's slot.
    pub async fn acquire(&self) {
        let at = {
            let mut s = self.lock();
            let now = Instant::now();
            let at = s.next.max(s.paused_until).max(now);
            s.next = at + Duration::from_secs_f64(1.0 / s.rate);
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }

    /// Waits for a slot ahead of the requests already waiting: for the next page of a listing
    /// under way. A chain of pages read one after another must not queue behind every
    /// single-entity read at each page; its slot is added at the queue's end, so the rate over
    /// time stays the same (the burst is at most the chains running at once).
    pub async fn acquire_first(&self) {
        let at = {
            let mut s = self.lock();
            let now = Instant::now();
            let at = s.paused_until.max(now);
            s.next = s.next.max(at) + Duration::from_secs_f64(1.0 / s.rate);
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }

    pub fn on_success(&self) {
        let mut s = self.lock();
        // Per success: +10% a second before any 429 (rate successes a second, 0.1 each), then
        // +1 request/s a second.
        let step = if s.seen_429 { 1.0 / s.rate } else { 0.1 };
        s.rate = (s.rate + step).min(s.cap.unwrap_or(f64::MAX));
    }

    pub fn on_throttled(&self, retry_after: Duration) {
        let mut s = self.lock();
        let now = Instant::now();
        s.seen_429 = true;
        if s.last_decrease
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1))
        {
            s.ceiling = Some(s.rate);
            s.rate = (s.rate * 0.85).max(MIN_RATE);
            s.last_decrease = Some(now);
        }
        s.recent_429.push_back(now);
        while s
            .recent_429
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
        {
            s.recent_429.pop_front();
        }
        if s.recent_429.len() >= PAUSE_AFTER {
            s.paused_until = s.paused_until.max(now + retry_after);
        }
    }

    pub fn rate(&self) -> f64 {
        self.lock().rate
    }

    /// The rate learnt from 429s (this run's or an earlier one's); `None` before any. Between
    /// 429s the rate saws from 85% of the ceiling back up to it, so where it happens to stand
    /// when a run ends is no estimate: the middle of the saw ([`LEARNT_OF_CEILING`] of the rate
    /// the latest 429 stopped) is, unless the rate has crept above it since.
    pub fn learnt(&self) -> Option<f64> {
        let s = self.lock();
        let mid = s.ceiling.map_or(s.rate, |c| c * LEARNT_OF_CEILING);
        s.seen_429.then_some(s.rate.max(mid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_listing_page_goes_ahead_of_the_queue_and_the_rate_holds() {
        let l = std::sync::Arc::new(Limiter::new(Some(10.0)));
        let start = tokio::time::Instant::now();
        // Twenty single-entity reads waiting: the last one's slot is 1.9 s away.
        let waiting: Vec<_> = (0..20)
            .map(|_| {
                let l = l.clone();
                tokio::spawn(async move { l.acquire().await })
            })
            .collect();
        tokio::task::yield_now().await;
        l.acquire_first().await;
        assert!(
            start.elapsed() < Duration::from_millis(5),
            "{:?}",
            start.elapsed()
        );
        // The page's slot was added at the queue's end: the next read waits for all 21.
        l.acquire().await;
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(2100) && took < Duration::from_millis(2150),
            "{took:?}"
        );
        for w in waiting {
            w.await.unwrap();
        }
    }

    #[test]
    fn a_learnt_rate_is_where_the_limiter_starts_and_creeps_from() {
        let l = Limiter::starting(None, Some(80.0));
        assert_eq!(l.rate(), 80.0);
        assert_eq!(l.learnt(), Some(80.0));
        for _ in 0..80 {
            l.on_success();
        }
        // A second's worth of successes: +1 request/s, not +10%.
        assert!((l.rate() - 81.0).abs() < 0.02, "{}", l.rate());
        // Under a cap, the cap wins; nonsense is ignored.
        assert_eq!(Limiter::starting(Some(20.0), Some(80.0)).rate(), 20.0);
        let fresh = Limiter::starting(None, Some(f64::NAN));
        assert_eq!((fresh.rate(), fresh.learnt()), (100.0, None));
        assert_eq!(Limiter::new(None).learnt(), None);
    }

    #[test]
    fn the_limiter_backs_off_once_per_second_and_creeps_back() {
        let l = Limiter::new(None);
        for _ in 0..100 {
            l.on_success();
        }
        let before = l.rate();
        assert!(
            (before - 110.0).abs() < 1e-6,
            "+10% over a second's worth: {before}"
        );
        l.on_throttled(Duration::from_secs(1));
        l.on_throttled(Duration::from_secs(1));
        let after = l.rate();
        assert!(
            (after - before * 0.85).abs() < 1e-6,
            "one decrease: {after}"
        );
        for _ in 0..(after as usize) {
            l.on_success();
        }
        assert!(
            (l.rate() - (after + 1.0)).abs() < 0.05,
            "+1/s: {}",
            l.rate()
        );
        // What it learnt: the middle of the saw under the ceiling it met, not where it stands
        // now (just after the decrease: 85%).
        assert!(
            (l.learnt().unwrap() - before * LEARNT_OF_CEILING).abs() < 1e-6,
            "{:?}",
            l.learnt()
        );
        let capped = Limiter::new(Some(20.0));
        for _ in 0..100 {
            capped.on_success();
        }
        assert!(capped.rate() <= 20.0);
    }
}
