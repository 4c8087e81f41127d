//! Keys, the canonical form and the signature of a convention, and the `[[federation.
//! trusted_conventions]]` a node trusts.
//!
//! The signature covers `ent-convention-v1\n` followed by the document without its
//! `signature`, as compact JSON with every object's keys sorted: the values, not the text,
//! are signed, so comments, spacing, key order and TOML versus JSON do not matter.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer as _, VerifyingKey};
use serde::{Deserialize, Serialize};

pub use ed25519_dalek::SigningKey;

use super::{ConventionError, Document, Signature};
use crate::{FederationSection, Problem};

/// The only signature algorithm of conventions.
pub const SIGNATURE_ALGORITHM: &str = "ed25519";

/// What the signature covers before the document, so that it can never be taken for another
/// kind of signed message.
const CONTEXT: &[u8] = b"ent-convention-v1\n";

/// One `[[federation.trusted_conventions]]` entry: a DANE key this node trusts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedSigner {
    /// Who holds the key, for messages ("DANE de Versailles").
    pub name: String,
    /// The only académie whose conventions this key may sign.
    pub academie: String,
    /// The Ed25519 public key: base64 of its 32 bytes (or 64 hex digits).
    pub public_key: String,
}

/// A public key from base64 (44 characters) or hex (64 digits).
pub fn decode_public_key(text: &str) -> Option<VerifyingKey> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        hex::decode(text).ok()?
    } else {
        STANDARD.decode(text).ok()?
    };
    VerifyingKey::from_bytes(&bytes.try_into().ok()?).ok()
}

/// A public key as written in configurations and signatures: base64 of its 32 bytes.
pub fn encode_public_key(key: &VerifyingKey) -> String {
    STANDARD.encode(key.as_bytes())
}

/// A new key pair from the system's random source (`ent-admin convention keygen`).
pub fn generate_key() -> SigningKey {
    use rand::RngCore;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    SigningKey::from_bytes(&seed)
}

/// The private key as PKCS#8 PEM, the form the DANE keeps.
pub fn write_key_pem(key: &SigningKey) -> Result<String, ConventionError> {
    key.to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map(|pem| pem.to_string())
        .map_err(|e| ConventionError::Malformed(format!("clé privée : {e}")))
}

/// A private key from PKCS#8 PEM.
pub fn read_key_pem(pem: &str) -> Result<SigningKey, ConventionError> {
    SigningKey::from_pkcs8_pem(pem).map_err(|_| {
        ConventionError::Malformed(
            "clé privée illisible : fichier PEM PKCS#8 Ed25519 attendu (ent-admin convention keygen)"
                .to_owned(),
        )
    })
}

/// The bytes the signature covers.
pub fn canonical_bytes(document: &Document) -> Vec<u8> {
    let mut unsigned = document.clone();
    unsigned.signature = None;
    let value = serde_json::to_value(&unsigned).unwrap_or_default();
    let mut out = CONTEXT.to_vec();
    write_sorted(&value, &mut out);
    out
}

/// Compact JSON with every object's keys sorted, whatever map type serde_json was built with.
fn write_sorted(value: &serde_json::Value, out: &mut Vec<u8>) {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend(serde_json::to_string(key).unwrap_or_default().into_bytes());
                out.push(b':');
                write_sorted(&map[key], out);
            }
            out.push(b'}');
        }
        serde_json::Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_sorted(item, out);
            }
            out.push(b']');
        }
        other => out.extend(other.to_string().into_bytes()),
    }
}

/// The signature of `document` by `key`.
pub fn signature_of(document: &Document, key: &SigningKey) -> Signature {
    Signature {
        algorithm: SIGNATURE_ALGORITHM.to_owned(),
        key: encode_public_key(&key.verifying_key()),
        value: STANDARD.encode(key.sign(&canonical_bytes(document)).to_bytes()),
    }
}

/// Signs the document `text` (validated first) and returns it with its signature embedded,
/// the rest of the text unchanged: a `[signature]` table at the end of TOML (replacing an
/// earlier one), a `signature` member in JSON.
pub fn sign_text(text: &str, key: &SigningKey) -> Result<String, ConventionError> {
    let document = Document::parse(text)?;
    document.validate()?;
    let signature = signature_of(&document, key);
    let signed = if text.trim_start().starts_with('{') {
        let mut value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| ConventionError::Malformed(format!("JSON : {e}")))?;
        value["signature"] = serde_json::to_value(&signature).unwrap_or_default();
        let mut pretty = serde_json::to_string_pretty(&value).unwrap_or_default();
        pretty.push('\n');
        pretty
    } else {
        let mut kept = without_signature_table(text);
        kept.push_str(&format!(
            "\n[signature]\nalgorithm = \"{}\"\nkey = \"{}\"\nvalue = \"{}\"\n",
            signature.algorithm, signature.key, signature.value
        ));
        kept
    };
    // The text written must read back as the same, verifiable document.
    let again = Document::parse(&signed)?;
    let same = again.signature.as_ref() == Some(&signature)
        && canonical_bytes(&again) == canonical_bytes(&document);
    if !same {
        return Err(ConventionError::Malformed(
            "la signature n'a pas pu être ajoutée au texte : placez l'éventuelle table [signature] en fin de fichier"
                .to_owned(),
        ));
    }
    Ok(signed)
}

