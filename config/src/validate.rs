//! Validation of a parsed configuration: every problem names its key, its value and why.

use serde::Serialize;

use crate::NodeConfig;

/// One invalid configuration key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Dotted key, e.g. `server.listen`.
    pub key: String,
    /// The offending value as written (secrets are never echoed).
    pub value: String,
    /// Why it is refused, in French for the operator.
    pub why: String,
}

impl Problem {
    /// Builds a problem.
    pub fn new(key: &str, value: &str, why: &str) -> Self {
        Self {
            key: key.to_owned(),
            value: value.to_owned(),
            why: why.to_owned(),
        }
    }

    /// Converts a parse error (unknown key, wrong type, missing key) into a problem.
    pub(crate) fn from_figment(error: figment::Error) -> Self {
        let mut key = error.path.join(".");
        let mut with_field = |field: &str| {
            if !key.ends_with(field) {
                key = if key.is_empty() {
                    field.to_owned()
                } else {
                    format!("{key}.{field}")
                };
            }
        };
        let why = match &error.kind {
            figment::error::Kind::MissingField(field) => {
                with_field(field);
                "clé obligatoire absente".to_owned()
            }
            figment::error::Kind::UnknownField(field, _) => {
                with_field(field);
                "clé inconnue (faute de frappe ?)".to_owned()
            }
            figment::error::Kind::InvalidType(actual, expected) => {
                format!("type incorrect : {actual} trouvé, {expected} attendu")
            }
            other => other.to_string(),
        };
        let source = error
            .metadata
            .as_ref()
            .map(|m| m.name.to_string())
            .unwrap_or_default();
        let why = if source.is_empty() {
            why
        } else {
            format!("{why} (source : {source})")
        };
        Self {
            key: if key.is_empty() {
                "(racine)".into()
            } else {
                key
            },
            value: String::new(),
            why,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.value.is_empty() {
            write!(f, "  {} : {}", self.key, self.why)
        } else {
            write!(f, "  {} = {:?} : {}", self.key, self.value, self.why)
        }
    }
}

/// Checks every key whose type alone does not make it valid.
pub(crate) fn check(config: &NodeConfig) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut refuse =
        |key: &str, value: &str, why: &str| problems.push(Problem::new(key, value, why));

