//! Refusals of anonymous requests (a bogus home node on "Se connecter avec mon ENT", a token
//! that does not verify): counted in the metrics by reason rather than written one journal row
//! each (anyone could fill the journal), and throttled per client address.
//!
//! The counts live in this process's memory, bounded: several node processes behind one load
//! balancer each throttle on their own, which only lets an attacker multiply the limit by the
//! number of processes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Refusals allowed per address within the window before its requests are answered 429.
pub const PER_ADDRESS: u32 = 30;
/// Length of the window, seconds.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Most addresses remembered; beyond, new addresses share one count (memory stays bounded).
const MAX_ADDRESSES: usize = 10_000;
/// The shared key of addresses that did not fit.
const OVERFLOW: &str = "*";

/// Per-address counts of refusals within the current window of each address.
#[derive(Debug, Default)]
pub struct AnonymousRefusals {
    counts: Mutex<HashMap<String, (i64, u32)>>,
}

impl AnonymousRefusals {
    /// Whether `address` already had too many refusals in its window.
    pub fn throttled(&self, address: &str, now: i64) -> bool {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let key = key(address);
        let entry = counts.get(&key).or_else(|| {
            // A full table counts newcomers together.
            (counts.len() >= MAX_ADDRESSES)
                .then(|| counts.get(OVERFLOW))
                .flatten()
        });
        entry.is_some_and(|&(start, count)| now - start < WINDOW_SECS && count >= PER_ADDRESS)
    }

    /// Counts one refusal of `address`.
    pub fn record(&self, address: &str, now: i64) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let mut key = key(address);
        if !counts.contains_key(&key) && counts.len() >= MAX_ADDRESSES {
            counts.retain(|_, (start, _)| now - *start < WINDOW_SECS);
            if counts.len() >= MAX_ADDRESSES {
                key = OVERFLOW.to_owned();
            }
        }
        let entry = counts.entry(key).or_insert((now, 0));
        if now - entry.0 >= WINDOW_SECS {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

/// What is counted: an IPv4 address, or the /64 of an IPv6 one (one subscriber gets a whole
/// /64 and could rotate through it).
fn key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_default(),
        Ok(v4) => v4.to_string(),
        Err(_) => address.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_throttled_within_its_window_only() {
        let refusals = AnonymousRefusals::default();
        for _ in 0..PER_ADDRESS {
            assert!(!refusals.throttled("192.0.2.1", 100));
            refusals.record("192.0.2.1", 100);
        }
        assert!(refusals.throttled("192.0.2.1", 100));
        assert!(refusals.throttled("::ffff:192.0.2.1", 100), "same address");
        assert!(!refusals.throttled("192.0.2.2", 100), "another address");
        assert!(
            !refusals.throttled("192.0.2.1", 100 + WINDOW_SECS),
            "window over"
        );
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_and_the_table_stays_bounded() {
        let refusals = AnonymousRefusals::default();
        for i in 0..PER_ADDRESS {
            refusals.record(&format!("2001:db8:1:2::{i:x}"), 0);
        }
        assert!(refusals.throttled("2001:db8:1:2:ffff::1", 0));
        for i in 0..(MAX_ADDRESSES as u32 + PER_ADDRESS) {
            refusals.record(&format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255), 1);
        }
        let counts = refusals.counts.lock().unwrap();
        assert!(counts.len() <= MAX_ADDRESSES + 1);
    }
}
