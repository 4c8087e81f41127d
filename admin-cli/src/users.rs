//! `ent-admin users list|show|add|reset|deactivate|reactivate|unlock`.

use std::path::Path;

use clap::Subcommand;
use ent_config::NodeConfig;
use ent_node::accounts::{codes, throttle};
use ent_node::classes::store as classes;
use ent_node::domain::{Identifier, Profile, SchoolYear, printable};
use ent_node::store::Db;
use ent_node::users::staff::{self, NewStaff};
use ent_node::users::store::{self as users, UserFilter};
use ent_node::users::{Membership, UserRow};
use serde::Serialize;

use crate::context::{load_config, now, open_db};
use crate::output::{self, Format};
use crate::schools::school_by_uai;

/// `ent-admin users …`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Liste les comptes actifs (ou désactivés avec --inactive), filtrés par école, profil ou
    /// texte.
    List {
        /// Seulement les comptes de cette école (UAI).
        #[arg(long, value_name = "UAI")]
        school: Option<String>,
        /// Seulement ce profil : eleve, parent, enseignant, directeur, personnel, inspecteur,
        /// admin, invite.
        #[arg(long, value_name = "PROFIL")]
        profile: Option<String>,
        /// Texte cherché dans l'identifiant, le prénom ou le nom.
        #[arg(long, value_name = "TEXTE")]
        search: Option<String>,
        /// Les comptes désactivés au lieu des comptes actifs.
        #[arg(long)]
        inactive: bool,
    },
    /// Crée à la main le compte d'un enseignant, d'un directeur ou d'un membre du personnel
    /// d'une école, et affiche son code d'activation une seule fois. Un import ONDE ne
    /// désactive jamais un compte créé ainsi.
    Add {
        /// École de la personne (UAI).
        #[arg(long, value_name = "UAI")]
        school: String,
        /// Prénom.
        #[arg(long, value_name = "PRÉNOM")]
        first_name: String,
        /// Nom de famille.
        #[arg(long, value_name = "NOM")]
        last_name: String,
        /// Profil : enseignant, directeur, personnel ou inspecteur.
        #[arg(long, value_name = "PROFIL")]
        profile: String,
        /// Courriel (facultatif).
        #[arg(long, value_name = "COURRIEL")]
        email: Option<String>,
    },
    /// Affiche un compte : identité, état, écoles et profils, classes, famille.
    Show {
        /// Identifiant de connexion du compte (ex. lea.martin).
        identifier: String,
    },
    /// Donne un nouveau code d'activation au compte (l'ancien code ne marche plus) et
    /// l'affiche une seule fois ; la personne choisira un nouveau mot de passe.
    Reset {
        /// Identifiant de connexion du compte.
        identifier: String,
    },
    /// Désactive un compte : il ne peut plus se connecter et ses sessions sont fermées.
    Deactivate {
        /// Identifiant de connexion du compte.
        identifier: String,
    },
    /// Réactive un compte désactivé.
    Reactivate {
        /// Identifiant de connexion du compte.
        identifier: String,
    },
    /// Efface les erreurs de mot de passe d'un compte : son titulaire peut réessayer tout de
    /// suite, sans attendre la fin du délai.
    Unlock {
        /// Identifiant de connexion du compte (tel que tapé à la connexion).
        identifier: String,
    },
}

/// A user with the facts operators look for, as `list` and `show` print them.
#[derive(Serialize)]
struct UserItem {
    #[serde(flatten)]
    user: UserRow,
    pending: bool,
    memberships: Vec<Membership>,
}

/// Runs a `users` command.
pub async fn run(path: &Path, format: Format, command: UsersCommand) -> anyhow::Result<()> {
    let config = load_config(path)?;
    let db = open_db(&config).await?;
    let result = match command {
        UsersCommand::List {
            school,
            profile,
            search,
            inactive,
        } => list(&db, format, school, profile, search, inactive).await,
        UsersCommand::Show { identifier } => show(&db, format, &identifier).await,
        UsersCommand::Add {
            school,
            first_name,
            last_name,
            profile,
            email,
        } => {
            let new = NewStaff::parse(
                &first_name,
                &last_name,
                &profile,
                email.as_deref().unwrap_or_default(),
            );
            match new {
                Ok(new) => add(&db, &config, format, &school, &new).await,
                Err(invalid) => Err(anyhow::anyhow!("{invalid}")),
            }
        }
        UsersCommand::Reset { identifier } => reset(&db, &config, format, &identifier).await,
        UsersCommand::Deactivate { identifier } => set_active(&db, &identifier, false).await,
        UsersCommand::Reactivate { identifier } => set_active(&db, &identifier, true).await,
        UsersCommand::Unlock { identifier } => unlock(&db, &identifier).await,
    };
    db.close().await;
    result
}