    let domain = config.node.domain.trim();
    if !is_domain(domain) {
        refuse(
            "node.domain",
            domain,
            "nom de domaine attendu, par exemple ent.ville-exemple.fr (lettres, chiffres, tirets et points, sans http://)",
        );
    }
    if config.node.name.trim().is_empty() {
        refuse("node.name", "", "le nom affiché ne peut pas être vide");
    }
    if let Some(url) = &config.node.public_url {
        match url::Url::parse(url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {}
            _ => refuse(
                "node.public_url",
                url,
                "adresse http:// ou https:// attendue",
            ),
        }
    }
    if config
        .server
        .listen
        .parse::<std::net::SocketAddr>()
        .is_err()
    {
        refuse(
            "server.listen",
            &config.server.listen,
            "adresse:port attendu, par exemple 0.0.0.0:8080",
        );
    }
    match (&config.server.tls_cert, &config.server.tls_key) {
        (Some(_), None) => refuse("server.tls_key", "", "tls_cert est donné sans tls_key"),
        (None, Some(_)) => refuse("server.tls_cert", "", "tls_key est donné sans tls_cert"),
        (Some(cert), Some(key)) => {
            for (name, path) in [("server.tls_cert", cert), ("server.tls_key", key)] {
                if !path.exists() {
                    refuse(name, &path.display().to_string(), "fichier introuvable");
                }
            }
        }
        (None, None) => {}
    }
    let ranges: [(&str, u64, u64, u64); 12] = [
        (
            "server.header_read_timeout_secs",
            config.server.header_read_timeout_secs,
            1,
            120,
        ),
        (
            "server.idle_timeout_secs",
            config.server.idle_timeout_secs,
            1,
            3600,
        ),
        (
            "server.max_connections",
            config.server.max_connections,
            16,
            100_000,
        ),
        (
            "server.request_timeout_secs",
            config.server.request_timeout_secs,
            1,
            600,
        ),
        (
            "server.body_limit_kib",
            config.server.body_limit_kib,
            16,
            1024 * 1024,
        ),
        (
            "database.max_connections",
            config.database.max_connections.into(),
            1,
            500,
        ),
        (
            "accounts.activation_code_days",
            config.accounts.activation_code_days.into(),
            1,
            366,
        ),
        (
            "accounts.session_hours",
            config.accounts.session_hours.into(),
            1,
            24 * 30,
        ),
        (
            "accounts.api_token_minutes",
            config.accounts.api_token_minutes.into(),
            1,
            60,
        ),
        (
            "accounts.max_failures_per_account",
            config.accounts.max_failures_per_account.into(),
            1,
            100,
        ),
        (
            "accounts.throttle_window_minutes",
            config.accounts.throttle_window_minutes.into(),
            1,
            24 * 60,
        ),
        (
            "accounts.min_password_length",
            config.accounts.min_password_length.into(),
            6,
            128,
        ),
    ];
    for (key, value, min, max) in ranges {
        if value < min || value > max {
            refuse(
                key,
                &value.to_string(),
                &format!("valeur entre {min} et {max} attendue"),
            );
        }
    }
    if config.import.max_deactivation_percent > 100 {
        refuse(
            "import.max_deactivation_percent",
            &config.import.max_deactivation_percent.to_string(),
            "pourcentage entre 0 et 100 attendu",
        );
    }
    if config.accounts.max_failures_per_address < config.accounts.max_failures_per_account {
        refuse(
            "accounts.max_failures_per_address",
            &config.accounts.max_failures_per_address.to_string(),
            "doit être au moins égal à accounts.max_failures_per_account",
        );
    }
    let url = config.database.url.expose();
    if !(url.is_empty()
        || url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://"))
    {
        // The value may hold a password: show only its scheme.
        let scheme = url.split(':').next().unwrap_or_default();
        refuse(
            "database.url",
            &format!("{scheme}:…"),
            "sqlite://CHEMIN ou postgres://… attendu",
        );
    }
    if config.security.secret_key.expose().chars().count() < 32 {
        refuse(
            "security.secret_key",
            "[secret]",
            "clé secrète d'au moins 32 caractères attendue (ent-admin init en génère une)",
        );
    }
    if !matches!(config.logging.format.as_str(), "text" | "json") {
        refuse(
            "logging.format",
            &config.logging.format,
            "« text » ou « json » attendu",
        );
    }
    crate::signin::check(&config.accounts, &mut problems);
    check_bounded(config, &mut problems);
    if let Err(quiet) = config.quiet_hours.schedule() {
        problems.extend(quiet);
    }
    crate::agenda::check(&config.agenda, &mut problems);
    config.mail.check(&mut problems);
    crate::links::check(
        &config.node.domain,
        &config.links,
        &config.federation,
        &mut problems,
    );
    problems
}

/// A DNS name: labels of letters, digits and hyphens, optionally with a port for local setups.
fn is_domain(value: &str) -> bool {
    let host = match value.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => host,
        _ => value,
    };
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// `server.metrics_allow` and `[quotas]`.
fn check_bounded(config: &NodeConfig, problems: &mut Vec<Problem>) {
    for network in &config.server.metrics_allow {
        if crate::signin::parse_network(network).is_none() {
            problems.push(Problem::new(
                "server.metrics_allow",
                network,
                "réseau attendu, par exemple 10.0.0.0/8, 192.168.1.20 ou ::1/128",
            ));
        }
    }
    let quotas = [
        (
            "quotas.member_daily_posts",
            config.quotas.member_daily_posts,
            1,
            100_000,
        ),
        (
            "quotas.member_daily_mib",
            config.quotas.member_daily_mib,
            1,
            100_000,
        ),
        ("quotas.space_mib", config.quotas.space_mib, 1, 10_000_000),
    ];
    for (key, value, min, max) in quotas {
        if value < min || value > max {
            problems.push(Problem::new(
                key,
                &value.to_string(),
                &format!("valeur entre {min} et {max} attendue"),
            ));
        }
    }
}
