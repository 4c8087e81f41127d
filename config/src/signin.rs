//! Validation of the sign-in protection keys of `[accounts]` (throttling exemptions, hashing,
//! session lifetimes, password rules).

use crate::{AccountsSection, Problem};

/// Parses a network written as CIDR (`10.0.0.0/8`, `2001:db8::/32`) or as a single address.
pub fn parse_network(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>().ok().or_else(|| {
        text.parse::<std::net::IpAddr>()
            .ok()
            .map(ipnet::IpNet::from)
    })
}

pub(crate) fn check(accounts: &AccountsSection, problems: &mut Vec<Problem>) {
    for (i, network) in accounts.trusted_networks.iter().enumerate() {
        if parse_network(network).is_none() {
            problems.push(Problem::new(
                &format!("accounts.trusted_networks[{i}]"),
                network,
                "réseau attendu en notation CIDR, par exemple 10.12.0.0/16 ou 192.0.2.7",
            ));
        }
    }
    let ranges: [(&str, u64, u64, u64); 8] = [
        (
            "accounts.max_concurrent_hashes",
            accounts.max_concurrent_hashes.into(),
            1,
            64,
        ),
        ("accounts.hash_wait_ms", accounts.hash_wait_ms, 0, 30_000),
        (
            "accounts.session_absolute_hours",
            accounts.session_absolute_hours.into(),
            1,
            24 * 30,
        ),
        (
            "accounts.pupil_session_minutes",
            accounts.pupil_session_minutes.into(),
            5,
            24 * 60,
        ),
        (
            "accounts.staff_min_password_length",
            accounts.staff_min_password_length.into(),
            8,
            128,
        ),
        (
            "accounts.argon2_memory_kib",
            accounts.argon2_memory_kib.into(),
            8 * 1024,
            1024 * 1024,
        ),
        (
            "accounts.argon2_iterations",
            accounts.argon2_iterations.into(),
            1,
            10,
        ),
        (
            "accounts.argon2_parallelism",
            accounts.argon2_parallelism.into(),
            1,
            16,
        ),
    ];
    for (key, value, min, max) in ranges {
        if value < min || value > max {
            problems.push(Problem::new(
                key,
                &value.to_string(),
                &format!("valeur entre {min} et {max} attendue"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_cidr_or_single_addresses() {
        assert!(parse_network("10.12.0.0/16").is_some());
        assert!(parse_network(" 192.0.2.7 ").is_some());
        assert!(parse_network("2001:db8::/32").is_some());
        for bad in ["10.12.0.0/33", "école", "", "10.0.0"] {
            assert!(parse_network(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_bad_network_is_named_with_its_position() {
        let accounts = AccountsSection {
            trusted_networks: vec!["10.0.0.0/8".into(), "10.0.0/8".into()],
            max_concurrent_hashes: 0,
            ..AccountsSection::default()
        };
        let mut problems = Vec::new();
        check(&accounts, &mut problems);
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "accounts.trusted_networks[1]",
                "accounts.max_concurrent_hashes"
            ]
        );
    }
}
