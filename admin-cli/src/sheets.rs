//! `ent-admin sheets`: the printable connection sheets of one class.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{ArgGroup, Args};
use ent_node::classes::ClassRow;
use ent_node::classes::sheets;
use ent_node::classes::store as classes;
use ent_node::domain::{SchoolYear, normalize_name};
use ent_node::store::Db;
use serde::Serialize;

use crate::context::{load_config, now, open_db};
use crate::output::{self, Format};
use crate::schools::school_by_uai;

/// Options of `ent-admin sheets`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("classe").required(true).args(["class", "class_name"])))]
pub struct SheetsArgs {
    /// Identifiant interne de la classe (donné par ent-admin classes list).
    #[arg(long, value_name = "ID", conflicts_with = "school")]
    pub class: Option<String>,
    /// UAI de l'école, avec --class-name.
    #[arg(long, value_name = "UAI", requires = "class_name")]
    pub school: Option<String>,
    /// Nom de la classe comme dans ONDE (ex. "CM2 A"), avec --school.
    #[arg(long, value_name = "NOM", requires = "school")]
    pub class_name: Option<String>,
    /// Fichier HTML à écrire ; ouvrez-le dans un navigateur pour l'imprimer.
    #[arg(long, value_name = "FICHIER.html")]
    pub out: PathBuf,
    /// Renouveler les codes des comptes non activés : les fiches déjà distribuées ne
    /// fonctionneront plus (sans cette option, les fiches portent les codes en cours).
    #[arg(long = "renouveler")]
    pub renew: bool,
}

/// What `sheets --format json` prints (the codes stay in the file).
#[derive(Serialize)]
struct SheetsOutput<'a> {
    class_id: &'a str,
    class_name: &'a str,
    school_name: &'a str,
    sheets: usize,
    pupils: usize,
    parents: usize,
    out: String,
}

/// Runs `ent-admin sheets`.
pub async fn run(path: &Path, format: Format, args: SheetsArgs) -> anyhow::Result<()> {
    let config = load_config(path)?;
    let db = open_db(&config).await?;
    let result = async {
        let class = find_class(&db, &args).await?;
        // Open the file before issuing codes: a renewal makes earlier sheets stop working, so
        // a file that cannot be written must be found out first. Owner-only: it holds codes.
        let mut file = create_private(&args.out)
            .with_context(|| format!("--out : écriture de {} impossible", args.out.display()))?;
        let which = if args.renew {
            sheets::Codes::Renew
        } else {
            sheets::Codes::Current
        };
        let printout = sheets::for_class(
            &db,
            &class,
            now(),
            config.accounts.activation_code_days,
            config.security.secret_key.expose(),
            which,
            None,
        )
        .await?;
        let html = sheets::render(
            &config.node.name,
            &config.public_url(),
            &class,
            &printout,
            None,
            true,
        )?;
        if printout.handed_out > 0 {
            eprintln!(
                "{} compte(s) en attente ont reçu un code affiché à l'écran : pas de fiche ici, leur \
                 code reste valable (--renouveler leur en donne un nouveau).",
                printout.handed_out
            );
        }
        let issued = printout.sheets;
        file.write_all(html.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("écriture de {} impossible", args.out.display()))?;
        anyhow::Ok((class, issued))
    }
    .await;
    db.close().await;
    let (class, issued) = result?;
    let pupils = issued.iter().filter(|s| s.pupil).count();
    if format == Format::Json {
        return output::json(&SheetsOutput {
            class_id: &class.id,
            class_name: &class.name,
            school_name: &class.school_name,
            sheets: issued.len(),
            pupils,
            parents: issued.len() - pupils,
            out: args.out.display().to_string(),
        });
    }
    if issued.is_empty() {
        println!(
            "Classe {} ({}) : tous les comptes sont déjà activés, aucune fiche à imprimer \
             ({} ne contient que ce message).",
            class.name,
            class.school_name,
            args.out.display()
        );
        return Ok(());
    }
    println!(
        "{} fiche(s) de connexion ({pupils} élève(s), {} parent(s)) de la classe {} ({}) écrites \
         dans {}.\n{}\nLe fichier contient des codes personnels : imprimez-le, puis supprimez-le.",
        issued.len(),
        issued.len() - pupils,
        class.name,
        class.school_name,
        args.out.display(),
        if args.renew {
            "Codes renouvelés : les fiches imprimées auparavant pour ces comptes ne fonctionnent plus."
        } else {
            "Les fiches portent les codes en cours : celles déjà distribuées restent valables."
        }
    );
    Ok(())
}

/// The class named by `--class`, or by `--school` and `--class-name` in the current year.
async fn find_class(db: &Db, args: &SheetsArgs) -> anyhow::Result<ClassRow> {
    if let Some(id) = &args.class {
        return classes::by_id(db, id.trim()).await?.ok_or_else(|| {
            anyhow::anyhow!(
                "aucune classe n'a l'identifiant « {} » (ent-admin classes list --school UAI \
                 les donne)",
                id.trim()
            )
        });
    }
    let (Some(uai), Some(name)) = (&args.school, &args.class_name) else {
        anyhow::bail!("indiquez --class ID, ou --school UAI avec --class-name NOM");
    };
    let school = school_by_uai(db, uai).await?;
    let year = SchoolYear::current();
    let all = classes::of_school(db, &school.id, year.0).await?;
    // ONDE names are typed by people: forgive case, accents and spacing as the importer does.
    let wanted = normalize_name(name);
    if let Some(class) = all.iter().find(|c| normalize_name(&c.name) == wanted) {
        return Ok(class.clone());
    }
    let known = all
        .iter()
        .map(|c| format!("« {} »", c.name))
        .collect::<Vec<_>>()
        .join(", ");
    anyhow::bail!(
        "aucune classe « {name} » en {} à {} « {} » ; classes connues : {}",
        year.label(),
        school.uai,
        school.name,
        if known.is_empty() { "aucune" } else { &known }
    )
}

fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
