//! `ent-admin`: the operator's command-line tool of an ENT node.
//!
//! Parses the command line, runs one command on a tokio runtime and turns the outcome into an
//! exit code: 0 success, 1 the operation failed, 2 usage error (clap's own code), 3 to 7 a
//! convention refused (see `ConventionError::exit_code`).

mod calendar;
mod config;
mod context;
mod convention;
mod guests;
mod import;
mod import_aaf;
mod init;
mod links;
mod output;
mod schools;
mod sheets;
mod spaces;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand};

use output::{Format, Refusal, Reported};

/// Outil d'administration d'un nœud ENT : installation, écoles, imports ONDE, comptes et fiches
/// de connexion.
#[derive(Parser)]
#[command(name = "ent-admin", version)]
struct Cli {
    /// Fichier de configuration TOML du nœud.
    #[arg(
        long,
        global = true,
        help_heading = "Options générales",
        env = "ENT_CONFIG",
        default_value = "ent.toml",
        value_name = "FICHIER"
    )]
    config: PathBuf,
    /// Format de sortie : tableaux pour une personne, JSON pour un script.
    #[arg(
        long,
        global = true,
        help_heading = "Options générales",
        value_enum,
        default_value_t = Format::Table
    )]
    format: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Installe un nouveau nœud : configuration, base, clés et compte de l'opérateur.
    Init(init::InitArgs),
    /// Met le schéma de la base à jour (après une mise à jour des programmes).
    Migrate,
    /// Ajoute ou liste les écoles du nœud.
    #[command(subcommand)]
    School(schools::SchoolCommand),
    /// Liste les classes d'une école.
    #[command(subcommand)]
    Classes(schools::ClassesCommand),
    /// Importe des fichiers dans une école.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Recherche, affiche, réinitialise, désactive ou réactive des comptes.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Écrit les fiches de connexion d'une classe (codes en cours, ou renouvelés sur demande).
    Sheets(sheets::SheetsArgs),
    /// Vérifie la configuration ou affiche un exemple commenté.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Gère les clés de signature des jetons de l'API.
    #[command(subcommand)]
    Keys(init::KeysCommand),
    /// Identité du nœud et conventions avec les nœuds liés (fédération).
    #[command(subcommand)]
    Links(links::LinksCommand),
    /// Conventions signées de la DANE : clé, signature, vérification.
    #[command(subcommand)]
    Convention(convention::ConventionCommand),
    /// Comptes invités : liste, expiration, estimation des besoins par convention.
    #[command(subcommand)]
    Guests(guests::GuestsCommand),
    /// Espaces fermés depuis moins de 30 jours : liste et réouverture.
    #[command(subcommand)]
    Spaces(spaces::SpacesCommand),
    /// Vacances scolaires de l'agenda : import des années suivantes depuis le jeu de données
    /// du ministère.
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
}

/// Puts clap's own words in French, on every command: operators read this help. The help
/// flag is declared here because clap only adds its English one when the command is built.
fn french(command: clap::Command) -> clap::Command {
    command
        .help_template("{about-with-newline}\nUtilisation : {usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("Commandes")
        .subcommand_value_name("COMMANDE")
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Affiche cette aide"),
        )
        .mut_args(french_arg)
        .mut_subcommands(french)
}

/// Moves clap's English "[default: …]", "[env: …]" and "possible values" notes into the
/// French help line of the argument.
fn french_arg(arg: Arg) -> Arg {
    if !arg.get_action().takes_values() {
        return arg;
    }
    let mut notes = Vec::new();
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_owned())
        .collect();
    if !values.is_empty() {
        notes.push(format!("valeurs : {}", values.join(", ")));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() {
        notes.push(format!("par défaut : {}", defaults.join(", ")));
    }
    if let Some(env) = arg.get_env() {
        notes.push(format!(
            "variable d'environnement {}",
            env.to_string_lossy()
        ));
    }
    if notes.is_empty() {
        return arg;
    }
    let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
    arg.help(format!("{help} ({})", notes.join(" ; ")))
        .hide_possible_values(true)
        .hide_default_value(true)
        .hide_env(true)
}

