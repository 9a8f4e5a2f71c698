//! Latest wins: the one rule for every piece of background work (load, detail, filter,
//! finder). Each request takes a new generation; a result is used only if its generation is
//! still the newest, so a slow answer to an old question can never overwrite a newer one.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Latest(u64);

impl Latest {
    /// A new request: its generation, which makes every older one stale.
    pub fn begin(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }

    /// Is `generation` the newest request?
    pub fn is_current(&self, generation: u64) -> bool {
        generation == self.0
    }

    /// Makes every request so far stale without starting one (an answer computed at once).
    pub fn cancel(&mut self) {
        self.0 += 1;
    }

    pub fn current(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Latest;

    #[test]
    fn only_the_newest_request_is_current() {
        let mut l = Latest::default();
        let a = l.begin();
        let b = l.begin();
        assert!(!l.is_current(a) && l.is_current(b));
        l.cancel();
        assert!(!l.is_current(b));
    }
}
