//! The node's identity: an RSA-2048 key pair (what the ActivityPub crate signs with), kept in
//! the data folder, and its SHA-256 fingerprint, which DANE staff pin when they link two nodes.

use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};

/// Why the identity could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Reading or writing a key file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A key file is not a PEM public key.
    #[error("{0}: clé publique PEM illisible")]
    BadPem(PathBuf),
    /// Key generation failed.
    #[error("génération de la clé du nœud impossible : {0}")]
    Generate(String),
}

/// The node's key pair (PEM) and fingerprint.
#[derive(Clone)]
pub struct NodeIdentity {
    /// PKCS#8 private key, PEM.
    private_key_pem: String,
    /// SubjectPublicKeyInfo public key, PEM.
    pub public_key_pem: String,
    /// SHA-256 of the DER public key, 64 lower-case hex digits.
    pub fingerprint: String,
}

impl std::fmt::Debug for NodeIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeIdentity")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

fn paths(data_dir: &Path) -> (PathBuf, PathBuf) {
    let keys = data_dir.join("keys");
    (keys.join("node-private.pem"), keys.join("node-public.pem"))
}

fn read(path: &Path) -> Result<String, IdentityError> {
    std::fs::read_to_string(path).map_err(|source| IdentityError::Io {
        path: path.to_owned(),
        source,
    })
}

fn write(path: &Path, text: &str, private: bool) -> Result<(), IdentityError> {
    use std::io::Write;
    let io = |source| IdentityError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        // The keys' folder (inside the data folder) is the owner's only.
        let mut folder = std::fs::DirBuilder::new();
        folder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            folder.mode(0o700);
        }
        folder.create(parent).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

/// SHA-256 of the DER bytes inside a PEM public key, as 64 lower-case hex digits.
pub fn fingerprint_of_pem(pem: &str) -> Option<String> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()?;
    (!der.is_empty()).then(|| hex::encode(Sha256::digest(der)))
}

/// A new RSA-2048 key pair for a user's actor: (public PEM, private PKCS#8 PEM).
pub fn generate_keypair() -> Result<(String, String), IdentityError> {
    let pair = activitypub_federation::http_signatures::generate_actor_keypair()
        .map_err(|e| IdentityError::Generate(e.to_string()))?;
    Ok((pair.public_key, pair.private_key))
}

impl NodeIdentity {
    /// Loads the key pair from `data_dir/keys`, or creates it (once: an existing key is never
    /// replaced, since peers have pinned its fingerprint).
    pub fn load_or_create(data_dir: &Path) -> Result<Self, IdentityError> {
        let (private_path, public_path) = paths(data_dir);
        if !private_path.exists() {
            let pair = activitypub_federation::http_signatures::generate_actor_keypair()
                .map_err(|e| IdentityError::Generate(e.to_string()))?;
            write(&public_path, &pair.public_key, false)?;
            write(&private_path, &pair.private_key, true)?;
        }
        Self::load(data_dir)
    }

    /// Loads an existing key pair.
    pub fn load(data_dir: &Path) -> Result<Self, IdentityError> {
        let (private_path, public_path) = paths(data_dir);
        let private_key_pem = read(&private_path)?;
        let public_key_pem = read(&public_path)?;
        let fingerprint =
            fingerprint_of_pem(&public_key_pem).ok_or(IdentityError::BadPem(public_path))?;
        Ok(Self {
            private_key_pem,
            public_key_pem,
            fingerprint,
        })
    }

    /// The private key, for signing (never logged: `Debug` hides it).
    pub fn private_key_pem(&self) -> &str {
        &self.private_key_pem
    }

    /// The fingerprint grouped for reading aloud or comparing by eye: `3f:1a:…`.
    pub fn fingerprint_grouped(&self) -> String {
        self.fingerprint
            .as_bytes()
            .chunks(2)
            .map(|pair| std::str::from_utf8(pair).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(":")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = NodeIdentity::load_or_create(dir.path()).unwrap();
        assert_eq!(first.fingerprint.len(), 64);
        assert!(
            first
                .public_key_pem
                .starts_with("-----BEGIN PUBLIC KEY-----")
        );
        let again = NodeIdentity::load_or_create(dir.path()).unwrap();
        assert_eq!(first.fingerprint, again.fingerprint);
        assert_eq!(first.fingerprint_grouped().len(), 64 + 31);
        assert!(!format!("{first:?}").contains("PRIVATE"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("keys/node-private.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn fingerprints_hash_the_der_key() {
        let pem = "-----BEGIN PUBLIC KEY-----\nAAEC\n-----END PUBLIC KEY-----\n";
        assert_eq!(
            fingerprint_of_pem(pem).unwrap(),
            hex::encode(Sha256::digest([0u8, 1, 2]))
        );
        assert!(
            fingerprint_of_pem("-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----")
                .is_none()
        );
    }
}
