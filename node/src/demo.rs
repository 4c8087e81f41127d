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
    /// Who they are to the others ("classe CM1 A", "parent de Léa Martin (élève …)").
    pub relation: String,
}

/// What the seed produced.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// Accounts with the demo password.
    pub accounts: Vec<DemoAccount>,
    /// A pupil left pending, with a fresh activation code, to try the first sign-in.
    pub pending_pupil: (String, String),
}

/// Adds the demo école, imports generated ONDE files into it and gives the demo password to
/// the accounts [`accounts`] shows.
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

    let cast = cast(db).await?;
    let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    for person in [&cast.director, &cast.teacher, &cast.pupil, &cast.parent] {
        users::set_password(db, &person.id, &hash, now).await?;
    }
    accounts(db, now).await
}

/// Whether the demo école is already there (a later start of the same demo folder).
async fn seeded(db: &Db) -> anyhow::Result<bool> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schools WHERE uai = $1")
        .bind(demo_uai().as_str())
        .fetch_one(db.pool())
        .await?;
    Ok(count > 0)
}

/// One person of the demo's cast.
struct Person {
    id: String,
    identifier: String,
    name: String,
}

/// The demo's cast, related to each other: a pupil who has a parent, that parent, a teacher
/// of the pupil's class, the director; and another pupil of the class who has not signed in
/// yet. The same people on every start (ordered by identifier).
struct Cast {
    director: Person,
    teacher: Person,
    pupil: Person,
    parent: Person,
    class_name: String,
    pending: Option<Person>,
}

async fn cast(db: &Db) -> anyhow::Result<Cast> {
    const PERSON: &str = "SELECT u.id, u.identifier, u.first_name || ' ' || COALESCE(u.usage_name, u.last_name) FROM users u";
    let one = |row: Option<(String, String, String)>, what: &str| {
        row.map(|(id, identifier, name)| Person {
            id,
            identifier,
            name,
        })
        .with_context(|| format!("démonstration : {what} introuvable"))
    };
    let pupil = one(
        sqlx::query_as(&format!(
            "{PERSON} WHERE u.id IN (SELECT g.child_id FROM guardianships g) \
             AND u.id IN (SELECT user_id FROM class_members WHERE role = 'pupil') \
             ORDER BY u.identifier LIMIT 1"
        ))
        .fetch_optional(db.pool())
        .await?,
        "élève avec un parent",
    )?;
    let parent = one(
        sqlx::query_as(&format!(
            "{PERSON} JOIN guardianships g ON g.parent_id = u.id WHERE g.child_id = $1 \
             ORDER BY u.identifier LIMIT 1"
        ))
        .bind(&pupil.id)
        .fetch_optional(db.pool())
        .await?,
        "parent",
    )?;
    let (class_id, class_name): (String, String) = sqlx::query_as(
        "SELECT c.id, c.name FROM classes c JOIN class_members cm ON cm.class_id = c.id \
         WHERE cm.user_id = $1 AND cm.role = 'pupil' ORDER BY c.school_year DESC, c.kind LIMIT 1",
    )
    .bind(&pupil.id)
    .fetch_one(db.pool())
    .await?;
    let teacher = one(
        sqlx::query_as(&format!(
            "{PERSON} JOIN class_members cm ON cm.user_id = u.id \
             WHERE cm.class_id = $1 AND cm.role = 'teacher' ORDER BY u.identifier LIMIT 1"
        ))
        .bind(&class_id)
        .fetch_optional(db.pool())
        .await?,
        "enseignant de la classe",
    )?;
    let director = one(
        sqlx::query_as(&format!(
            "{PERSON} JOIN memberships m ON m.user_id = u.id WHERE m.profile = 'director' \
             ORDER BY u.identifier LIMIT 1"
        ))
        .fetch_optional(db.pool())
        .await?,
        "directeur",
    )?;
    let pending = sqlx::query_as::<_, (String, String, String)>(&format!(
        "{PERSON} JOIN class_members cm ON cm.user_id = u.id \
         WHERE cm.class_id = $1 AND cm.role = 'pupil' AND u.password_hash IS NULL \
         AND u.id <> $2 ORDER BY u.identifier LIMIT 1"
    ))
    .bind(&class_id)
    .bind(&pupil.id)
    .fetch_optional(db.pool())
    .await?
    .map(|(id, identifier, name)| Person {
        id,
        identifier,
        name,
    });
    Ok(Cast {
        director,
        teacher,
        pupil,
        parent,
        class_name,
        pending,
    })
}

