//! Process-level tests of `ent-admin`: the real binary, run in a fresh folder with a fresh
//! database each, so tests run in parallel. With `ENT_TEST_DATABASE_URL=postgres://…` every
//! test gets its own PostgreSQL database instead of a SQLite file.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use ent_node::provisioning::onde::sample::{self, SampleEncoding, SampleOptions};
use ent_node::store::Db;
use serde_json::Value;

#[path = "cli/calendar.rs"]
mod calendar;
#[path = "cli/conventions.rs"]
mod conventions;

const BIN: &str = env!("CARGO_BIN_EXE_ent-admin");
const POSTGRES_ENV: &str = "ENT_TEST_DATABASE_URL";
const UAI: &str = "0951234A";
const PASSWORD: &str = "mot-de-passe-de-test";

/// What one run of the binary gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("JSON attendu ({e}) :\n{}", self.stdout))
    }
}

/// A node folder (the current directory of every run) and its own database.
struct Node {
    dir: tempfile::TempDir,
    database_url: String,
    /// (server URL, database name) to drop at the end, on PostgreSQL.
    postgres: Option<(String, String)>,
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

impl Node {
    /// A fresh folder and database, before `init`.
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match std::env::var(POSTGRES_ENV) {
            Ok(server) if !server.is_empty() => {
                use sqlx::Connection;
                let name = format!("ent_cli_{}", uuid::Uuid::new_v4().simple());
                block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&server)
                        .await
                        .expect("PostgreSQL joignable");
                    sqlx::query(&format!("CREATE DATABASE {name}"))
                        .execute(&mut conn)
                        .await
                        .expect("CREATE DATABASE");
                    conn.close().await.ok();
                });
                let mut url = url::Url::parse(&server).expect("ENT_TEST_DATABASE_URL valide");
                url.set_path(&format!("/{name}"));
                Self {
                    dir,
                    database_url: url.to_string(),
                    postgres: Some((server, name)),
                }
            }
            _ => {
                let database_url = format!("sqlite://{}", dir.path().join("data/ent.db").display());
                Self {
                    dir,
                    database_url,
                    postgres: None,
                }
            }
        }
    }

    /// A node after `init` with a known operator password.
    fn init() -> Self {
        let node = Self::new();
        let mut args = vec![
            "init",
            "--domain",
            "ent.example.org",
            "--admin-password",
            PASSWORD,
        ];
        if node.postgres.is_some() {
            args.extend(["--database-url", &node.database_url]);
        }
        node.ok(&args);
        node
    }

    /// A node with the test school.
    fn with_school() -> Self {
        let node = Self::init();
        node.ok(&[
            "school",
            "add",
            "--uai",
            UAI,
            "--name",
            "École Jules Ferry",
            "--kind",
            "elementaire",
        ]);
        node
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// Runs the binary in the node folder, away from the caller's ENT variables.
    fn run(&self, args: &[&str]) -> Run {
        let mut command = Command::new(BIN);
        command.current_dir(self.dir.path()).args(args);
        for (key, _) in std::env::vars() {
            if key.starts_with("ENT") {
                command.env_remove(key);
            }
        }
        let output = command.output().expect("ent-admin lancé");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs and expects success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            run.code, 0,
            "ent-admin {args:?} a échoué :\n{}\n{}",
            run.stdout, run.stderr
        );
        run.stdout
    }

    /// Runs with `--format json` and expects success.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let run = self.run(&all);
        assert_eq!(run.code, 0, "ent-admin {all:?} a échoué :\n{}", run.stderr);
        run.json()
    }

    /// Writes the sample ONDE files (2 classes × 24 pupils) into the folder.
    fn write_sample(&self) {
        let files = sample::files(&SampleOptions::default());
        std::fs::write(self.path("eleves.csv"), files.pupils).unwrap();
        std::fs::write(self.path("responsables.csv"), files.guardians).unwrap();
        std::fs::write(self.path("enseignants.csv"), files.teachers).unwrap();
    }

    fn import(&self, extra: &[&str]) -> Run {
        let mut args = vec![
            "import",
            "onde",
            "--school",
            UAI,
            "--pupils",
            "eleves.csv",
            "--guardians",
            "responsables.csv",
            "--teachers",
            "enseignants.csv",
        ];
        args.extend(extra);
        self.run(&args)
    }

    /// Active accounts as `users list --format json` gives them, by identifier.
    fn users(&self, extra: &[&str]) -> HashMap<String, Value> {
        let mut args = vec!["users", "list"];
        args.extend(extra);
        let list = self.json(&args);
        list.as_array()
            .expect("liste JSON")
            .iter()
            .map(|u| (u["identifier"].as_str().unwrap().to_owned(), u.clone()))
            .collect()
    }

    /// Whether `code` is the current code of `user_id`, asked to the database directly.
    fn code_matches(&self, user_id: &str, code: &str) -> bool {
        block_on(async {
            let db = Db::connect(&self.database_url, 1).await.expect("base");
            let now = chrono::Utc::now().timestamp();
            let found = ent_node::accounts::codes::matches(&db, user_id, code, now)
                .await
                .expect("requête");
            db.close().await;
            found
        })
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Best effort: a test that failed must not hide its failure behind this one.
        let _ = std::thread::spawn(move || {
            block_on(async move {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&server).await {
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&drop).execute(&mut conn).await;
                    let _ = conn.close().await;
                }
            })
        })
        .join();
    }
}

