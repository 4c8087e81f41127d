use super::*;

const MINIMAL: &str = r#"
[node]
domain = "ent.example.fr"
[security]
secret_key = "0123456789abcdef0123456789abcdef"
"#;

#[test]
fn a_domain_and_a_secret_are_enough() {
    let config = NodeConfig::from_toml_str_only(MINIMAL).unwrap();
    assert_eq!(config.public_url(), "https://ent.example.fr");
    assert!(config.database.url.expose().starts_with("sqlite://"));
    assert_eq!(config.accounts.max_failures_per_account, 5);
}

#[test]
fn the_shipped_example_is_valid() {
    let config = NodeConfig::from_toml_str_only(EXAMPLE).unwrap();
    assert_eq!(config.node.domain, "ent.ville-exemple.fr");
}

#[test]
fn every_problem_is_reported_with_its_key() {
    let text = r#"
[node]
domain = "http://bad domain"
[server]
listen = "nowhere"
request_timeout_secs = 0
[logging]
format = "xml"
[security]
secret_key = "short"
"#;
    let err = NodeConfig::from_toml_str_only(text).unwrap_err();
    let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
    for key in [
        "node.domain",
        "server.listen",
        "server.request_timeout_secs",
        "logging.format",
        "security.secret_key",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
}

#[test]
fn unknown_and_mistyped_keys_are_named() {
    let text = format!("{MINIMAL}\n[server]\nlisten_port = 80\n");
    let err = NodeConfig::from_toml_str_only(&text).unwrap_err();
    assert_eq!(err.0[0].key, "server.listen_port");
    let text = format!("{MINIMAL}\n[accounts]\nsession_hours = \"douze\"\n");
    let err = NodeConfig::from_toml_str_only(&text).unwrap_err();
    assert_eq!(err.0[0].key, "accounts.session_hours");
}

#[test]
fn a_missing_domain_is_named() {
    let err = NodeConfig::from_toml_str_only("[node]\nname = \"x\"\n").unwrap_err();
    assert!(err.0.iter().any(|p| p.key == "node.domain"), "{err}");
}

#[test]
#[allow(clippy::result_large_err)] // figment's Jail API returns its own large error type
fn environment_overrides_any_key() {
    figment::Jail::expect_with(|jail| {
        jail.set_env("ENT__SERVER__LISTEN", "0.0.0.0:9999");
        jail.set_env("ENT__ACCOUNTS__SESSION_HOURS", "3");
        let config = NodeConfig::from_toml_str(MINIMAL).unwrap();
        assert_eq!(config.server.listen, "0.0.0.0:9999");
        assert_eq!(config.accounts.session_hours, 3);
        Ok(())
    });
}

#[test]
fn secrets_never_show_in_debug_output() {
    let text = format!("{MINIMAL}\n[database]\nurl = \"postgres://ent:hunter2-password@db/ent\"\n");
    let config = NodeConfig::from_toml_str_only(&text).unwrap();
    let debug = format!("{config:?}");
    assert!(!debug.contains("hunter2"));
    assert!(!debug.contains("0123456789abcdef"));
}

#[test]
fn a_database_url_of_another_engine_is_refused_without_echoing_it() {
    let text = format!("{MINIMAL}\n[database]\nurl = \"mysql://root:pw@db/ent\"\n");
    let err = NodeConfig::from_toml_str_only(&text).unwrap_err();
    assert_eq!(err.0[0].key, "database.url");
    assert!(!err.to_string().contains("pw@"));
}

#[test]
fn malformed_links_are_named_by_index_and_key() {
    let text = format!(
        "{MINIMAL}
[[links]]
domain = \"College.Example.FR.\"
fingerprint = \"{}\"
scopes = [\"spaces\"]
guest_quota = 30
label = \"Convention cycle 3\"
valid_from = \"2026-09-01\"
valid_until = \"2027-08-31\"

[[links]]
domain = \"ent.example.fr\"
fingerprint = \"abc\"
scopes = []
label = \"\"
valid_from = \"2027-09-01\"
valid_until = \"2026-08-31\"
",
        "AB:".repeat(31) + "AB"
    );
    let err = NodeConfig::from_toml_str_only(&text).unwrap_err();
    let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "links[1].domain",
            "links[1].fingerprint",
            "links[1].scopes",
            "links[1].label",
            "links[1].valid_until"
        ]
    );
    let unknown_scope = format!(
        "{MINIMAL}\n[[links]]\ndomain = \"a.fr\"\nfingerprint = \"{}\"\nscopes = [\"news\"]\nlabel = \"x\"\nvalid_from = \"2026-09-01\"\nvalid_until = \"2027-08-31\"\n",
        "0".repeat(64)
    );
    let err = NodeConfig::from_toml_str_only(&unknown_scope).unwrap_err();
    assert!(err.0[0].key.starts_with("links"), "{err}");
}