/// The ready-made accounts and who they are to each other, and a pupil of the same class
/// still waiting for their first sign-in with a fresh code (codes are stored hashed: a new one
/// on each start, the only way to show one).
pub async fn accounts(db: &Db, now: i64) -> anyhow::Result<Seeded> {
    let cast = cast(db).await?;
    let class = &cast.class_name;
    let accounts = vec![
        DemoAccount {
            role: "Directeur",
            identifier: cast.director.identifier.clone(),
            relation: "directeur de l'école".into(),
        },
        DemoAccount {
            role: "Enseignant",
            identifier: cast.teacher.identifier.clone(),
            relation: format!("{}, enseignant de la classe {class}", cast.teacher.name),
        },
        DemoAccount {
            role: "Élève",
            identifier: cast.pupil.identifier.clone(),
            relation: format!("{}, élève de {class}", cast.pupil.name),
        },
        DemoAccount {
            role: "Parent",
            identifier: cast.parent.identifier.clone(),
            relation: format!(
                "{}, parent de {} (l'élève ci-dessus)",
                cast.parent.name, cast.pupil.name
            ),
        },
    ];
    let pending = match &cast.pending {
        Some(pupil) => {
            let mut tx = db.begin_write().await?;
            let issued = codes::issue(&mut tx, &pupil.id, now, 60).await?;
            tx.commit().await?;
            (
                format!("{} ({}, {class})", pupil.identifier, pupil.name),
                issued.code,
            )
        }
        None => (
            format!("tous les élèves de {class} sont déjà activés"),
            "—".into(),
        ),
    };
    Ok(Seeded {
        accounts,
        pending_pupil: pending,
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

/// Initializes (first run) and serves the demo node. The address comes from `listen` on
/// every start (not from the first run's configuration), and is bound before anything is
/// created or printed: a busy port fails at once, and "prêt" means ready.
pub async fn run(dir: &Path, listen: &str, reset: bool) -> anyhow::Result<()> {
    let addr: std::net::SocketAddr = listen.parse().with_context(|| {
        format!("--listen {listen} : adresse invalide (exemple : 127.0.0.1:8080)")
    })?;
    let listener = std::net::TcpListener::bind(addr).with_context(|| {
        format!("écoute sur {addr} impossible (port déjà utilisé ? choisissez-en un autre avec --listen)")
    })?;
    let addr = listener.local_addr()?;
    if reset && dir.exists() {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("suppression de {} impossible", dir.display()))?;
    }
    let config_path = dir.join("ent.toml");
    let url = format!("http://{addr}");
    if !config_path.exists() {
        let options = InitOptions {
            domain: "localhost".into(),
            name: "ENT de démonstration".into(),
            data_dir: dir.join("data"),
            config_path: config_path.clone(),
            listen: addr.to_string(),
            public_url: Some(url.clone()),
            database_url: None,
            admin_name: ("Admin".into(), "Démo".into()),
            admin_password: Some(DEMO_PASSWORD.into()),
        };
        initialize(&options).await?;
    }
    let mut config = NodeConfig::load(&config_path).map_err(|e| anyhow::anyhow!("{e}"))?;
    config.server.listen = addr.to_string();
    config.node.public_url = Some(url.clone());
    crate::ops::logging::init(&config.logging);
    let state = crate::server::prepare(config).await?;
    let now = state.clock.now();
    let seeded = if seeded(&state.db).await? {
        accounts(&state.db, now).await?
    } else {
        let seeded = seed(&state.db, now).await?;
        seed_space(&state, &seeded).await?;
        seeded
    };
    print_welcome(&url, dir, &seeded);
    crate::server::run_on(state, listener).await
}

fn print_welcome(url: &str, dir: &Path, seeded: &Seeded) {
    println!("\n  ENT de démonstration prêt : {url}\n");
    println!("  Comptes (mot de passe : {DEMO_PASSWORD}) :");
    println!(
        "    {:<12} admin.demo  (administrateur du nœud)",
        "Opérateur"
    );
    for account in &seeded.accounts {
        println!(
            "    {:<12} {}  ({})",
            account.role, account.identifier, account.relation
        );
    }
    println!("\n  Première connexion d'un élève : {url}/activation");
    println!(
        "    identifiant {}  code {}\n",
        seeded.pending_pupil.0, seeded.pending_pupil.1
    );
    println!(
        "  Arrêt : Ctrl+C. Les données restent dans {} ; --reset pour repartir de zéro.\n",
        dir.display()
    );
}