/// Finds an account by sign-in identifier (or by internal id, as logs show it).
async fn find(db: &Db, text: &str) -> anyhow::Result<UserRow> {
    if let Ok(identifier) = Identifier::parse(text)
        && let Some(user) = users::by_identifier(db, &identifier).await?
    {
        return Ok(user);
    }
    users::by_id(db, text.trim()).await?.ok_or_else(|| {
        anyhow::anyhow!(
            "aucun compte n'a l'identifiant « {} » (ent-admin users list --search … aide à le \
             trouver)",
            text.trim()
        )
    })
}

fn state_label(user: &UserRow) -> &'static str {
    match (user.active, user.is_pending()) {
        (false, _) => "désactivé",
        (true, true) => "en attente d'activation",
        (true, false) => "actif",
    }
}

fn profiles_label(memberships: &[Membership]) -> String {
    memberships
        .iter()
        .map(|m| format!("{} ({})", m.profile.label(), printable(&m.school_name)))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn list(
    db: &Db,
    format: Format,
    school: Option<String>,
    profile: Option<String>,
    search: Option<String>,
    inactive: bool,
) -> anyhow::Result<()> {
    let school_id = match &school {
        Some(uai) => Some(school_by_uai(db, uai).await?.id),
        None => None,
    };
    let profile = profile
        .map(|p| Profile::parse(&p).map_err(|e| anyhow::anyhow!("--profile : {e}")))
        .transpose()?;
    let filter = UserFilter {
        school_id,
        profile,
        search,
        inactive,
    };
    let mut items = Vec::new();
    for user in users::list(db, &filter).await? {
        let memberships = users::memberships(db, &user.id).await?;
        items.push(UserItem {
            pending: user.is_pending(),
            user,
            memberships,
        });
    }
    if format == Format::Json {
        return output::json(&items);
    }
    if items.is_empty() {
        println!("Aucun compte ne correspond.");
        return Ok(());
    }
    let mut table = output::table(["Identifiant", "Nom", "Profils", "État"]);
    for item in &items {
        let mut profiles = profiles_label(&item.memberships);
        if item.user.is_operator {
            profiles = format!("Opérateur du nœud\n{profiles}").trim().to_owned();
        }
        // Names may predate the rule refusing control characters: never send them raw to the
        // operator's terminal.
        table.add_row([
            item.user.identifier.clone(),
            printable(&item.user.display_name()).into_owned(),
            profiles,
            state_label(&item.user).to_owned(),
        ]);
    }
    output::print_table(&table);
    println!("{} compte(s).", items.len());
    Ok(())
}

/// A relative (child or parent) in `show`.
#[derive(Serialize)]
struct Relative {
    identifier: String,
    name: String,
}

fn relatives(rows: Vec<UserRow>) -> Vec<Relative> {
    rows.into_iter()
        .map(|u| Relative {
            name: u.display_name(),
            identifier: u.identifier,
        })
        .collect()
}

async fn show(db: &Db, format: Format, text: &str) -> anyhow::Result<()> {
    let user = find(db, text).await?;
    let memberships = users::memberships(db, &user.id).await?;
    let class_names: Vec<String> = classes::of_member(db, &user.id, SchoolYear::current().0)
        .await?
        .into_iter()
        .map(|c| format!("{} ({})", printable(&c.name), printable(&c.school_name)))
        .collect();
    let children = relatives(users::children(db, &user.id).await?);
    let parents = relatives(users::parents(db, &user.id).await?);
    if format == Format::Json {
        return output::json(&serde_json::json!({
            "user": UserItem { pending: user.is_pending(), user: user.clone(), memberships },
            "classes": class_names,
            "children": children,
            "parents": parents,
        }));
    }
    let people = |list: &[Relative]| {
        list.iter()
            .map(|r| format!("{} ({})", printable(&r.name), r.identifier))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut rows = vec![
        ("Identifiant", user.identifier.clone()),
        ("Nom", printable(&user.display_name()).into_owned()),
        ("Identifiant interne", user.id.clone()),
        ("État", state_label(&user).to_owned()),
        ("Opérateur du nœud", output::yes_no(user.is_operator)),
        ("Profils", profiles_label(&memberships)),
        ("Classes", class_names.join("\n")),
    ];
    if let Some(usage) = &user.usage_name {
        rows.push(("Nom de famille", printable(&user.last_name).into_owned()));
        rows.push(("Nom d'usage", printable(usage).into_owned()));
    }
    if let Some(birth) = &user.birth_date {
        rows.push(("Date de naissance", birth.clone()));
    }
    if let Some(email) = &user.email {
        rows.push(("Courriel", printable(email).into_owned()));
    }
    if !children.is_empty() {
        rows.push(("Enfants", people(&children)));
    }
    if !parents.is_empty() {
        rows.push(("Responsables", people(&parents)));
    }
    output::print_table(&output::record(&rows));
    Ok(())
}

/// What `users reset --format json` prints.
#[derive(Serialize)]
struct ResetOutput<'a> {
    identifier: &'a str,
    user_id: &'a str,
    code: &'a str,
    expires_at: i64,
}

async fn reset(db: &Db, config: &NodeConfig, format: Format, text: &str) -> anyhow::Result<()> {
    let user = find(db, text).await?;
    anyhow::ensure!(
        user.active,
        "le compte {} est désactivé : réactivez-le d'abord (ent-admin users reactivate {})",
        user.identifier,
        user.identifier
    );
    let now = now();
    let mut tx = db.begin_write().await?;
    let issued = codes::reset(&mut tx, &user.id, now, config.accounts.activation_code_days).await?;
    users::audit(&mut tx, now, None, "account.code", &user.id, "ent-admin").await?;
    tx.commit().await?;
    if format == Format::Json {
        return output::json(&ResetOutput {
            identifier: &user.identifier,
            user_id: &user.id,
            code: &issued.code,
            expires_at: issued.expires_at,
        });
    }
    println!(
        "Nouveau code d'activation de {} ({}) : {}\nValable une fois, jusqu'au {}. L'ancien code, \
         l'ancien mot de passe et les fiches déjà imprimées ne fonctionnent plus.\nCe code ne sera plus affiché : \
         transmettez-le maintenant.",
        user.display_name(),
        user.identifier,
        issued.code,
        output::date(issued.expires_at)
    );
    Ok(())
}

async fn set_active(db: &Db, text: &str, active: bool) -> anyhow::Result<()> {
    let user = find(db, text).await?;
    let (done, already) = if active {
        ("réactivé", "est déjà actif")
    } else {
        (
            "désactivé (ses sessions sont fermées)",
            "est déjà désactivé",
        )
    };
    if user.active == active {
        println!("Le compte {} {already} : rien à faire.", user.identifier);
        return Ok(());
    }
    let now = now();
    let mut tx = db.begin_write().await?;
    if !active && let Some(why) = users::deactivation_refused(&mut tx, &user.id).await? {
        anyhow::bail!("{why}");
    }
    users::set_active(&mut tx, &user.id, active, now).await?;
    let action = if active {
        "account.reactivate"
    } else {
        "account.deactivate"
    };
    users::audit(&mut tx, now, None, action, &user.id, "ent-admin").await?;
    tx.commit().await?;
    println!(
        "Compte {} ({}) {done}.",
        user.display_name(),
        user.identifier
    );
    Ok(())
}

/// What `users add --format json` prints.
#[derive(Serialize)]
struct AddOutput<'a> {
    identifier: &'a str,
    user_id: &'a str,
    profile: Profile,
    school: &'a str,
    code: &'a str,
    expires_at: i64,
}

