//! The node's notion of "now", shiftable in tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Wall-clock time plus an offset that tests can move forward; production never moves it.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    /// Seconds since the Unix epoch, UTC.
    pub fn now(&self) -> i64 {
        chrono::Utc::now().timestamp() + self.offset_secs.load(Ordering::Relaxed)
    }

    /// Today's date, UTC.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::DateTime::from_timestamp(self.now(), 0)
            .unwrap_or_default()
            .date_naive()
    }

    /// Moves time forward (tests of expiry and throttling windows).
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }
}
