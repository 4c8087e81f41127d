//! Typed configuration of an ENT node.
//!
//! One TOML file, every key overridable by an environment variable named
//! `ENT__SECTION__KEY` (for example `ENT__SERVER__LISTEN`). Loading never stops at the first
//! problem: [`NodeConfig::load`] collects every invalid key so that an operator fixes them all in
//! one go. Secrets are wrapped in [`Secret`], whose `Debug` never shows the value.

mod agenda;
pub mod convention;
mod links;
mod mail;
mod quiet;
mod secret;
mod signin;
mod validate;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::{Deserialize, Serialize};

pub use agenda::{ACADEMIES, AgendaSection, ZONES, zone_of_academie};
pub use links::{
    FederationSection, LinkConfig, LinkSource, Scope, normalize_domain, normalize_fingerprint,
};
pub use mail::{MailSection, MailSecurity};
pub use quiet::{QuietHoursSection, QuietSchedule};
pub use secret::Secret;
pub use signin::parse_network;
pub use validate::Problem;

/// The annotated example configuration shipped with the node.
pub const EXAMPLE: &str = include_str!("../ent.example.toml");

/// Prefix of environment variables that override configuration keys.
pub const ENV_PREFIX: &str = "ENT__";

/// The whole configuration of one node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// Identity of the node.
    pub node: NodeSection,
    /// HTTP(S) listener.
    #[serde(default)]
    pub server: ServerSection,
    /// Storage.
    #[serde(default)]
    pub database: DatabaseSection,
    /// Accounts, sessions and sign-in protection.
    #[serde(default)]
    pub accounts: AccountsSection,
    /// Secrets generated at `ent-admin init`.
    #[serde(default)]
    pub security: SecuritySection,
    /// Logs.
    #[serde(default)]
    pub logging: LoggingSection,
    /// Storage quotas of what members write.
    #[serde(default)]
    pub quotas: QuotasSection,
    /// Federation transport settings.
    #[serde(default)]
    pub federation: FederationSection,
    /// ONDE imports.
    #[serde(default)]
    pub import: ImportSection,
    /// The "droit à la déconnexion": hours when messages between staff and families are held.
    #[serde(default)]
    pub quiet_hours: QuietHoursSection,
    /// The agenda: the schools' holiday zone.
    #[serde(default)]
    pub agenda: AgendaSection,
    /// SMTP for notifications by e-mail; off when not configured.
    #[serde(default)]
    pub mail: MailSection,
    /// Conventions with peer nodes; none means federation is off. Never written as
    /// `links = []`: an operator appends `[[links]]` tables to the file (docs/federation.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkConfig>,
}

/// `[node]`: who this node is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSection {
    /// Public domain name of the node, e.g. `ent.ville-exemple.fr`.
    pub domain: String,
    /// Name shown to users, e.g. "ENT des écoles de Villeneuve".
    #[serde(default = "default_name")]
    pub name: String,
    /// Folder holding the SQLite database, keys and uploaded files.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Address users type in their browser; defaults to `https://{domain}`.
    #[serde(default)]
    pub public_url: Option<String>,
}

/// `[server]`: the listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// Address and port to listen on.
    pub listen: String,
    /// PEM certificate chain; with `tls_key`, the node serves HTTPS itself.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key matching `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Longest time a request may take, in seconds.
    pub request_timeout_secs: u64,
    /// Largest request body accepted, in KiB.
    pub body_limit_kib: u64,
    /// Whether the node sits behind a reverse proxy that sets `X-Forwarded-For`.
    pub behind_proxy: bool,
    /// Longest time a client may take to send a request's headers (and the TLS handshake),
    /// in seconds; an idle kept-alive connection is closed after the same time.
    pub header_read_timeout_secs: u64,
    /// Longest time a connection may stay without a byte read or written, in seconds.
    pub idle_timeout_secs: u64,
    /// Most connections served at once; more wait to be accepted.
    pub max_connections: u64,
    /// Networks (CIDR, or single addresses) allowed to read `/metrics`, whether the node serves
    /// HTTP(S) itself or sits behind a proxy (then the client address is the forwarded one);
    /// empty means nobody.
    pub metrics_allow: Vec<String>,
}

