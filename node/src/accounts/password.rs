//! Password hashing with Argon2id (OWASP parameters), off the async threads.

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;

/// Argon2id with 19 MiB, 2 passes, 1 lane (OWASP's minimum recommendation).
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password (blocking: call through [`hash`]).
pub fn hash_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

/// Hashes a password on a blocking thread.
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(AppError::internal)?
}

/// Checks a password against a stored hash; with no hash, burns the same time and says no,
/// so that response times do not reveal whether an account exists.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        match PasswordHash::new(&stored) {
            Ok(parsed) => {
                let ok = hasher()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok();
                ok && stored != DUMMY_HASH
            }
            Err(_) => false,
        }
    })
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
}