#[test]
fn a_valid_link_is_normalised_and_in_force_between_its_dates() {
    let text = format!(
        "{MINIMAL}\n[[links]]\ndomain = \"College.Example.FR.\"\nfingerprint = \"sha256:{}\"\nscopes = [\"spaces\", \"messaging\"]\nguest_quota = 30\nlabel = \"Convention\"\nvalid_from = \"2026-09-01\"\nvalid_until = \"2027-08-31\"\n",
        "AB".repeat(32)
    );
    let config = NodeConfig::from_toml_str_only(&text).unwrap();
    let link = &config.links[0];
    assert_eq!(link.normalized_domain(), "college.example.fr");
    assert_eq!(link.normalized_fingerprint(), "ab".repeat(32));
    assert!(link.allows(Scope::Spaces) && !link.allows(Scope::Transfers));
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    assert!(link.in_force_on(day(2026, 9, 1)) && link.in_force_on(day(2027, 8, 31)));
    assert!(!link.in_force_on(day(2027, 9, 1)));
    assert!(config.links.len() == 1 && config.federation.max_clock_skew_secs == 300);
}

#[test]
fn peers_are_named_and_fixed_addresses_name_hosts_only() {
    let ip_link = format!(
        "{MINIMAL}\n[[links]]\ndomain = \"127.0.0.2:8443\"\nfingerprint = \"{}\"\nscopes = [\"spaces\"]\nlabel = \"x\"\nvalid_from = \"2026-09-01\"\nvalid_until = \"2027-08-31\"\n",
        "0".repeat(64)
    );
    let err = NodeConfig::from_toml_str_only(&ip_link).unwrap_err();
    assert_eq!(err.0[0].key, "links[0].domain");
    assert!(err.0[0].why.contains("adresse IP"), "{err}");
    let hosts = format!(
        "{MINIMAL}\n[federation.hosts]\n\"a.test:8443\" = \"127.0.0.2\"\n\"b.test\" = \"127.0.0.3\"\n"
    );
    let err = NodeConfig::from_toml_str_only(&hosts).unwrap_err();
    let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["federation.hosts.a.test:8443"]);
}

#[test]
fn trusted_convention_keys_are_checked_and_named() {
    let good = convention::encode_public_key(&convention::generate_key().verifying_key());
    let text = format!(
        "{MINIMAL}
[[federation.trusted_conventions]]
name = \"DANE de Versailles\"
academie = \"versailles\"
public_key = \"{good}\"

[[federation.trusted_conventions]]
name = \"DANE de Créteil\"
academie = \"\"
public_key = \"pas-une-clé\"
"
    );
    let err = NodeConfig::from_toml_str_only(&text).unwrap_err();
    let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "federation.trusted_conventions[1].academie",
            "federation.trusted_conventions[1].public_key"
        ]
    );
    assert!(
        err.to_string()
            .contains("clé « DANE de Créteil » illisible"),
        "{err}"
    );
    let missing = format!("{MINIMAL}[federation]\nconvention_files = [\"/nulle/part.toml\"]\n");
    let err = NodeConfig::from_toml_str_only(&missing).unwrap_err();
    let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "federation.convention_files[0]",
            "federation.convention_files"
        ]
    );
}