/// `[database]`: storage engine chosen from the URL.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSection {
    /// `sqlite://PATH` or `postgres://…`; empty means `sqlite://{data_dir}/ent.db`.
    pub url: Secret,
    /// Largest number of pooled connections.
    pub max_connections: u32,
}

/// `[accounts]`: activation, sessions, throttling.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountsSection {
    /// Days an activation code stays valid.
    pub activation_code_days: u32,
    /// Hours a browser session lasts without activity.
    pub session_hours: u32,
    /// Minutes an API bearer token lasts.
    pub api_token_minutes: u32,
    /// Failed sign-ins allowed per account within the window.
    pub max_failures_per_account: u32,
    /// Failed sign-ins allowed per client address within the window.
    pub max_failures_per_address: u32,
    /// Length of the throttling window, in minutes.
    pub throttle_window_minutes: u32,
    /// Shortest password a user may choose.
    pub min_password_length: u32,
    /// Networks (CIDR) whose addresses are not throttled per address (school networks behind
    /// one NAT); accounts stay throttled one by one.
    pub trusted_networks: Vec<String>,
    /// Most password hashes computed at once (each holds `argon2_memory_kib` of memory).
    pub max_concurrent_hashes: u32,
    /// Milliseconds a sign-in waits for a free hashing slot before "serveur occupé" (503).
    pub hash_wait_ms: u64,
    /// Hours after which a browser session ends, however active.
    pub session_absolute_hours: u32,
    /// Minutes a session of a pupil-only account lasts without activity (shared computers).
    pub pupil_session_minutes: u32,
    /// Shortest password for staff and operators (also checked against common passwords).
    pub staff_min_password_length: u32,
    /// Argon2id memory cost, KiB; raising it rehashes passwords at their next sign-in.
    pub argon2_memory_kib: u32,
    /// Argon2id passes.
    pub argon2_iterations: u32,
    /// Argon2id lanes.
    pub argon2_parallelism: u32,
}

/// `[import]`: ONDE imports (`ent-admin import onde`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImportSection {
    /// Largest share (percent) of a school's active accounts one import may deactivate
    /// without `--allow-mass-deactivation`.
    pub max_deactivation_percent: u8,
}

impl Default for ImportSection {
    fn default() -> Self {
        Self {
            max_deactivation_percent: 10,
        }
    }
}

/// `[security]`: secrets.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SecuritySection {
    /// Random key (at least 32 characters) used to sign anonymous form tokens.
    pub secret_key: Secret,
}

/// `[quotas]`: how much members may store, checked when they write (pending posts count).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuotasSection {
    /// Posts and comments one member may write per day (24 hours), all spaces together.
    pub member_daily_posts: u64,
    /// MiB of files one member may send per day (24 hours), all spaces together.
    pub member_daily_mib: u64,
    /// MiB of files one space may hold.
    pub space_mib: u64,
}

impl Default for QuotasSection {
    fn default() -> Self {
        Self {
            member_daily_posts: 200,
            member_daily_mib: 100,
            space_mib: 2048,
        }
    }
}

/// `[logging]`: log format and level.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingSection {
    /// `text` for humans, `json` for log collectors.
    pub format: String,
    /// A tracing filter such as `info` or `ent_node=debug,info`.
    pub level: String,
}

fn default_name() -> String {
    "ENT".to_owned()
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

impl Default for ServerSection {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            tls_cert: None,
            tls_key: None,
            request_timeout_secs: 30,
            body_limit_kib: 2048,
            behind_proxy: false,
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections: 1024,
            metrics_allow: vec!["127.0.0.1/32".to_owned(), "::1/128".to_owned()],
        }
    }
}

