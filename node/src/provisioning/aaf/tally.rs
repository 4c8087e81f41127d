//! What one file held and what was wrong or repaired in it, counted while it streams.
//!
//! Messages use the ONDE report's [`ReadError`] (file, line, message) so both importers
//! report alike; like ONDE, at most [`MAX_ERRORS`] errors (and as many warnings) are kept per
//! file, followed by a remark with the total.

use serde::Serialize;

use super::entity::Entity;
use super::records::Record;
use super::typed::{Problem, Typed};
use super::xml::{Fatal, Operation, RawRecord, Repairs};
use crate::provisioning::onde::read::{MAX_ERRORS, ReadError};

/// Counts and repairs of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileTally {
    /// Name inside the feed.
    pub file: String,
    /// Entity the name says.
    pub entity: Entity,
    /// Records handed to the importer.
    pub records: u64,
    /// Records refused.
    pub rejected: u64,
    /// Accepted records per operation: add, modify, delete.
    pub operations: [u64; 3],
    /// Whether the file was read to its end (not truncated or broken).
    pub complete: bool,
    /// Encoding the file declares.
    pub declared_encoding: String,
    /// Bytes re-read as Latin-1.
    pub repaired_bytes: u64,
    #[serde(skip)]
    errors: Vec<ReadError>,
    #[serde(skip)]
    error_count: u64,
    #[serde(skip)]
    warnings: Vec<ReadError>,
    #[serde(skip)]
    warning_count: u64,
    /// Unknown attributes: name, records carrying it, first line.
    #[serde(skip)]
    unknown: Vec<(String, u64, usize)>,
}

impl FileTally {
    /// An empty tally for a file.
    pub fn new(file: &str, entity: Entity) -> Self {
        Self {
            file: file.to_owned(),
            entity,
            records: 0,
            rejected: 0,
            operations: [0; 3],
            complete: true,
            declared_encoding: String::new(),
            repaired_bytes: 0,
            errors: Vec::new(),
            error_count: 0,
            warnings: Vec::new(),
            warning_count: 0,
            unknown: Vec::new(),
        }
    }

    /// Takes the outcome of one record: hands it over or counts its errors.
    pub fn record<T>(
        &mut self,
        typed: Typed<T>,
        raw: &RawRecord,
        visit: &mut impl FnMut(Record<T>),
    ) {
        let who = match &raw.id {
            Some(id) => format!("enregistrement {id}"),
            None => format!("enregistrement n° {} (sans identifiant)", raw.position),
        };
        for problem in typed.errors {
            let message = located(&who, problem);
            self.error(raw.line, message);
        }
        for problem in typed.warnings {
            let message = located(&who, problem);
            self.warn(raw.line, message);
        }
        for name in typed.unknown {
            match self.unknown.iter_mut().find(|(n, _, _)| *n == name) {
                Some((_, count, _)) => *count += 1,
                None => self.unknown.push((name, 1, raw.line)),
            }
        }
        match typed.record {
            Some(record) => {
                self.records += 1;
                self.operations[match record.operation {
                    Operation::Add => 0,
                    Operation::Modify => 1,
                    Operation::Delete => 2,
                }] += 1;
                visit(record);
            }
            None => self.rejected += 1,
        }
    }

    /// The rest of the file could not be read.
    pub fn fatal(&mut self, fatal: Fatal) {
        self.complete = false;
        self.error(fatal.line, fatal.message);
    }

    fn error(&mut self, line: usize, message: String) {
        self.error_count += 1;
        if self.errors.len() < MAX_ERRORS {
            let file = self.file.clone();
            self.errors.push(at(file, line, message));
        }
    }

    fn warn(&mut self, line: usize, message: String) {
        self.warning_count += 1;
        if self.warnings.len() < MAX_ERRORS {
            let file = self.file.clone();
            self.warnings.push(at(file, line, message));
        }
    }

    /// Adds what was repaired, then moves the file's messages (capped) to the feed's lists.
    pub fn finish(
        &mut self,
        repairs: Repairs,
        errors: &mut Vec<ReadError>,
        warnings: &mut Vec<ReadError>,
    ) {
        self.declared_encoding = repairs.decoding.declared.clone();
        self.repaired_bytes = repairs.decoding.repaired_bytes;
        for (line, message) in repair_messages(&repairs) {
            self.warn(line, message);
        }
        for (name, count, line) in std::mem::take(&mut self.unknown) {
            let message = format!(
                "attribut inconnu « {name} » ignoré ({count} enregistrement{}) : une nouvelle \
                 version de l'AAF ?",
                if count > 1 { "s" } else { "" }
            );
            self.warn(line, message);
        }
        let file = self.file.clone();
        errors.append(&mut self.errors);
        if self.error_count > MAX_ERRORS as u64 {
            errors.push(at(file.clone(), 0, total(self.error_count, "erreurs")));
        }
        warnings.append(&mut self.warnings);
        if self.warning_count > MAX_ERRORS as u64 {
            warnings.push(at(file, 0, total(self.warning_count, "remarques")));
        }
    }
}

fn at(file: String, line: usize, message: String) -> ReadError {
    ReadError {
        file,
        line,
        column: None,
        message,
    }
}

fn located(who: &str, problem: Problem) -> String {
    match problem.attribute {
        Some(attribute) => format!("{who}, attribut « {attribute} » : {}", problem.message),
        None => format!("{who} : {}", problem.message),
    }
}

fn total(count: u64, what: &str) -> String {
    format!(
        "{count} {what} en tout dans ce fichier ; seules les {MAX_ERRORS} premières sont \
         affichées ({} autres)",
        count - MAX_ERRORS as u64
    )
}

/// What the reader forgave in a file, worded for the operator, with the line concerned.
fn repair_messages(repairs: &Repairs) -> Vec<(usize, String)> {
    let mut messages = Vec::new();
    let decoding = &repairs.decoding;
    if decoding.repaired_bytes > 0 {
        messages.push((
            decoding.first_repair_line.unwrap_or(0),
            format!(
                "{} octet(s) hors UTF-8 dans un fichier déclaré {} lus comme du Latin-1 \
                 (ISO-8859-1), à partir de cette ligne : vérifiez les accents des noms",
                decoding.repaired_bytes, decoding.declared
            ),
        ));
    }
    if repairs.html_entities > 0 {
        messages.push((
            0,
            format!(
                "{} entité(s) HTML (comme &eacute;), non définies en XML, remplacées par leur \
                 caractère",
                repairs.html_entities
            ),
        ));
    }
    if repairs.double_escaped > 0 {
        messages.push((
            0,
            format!(
                "{} valeur(s) échappées deux fois (comme &amp;apos;) corrigées",
                repairs.double_escaped
            ),
        ));
    }
    for (line, entity) in &repairs.unknown_entities {
        messages.push((
            *line,
            format!("entité inconnue « {entity} » laissée telle quelle"),
        ));
    }
    for (line, element) in &repairs.unknown_elements {
        messages.push((
            *line,
            format!("élément « {element} » hors de la grammaire AAF : ignoré"),
        ));
    }
    messages
}
