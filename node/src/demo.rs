//! `ent-node demo`: a working node in one command, on SQLite in a local folder, with a seeded
//! école (two classes, pupils, parents, teachers, a director) imported through the real ONDE
//! importer, and a few accounts ready to sign in.

use std::path::Path;

use anyhow::Context;

use ent_config::NodeConfig;

use crate::accounts::{codes, password};
use crate::domain::{Identifier, SchoolKind, SchoolYear, Uai};
use crate::provisioning::init::{InitOptions, initialize};
use crate::provisioning::onde::{self, sample};
use crate::store::Db;
use crate::users::store as users;

/// Password of the ready-made demo accounts.
pub const DEMO_PASSWORD: &str = "demo-ent-2026";

/// UAI of the demo école.
pub fn demo_uai() -> Uai {
    Uai::from_number(951_234)
}

/// A seeded account to show the newcomer.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// Who this is.
    pub role: &'static str,
    /// Identifier.
    pub identifier: String,
}

/// What the seed produced.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// Accounts with the demo password.
    pub accounts: Vec<DemoAccount>,
    /// A pupil left pending, with a fresh activation code, to try the first sign-in.
    pub pending_pupil: (String, String),
}

/// Adds the demo école and imports generated ONDE files into it.
pub async fn seed(db: &Db, now: i64) -> anyhow::Result<Seeded> {
    let uai = demo_uai();
    crate::schools::store::add(
        db,
        &uai,
        "École élémentaire Jean Jaurès",
        SchoolKind::Elementaire,
        None,
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let options = sample::SampleOptions {
        classes: 2,
        pupils_per_class: 12,
        ..sample::SampleOptions::default()
    };
    let year = SchoolYear::containing(chrono::Utc::now().date_naive());
    onde::import_sample(db, &uai, &options, year, now).await?;

    let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    let pick = |profile: &'static str| async move {
        sqlx::query_scalar::<_, String>(
            "SELECT u.identifier FROM users u JOIN memberships m ON m.user_id = u.id \
             WHERE m.profile = $1 ORDER BY u.identifier LIMIT 2",
        )
        .bind(profile)
        .fetch_all(db.pool())
        .await
    };
    let director = pick("director").await?;
    let teachers = pick("teacher").await?;
    let pupils = pick("pupil").await?;
    let parents = pick("parent").await?;
    let mut accounts = Vec::new();
    for (role, list) in [
        ("Directeur", &director),
        ("Enseignant", &teachers),
        ("Élève", &pupils),
        ("Parent", &parents),
    ] {
        if let Some(identifier) = list.first() {
            accounts.push(DemoAccount {
                role,
                identifier: identifier.clone(),
            });
        }
    }
    for account in &accounts {
        let id = Identifier::parse(&account.identifier)?;
        let user = users::by_identifier(db, &id)
            .await?
            .context("compte de démonstration introuvable")?;
        users::set_password(db, &user.id, &hash, now).await?;
    }
    let pending = pupils
        .get(1)
        .context("pas assez d'élèves dans la démonstration")?;
    let user = users::by_identifier(db, &Identifier::parse(pending)?)
        .await?
        .context("élève introuvable")?;
    let mut tx = db.begin_write().await?;
    let issued = codes::issue(&mut tx, &user.id, now, 60).await?;
    tx.commit().await?;
    Ok(Seeded {
        accounts,
        pending_pupil: (pending.clone(), issued.code),
    })
}

/// A space of the demo teacher with their class and a first post, so that "Mes espaces" shows
/// something at once (the demo node has no link: the space stays on this node).
pub async fn seed_space(state: &crate::AppState, seeded: &Seeded) -> anyhow::Result<()> {
    use crate::spaces::{Settings, model, service};
    let Some(teacher) = seeded.accounts.iter().find(|a| a.role == "Enseignant") else {
        return Ok(());
    };
    let user = users::by_identifier(&state.db, &Identifier::parse(&teacher.identifier)?)
        .await?
        .context("enseignant introuvable")?;
    let text = model::SpaceText::parse("Défi lecture", "Nos lectures de l'année, à partager.")
        .map_err(|e| anyhow::anyhow!(e))?;
    let space = service::create(state, &user.id, &text, Settings::default(), true).await?;
    let class: Option<String> =
        sqlx::query_scalar("SELECT class_id FROM class_members WHERE user_id = $1 LIMIT 1")
            .bind(&user.id)
            .fetch_optional(state.db.pool())
            .await?;
    if let Some(class) = class {
        service::invite_local_class(state, &space, &class).await?;
    }
    let mut conn = state.db.pool().acquire().await?;
    let me = crate::spaces::store::member_by_user(&mut conn, &space.id, &user.id)
        .await?
        .context("responsable introuvable")?;
    drop(conn);
    let welcome = model::PostText::parse(
        "Bienvenue dans notre espace ! Écrivez ici le titre du **dernier livre** que vous avez aimé.",
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    service::write(state, &space, &me, None, &welcome, &[]).await?;
    Ok(())
}

/// Initializes (first run) and serves the demo node.
pub async fn run(dir: &Path, listen: &str, reset: bool) -> anyhow::Result<()> {
    if reset && dir.exists() {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("suppression de {} impossible", dir.display()))?;
    }
    let config_path = dir.join("ent.toml");
    let url = format!("http://{listen}");
    let first_run = !config_path.exists();
    if first_run {
        let options = InitOptions {
            domain: "localhost".into(),
            name: "ENT de démonstration".into(),
            data_dir: dir.join("data"),
            config_path: config_path.clone(),
            listen: listen.to_owned(),
            public_url: Some(url.clone()),
            database_url: None,
            admin_name: ("Admin".into(), "Démo".into()),
            admin_password: Some(DEMO_PASSWORD.into()),
        };
        initialize(&options).await?;
    }
    let config = NodeConfig::load(&config_path).map_err(|e| anyhow::anyhow!("{e}"))?;
    crate::ops::logging::init(&config.logging);
    let state = crate::server::prepare(config).await?;
    if first_run {
        let seeded = seed(&state.db, state.clock.now()).await?;
        seed_space(&state, &seeded).await?;
        print_welcome(&url, &seeded);
    } else {
        println!(
            "\nENT de démonstration : {url}  (données dans {}, --reset pour repartir de zéro)\n",
            dir.display()
        );
    }
    crate::server::run(state).await
}

fn print_welcome(url: &str, seeded: &Seeded) {
    println!("\n  ENT de démonstration prêt : {url}\n");
    println!("  Comptes (mot de passe : {DEMO_PASSWORD}) :");
    println!("    {:<12} admin.demo", "Opérateur");
    for account in &seeded.accounts {
        println!("    {:<12} {}", account.role, account.identifier);
    }
    println!("\n  Première connexion d'un élève : {url}/activation");
    println!(
        "    identifiant {}  code {}\n",
        seeded.pending_pupil.0, seeded.pending_pupil.1
    );
    println!(
        "  Arrêt : Ctrl+C. Les données restent dans le dossier ; --reset pour repartir de zéro.\n"
    );
}
