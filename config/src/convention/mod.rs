//! Signed conventions: the DANE writes a sector's links once, in one document, signs it with its
//! Ed25519 key, and every node the document names applies its own part as links.
//!
//! The document (TOML, or JSON) holds the académie, the convention's identifier, a version, the
//! signer's name and the links, each between two nodes; its `[signature]` covers a canonical
//! form (see [`signing`]), so that re-indenting or reordering the file does not break it and
//! changing one value does.

pub mod signing;

use serde::{Deserialize, Serialize};

use crate::links::check_terms;
use crate::{LinkConfig, LinkSource, Problem, Scope, normalize_domain, normalize_fingerprint};

pub use signing::{
    SIGNATURE_ALGORITHM, SigningKey, TrustedSigner, check_trust, decode_public_key,
    encode_public_key, generate_key, read_key_pem, sign_text, verify, write_key_pem,
};

/// A convention document as written by the DANE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// The académie whose DANE writes the convention (`versailles`).
    pub academie: String,
    /// The convention's identifier, the same in every version (`secteur-college-voltaire`).
    pub convention: String,
    /// Version number: each new version of the document has a greater one.
    pub version: u64,
    /// Who signs, as people read it ("DANE de l'académie de Versailles").
    pub signer: String,
    /// The links, each between two nodes.
    #[serde(default)]
    pub links: Vec<DocumentLink>,
    /// The signature (absent before `ent-admin convention sign`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
}

/// One link of a convention: two nodes and the terms both apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentLink {
    /// Title shown to operators and teachers on both sides.
    pub label: String,
    /// What the link allows, on both sides.
    pub scopes: Vec<Scope>,
    /// First day (`yyyy-mm-dd`, UTC).
    pub valid_from: String,
    /// Last day (`yyyy-mm-dd`, UTC).
    pub valid_until: String,
    /// Exactly two nodes.
    pub nodes: Vec<DocumentNode>,
}

/// One side of a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentNode {
    /// The node's domain, as its `ent-admin links identity` prints it.
    pub domain: String,
    /// The node's key fingerprint, as its `ent-admin links identity` prints it.
    pub fingerprint: String,
    /// Guest accounts this node hosts for the other node's users.
    #[serde(default)]
    pub guest_quota: u32,
}

/// The embedded signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Always `ed25519`.
    pub algorithm: String,
    /// The signer's public key (base64 of its 32 bytes).
    pub key: String,
    /// The signature of the canonical form (base64 of its 64 bytes).
    pub value: String,
}

/// Why a convention is refused; each kind has its own exit code in `ent-admin`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConventionError {
    /// Not a readable document, or an entry is invalid.
    #[error("convention mal formée : {0}")]
    Malformed(String),
    /// No signature, or one that does not match the document.
    #[error("signature invalide : {0}")]
    BadSignature(String),
    /// Signed by a key this node does not trust (or trusts for another académie).
    #[error("signataire inconnu : {0}")]
    UnknownSigner(String),
    /// Older than (or as old as, with other content) the version in force.
    #[error("version refusée : {0}")]
    Outdated(String),
    /// The convention names this node wrongly, or not at all.
    #[error("convention refusée pour ce nœud : {0}")]
    WrongNode(String),
}

impl ConventionError {
    /// The exit code of `ent-admin` for this refusal.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Malformed(_) => 3,
            Self::BadSignature(_) => 4,
            Self::UnknownSigner(_) => 5,
            Self::Outdated(_) => 6,
            Self::WrongNode(_) => 7,
        }
    }
}

impl Document {
    /// Parses a document: JSON when it starts with `{`, TOML otherwise. Duplicate keys and
    /// unknown keys are refused.
    pub fn parse(text: &str) -> Result<Self, ConventionError> {
        if text.trim_start().starts_with('{') {
            serde_json::from_str(text)
                .map_err(|e| ConventionError::Malformed(format!("JSON : {e}")))
        } else {
            toml::from_str(text).map_err(|e| {
                ConventionError::Malformed(format!("TOML : {}", e.to_string().trim_end()))
            })
        }
    }

