//! `[[links]]`: the conventions that let this node federate with a peer, and `[federation]`.
//!
//! Federation is closed: a node talks only to the peers listed here, each pinned by the SHA-256
//! fingerprint of its node key. No link means federation is off entirely.

use serde::{Deserialize, Serialize};

use crate::Problem;

/// What a link allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Cross-node collaborative spaces (cycle 3).
    Spaces,
    /// Messaging between users of both nodes.
    Messaging,
    /// Transfers of pupils' records between schools.
    Transfers,
}

/// One `[[links]]` entry: a convention with a peer node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    /// The peer's domain (normalised at load: lower case, no trailing dot, IDN as punycode).
    pub domain: String,
    /// SHA-256 of the peer node's public key, 64 hex digits (colons and a `sha256:` prefix allowed).
    pub fingerprint: String,
    /// What the link allows.
    pub scopes: Vec<Scope>,
    /// Guest accounts the peer's users may hold here.
    #[serde(default)]
    pub guest_quota: u32,
    /// Title of the convention, shown to operators and teachers.
    pub label: String,
    /// First day the convention applies (`yyyy-mm-dd`, UTC).
    pub valid_from: String,
    /// Last day the convention applies (`yyyy-mm-dd`, UTC).
    pub valid_until: String,
    /// Where the link comes from: this file, or a signed convention (never written in TOML).
    #[serde(skip)]
    pub source: LinkSource,
}

/// Where a link in force comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LinkSource {
    /// A `[[links]]` entry written by the node's operator.
    #[default]
    Hand,
    /// A link of a convention signed by the DANE.
    Convention {
        /// The académie of the convention.
        academie: String,
        /// The convention's identifier, stable across its versions.
        id: String,
        /// The version in force.
        version: u64,
    },
}

impl LinkSource {
    /// Where the link comes from, in French, for the operator.
    pub fn describe(&self) -> String {
        match self {
            Self::Hand => "écrite à la main ([[links]])".to_owned(),
            Self::Convention {
                academie,
                id,
                version,
            } => format!("convention « {id} » (académie {academie}), version {version}"),
        }
    }
}

/// `[federation]`: transport settings shared by every link.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationSection {
    /// Largest accepted difference between a signed request's `Date` and our clock, seconds.
    pub max_clock_skew_secs: u32,
    /// Allow peers on private, loopback and link-local addresses (tests, single-machine demos).
    pub allow_private_addresses: bool,
    /// Minutes a peer may keep failing before the logs warn about it.
    pub failing_peer_warning_minutes: u32,
    /// Fixed addresses for peers' names, like `/etc/hosts` (single-machine demos and tests).
    pub hosts: std::collections::BTreeMap<String, std::net::IpAddr>,
    /// Extra certificate authority (PEM) trusted for peers, besides the system's (an academy PKI).
    pub extra_ca_file: Option<std::path::PathBuf>,
    /// The DANE keys whose signed conventions this node applies. Never written empty, so that
    /// an operator can append `[[federation.trusted_conventions]]` tables to the file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trusted_conventions: Vec<crate::convention::TrustedSigner>,
    /// Signed convention files read at start and on reload (SIGHUP).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub convention_files: Vec<std::path::PathBuf>,
}

impl Default for FederationSection {
    fn default() -> Self {
        Self {
            max_clock_skew_secs: 300,
            allow_private_addresses: false,
            failing_peer_warning_minutes: 60,
            hosts: std::collections::BTreeMap::new(),
            extra_ca_file: None,
            trusted_conventions: Vec::new(),
            convention_files: Vec::new(),
        }
    }
}