impl Default for DatabaseSection {
    fn default() -> Self {
        Self {
            url: Secret::default(),
            max_connections: 10,
        }
    }
}

impl Default for AccountsSection {
    fn default() -> Self {
        Self {
            activation_code_days: 60,
            session_hours: 12,
            api_token_minutes: 15,
            max_failures_per_account: 5,
            max_failures_per_address: 500,
            throttle_window_minutes: 15,
            min_password_length: 8,
            trusted_networks: Vec::new(),
            max_concurrent_hashes: 2,
            hash_wait_ms: 2000,
            session_absolute_hours: 12,
            pupil_session_minutes: 45,
            staff_min_password_length: 12,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
        }
    }
}

impl Default for LoggingSection {
    fn default() -> Self {
        Self {
            format: "text".to_owned(),
            level: "info".to_owned(),
        }
    }
}

/// Why a configuration could not be loaded: every problem found, each naming its key.
#[derive(Debug, thiserror::Error)]
#[error("{}", render_problems(.0))]
pub struct ConfigError(pub Vec<Problem>);

fn render_problems(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    format!("configuration invalide :\n{}", lines.join("\n"))
}

impl NodeConfig {
    /// Reads `path`, applies `ENT__…` environment overrides, and validates the result.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        if !path.exists() {
            return Err(ConfigError(vec![Problem::new(
                "(fichier)",
                &path.display().to_string(),
                "le fichier de configuration n'existe pas",
            )]));
        }
        Self::from_figment(Figment::new().merge(Toml::file(path)).merge(env()))
    }

    /// Parses TOML text (with environment overrides), then validates.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        Self::from_figment(Figment::new().merge(Toml::string(text)).merge(env()))
    }

    /// Parses TOML text without looking at the environment (for tests and `config check`).
    pub fn from_toml_str_only(text: &str) -> Result<Self, ConfigError> {
        Self::from_figment(Figment::new().merge(Toml::string(text)))
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: NodeConfig = figment.extract().map_err(|errors| {
            ConfigError(errors.into_iter().map(Problem::from_figment).collect())
        })?;
        let problems = config.problems();
        if problems.is_empty() {
            Ok(config.with_defaults_resolved())
        } else {
            Err(ConfigError(problems))
        }
    }

    /// Every problem in an already parsed configuration.
    pub fn problems(&self) -> Vec<Problem> {
        validate::check(self)
    }

    /// Fills the values whose default depends on other keys.
    fn with_defaults_resolved(mut self) -> Self {
        if self.database.url.expose().is_empty() {
            let path = self.node.data_dir.join("ent.db");
            self.database.url = Secret::new(format!("sqlite://{}", path.display()));
        }
        self
    }

    /// The address users reach the node at, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.node.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("https://{}", self.node.domain),
        }
    }

    /// The parsed listen address (validated at load time).
    pub fn listen_addr(&self) -> SocketAddr {
        self.server
            .listen
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8080)))
    }

    /// Whether the node terminates TLS itself.
    pub fn serves_tls(&self) -> bool {
        self.server.tls_cert.is_some() && self.server.tls_key.is_some()
    }

    /// Renders the configuration as TOML (secrets included: used to write the file at init),
    /// ending with where conventions go, so that an appended `[[links]]` table is valid.
    pub fn to_toml(&self) -> String {
        let mut text = toml::to_string_pretty(self).unwrap_or_default();
        if self.links.is_empty() {
            text.push_str(
                "\n# Conventions with linked nodes: append one [[links]] table per peer here\n\
                 # (docs/federation.md, \"Linking two nodes\"); none means federation is off.\n",
            );
        }
        text
    }
}

fn env() -> Env {
    Env::prefixed(ENV_PREFIX).split("__")
}

#[cfg(test)]
mod tests;
