//! The keys that sign API bearer tokens (JWT), kept in the data folder, and their claims.
//! At the bottom of the crate: the application state holds them, and no feature is needed to
//! read them.

use std::path::{Path, PathBuf};

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// Audience of API tokens, so they cannot be confused with other tokens of the node.
const AUDIENCE: &str = "ent-api";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    secret: String,
    created_at: i64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct KeyFile {
    keys: Vec<StoredKey>,
}

/// The signing keys: the newest signs, the two newest verify.
pub struct JwtKeys {
    keys: Vec<StoredKey>,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("count", &self.keys.len())
            .finish()
    }
}

/// Claims of an API token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Audience.
    pub aud: String,
    /// Issued at.
    pub iat: i64,
    /// Expiry.
    pub exp: i64,
    /// The account's credentials version when the token was issued: a password change, a
    /// reset or a reactivation moves it, and older tokens are refused.
    #[serde(default)]
    pub ver: i64,
}

fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("api-jwt.json")
}

fn new_key(now: i64) -> StoredKey {
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    StoredKey {
        kid: crate::store::new_id(),
        secret: base64::engine::general_purpose::STANDARD.encode(secret),
        created_at: now,
    }
}

fn write(path: &Path, file: &KeyFile) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        crate::store::create_private_dir(parent)?;
    }
    let text = serde_json::to_string_pretty(file)?;
    crate::store::write_private_file(path, text.as_bytes())?;
    Ok(())
}

impl JwtKeys {
    /// Loads the keys, creating the first one when the file does not exist.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = key_path(data_dir);
        if !path.exists() {
            let file = KeyFile {
                keys: vec![new_key(chrono::Utc::now().timestamp())],
            };
            write(&path, &file)?;
        }
        let file: KeyFile = serde_json::from_slice(&std::fs::read(&path)?)
            .map_err(|e| anyhow::anyhow!("{}: fichier de clés illisible: {e}", path.display()))?;
        anyhow::ensure!(!file.keys.is_empty(), "{}: aucune clé", path.display());
        Ok(Self { keys: file.keys })
    }

    /// Adds a new signing key, keeping only the previous one for verification. Running nodes
    /// pick it up at their next start.
    pub fn rotate(data_dir: &Path) -> anyhow::Result<String> {
        let path = key_path(data_dir);
        let mut keys = Self::load_or_create(data_dir)?.keys;
        let key = new_key(chrono::Utc::now().timestamp());
        let kid = key.kid.clone();
        keys.push(key);
        let keep_from = keys.len().saturating_sub(2);
        write(
            &path,
            &KeyFile {
                keys: keys.split_off(keep_from),
            },
        )?;
        Ok(kid)
    }

    fn secret(key: &StoredKey) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(&key.secret)
            .unwrap_or_default()
    }

    /// Signs a token for `user_id` valid `minutes` (credentials version 0).
    pub fn sign(&self, user_id: &str, now: i64, minutes: u32) -> Result<String, String> {
        self.sign_versioned(user_id, 0, now, minutes)
    }

    /// Signs a token for `user_id` under credentials version `version`, valid `minutes`.
    pub fn sign_versioned(
        &self,
        user_id: &str,
        version: i64,
        now: i64,
        minutes: u32,
    ) -> Result<String, String> {
        let key = self.keys.last().ok_or("no JWT key")?;
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key.kid.clone());
        let claims = Claims {
            sub: user_id.to_owned(),
            aud: AUDIENCE.into(),
            iat: now,
            exp: now + i64::from(minutes) * 60,
            ver: version,
        };
        jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(&Self::secret(key)),
        )
        .map_err(|e| e.to_string())
    }

    /// Verifies a token's signature, audience and expiry (against the node's clock).
    pub fn verify(&self, token: &str, now: i64) -> Option<Claims> {
        let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
        let key = self.keys.iter().find(|k| k.kid == kid)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        // Expiry is checked below with the node's clock (shiftable in tests).
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(&Self::secret(key)),
            &validation,
        )
        .ok()?;
        (data.claims.exp > now && data.claims.iat <= now + 60).then_some(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_until_expiry_and_across_one_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let keys = JwtKeys::load_or_create(dir.path()).unwrap();
        let token = keys.sign("user-1", 1_000, 15).unwrap();
        assert_eq!(keys.verify(&token, 1_010).unwrap().sub, "user-1");
        assert!(keys.verify(&token, 1_000 + 15 * 60).is_none());
        JwtKeys::rotate(dir.path()).unwrap();
        let rotated = JwtKeys::load_or_create(dir.path()).unwrap();
        assert!(rotated.verify(&token, 1_010).is_some());
        JwtKeys::rotate(dir.path()).unwrap();
        let twice = JwtKeys::load_or_create(dir.path()).unwrap();
        assert!(twice.verify(&token, 1_010).is_none());
        assert!(twice.verify("not.a.token", 1_010).is_none());
    }
}
