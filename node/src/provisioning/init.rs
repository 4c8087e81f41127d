//! Setting a node up: data folder, configuration with generated secrets, database, keys and the
//! operator's account. Used by `ent-admin init` and by the demo.

use std::path::PathBuf;

use anyhow::Context;
use rand::Rng;
use rand::distributions::Alphanumeric;

use ent_config::{NodeConfig, Secret};

use crate::accounts::password;
use crate::store::{Db, write_private_file};
use crate::users::NewUser;
use crate::users::store as users;

/// What `init` needs.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// Public domain of the node.
    pub domain: String,
    /// Display name.
    pub name: String,
    /// Data folder.
    pub data_dir: PathBuf,
    /// Where to write the configuration file.
    pub config_path: PathBuf,
    /// Listen address.
    pub listen: String,
    /// Public URL (default https://domain).
    pub public_url: Option<String>,
    /// Database URL (default SQLite in the data folder).
    pub database_url: Option<String>,
    /// Operator's first and last name.
    pub admin_name: (String, String),
    /// Operator's password; generated when absent.
    pub admin_password: Option<String>,
}

/// What `init` created.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InitReport {
    /// The configuration file written.
    pub config_path: PathBuf,
    /// The data folder.
    pub data_dir: PathBuf,
    /// The operator's identifier.
    pub admin_identifier: String,
    /// The operator's password when it was generated (shown once).
    pub admin_password: Option<String>,
    /// SHA-256 fingerprint of the node key (what linked peers pin).
    pub fingerprint: String,
}

/// A random secret of `len` alphanumeric characters.
pub fn random_secret(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Builds the configuration `init` writes.
pub fn initial_config(options: &InitOptions) -> Result<NodeConfig, ent_config::ConfigError> {
    let mut text = format!(
        "[node]\ndomain = {:?}\nname = {:?}\ndata_dir = {:?}\n",
        options.domain,
        options.name,
        options.data_dir.display().to_string()
    );
    if let Some(url) = &options.public_url {
        text.push_str(&format!("public_url = {url:?}\n"));
    }
    text.push_str(&format!("[server]\nlisten = {:?}\n", options.listen));
    text.push_str(&format!(
        "[security]\nsecret_key = {:?}\n",
        random_secret(48)
    ));
    let mut config = NodeConfig::from_toml_str_only(&text)?;
    if let Some(url) = &options.database_url {
        config.database.url = Secret::new(url.clone());
    }
    Ok(config)
}

/// Creates everything; refuses to overwrite an existing configuration file.
pub async fn initialize(options: &InitOptions) -> anyhow::Result<InitReport> {
    anyhow::ensure!(
        !options.config_path.exists(),
        "{} existe déjà : init ne remplace pas une configuration (supprimez-la ou choisissez --config)",
        options.config_path.display()
    );
    let config = initial_config(options).map_err(|e| anyhow::anyhow!("{e}"))?;
    crate::store::create_private_dir(&options.data_dir).with_context(|| {
        format!(
            "création du dossier {} impossible",
            options.data_dir.display()
        )
    })?;
    if let Some(parent) = options.config_path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    let db = Db::connect(config.database.url.expose(), 2).await?;
    db.migrate().await?;
    crate::keys::JwtKeys::load_or_create(&options.data_dir)?;
    // The node key is made once, here: peers pin its fingerprint, so it must never change.
    let identity = ent_federation::NodeIdentity::load_or_create(&options.data_dir)?;
    let generated = options.admin_password.is_none().then(|| random_secret(16));
    let secret = options
        .admin_password
        .clone()
        .or_else(|| generated.clone())
        .unwrap_or_default();
    let identifier =
        create_operator(&db, &options.admin_name.0, &options.admin_name.1, &secret).await?;
    db.close().await;
    write_private_file(&options.config_path, config.to_toml().as_bytes())
        .with_context(|| format!("écriture de {} impossible", options.config_path.display()))?;
    Ok(InitReport {
        config_path: options.config_path.clone(),
        data_dir: options.data_dir.clone(),
        admin_identifier: identifier,
        admin_password: generated,
        fingerprint: identity.fingerprint,
    })
}

/// Creates an operator account with a password; returns its identifier.
pub async fn create_operator(
    db: &Db,
    first: &str,
    last: &str,
    secret: &str,
) -> anyhow::Result<String> {
    let hash = password::hash(secret.to_owned()).await?;
    let now = chrono::Utc::now().timestamp();
    let mut tx = db.begin_write().await?;
    let user = NewUser {
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        password_hash: Some(hash),
        is_operator: true,
        ..NewUser::default()
    };
    let (id, identifier) = users::create(&mut tx, &user, now).await?;
    users::audit(&mut tx, now, None, "account.operator", &id, "").await?;
    tx.commit().await?;
    Ok(identifier.to_string())
}