    /// Every problem of the document, each naming its entry (`links[2].nodes[0].fingerprint`).
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let named = |value: &str| {
            !value.is_empty()
                && value.len() <= 100
                && value
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        };
        if !named(&self.academie) {
            problems.push(Problem::new(
                "academie",
                &self.academie,
                "identifiant attendu : minuscules, chiffres, tirets (versailles)",
            ));
        }
        if !named(&self.convention) {
            problems.push(Problem::new(
                "convention",
                &self.convention,
                "identifiant attendu : minuscules, chiffres, tirets (secteur-college-voltaire)",
            ));
        }
        if self.version == 0 || self.version > i64::MAX as u64 {
            problems.push(Problem::new(
                "version",
                &self.version.to_string(),
                "nombre entier à partir de 1 attendu",
            ));
        }
        if self.signer.trim().is_empty() {
            problems.push(Problem::new(
                "signer",
                "",
                "le nom du signataire est obligatoire",
            ));
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (i, link) in self.links.iter().enumerate() {
            let key = |field: &str| format!("links[{i}].{field}");
            check_terms(
                &key,
                &link.scopes,
                0,
                &link.label,
                (&link.valid_from, &link.valid_until),
                &mut problems,
            );
            if link.nodes.len() != 2 {
                problems.push(Problem::new(
                    &key("nodes"),
                    &link.nodes.len().to_string(),
                    "exactement deux nœuds attendus",
                ));
                continue;
            }
            let mut domains = Vec::new();
            for (j, node) in link.nodes.iter().enumerate() {
                let key = |field: &str| format!("links[{i}].nodes[{j}].{field}");
                match normalize_domain(&node.domain) {
                    Some(domain) => domains.push(domain),
                    None => problems.push(Problem::new(
                        &key("domain"),
                        &node.domain,
                        "nom de domaine invalide",
                    )),
                }
                if normalize_fingerprint(&node.fingerprint).is_none() {
                    problems.push(Problem::new(
                        &key("fingerprint"),
                        &node.fingerprint,
                        "empreinte SHA-256 attendue : 64 chiffres hexadécimaux (ent-admin links identity l'affiche sur le nœud)",
                    ));
                }
                if node.guest_quota > 100_000 {
                    problems.push(Problem::new(
                        &key("guest_quota"),
                        &node.guest_quota.to_string(),
                        "100000 au plus",
                    ));
                }
            }
            if let [a, b] = domains.as_slice() {
                let pair = if a < b {
                    (a.clone(), b.clone())
                } else {
                    (b.clone(), a.clone())
                };
                if a == b {
                    problems.push(Problem::new(
                        &key("nodes"),
                        a,
                        "les deux nœuds d'un lien doivent être différents",
                    ));
                } else if pairs.contains(&pair) {
                    problems.push(Problem::new(
                        &key("nodes"),
                        &format!("{a} – {b}"),
                        "ces deux nœuds sont déjà liés par une autre entrée",
                    ));
                } else {
                    pairs.push(pair);
                }
            }
        }
        problems
    }

    /// Fails with every problem of the document, one per line.
    pub fn validate(&self) -> Result<(), ConventionError> {
        let problems = self.problems();
        if problems.is_empty() {
            return Ok(());
        }
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        Err(ConventionError::Malformed(format!(
            "\n{}",
            lines.join("\n")
        )))
    }

    /// Whether a link of the document names the node `domain`.
    pub fn names(&self, domain: &str) -> bool {
        self.links.iter().any(|link| {
            link.nodes
                .iter()
                .any(|n| normalize_domain(&n.domain).as_deref() == Some(domain))
        })
    }

    /// The links of a validated document that name this node (`domain`, normalised), as this
    /// node applies them: the peer's domain and fingerprint, and the guest quota of this side.
    /// Refused when this node appears with another key's fingerprint.
    pub fn links_for(
        &self,
        domain: &str,
        fingerprint: &str,
    ) -> Result<Vec<LinkConfig>, ConventionError> {
        let mut links = Vec::new();
        for (i, link) in self.links.iter().enumerate() {
            let Some(own) = link
                .nodes
                .iter()
                .position(|n| normalize_domain(&n.domain).as_deref() == Some(domain))
            else {
                continue;
            };
            let (me, peer) = (&link.nodes[own], &link.nodes[1 - own]);
            let written = normalize_fingerprint(&me.fingerprint).unwrap_or_default();
            if written != fingerprint {
                return Err(ConventionError::WrongNode(format!(
                    "links[{i}] nomme ce nœud ({domain}) avec l'empreinte {}, mais sa clé a l'empreinte {fingerprint} : \
                     demandez à la DANE de corriger la convention (ent-admin links identity affiche la bonne)",
                    me.fingerprint
                )));
            }
            links.push(LinkConfig {
                domain: normalize_domain(&peer.domain).unwrap_or_default(),
                fingerprint: normalize_fingerprint(&peer.fingerprint).unwrap_or_default(),
                scopes: link.scopes.clone(),
                guest_quota: me.guest_quota,
                label: link.label.clone(),
                valid_from: link.valid_from.clone(),
                valid_until: link.valid_until.clone(),
                source: LinkSource::Convention {
                    academie: self.academie.clone(),
                    id: self.convention.clone(),
                    version: self.version,
                },
            });
        }
        Ok(links)
    }
}

#[cfg(test)]
mod tests;
