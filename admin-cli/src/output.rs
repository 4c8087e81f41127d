//! Rendering results for a person (tables) or a script (JSON on stdout).

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tableaux et phrases pour une personne.
    Table,
    /// JSON sur la sortie standard, pour les scripts.
    Json,
}

/// The error of a command that already printed why it failed: `main` only sets exit code 1.
#[derive(Debug)]
pub struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("échec (détails ci-dessus)")
    }
}

impl std::error::Error for Reported {}

/// A refusal with its own exit code (a convention: 3 to 7), its message in French.
#[derive(Debug)]
pub struct Refusal {
    /// The exit code.
    pub code: u8,
    /// Why, for the operator.
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Refusal {}

/// A table with a header row, wrapped to the terminal width when there is one.
pub fn table<const N: usize>(header: [&str; N]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    table
}

/// Prints a table with every control character of its cells shown escaped: names stored
/// before the rule refusing them must never drive the operator's terminal.
pub fn print_table(table: &Table) {
    let text = table.to_string();
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| ent_node::domain::printable(line).into_owned())
        .collect();
    println!("{}", lines.join("\n"));
}

/// A two-column "what: value" table, for one record.
pub fn record(rows: &[(&str, String)]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    for (label, value) in rows {
        table.add_row([label.to_string(), value.clone()]);
    }
    table
}

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// "oui" / "non".
pub fn yes_no(value: bool) -> String {
    if value { "oui" } else { "non" }.to_owned()
}

/// `dd/mm/yyyy` of a Unix time, for messages.
pub fn date(timestamp: i64) -> String {
    chrono::DateTime::from_timestamp(timestamp, 0)
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}