/// The canonical form of a domain: IDNA to ASCII (punycode), lower case, no trailing dot, port kept.
pub fn normalize_domain(value: &str) -> Option<String> {
    let value = value.trim().trim_end_matches('.');
    let (host, port) = match value.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => {
            (host.trim_end_matches('.'), Some(port))
        }
        _ => (value, None),
    };
    let host = match url::Host::parse(host).ok()? {
        url::Host::Domain(domain) => domain,
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(_) => return None,
    };
    if host.is_empty() {
        return None;
    }
    Some(match port {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// The canonical form of a fingerprint: 64 lower-case hex digits.
pub fn normalize_fingerprint(value: &str) -> Option<String> {
    let value = value.trim();
    let value = value
        .strip_prefix("sha256:")
        .or_else(|| value.strip_prefix("SHA256:"))
        .unwrap_or(value);
    let hex: String = value
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

pub(crate) fn parse_day(value: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

/// Checks every link and the federation section; pushes one problem per bad key.
pub(crate) fn check(
    own_domain: &str,
    links: &[LinkConfig],
    federation: &FederationSection,
    problems: &mut Vec<Problem>,
) {
    let own = normalize_domain(own_domain);
    let mut seen = Vec::new();
    for (i, link) in links.iter().enumerate() {
        let key = |field: &str| format!("links[{i}].{field}");
        match normalize_domain(&link.domain) {
            None => problems.push(Problem::new(
                &key("domain"),
                &link.domain,
                "nom de domaine invalide",
            )),
            Some(domain) if domain.split(':').next().is_some_and(|host| host.parse::<std::net::Ipv4Addr>().is_ok()) => {
                problems.push(Problem::new(
                    &key("domain"),
                    &link.domain,
                    "nom de domaine attendu, pas une adresse IP (les identifiants ActivityPub portent un nom ; voir [federation.hosts] pour une adresse fixe)",
                ))
            }
            Some(domain) if Some(&domain) == own.as_ref() => problems.push(Problem::new(
                &key("domain"),
                &link.domain,
                "c'est le domaine de ce nœud",
            )),
            Some(domain) if seen.contains(&domain) => problems.push(Problem::new(
                &key("domain"),
                &link.domain,
                "ce pair figure déjà dans une autre convention",
            )),
            Some(domain) => seen.push(domain),
        }
        if normalize_fingerprint(&link.fingerprint).is_none() {
            problems.push(Problem::new(
                &key("fingerprint"),
                &link.fingerprint,
                "empreinte SHA-256 attendue : 64 chiffres hexadécimaux (ent-admin links identity l'affiche sur le pair)",
            ));
        }
        check_terms(
            &key,
            &link.scopes,
            link.guest_quota,
            &link.label,
            (&link.valid_from, &link.valid_until),
            problems,
        );
    }
    if !(1..=900).contains(&federation.max_clock_skew_secs) {
        problems.push(Problem::new(
            "federation.max_clock_skew_secs",
            &federation.max_clock_skew_secs.to_string(),
            "valeur entre 1 et 900 attendue (15 minutes au plus)",
        ));
    }
    for name in federation.hosts.keys() {
        if name.contains(':') || normalize_domain(name).is_none_or(|n| n != *name) {
            problems.push(Problem::new(
                &format!("federation.hosts.{name}"),
                name,
                "nom de domaine en minuscules, sans port, attendu",
            ));
        }
    }
    crate::convention::check_trust(federation, problems);
    if let Some(file) = &federation.extra_ca_file
        && !file.is_file()
    {
        problems.push(Problem::new(
            "federation.extra_ca_file",
            &file.display().to_string(),
            "fichier introuvable",
        ));
    }
}

/// Checks the terms of one link (scopes, quota, label, dates), whether written in `[[links]]` or
/// in a signed convention; `key` names a field of the entry.
pub(crate) fn check_terms(
    key: &dyn Fn(&str) -> String,
    link_scopes: &[Scope],
    guest_quota: u32,
    label: &str,
    (valid_from, valid_until): (&str, &str),
    problems: &mut Vec<Problem>,
) {
    let mut scopes = link_scopes.to_vec();
    scopes.sort_by_key(|s| *s as u8);
    scopes.dedup();
    if link_scopes.is_empty() || scopes.len() != link_scopes.len() {
        problems.push(Problem::new(
            &key("scopes"),
            "",
            "au moins un de spaces, messaging, transfers, sans doublon",
        ));
    }
    if guest_quota > 100_000 {
        problems.push(Problem::new(
            &key("guest_quota"),
            &guest_quota.to_string(),
            "100000 au plus",
        ));
    }
    if label.trim().is_empty() {
        problems.push(Problem::new(
            &key("label"),
            "",
            "le titre de la convention est obligatoire",
        ));
    }
    let from = parse_day(valid_from);
    let until = parse_day(valid_until);
    if from.is_none() {
        problems.push(Problem::new(
            &key("valid_from"),
            valid_from,
            "date aaaa-mm-jj attendue",
        ));
    }
    if until.is_none() {
        problems.push(Problem::new(
            &key("valid_until"),
            valid_until,
            "date aaaa-mm-jj attendue",
        ));
    }
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        problems.push(Problem::new(
            &key("valid_until"),
            valid_until,
            "antérieure à valid_from",
        ));
    }
}

impl LinkConfig {
    /// The normalised domain (valid after load).
    pub fn normalized_domain(&self) -> String {
        normalize_domain(&self.domain).unwrap_or_else(|| self.domain.clone())
    }

    /// The normalised fingerprint (valid after load).
    pub fn normalized_fingerprint(&self) -> String {
        normalize_fingerprint(&self.fingerprint).unwrap_or_default()
    }

    /// Whether the convention applies on `day` (both ends included).
    pub fn in_force_on(&self, day: chrono::NaiveDate) -> bool {
        matches!((parse_day(&self.valid_from), parse_day(&self.valid_until)), (Some(from), Some(until)) if from <= day && day <= until)
    }

    /// Whether the link allows `scope`.
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_compared_in_one_form() {
        assert_eq!(
            normalize_domain("ENT.Example.FR.").as_deref(),
            Some("ent.example.fr")
        );
        assert_eq!(
            normalize_domain("école.example.fr").as_deref(),
            Some("xn--cole-9oa.example.fr")
        );
        assert_eq!(
            normalize_domain("127.0.0.2:8443").as_deref(),
            Some("127.0.0.2:8443")
        );
        assert!(normalize_domain("bad domain").is_none());
        assert!(normalize_domain("").is_none());
    }

    #[test]
    fn fingerprints_accept_the_usual_spellings() {
        let hex = "ab".repeat(32);
        let colons = hex
            .as_bytes()
            .chunks(2)
            .map(|c| std::str::from_utf8(c).unwrap().to_uppercase())
            .collect::<Vec<_>>()
            .join(":");
        assert_eq!(
            normalize_fingerprint(&colons).as_deref(),
            Some(hex.as_str())
        );
        assert_eq!(
            normalize_fingerprint(&format!("sha256:{hex}")).as_deref(),
            Some(hex.as_str())
        );
        assert!(normalize_fingerprint("abc").is_none());
    }
}
