//! Password hashing with Argon2id, off the async threads and bounded in number (each hash holds
//! `argon2_memory_kib` of memory), and the rules a new password follows.

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::Duration;

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::Profile;
use crate::error::AppError;
use crate::state::AppState;

/// Argon2id with 19 MiB, 2 passes, 1 lane (OWASP's minimum recommendation): what hashes made
/// outside a running node use (demo, `init`); the node uses its configuration's parameters.
fn default_params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

/// The Argon2id parameters of `[accounts]`.
pub fn configured_params(config: &ent_config::AccountsSection) -> Params {
    Params::new(
        config.argon2_memory_kib,
        config.argon2_iterations,
        config.argon2_parallelism,
        None,
    )
    .unwrap_or_else(|_| default_params())
}

fn hasher(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_with(password: &str, params: Params) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher(params)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

/// Hashes a password with the default parameters (blocking: call through [`hash`]).
pub fn hash_blocking(password: &str) -> Result<String, AppError> {
    hash_with(password, default_params())
}

/// Hashes a password on a blocking thread, with the default parameters (outside a running
/// node: demo, `init`; the node itself uses [`hash_gated`]).
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(AppError::internal)?
}

/// Waits (at most `accounts.hash_wait_ms`) for one of the node's hashing slots. Past that the
/// request is answered at once with "serveur occupé": queued hashes would only pile up memory.
async fn permit(state: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
    let wait = Duration::from_millis(state.config.accounts.hash_wait_ms);
    match tokio::time::timeout(wait, state.hashing.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(AppError::Busy),
    }
}

/// Hashes a new password with the configured parameters, within the node's hashing slots.
pub async fn hash_gated(state: &AppState, password: String) -> Result<String, AppError> {
    let permit = permit(state).await?;
    let params = configured_params(&state.config.accounts);
    // The permit moves into the blocking task: it is held until the hash is done, even if the
    // client goes away and the request is dropped meanwhile.
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        hash_with(&password, params)
    })
    .await
    .map_err(AppError::internal)?
}

/// The outcome of checking a password.
#[derive(Debug)]
pub struct Checked {
    /// Whether it is the account's password.
    pub ok: bool,
    /// A new hash of it, when the stored one was made with weaker parameters than configured.
    pub rehashed: Option<String>,
}

/// Checks a password within the node's hashing slots ([`AppError::Busy`] when none frees up
/// in time). With no hash, burns the same time and says no, so that response times do not
/// reveal whether an account exists. A right password stored with weaker parameters than the
/// configuration's is hashed again in the same slot.
pub async fn verify_gated(
    state: &AppState,
    password: String,
    stored: Option<String>,
) -> Result<Checked, AppError> {
    let permit = permit(state).await?;
    let wanted = configured_params(&state.config.accounts);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let ok = verify_blocking(&password, stored.as_deref());
        let rehashed = match stored {
            Some(stored) if ok && weaker_than(&stored, &wanted) => {
                hash_with(&password, wanted).ok()
            }
            _ => None,
        };
        Checked { ok, rehashed }
    })
    .await
    .map_err(AppError::internal)
}

fn verify_blocking(password: &str, stored: Option<&str>) -> bool {
    let stored = stored.unwrap_or(DUMMY_HASH);
    match PasswordHash::new(stored) {
        Ok(parsed) => {
            let ok = hasher(default_params())
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            ok && stored != DUMMY_HASH
        }
        Err(_) => false,
    }
}

/// Whether a stored hash was made with less memory, fewer passes or fewer lanes than wanted
/// (or with another algorithm).
fn weaker_than(stored: &str, wanted: &Params) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    if parsed.algorithm.as_str() != "argon2id" {
        return true;
    }
    match Params::try_from(&parsed) {
        Ok(params) => {
            params.m_cost() < wanted.m_cost()
                || params.t_cost() < wanted.t_cost()
                || params.p_cost() < wanted.p_cost()
        }
        Err(_) => false,
    }
}

/// Checks a password against a stored hash, ungated (tests and tools outside a running node).
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || verify_blocking(&password, stored.as_deref()))
        .await
        .unwrap_or(false)
}