async fn add(
    db: &Db,
    config: &NodeConfig,
    format: Format,
    uai: &str,
    new: &NewStaff,
) -> anyhow::Result<()> {
    let school = school_by_uai(db, uai).await?;
    let now = now();
    let mut tx = db.begin_write().await?;
    let created = staff::create(
        &mut tx,
        &school.id,
        new,
        None,
        now,
        config.accounts.activation_code_days,
    )
    .await?;
    tx.commit().await?;
    if format == Format::Json {
        return output::json(&AddOutput {
            identifier: &created.identifier,
            user_id: &created.id,
            profile: new.profile,
            school: &school.uai,
            code: &created.code.code,
            expires_at: created.code.expires_at,
        });
    }
    println!(
        "Compte créé : {} {} ({}, {})\nIdentifiant : {}\nCode d'activation : {} (valable une fois, \
         jusqu'au {})\nCe code ne sera plus affiché : transmettez-le maintenant. Un import ONDE ne \
         désactivera pas ce compte.",
        new.first_name,
        new.last_name,
        new.profile.label(),
        printable(&school.name),
        created.identifier,
        created.code.code,
        output::date(created.code.expires_at)
    );
    Ok(())
}

async fn unlock(db: &Db, text: &str) -> anyhow::Result<()> {
    let user = find(db, text).await?;
    let now = now();
    let waiting = throttle::delayed_accounts(db, now)
        .await?
        .into_iter()
        .any(|d| d.identifier == user.identifier);
    throttle::clear(db, &throttle::account_subject(&user.identifier)).await?;
    let mut tx = db.begin_write().await?;
    users::audit(&mut tx, now, None, "account.unlock", &user.id, "ent-admin").await?;
    tx.commit().await?;
    if waiting {
        println!(
            "Compte {} ({}) débloqué : ses erreurs de mot de passe sont effacées, il peut se \
             connecter tout de suite.",
            user.display_name(),
            user.identifier
        );
    } else {
        println!(
            "Le compte {} n'était pas en attente ; ses erreurs de mot de passe sont effacées.",
            user.identifier
        );
    }
    Ok(())
}