fn counts(report: &Value, kind: &str) -> (u64, u64, u64, u64) {
    let c = &report[kind];
    let n = |k: &str| c[k].as_u64().unwrap();
    (n("created"), n("updated"), n("unchanged"), n("deactivated"))
}

/// (identifier, code) pairs printed on a sheets page.
fn sheet_pairs(html: &str) -> Vec<(String, String)> {
    let values = |label: &str| -> Vec<String> {
        html.split(&format!("{label} : <strong class=\"mono big\">"))
            .skip(1)
            .map(|rest| rest.split('<').next().unwrap().to_owned())
            .collect()
    };
    values("Identifiant")
        .into_iter()
        .zip(values("Code"))
        .collect()
}

#[test]
fn init_school_import_list_and_sheets() {
    let node = Node::with_school();
    assert!(node.path("ent.toml").exists());
    node.write_sample();
    let run = node.import(&["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["dry_run"], false);
    assert_eq!(counts(&report, "pupils").0, 48);
    assert_eq!(counts(&report, "classes").0, 2);
    assert!(counts(&report, "guardians").0 > 48);
    assert_eq!(counts(&report, "teachers").0, 2);

    let pupils = node.users(&["--school", UAI, "--profile", "élève"]);
    assert_eq!(pupils.len(), 48);
    assert!(pupils.values().all(|u| u["pending"] == true));
    let everyone = node.users(&[]);
    assert!(everyone.contains_key("admin.ent"));
    assert!(everyone.len() > 48 + 48);

    let classes = node.json(&["classes", "list", "--school", UAI]);
    let class = &classes.as_array().unwrap()[0];
    assert_eq!(class["pupils"], 24);
    let out = node.path("fiches.html");
    let printed = node.json(&[
        "sheets",
        "--class",
        class["id"].as_str().unwrap(),
        "--out",
        "fiches.html",
    ]);
    assert_eq!(printed["pupils"], 24);
    let html = std::fs::read_to_string(&out).unwrap();
    let pairs = sheet_pairs(&html);
    assert_eq!(pairs.len() as u64, printed["sheets"].as_u64().unwrap());
    for (identifier, code) in &pairs {
        let user = &everyone[identifier];
        assert!(
            node.code_matches(user["id"].as_str().unwrap(), code),
            "le code de {identifier} doit marcher"
        );
    }

    // The same class by school and name, as an operator types it: the same codes, still
    // valid (printing again cancels nothing); only --renouveler renews them.
    let class_name = class["name"].as_str().unwrap().to_lowercase();
    let by_name = [
        "sheets",
        "--school",
        UAI,
        "--class-name",
        &class_name,
        "--out",
        "fiches2.html",
    ];
    let text = node.ok(&by_name);
    assert!(text.contains("restent valables"), "{text}");
    let again = sheet_pairs(&std::fs::read_to_string(node.path("fiches2.html")).unwrap());
    assert_eq!(again, pairs);
    let (identifier, old_code) = &pairs[0];
    assert!(node.code_matches(everyone[identifier]["id"].as_str().unwrap(), old_code));
    let mut renew = by_name.to_vec();
    renew.push("--renouveler");
    let text = node.ok(&renew);
    assert!(text.contains("ne fonctionnent plus"), "{text}");
    assert!(!node.code_matches(everyone[identifier]["id"].as_str().unwrap(), old_code));
}

#[test]
fn second_identical_import_changes_nothing() {
    let node = Node::with_school();
    node.write_sample();
    assert_eq!(node.import(&[]).code, 0);
    let run = node.import(&["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    for kind in ["classes", "pupils", "guardians", "teachers"] {
        let (created, updated, _, deactivated) = counts(&report, kind);
        assert_eq!((created, updated, deactivated), (0, 0, 0), "{kind}");
    }
    assert_eq!(counts(&report, "pupils").2, 48);
    let table = node.import(&[]);
    assert!(table.stdout.contains("Rien n'a changé"), "{}", table.stdout);
}

#[test]
fn dry_run_writes_nothing() {
    let node = Node::with_school();
    node.write_sample();
    let run = node.import(&["--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("rien n'a été écrit"), "{}", run.stdout);
    let report = node.import(&["--dry-run", "--format", "json"]).json();
    assert_eq!(report["dry_run"], true);
    assert_eq!(counts(&report, "pupils").0, 48);
    assert_eq!(node.users(&[]).len(), 1, "only the operator");
    assert_eq!(
        node.json(&["classes", "list", "--school", UAI]),
        Value::Array(vec![])
    );
}

#[test]
fn malformed_date_names_file_line_column_and_writes_nothing() {
    let node = Node::with_school();
    node.write_sample();
    let texts = sample::texts(&SampleOptions::default());
    let mut lines: Vec<String> = texts.pupils.lines().map(str::to_owned).collect();
    let column = lines[0]
        .split(';')
        .position(|h| h.trim_matches('"') == "Date naissance")
        .expect("birth date column");
    let mut fields: Vec<String> = lines[2].split(';').map(str::to_owned).collect();
    fields[column] = "\"31/13/2016\"".into();
    lines[2] = fields.join(";");
    let broken = sample::encode(
        &(lines.join("\n") + "\n"),
        SampleEncoding::Windows1252,
        true,
    );
    std::fs::write(node.path("eleves.csv"), broken).unwrap();

    let run = node.import(&[]);
    assert_eq!(run.code, 1);
    for expected in ["eleves.csv", "ligne 3", "Date naissance", "31/13/2016"] {
        assert!(
            run.stderr.contains(expected),
            "{expected} ?\n{}",
            run.stderr
        );
    }
    let json = node.import(&["--format", "json"]);
    assert_eq!(json.code, 1);
    let error = &json.json()["errors"][0];
    assert_eq!(
        (error["file"].as_str(), error["line"].as_u64()),
        (Some("eleves.csv"), Some(3))
    );
    assert_eq!(node.users(&[]).len(), 1, "only the operator");
    assert_eq!(
        node.json(&["classes", "list", "--school", UAI]),
        Value::Array(vec![])
    );
}

#[test]
fn config_check_names_every_bad_key() {
    let node = Node::new();
    std::fs::write(
        node.path("bad.toml"),
        "[node]\ndomain = \"pas un domaine\"\n[server]\nlisten = \"partout\"\n\
         body_limit_kib = 1\n[accounts]\nactivation_code_days = 0\n",
    )
    .unwrap();
    let run = node.run(&["--config", "bad.toml", "config", "check"]);
    assert_eq!(run.code, 1);
    let keys = [
        "node.domain",
        "server.listen",
        "server.body_limit_kib",
        "accounts.activation_code_days",
    ];
    for key in keys {
        assert!(run.stderr.contains(key), "{key} ?\n{}", run.stderr);
    }
    let json = node.run(&[
        "--config", "bad.toml", "config", "check", "--format", "json",
    ]);
    assert_eq!(json.code, 1);
    let report = json.json();
    assert_eq!(report["valid"], false);
    let named: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    for key in keys {
        assert!(named.contains(&key), "{key} ? {named:?}");
    }
    // A file that does not exist is a failure too, and a good one passes.
    assert_eq!(
        node.run(&["--config", "absent.toml", "config", "check"])
            .code,
        1
    );
    std::fs::write(node.path("example.toml"), node.ok(&["config", "example"])).unwrap();
    node.ok(&["--config", "example.toml", "config", "check"]);
}

#[test]
fn unknown_or_invalid_school_fails_with_1() {
    let node = Node::with_school();
    node.write_sample();
    let unknown = ent_node::domain::Uai::from_number(1_234_567).to_string();
    let mut args = vec![
        "import",
        "onde",
        "--school",
        &unknown,
        "--pupils",
        "eleves.csv",
        "--guardians",
        "responsables.csv",
    ];
    let run = node.run(&args);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains(&unknown), "{}", run.stderr);
    args[3] = "12345";
    let run = node.run(&args);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("UAI invalide"), "{}", run.stderr);
    let run = node.run(&["classes", "list", "--school", &unknown]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains(&unknown), "{}", run.stderr);
    // Adding the same school twice is refused.
    let again = [
        "school", "add", "--uai", UAI, "--name", "Autre", "--kind", "primaire",
    ];
    assert_eq!(node.run(&again).code, 1);
    let schools = node.json(&["school", "list"]);
    assert_eq!(schools.as_array().unwrap().len(), 1);
}

#[test]
fn users_reset_show_deactivate_reactivate() {
    let node = Node::with_school();
    node.write_sample();
    assert_eq!(node.import(&[]).code, 0);
    let pupils = node.users(&["--profile", "pupil", "--search", "d'angelo"]);
    let identifier = pupils.keys().min().expect("a D'Angelo pupil").clone();
    let id = pupils[&identifier]["id"].as_str().unwrap().to_owned();

    let reset = node.json(&["users", "reset", &identifier]);
    let code = reset["code"].as_str().unwrap();
    assert!(node.code_matches(&id, code));
    let text = node.ok(&["users", "reset", &identifier]);
    assert!(
        !node.code_matches(&id, code),
        "a new code replaces the old one"
    );
    let new_code = text.split(" : ").nth(1).unwrap().lines().next().unwrap();
    assert!(node.code_matches(&id, new_code), "{text}");

    let shown = node.json(&["users", "show", &identifier]);
    assert_eq!(shown["user"]["id"], id.as_str());
    assert!(!shown["parents"].as_array().unwrap().is_empty());

    node.ok(&["users", "deactivate", &identifier]);
    assert!(!node.users(&[]).contains_key(&identifier));
    assert!(node.users(&["--inactive"]).contains_key(&identifier));
    assert_eq!(node.run(&["users", "reset", &identifier]).code, 1);
    node.ok(&["users", "reactivate", &identifier]);
    assert!(node.users(&[]).contains_key(&identifier));

    let missing = node.run(&["users", "show", "personne.inconnue"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("personne.inconnue"),
        "{}",
        missing.stderr
    );
}

#[test]
fn migrate_keys_and_init_refusing_to_overwrite() {
    let node = Node::init();
    node.ok(&["migrate"]);
    let keys = node.path("data/keys/api-jwt.json");
    let before = std::fs::read_to_string(&keys).unwrap();
    node.ok(&["keys", "rotate-jwt"]);
    assert_ne!(std::fs::read_to_string(&keys).unwrap(), before);
    let again = node.run(&["init", "--domain", "ent.example.org"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("existe déjà"), "{}", again.stderr);
    // Without a configuration, commands say which file is missing.
    let run = node.run(&["--config", "autre.toml", "school", "list"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("autre.toml"), "{}", run.stderr);
}

#[test]
fn init_generates_and_prints_the_password_once() {
    let node = Node::new();
    let mut args = vec!["init", "--domain", "ent.example.org", "--format", "json"];
    if node.postgres.is_some() {
        args.extend(["--database-url", &node.database_url]);
    }
    let report = node.run(&args).json();
    assert_eq!(report["admin_identifier"], "admin.ent");
    assert_eq!(report["admin_password"].as_str().unwrap().len(), 16);
    assert!(Path::new(&node.path("ent.toml")).exists());
}

#[test]
fn help_of_every_command_works_and_usage_errors_exit_2() {
    let node = Node::new();
    let commands: &[&[&str]] = &[
        &[],
        &["init"],
        &["migrate"],
        &["school"],
        &["school", "add"],
        &["school", "list"],
        &["classes"],
        &["classes", "list"],
        &["import"],
        &["import", "onde"],
        &["import", "aaf"],
        &["users"],
        &["users", "list"],
        &["users", "show"],
        &["users", "reset"],
        &["users", "deactivate"],
        &["users", "reactivate"],
        &["sheets"],
        &["config"],
        &["config", "check"],
        &["config", "example"],
        &["keys"],
        &["keys", "rotate-jwt"],
        &["guests"],
        &["guests", "list"],
        &["guests", "expire"],
        &["guests", "estimate"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let run = node.run(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            run.stdout.contains("Utilisation"),
            "{args:?}: {}",
            run.stdout
        );
        assert!(run.stdout.contains("Affiche cette aide"), "{args:?}");
    }
    assert_eq!(node.run(&["school", "add", "--uai"]).code, 2);
    assert_eq!(node.run(&["commande-inconnue"]).code, 2);
    assert_eq!(node.run(&["sheets", "--out", "x.html"]).code, 2);
}

#[test]
fn links_identity_prints_the_fingerprint_of_the_node_key_made_at_init() {
    let node = Node::init();
    let value = node.run(&["--format", "json", "links", "identity"]).json();
    let fingerprint = value["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_owned();
    assert_eq!(fingerprint.len(), 64);
    let pem = std::fs::read_to_string(node.path("data/keys/node-public.pem")).expect("public key");
    assert_eq!(
        ent_federation::fingerprint_of_pem(&pem).as_deref(),
        Some(fingerprint.as_str())
    );
    assert_eq!(value["links_configured"], 0);
    // The key never changes once made.
    let again = node.run(&["--format", "json", "links", "identity"]).json();
    assert_eq!(again["fingerprint"], fingerprint.as_str());
    let table = node.ok(&["links", "identity"]);
    assert!(
        table.contains(&fingerprint[..2]) && table.contains("Empreinte"),
        "{table}"
    );
}

#[test]
fn the_last_active_operator_cannot_be_deactivated() {
    let node = Node::init();
    let refused = node.run(&["users", "deactivate", "admin.ent"]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("dernier compte administrateur"),
        "{}",
        refused.stderr
    );
    let shown = node
        .run(&["--format", "json", "users", "show", "admin.ent"])
        .json();
    assert_eq!(shown["user"]["active"], true, "{shown}");
}

#[test]
fn init_refuses_a_short_or_common_operator_password() {
    let node = Node::new();
    for (weak, why) in [
        ("court-11car", "12 caractères"),
        ("1qaz2wsx3edc", "les plus courants"),
    ] {
        let run = node.run(&[
            "init",
            "--domain",
            "ent.example.org",
            "--admin-password",
            weak,
        ]);
        assert_ne!(run.code, 0, "{weak}");
        assert!(run.stderr.contains(why), "{weak}: {}", run.stderr);
    }
}

#[test]
fn users_unlock_forgets_an_accounts_wrong_passwords() {
    let node = Node::init();
    let rows = |sql: &'static str| {
        block_on(async {
            let db = Db::connect(&node.database_url, 1).await.expect("base");
            let now = chrono::Utc::now().timestamp();
            let count: i64 = sqlx::query_scalar(sql)
                .bind(now)
                .fetch_one(db.pool())
                .await
                .expect("requête");
            db.close().await;
            count
        })
    };
    // As after wrong passwords typed at the sign-in page: the account waits 10 minutes.
    block_on(async {
        let db = Db::connect(&node.database_url, 1).await.expect("base");
        let now = chrono::Utc::now().timestamp();
        sqlx::query(
            "INSERT INTO sign_in_throttle (subject, attempts, last_at, blocked_until) \
             VALUES ('account:admin.ent', 7, $1, $2)",
        )
        .bind(now)
        .bind(now + 600)
        .execute(db.pool())
        .await
        .expect("insertion");
        db.close().await;
    });
    let done = node.ok(&["users", "unlock", "admin.ent"]);
    assert!(done.contains("débloqué"), "{done}");
    assert_eq!(
        rows("SELECT COUNT(*) FROM sign_in_throttle WHERE blocked_until > $1"),
        0
    );
    let again = node.ok(&["users", "unlock", "admin.ent"]);
    assert!(again.contains("n'était pas en attente"), "{again}");
    let unknown = node.run(&["users", "unlock", "personne.inconnue"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("personne.inconnue"),
        "{}",
        unknown.stderr
    );
}

/// Rewrites `node`'s configuration so it federates as `name` on `addr` with one link to
/// `peer`; returns the configuration as the node would load it.
fn link_config(
    node: &Node,
    name: &str,
    addr: std::net::SocketAddr,
    peer: (&str, std::net::SocketAddr, &str),
    hosts: &[(&str, std::net::SocketAddr)],
) -> ent_config::NodeConfig {
    let path = node.path("ent.toml");
    let mut doc: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let section = |doc: &mut toml::Table, key: &str| -> toml::Table {
        doc.get(key)
            .and_then(|v| v.as_table())
            .cloned()
            .unwrap_or_default()
    };
    let mut node_section = section(&mut doc, "node");
    node_section.insert(
        "public_url".into(),
        format!("http://{name}:{}", addr.port()).into(),
    );
    node_section.insert(
        "data_dir".into(),
        node.path("data").display().to_string().into(),
    );
    doc.insert("node".into(), node_section.into());
    let mut database = section(&mut doc, "database");
    database.insert("url".into(), node.database_url.clone().into());
    doc.insert("database".into(), database.into());
    let mut federation = section(&mut doc, "federation");
    federation.insert("allow_private_addresses".into(), true.into());
    let mut fixed = toml::Table::new();
    for (host, at) in hosts {
        fixed.insert((*host).into(), at.ip().to_string().into());
    }
    federation.insert("hosts".into(), fixed.into());
    doc.insert("federation".into(), federation.into());
    let link: toml::Table = format!(
        "domain = \"{}:{}\"\nfingerprint = \"{}\"\nscopes = [\"spaces\"]\nguest_quota = 10\n\
         label = \"Convention de test\"\nvalid_from = \"2020-01-01\"\nvalid_until = \"2099-12-31\"\n",
        peer.0,
        peer.1.port(),
        peer.2
    )
    .parse()
    .unwrap();
    doc.insert("links".into(), toml::Value::Array(vec![link.into()]));
    std::fs::write(&path, doc.to_string()).unwrap();
    ent_config::NodeConfig::load(&path).expect("configuration valide")
}

fn fingerprint(node: &Node) -> String {
    let value = node.run(&["--format", "json", "links", "identity"]).json();
    value["fingerprint"].as_str().unwrap().to_owned()
}

#[test]
fn links_check_and_list_report_a_live_link_then_an_unreachable_peer() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (x, y) = (Node::init(), Node::init());
    let bind = |ip: &str| std::net::TcpListener::bind((ip, 0)).unwrap();
    let (x_listener, y_listener) = (bind("127.0.0.2"), bind("127.0.0.3"));
    let (x_addr, y_addr) = (
        x_listener.local_addr().unwrap(),
        y_listener.local_addr().unwrap(),
    );
    let hosts = [("x.test", x_addr), ("y.test", y_addr)];
    let x_config = link_config(
        &x,
        "x.test",
        x_addr,
        ("y.test", y_addr, &fingerprint(&y)),
        &hosts,
    );
    let y_config = link_config(
        &y,
        "y.test",
        y_addr,
        ("x.test", x_addr, &fingerprint(&x)),
        &hosts,
    );
    // Both nodes serve in this process; the binary checks from outside, as an operator would.
    let serve = |config: ent_config::NodeConfig, listener: std::net::TcpListener| {
        runtime.block_on(async {
            let state = ent_node::server::prepare(config).await.unwrap();
            let listener = tokio::net::TcpListener::from_std({
                listener.set_nonblocking(true).unwrap();
                listener
            })
            .unwrap();
            ent_node::server::Running::start(state, listener).unwrap()
        })
    };
    let _x_running = serve(x_config, x_listener);
    let y_running = serve(y_config, y_listener);

    let checked = x.json(&["links", "check"]);
    let report = &checked[0];
    assert_eq!(report["domain"], format!("y.test:{}", y_addr.port()));
    for field in ["reachable", "fingerprint_ok", "reciprocal"] {
        assert_eq!(report[field], true, "{field}: {checked}");
    }
    assert_eq!(report["state"]["state"], "active", "{checked}");
    assert!(report["clock_skew_secs"].as_i64().unwrap().abs() <= 2);
    let table = x.ok(&["links", "check"]);
    assert!(
        table.contains("active") && table.contains("spaces"),
        "{table}"
    );
    // The node's own checker decides the stored state (`check` only looks): it turns active
    // once the peer has checked us back.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let listed = loop {
        let listed = x.json(&["links", "list"]);
        if listed[0]["state"] == "active" || std::time::Instant::now() > deadline {
            break listed;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(listed[0]["state"], "active", "{listed}");
    assert_eq!(listed[0]["queue_depth"], 0);
    assert!(x.ok(&["links", "list"]).contains("Convention de test"));

    runtime.block_on(y_running.stop());
    let down = x.run(&["--format", "json", "links", "check"]);
    assert_eq!(down.code, 1, "an inactive link fails the check");
    let report = &down.json()[0];
    assert_eq!(report["reachable"], false);
    assert_eq!(report["state"]["state"], "pending");
    assert!(
        report["state"]["reason"]
            .as_str()
            .unwrap()
            .contains("injoignable"),
        "{report}"
    );
}

#[test]
fn links_check_without_links_says_federation_is_off() {
    let node = Node::init();
    let run = node.run(&["links", "check"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("fédération est désactivée"),
        "{}",
        run.stderr
    );
}

/// Adds a convention with the `spaces` scope and `quota` guests to the node's configuration
/// (no live peer is needed to count guests).
fn add_spaces_link(node: &Node, domain: &str, quota: u32) {
    let path = node.path("ent.toml");
    let mut doc: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let link: toml::Table = format!(
        "domain = \"{domain}\"\nfingerprint = \"{}\"\nscopes = [\"spaces\"]\n\
         guest_quota = {quota}\nlabel = \"Liaison CM2-6e\"\nvalid_from = \"2020-01-01\"\n\
         valid_until = \"2099-12-31\"\n",
        "ab".repeat(32)
    )
    .parse()
    .unwrap();
    doc.insert("links".into(), toml::Value::Array(vec![link.into()]));
    std::fs::write(&path, doc.to_string()).unwrap();
}

/// A space of the node with `peer`'s guest `actor` in it, and an invitation of `headcount`
/// pupils sent to `peer` for it; returns the invitation id.
fn seed_guests(node: &Node, peer: &str, headcount: i64) -> String {
    block_on(async {
        let db = Db::connect(&node.database_url, 1).await.expect("base");
        let now = chrono::Utc::now().timestamp();
        let mut tx = db.begin_write().await.unwrap();
        let actor = format!("https://{peer}/federation/actors/a1");
        let guests = ent_node::guests::store::ensure_remote;
        let guest = guests(&mut tx, peer, &actor, "Léa M.", 10, now + 86_400, now)
            .await
            .unwrap();
        // Another guest of the link whose last day has passed.
        let old = format!("https://{peer}/federation/actors/a2");
        guests(&mut tx, peer, &old, "Hugo B.", 10, now - 60, now - 86_400)
            .await
            .unwrap();
        let space = ent_node::store::new_id();
        sqlx::query(
            "INSERT INTO spaces (id, group_id, host, title, description, school_year, host_school, \
             premoderated, comments_on, files_allowed, open_until, local_only, created_at) \
             VALUES ($1, $2, '', 'Liaison', '', 2026, 'Collège', 0, 1, 1, 0, 0, $3)",
        )
        .bind(&space)
        .bind(format!("https://ent.example.org/federation/groups/{space}"))
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO space_members (space_id, actor_id, user_id, node, display_name, school, \
             level, role, state, joined_at) VALUES ($1, $2, $3, $4, 'Léa M.', '', 'CM2', 'member', 'active', $5)",
        )
        .bind(&space)
        .bind(&actor)
        .bind(&guest)
        .bind(peer)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        let invitation = ent_node::store::new_id();
        sqlx::query(
            "INSERT INTO space_invitations (id, invite_id, direction, space_id, peer, class_ref, \
             class_label, teacher_label, headcount, state, created_at) \
             VALUES ($1, $2, 'out', $3, $4, 'c1', 'CM2 A', 'M. Durand', $5, 'accepted', $6)",
        )
        .bind(&invitation)
        .bind(format!(
            "https://ent.example.org/federation/invitations/{invitation}"
        ))
        .bind(&space)
        .bind(peer)
        .bind(headcount)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        db.close().await;
        invitation
    })
}

fn set_headcount(node: &Node, invitation: &str, headcount: i64) {
    block_on(async {
        let db = Db::connect(&node.database_url, 1).await.expect("base");
        sqlx::query("UPDATE space_invitations SET headcount = $1 WHERE id = $2")
            .bind(headcount)
            .bind(invitation)
            .execute(db.pool())
            .await
            .unwrap();
        db.close().await;
    });
}

#[test]
fn guests_estimate_fails_when_a_link_would_exceed_its_quota() {
    let node = Node::init();
    add_spaces_link(&node, "college.example.org", 3);
    // In use: Léa and the past-date Hugo (2); invited 3, of whom Léa is admitted: 2 to come.
    let invitation = seed_guests(&node, "college.example.org", 3);
    let over = node.run(&["guests", "estimate"]);
    assert_eq!(over.code, 1, "{}\n{}", over.stdout, over.stderr);
    assert!(
        over.stdout.contains("dépasserait son quota de 1 compte(s)"),
        "{}",
        over.stdout
    );
    assert!(over.stdout.contains("Besoin = en cours + prévus"));
    let json = node.run(&["--format", "json", "guests", "estimate"]);
    assert_eq!(json.code, 1);
    let line = &json.json()[0];
    assert_eq!(line["peer"], "college.example.org");
    for (field, value) in [
        ("quota", 3),
        ("in_use", 2),
        ("invited_headcount", 3),
        ("admitted", 1),
        ("planned", 2),
        ("needed", 4),
        ("over_by", 1),
    ] {
        assert_eq!(line[field], value, "{field}: {line}");
    }
    set_headcount(&node, &invitation, 2);
    let fits = node.json(&["guests", "estimate", "--link", "college.example.org"]);
    assert_eq!(fits[0]["fits"], true, "{fits}");
    let unknown = node.run(&["guests", "estimate", "--link", "autre.example.org"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("aucune convention"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn guests_list_and_expire_by_date_or_by_link() {
    let node = Node::init();
    add_spaces_link(&node, "college.example.org", 10);
    seed_guests(&node, "college.example.org", 3);
    let listed = node.json(&["guests", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["state"] == "valable")
    );
    assert_eq!(
        node.json(&["guests", "list", "--link", "autre.example.org"]),
        serde_json::json!([])
    );
    // Without --link: only the guest past its last day.
    let expired = node.json(&["guests", "expire"]);
    assert_eq!(expired["expired"], 1, "{expired}");
    let table = node.ok(&["guests", "list", "--link", "college.example.org"]);
    assert!(
        table.contains("Léa M.") && table.contains("expiré le"),
        "{table}"
    );
    // With --link: every guest of that link, now.
    let ended = node.ok(&["guests", "expire", "--link", "college.example.org"]);
    assert!(
        ended.contains("1 compte(s) invité(s) de college.example.org expiré(s)"),
        "{ended}"
    );
    let listed = node.json(&["guests", "list"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["state"] == "expiré"),
        "{listed}"
    );
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["expired_at"].as_i64().unwrap() > 0)
    );
}

/// The first `toml` block after `heading` in `docs/federation.md`, as an operator copies it.
fn documented_block(heading: &str) -> String {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/federation.md"
    ))
    .expect("docs/federation.md");
    let after = doc.split_once(heading).expect("heading in the docs").1;
    let block = after.split_once("```toml\n").expect("a toml block").1;
    block.split_once("```").expect("end of block").0.to_owned()
}

#[test]
fn a_links_block_appended_as_the_docs_say_makes_a_valid_configuration_that_starts() {
    let node = Node::init();
    let path = node.path("ent.toml");
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(!written.contains("links = []"), "{written}");
    // The operator appends the documented block, literally, at the end of the file.
    let block = documented_block("### 2. Write the `[[links]]` entry on each side");
    assert!(block.starts_with("[[links]]"), "{block}");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut file, format!("\n{block}").as_bytes()).unwrap();
    drop(file);
    let checked = node.run(&["config", "check"]);
    assert_eq!(checked.code, 0, "{}\n{}", checked.stdout, checked.stderr);
    // And the node starts on it, with the link waiting for its peer.
    let mut config = ent_config::NodeConfig::load(&path).expect("valid configuration");
    assert_eq!(config.links.len(), 1);
    config.node.data_dir = node.path("data");
    config.database.url = ent_config::Secret::new(node.database_url.clone());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let state = ent_node::server::prepare(config)
            .await
            .expect("node prepared");
        assert!(state.federation.as_ref().is_some_and(|f| f.is_enabled()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let running = ent_node::server::Running::start(state, listener).unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or_default();
        assert_eq!(body, "ready");
        running.stop().await;
    });
}

#[test]
fn import_refusals_are_capped_in_json_not_csv_files_named_and_usage_errors_in_french() {
    let node = Node::with_school();
    node.write_sample();
    // 150 wrong dates in the pupils file: 100 shown, then the total.
    let texts = sample::texts(&SampleOptions {
        classes: 6,
        pupils_per_class: 25,
        ..SampleOptions::default()
    });
    let lines: Vec<String> = texts
        .pupils
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                return line.to_owned();
            }
            let mut fields: Vec<&str> = line.split(';').collect();
            fields[3] = "\"hier\"";
            fields.join(";")
        })
        .collect();
    std::fs::write(node.path("eleves.csv"), lines.join("\r\n") + "\r\n").unwrap();
    let run = node.import(&["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["reason"], "invalid_files");
    let errors = json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 101);
    assert_eq!(errors[100]["line"], 0);
    let total = errors[100]["message"].as_str().unwrap();
    assert!(total.starts_with("150 erreurs en tout"), "{total}");
    assert!(run.stderr.contains("150 erreurs en tout"));

    // A spreadsheet given as the guardians file.
    node.write_sample();
    std::fs::write(
        node.path("responsables.csv"),
        b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml",
    )
    .unwrap();
    let run = node.import(&["--format", "json"]);
    assert_eq!(run.code, 1);
    let message = run.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("pas un fichier CSV"), "{message}");

    // Usage errors: French, with the usage, exit code 2.
    let run = node.run(&["import", "onde", "--school", UAI, "--pupils"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("erreur : "), "{}", run.stderr);
    assert!(run.stderr.contains("Utilisation :"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("error:") && !run.stderr.contains("Usage:"),
        "{}",
        run.stderr
    );
    let run = node.run(&["import", "onde", "--schol", UAI]);
    assert!(
        run.stderr.contains("option inconnue « --schol »"),
        "{}",
        run.stderr
    );
    let run = node.run(&["import", "onde"]);
    assert!(
        run.stderr.contains("option obligatoire manquante"),
        "{}",
        run.stderr
    );
}

#[test]
fn mass_deactivation_stops_until_allowed_and_hand_made_staff_stay() {
    let node = Node::with_school();
    node.write_sample();
    assert_eq!(node.import(&[]).code, 0);
    // A hand-made teacher and a namesake.
    let args = [
        "users",
        "add",
        "--school",
        UAI,
        "--first-name",
        "Marie",
        "--last-name",
        "Curie",
        "--profile",
        "enseignant",
    ];
    let added = node.json(&args);
    assert_eq!(added["identifier"], "marie.curie");
    assert!(node.code_matches(
        added["user_id"].as_str().unwrap(),
        added["code"].as_str().unwrap()
    ));
    let table = node.ok(&args);
    assert!(table.contains("marie.curie2"), "{table}");
    let refused = node.run(&[
        "users",
        "add",
        "--school",
        UAI,
        "--first-name",
        "Marie",
        "--last-name",
        "Cu\u{1b}[2Jrie",
        "--profile",
        "enseignant",
    ]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("caractère de contrôle"),
        "{}",
        refused.stderr
    );

    // The guardians file cut after its 10th row: most parents would go.
    let text = ent_node::provisioning::onde::read::decode(
        &std::fs::read(node.path("responsables.csv")).unwrap(),
    );
    let cut: Vec<&str> = text.lines().take(11).collect();
    std::fs::write(node.path("responsables.csv"), cut.join("\r\n") + "\r\n").unwrap();
    let run = node.import(&[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.contains("désactiverait"), "{}", run.stderr);
    assert!(run.stderr.contains("--allow-mass-deactivation"));
    let json = node.import(&["--format", "json"]).json();
    assert_eq!(json["reason"], "mass_deactivation");
    let deactivated = json["deactivated"].as_u64().unwrap();
    assert!(deactivated > 50, "{json}");
    assert_eq!(node.users(&["--inactive"]).len(), 0, "nothing written");
    let dry = node.import(&["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout.contains("Attention : cet import désactiverait"),
        "{}",
        dry.stdout
    );

    let report = node.json(&[
        "import",
        "onde",
        "--school",
        UAI,
        "--pupils",
        "eleves.csv",
        "--guardians",
        "responsables.csv",
        "--teachers",
        "enseignants.csv",
        "--allow-mass-deactivation",
    ]);
    assert_eq!(counts(&report, "guardians").3, deactivated);
    let active = node.users(&["--search", "curie"]);
    assert_eq!(active.len(), 2, "hand-made accounts are not the import's");
}

#[test]
fn users_list_never_prints_control_characters() {
    let node = Node::with_school();
    // A name stored before names were checked.
    block_on(async {
        let db = Db::connect(&node.database_url, 1).await.expect("base");
        sqlx::query(
            "INSERT INTO users (id, identifier, first_name, last_name, is_operator, active, created_at, updated_at, search_key) \
             VALUES ('u-escape', 'eve.piege', $1, 'Piège', 0, 1, 0, 0, 'eve piege')",
        )
        .bind("Ève\u{1b}]0;pwned\u{7}\u{1b}[2J")
        .execute(db.pool())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO schools (id, uai, name, kind, created_at) VALUES ('s-escape', '0950000J', $1, 'elementaire', 0)",
        )
        .bind("École\u{1b}[2J du Piège")
        .execute(db.pool())
        .await
        .unwrap();
        db.close().await;
    });
    let table = node.ok(&["users", "list"]);
    assert!(table.contains("eve.piege"), "{table}");
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "{table:?}"
    );
    assert!(table.contains("\\u{1b}"), "{table}");
    let show = node.ok(&["users", "show", "eve.piege"]);
    assert!(!show.contains('\u{1b}'), "{show:?}");
    let schools = node.ok(&["school", "list"]);
    assert!(
        schools.contains("du Piège") && !schools.contains('\u{1b}'),
        "{schools:?}"
    );
}

/// Inserts a space of this node closed `days_ago` days ago; returns its id.
fn closed_space(node: &Node, title: &str, days_ago: i64) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    block_on(async {
        let db = Db::connect(&node.database_url, 1).await.expect("base");
        let now = chrono::Utc::now().timestamp();
        sqlx::query(
            "INSERT INTO spaces (id, group_id, host, title, description, school_year, host_school, \
             premoderated, comments_on, files_allowed, open_until, local_only, closed_at, created_at, version) \
             VALUES ($1, $2, '', $3, '', 2026, 'École Jules Ferry', 1, 1, 1, 0, 1, $4, $4, $4)",
        )
        .bind(&id)
        .bind(format!("local:{id}"))
        .bind(title)
        .bind(now - days_ago * 86_400)
        .execute(db.pool())
        .await
        .expect("space");
        db.close().await;
    });
    id
}

#[test]
fn spaces_closed_lists_and_reopen_reopens_for_thirty_days() {
    let node = Node::init();
    let recent = closed_space(&node, "Défi lecture", 2);
    let old = closed_space(&node, "Chorale 2025", 40);
    let listed = node.json(&["spaces", "closed"]);
    let ids: Vec<&str> = listed
        .as_array()
        .expect("liste")
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [recent.as_str()]);
    let out = node.ok(&["spaces", "reopen", &recent]);
    assert!(out.contains("« Défi lecture » est rouvert"), "{out}");
    assert!(
        node.json(&["spaces", "closed"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    let late = node.run(&["spaces", "reopen", &old]);
    assert_eq!(late.code, 1, "{}", late.stdout);
    assert!(late.stderr.contains("plus de 30 jours"), "{}", late.stderr);
}

#[test]
fn import_aaf_from_a_zip_as_delivered_dry_run_then_real_then_nothing_to_do() {
    use ent_node::provisioning::aaf::sample as aaf_sample;
    let node = Node::init();
    let options = aaf_sample::SampleOptions {
        colleges: 1,
        pupils_per_college: 30,
        ..aaf_sample::SampleOptions::default()
    };
    let feed = aaf_sample::complet(&options);
    feed.write_zip(&node.path("ENT2DVA.20240916.zip")).unwrap();
    let aaf = |extra: &[&str]| {
        let mut args = vec!["import", "aaf", "--dir", "ENT2DVA.20240916.zip"];
        args.extend(extra);
        node.run(&args)
    };
    // No collège on the node yet: a clear refusal that says what to do.
    let refused = aaf(&[]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("--create-schools"),
        "{}",
        refused.stderr
    );
    let dry = aaf(&["--create-schools", "--dry-run", "--format", "json"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let report = dry.json();
    assert_eq!(report["dry_run"], true);
    assert_eq!(counts(&report, "pupils").0, 30);
    assert_eq!(node.json(&["school", "list"]), Value::Array(vec![]));
    let real = aaf(&["--create-schools"]);
    assert_eq!(real.code, 0, "{}", real.stderr);
    assert!(
        real.stdout.contains("Import AAF Complet") && real.stdout.contains("Élèves"),
        "{}",
        real.stdout
    );
    assert_eq!(node.json(&["school", "list"]).as_array().unwrap().len(), 1);
    let again = aaf(&[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("Rien n'a changé"), "{}", again.stdout);
    // A feed that is not one: the operator learns which file and why.
    std::fs::write(node.path("vide.zip"), b"pas une archive").unwrap();
    let broken = node.run(&["import", "aaf", "--dir", "vide.zip", "--format", "json"]);
    assert_eq!(broken.code, 1);
    assert_eq!(broken.json()["reason"], "invalid_feed");
}