/// A valid hash of a random password nobody knows, verified when the account does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Wz3mBf3+Q6ZtFkSxUqfWzg/XeTfpR1mmA+ED6ExpvE";

/// Checks what a user chose as a new password.
pub fn check_new_password(
    password: &str,
    confirmation: &str,
    min_length: u32,
) -> Result<(), AppError> {
    if password != confirmation {
        return Err(AppError::Invalid(
            "Les deux mots de passe ne sont pas identiques.".into(),
        ));
    }
    if password.chars().count() < min_length as usize {
        return Err(AppError::Invalid(format!(
            "Le mot de passe doit contenir au moins {min_length} caractères."
        )));
    }
    if password.chars().count() > 256 {
        return Err(AppError::Invalid(
            "Le mot de passe est trop long (256 caractères au plus).".into(),
        ));
    }
    Ok(())
}

/// Whether an account follows the strong rule: staff of a school (teachers, directors,
/// personnel, inspectors) and operators. Pupils, parents and guests keep the simpler rule.
pub fn needs_strong(is_operator: bool, profiles: impl IntoIterator<Item = Profile>) -> bool {
    is_operator
        || profiles.into_iter().any(|p| {
            matches!(
                p,
                Profile::Teacher
                    | Profile::Director
                    | Profile::Staff
                    | Profile::Inspector
                    | Profile::Admin
            )
        })
}

/// The strong rule: `min_length` characters at least and not a common password.
pub fn check_strong(password: &str, min_length: u32) -> Result<(), AppError> {
    if password.chars().count() < min_length as usize {
        return Err(AppError::Invalid(format!(
            "Pour un compte du personnel, le mot de passe doit contenir au moins {min_length} caractères."
        )));
    }
    if is_common(password) {
        return Err(AppError::Invalid(
            "Ce mot de passe fait partie des mots de passe les plus courants : choisissez-en un autre \
             (une phrase de plusieurs mots, par exemple)."
                .into(),
        ));
    }
    Ok(())
}

/// The bundled list of common passwords (node/data/README.md says where it comes from).
const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

/// Whether a password (case ignored) is in the bundled list of common passwords.
pub fn is_common(password: &str) -> bool {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    });
    list.contains(password.trim().to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let stored = hash("cartable-bleu".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("cartable-bleu".into(), Some(stored.clone())).await);
        assert!(!verify("cartable-rouge".into(), Some(stored)).await);
        assert!(!verify("anything".into(), None).await);
    }

    #[test]
    fn new_passwords_are_checked() {
        assert!(check_new_password("abcdefgh", "abcdefgh", 8).is_ok());
        assert!(check_new_password("abcdefgh", "abcdefgX", 8).is_err());
        assert!(check_new_password("abc", "abc", 8).is_err());
    }

    #[test]
    fn staff_passwords_are_long_and_not_common() {
        assert!(is_common("azertyuiop"));
        assert!(is_common("QWERTY123456"));
        assert!(is_common("1qaz2wsx3edc"));
        assert!(!is_common("la-maîtresse-a-un-vélo-rouge"));
        assert!(check_strong("1qaz2wsx3edc", 12).is_err());
        assert!(check_strong("court-11car", 12).is_err());
        assert!(check_strong("cartable bleu du lundi", 12).is_ok());
        assert!(needs_strong(true, []));
        assert!(needs_strong(false, [Profile::Parent, Profile::Teacher]));
        assert!(!needs_strong(false, [Profile::Pupil, Profile::Parent]));
        assert!(!needs_strong(false, [Profile::Guest]));
    }

    #[test]
    fn weaker_hashes_are_recognised() {
        let stored = hash_blocking("cartable-bleu").unwrap();
        assert!(!weaker_than(&stored, &default_params()));
        let more = Params::new(20 * 1024, 2, 1, None).unwrap();
        assert!(weaker_than(&stored, &more));
        let passes = Params::new(19 * 1024, 3, 1, None).unwrap();
        assert!(weaker_than(&stored, &passes));
        let fewer = Params::new(8 * 1024, 1, 1, None).unwrap();
        assert!(!weaker_than(&stored, &fewer));
    }
}
