//! `ent-admin school add|list` and `ent-admin classes list`.

use std::path::Path;

use clap::{Subcommand, ValueEnum};
use ent_node::classes::store as classes;
use ent_node::domain::{SchoolKind, SchoolYear, Uai};
use ent_node::schools::SchoolRow;
use ent_node::schools::store as schools;
use ent_node::store::Db;
use serde::Serialize;

use crate::context::{load_config, now, open_db};
use crate::output::{self, Format};

/// `ent-admin school …`.
#[derive(Debug, Subcommand)]
pub enum SchoolCommand {
    /// Ajoute une école au nœud (à faire avant son premier import ONDE).
    Add {
        /// UAI de l'école : 7 chiffres et une lettre (ex. 0951234A).
        #[arg(long, value_name = "UAI")]
        uai: String,
        /// Nom de l'école, tel qu'affiché aux utilisateurs.
        #[arg(long, value_name = "NOM")]
        name: String,
        /// Type d'établissement.
        #[arg(long, value_enum, value_name = "TYPE")]
        kind: KindArg,
    },
    /// Liste les écoles du nœud avec leurs élèves actifs et leurs classes de l'année.
    List,
}

/// `ent-admin classes …`.
#[derive(Debug, Subcommand)]
pub enum ClassesCommand {
    /// Liste les classes de l'année scolaire d'une école : identifiant, nom, niveaux, élèves.
    List {
        /// UAI de l'école.
        #[arg(long, value_name = "UAI")]
        school: String,
    },
}

/// The school kinds an operator may type.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// École maternelle.
    Maternelle,
    /// École élémentaire.
    Elementaire,
    /// École primaire (maternelle et élémentaire).
    Primaire,
    /// Collège.
    College,
}

impl From<KindArg> for SchoolKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Maternelle => Self::Maternelle,
            KindArg::Elementaire => Self::Elementaire,
            KindArg::Primaire => Self::Primaire,
            KindArg::College => Self::College,
        }
    }
}

/// A class as `classes list` shows it.
#[derive(Serialize)]
struct ClassItem {
    id: String,
    name: String,
    levels: String,
    school_year: i64,
    pupils: usize,
}

/// Parses a UAI typed by the operator and finds its school, or says how to add it.
pub async fn school_by_uai(db: &Db, text: &str) -> anyhow::Result<SchoolRow> {
    let uai = Uai::parse(text).map_err(|e| anyhow::anyhow!("--school : {e}"))?;
    schools::by_uai(db, &uai, SchoolYear::current().0)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "aucune école n'a l'UAI {uai} sur ce nœud (ent-admin school list montre les \
                 écoles ; ent-admin school add en ajoute une)"
            )
        })
}

/// Runs a `school` command.
pub async fn school(path: &Path, format: Format, command: SchoolCommand) -> anyhow::Result<()> {
    let config = load_config(path)?;
    let db = open_db(&config).await?;
    let result = match command {
        SchoolCommand::Add { uai, name, kind } => add(&db, format, &uai, &name, kind.into()).await,
        SchoolCommand::List => list(&db, format).await,
    };
    db.close().await;
    result
}

async fn add(
    db: &Db,
    format: Format,
    uai: &str,
    name: &str,
    kind: SchoolKind,
) -> anyhow::Result<()> {
    let uai = Uai::parse(uai).map_err(|e| anyhow::anyhow!("--uai : {e}"))?;
    let id = schools::add(db, &uai, name, kind, None, now()).await?;
    let school = schools::by_id(db, &id, SchoolYear::current().0)
        .await?
        .ok_or_else(|| anyhow::anyhow!("l'école ajoutée est introuvable"))?;
    if format == Format::Json {
        return output::json(&school);
    }
    println!(
        "École ajoutée : {} « {} » ({}).\nImportez ses élèves avec : ent-admin import onde \
         --school {} --pupils eleves.csv --guardians responsables.csv",
        school.uai,
        school.name,
        school.kind_label(),
        school.uai
    );
    Ok(())
}

async fn list(db: &Db, format: Format) -> anyhow::Result<()> {
    let rows = schools::list(db, SchoolYear::current().0).await?;
    if format == Format::Json {
        return output::json(&rows);
    }
    if rows.is_empty() {
        println!("Aucune école sur ce nœud (ent-admin school add en ajoute une).");
        return Ok(());
    }
    let mut table = output::table(["UAI", "Nom", "Type", "Élèves actifs", "Classes"]);
    for school in &rows {
        table.add_row([
            school.uai.clone(),
            school.name.clone(),
            school.kind_label().to_owned(),
            school.pupils.to_string(),
            school.classes.to_string(),
        ]);
    }
    output::print_table(&table);
    Ok(())
}

/// Runs a `classes` command.
pub async fn classes(path: &Path, format: Format, command: ClassesCommand) -> anyhow::Result<()> {
    let config = load_config(path)?;
    let db = open_db(&config).await?;
    let ClassesCommand::List { school } = command;
    let result = list_classes(&db, format, &school).await;
    db.close().await;
    result
}

async fn list_classes(db: &Db, format: Format, uai: &str) -> anyhow::Result<()> {
    let school = school_by_uai(db, uai).await?;
    let year = SchoolYear::current();
    let mut items = Vec::new();
    for class in classes::of_school(db, &school.id, year.0).await? {
        // A count per class keeps the node's queries as they are; a school has few classes.
        let pupils = classes::members(db, &class.id, "pupil").await?.len();
        items.push(ClassItem {
            levels: class.levels_label(),
            id: class.id,
            name: class.name,
            school_year: class.school_year,
            pupils,
        });
    }
    if format == Format::Json {
        return output::json(&items);
    }
    if items.is_empty() {
        println!(
            "Aucune classe en {} pour {} « {} » (importez d'abord les fichiers ONDE).",
            year.label(),
            school.uai,
            school.name
        );
        return Ok(());
    }
    println!(
        "Classes {} de {} « {} » :",
        year.label(),
        school.uai,
        school.name
    );
    let mut table = output::table(["Identifiant", "Nom", "Niveaux", "Élèves"]);
    for item in &items {
        table.add_row([
            item.id.clone(),
            item.name.clone(),
            item.levels.clone(),
            item.pupils.to_string(),
        ]);
    }
    output::print_table(&table);
    Ok(())
}