/// The TOML text without its `[signature]` table (which `sign_text` writes last).
fn without_signature_table(text: &str) -> String {
    let mut kept = String::new();
    let mut skipping = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed == "[signature]" {
            skipping = true;
            continue;
        }
        if skipping && trimmed.starts_with('[') {
            skipping = false;
        }
        if !skipping {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    while kept.ends_with("\n\n") {
        kept.pop();
    }
    kept
}

/// Checks the signature of `document` against the keys this node trusts; returns the signer.
pub fn verify<'a>(
    document: &Document,
    trusted: &'a [TrustedSigner],
) -> Result<&'a TrustedSigner, ConventionError> {
    let Some(signature) = &document.signature else {
        return Err(ConventionError::BadSignature(
            "le document n'est pas signé (ent-admin convention sign)".to_owned(),
        ));
    };
    if signature.algorithm != SIGNATURE_ALGORITHM {
        return Err(ConventionError::BadSignature(format!(
            "algorithme « {} » inconnu, « {SIGNATURE_ALGORITHM} » attendu",
            signature.algorithm
        )));
    }
    let Some(key) = decode_public_key(&signature.key) else {
        return Err(ConventionError::BadSignature(
            "clé publique de la signature illisible".to_owned(),
        ));
    };
    let Some(signer) = trusted
        .iter()
        .find(|t| decode_public_key(&t.public_key) == Some(key))
    else {
        return Err(ConventionError::UnknownSigner(format!(
            "la clé {} n'est pas dans [[federation.trusted_conventions]] de ce nœud",
            signature.key
        )));
    };
    if signer.academie != document.academie {
        return Err(ConventionError::UnknownSigner(format!(
            "la clé de « {} » est de confiance pour l'académie {} seulement, et cette convention est de l'académie {}",
            signer.name, signer.academie, document.academie
        )));
    }
    let value = STANDARD
        .decode(signature.value.trim())
        .ok()
        .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
        .map(|bytes| ed25519_dalek::Signature::from_bytes(&bytes));
    match value {
        Some(value)
            if key
                .verify_strict(&canonical_bytes(document), &value)
                .is_ok() =>
        {
            Ok(signer)
        }
        _ => Err(ConventionError::BadSignature(format!(
            "la signature ne correspond pas au document : il a été modifié après avoir été signé par « {} », \
             ou la signature est abîmée",
            signer.name
        ))),
    }
}

/// Checks `[[federation.trusted_conventions]]` and `convention_files`; one problem per bad key.
pub fn check_trust(federation: &FederationSection, problems: &mut Vec<Problem>) {
    let mut names = Vec::new();
    let mut keys = Vec::new();
    for (i, signer) in federation.trusted_conventions.iter().enumerate() {
        let key = |field: &str| format!("federation.trusted_conventions[{i}].{field}");
        if signer.name.trim().is_empty() {
            problems.push(Problem::new(&key("name"), "", "nom de la clé obligatoire"));
        } else if names.contains(&signer.name) {
            problems.push(Problem::new(
                &key("name"),
                &signer.name,
                "ce nom figure déjà dans une autre entrée",
            ));
        } else {
            names.push(signer.name.clone());
        }
        if signer.academie.trim().is_empty() {
            problems.push(Problem::new(
                &key("academie"),
                "",
                "académie obligatoire (celle dont la DANE signe avec cette clé)",
            ));
        }
        match decode_public_key(&signer.public_key) {
            None => problems.push(Problem::new(
                &key("public_key"),
                &signer.public_key,
                &format!(
                    "clé « {} » illisible : clé publique Ed25519 attendue, en base64 (44 caractères) \
                     ou en hexadécimal (64 chiffres), telle que l'affiche ent-admin convention keygen",
                    signer.name
                ),
            )),
            Some(public) if keys.contains(&public) => problems.push(Problem::new(
                &key("public_key"),
                &signer.public_key,
                "cette clé figure déjà dans une autre entrée",
            )),
            Some(public) => keys.push(public),
        }
    }
    for (i, file) in federation.convention_files.iter().enumerate() {
        if !file.is_file() {
            problems.push(Problem::new(
                &format!("federation.convention_files[{i}]"),
                &file.display().to_string(),
                "fichier introuvable",
            ));
        }
    }
    if !federation.convention_files.is_empty() && federation.trusted_conventions.is_empty() {
        problems.push(Problem::new(
            "federation.convention_files",
            "",
            "aucune clé de DANE dans [[federation.trusted_conventions]] : aucune convention ne pourrait être vérifiée",
        ));
    }
}