/// Prints a usage error in French and exits with 2 (clap's own words are English); help
/// and version requests keep clap's output and exit 0.
fn usage_error(error: clap::Error, usage: &str) -> ! {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind: ContextKind| match error.get(kind) {
        Some(ContextValue::String(value)) => value.clone(),
        Some(ContextValue::Strings(values)) => values.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let (argument, value) = (
        context(ContextKind::InvalidArg),
        context(ContextKind::InvalidValue),
    );
    let message = match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => error.exit(),
        ErrorKind::UnknownArgument => format!("option inconnue « {argument} »"),
        ErrorKind::InvalidSubcommand => {
            format!(
                "commande inconnue « {} »",
                context(ContextKind::InvalidSubcommand)
            )
        }
        ErrorKind::MissingRequiredArgument => {
            format!("option obligatoire manquante : {argument}")
        }
        ErrorKind::MissingSubcommand => "commande manquante".to_owned(),
        ErrorKind::InvalidValue => {
            let valid = context(ContextKind::ValidValue);
            if valid.is_empty() {
                format!("valeur invalide « {value} » pour {argument}")
            } else {
                format!("valeur invalide « {value} » pour {argument} (valeurs possibles : {valid})")
            }
        }
        ErrorKind::ValueValidation => format!("valeur invalide « {value} » pour {argument}"),
        ErrorKind::ArgumentConflict => format!(
            "l'option {argument} ne peut pas être utilisée avec {}",
            context(ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("nombre de valeurs incorrect pour {argument}")
        }
        ErrorKind::NoEquals => format!("l'option {argument} attend une valeur après « = »"),
        ErrorKind::InvalidUtf8 => "argument qui n'est pas du texte UTF-8 valide".to_owned(),
        _ => "ligne de commande invalide".to_owned(),
    };
    // The usage of the subcommand concerned when clap knows it, the program's otherwise.
    let own = context(ContextKind::Usage);
    let usage = if own.trim().is_empty() {
        usage.to_owned()
    } else {
        own
    };
    let usage = usage.trim().replacen("Usage:", "Utilisation :", 1);
    eprintln!("erreur : {message}\n\n{usage}\n\nPour plus d'informations, essayez « --help ».");
    std::process::exit(2)
}

fn main() -> ExitCode {
    let command = french(Cli::command()).disable_version_flag(true).arg(
        Arg::new("version")
            .short('V')
            .long("version")
            .action(ArgAction::Version)
            .help("Affiche la version"),
    );
    let usage = command.clone().render_usage().to_string();
    let matches = match command.try_get_matches() {
        Ok(matches) => matches,
        Err(error) => usage_error(error, &usage),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    ent_node::server::install_crypto();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("erreur : démarrage impossible : {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if let Some(refusal) = error.downcast_ref::<Refusal>() {
                eprintln!("erreur : {refusal}");
                return ExitCode::from(refusal.code);
            }
            // Commands that already printed their problems (config check) only set the code.
            if error.downcast_ref::<Reported>().is_none() {
                eprintln!("erreur : {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let (path, format) = (cli.config.as_path(), cli.format);
    match cli.command {
        Command::Init(args) => init::init(path, format, args).await,
        Command::Migrate => init::migrate(path).await,
        Command::School(command) => schools::school(path, format, command).await,
        Command::Classes(command) => schools::classes(path, format, command).await,
        Command::Import(command) => import::run(path, format, command).await,
        Command::Users(command) => users::run(path, format, command).await,
        Command::Sheets(args) => sheets::run(path, format, args).await,
        Command::Config(command) => config::run(path, format, command),
        Command::Keys(command) => init::keys(path, command),
        Command::Links(command) => links::run(path, format, command).await,
        Command::Convention(command) => convention::run(path, format, command).await,
        Command::Guests(command) => guests::run(path, format, command).await,
        Command::Spaces(command) => spaces::run(path, format, command).await,
        Command::Calendar(command) => calendar::run(path, format, command).await,
    }
}
