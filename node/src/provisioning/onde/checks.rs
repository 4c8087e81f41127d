//! Checks of a file as a whole and of each record before its values are read: what is not
//! CSV at all, line breaks inside fields (an unclosed quote), control characters, and the cap
//! on the errors shown.

use csv::StringRecord;

use crate::domain::refuse_control_chars;

use super::read::{MAX_ERRORS, ReadError};

/// Keeps the first [`MAX_ERRORS`] errors of each file and, for a file with more, adds one
/// remark (line 0) telling how many there are in all.
pub fn cap_errors(errors: Vec<ReadError>) -> Vec<ReadError> {
    let mut per_file: Vec<(String, usize)> = Vec::new();
    let mut kept = Vec::with_capacity(errors.len().min(3 * MAX_ERRORS));
    for error in errors {
        let count = match per_file.iter_mut().find(|(file, _)| *file == error.file) {
            Some((_, count)) => count,
            None => {
                per_file.push((error.file.clone(), 0));
                &mut per_file.last_mut().expect("just pushed").1
            }
        };
        *count += 1;
        if *count <= MAX_ERRORS {
            kept.push(error);
        }
    }
    for (file, total) in per_file {
        if total > MAX_ERRORS {
            kept.push(ReadError {
                message: format!(
                    "{total} erreurs en tout dans ce fichier ; seules les {MAX_ERRORS} premières \
                     sont affichées ({} autres)",
                    total - MAX_ERRORS
                ),
                file,
                line: 0,
                column: None,
            });
        }
    }
    kept
}

/// What a file that is not CSV text at all is, from its first bytes, for a message that
/// says so instead of a hundred column errors.
pub(super) fn not_csv(bytes: &[u8], text: &str) -> Option<&'static str> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(
            "ce fichier est un classeur (.xlsx, .ods) ou une archive ZIP, pas un fichier CSV : \
             ouvrez-le dans le tableur et enregistrez-le au format « CSV (point-virgule) », ou \
             reprenez l'export CSV d'ONDE",
        );
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Some(
            "ce fichier est un classeur Excel ancien format (.xls), pas un fichier CSV : \
             enregistrez-le au format « CSV (point-virgule) »",
        );
    }
    if bytes.starts_with(b"%PDF") {
        return Some(
            "ce fichier est un document PDF, pas un fichier CSV : reprenez l'export CSV d'ONDE",
        );
    }
    // Text has no NUL and few control characters; a binary file has many.
    let sample: Vec<char> = text.chars().take(4096).collect();
    let controls = sample
        .iter()
        .filter(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
        .count();
    (sample.contains(&'\0') || controls * 20 > sample.len()).then_some(
        "ce fichier n'est pas du texte (contenu binaire), donc pas un fichier CSV : reprenez \
         l'export CSV d'ONDE",
    )
}

/// Errors of a record as a whole, before its values are read: a line break inside a field
/// (an unclosed quote swallowing the lines after it) and control characters in a column the
/// schema reads. `line` is the physical line the record starts on.
pub(super) fn record_errors(
    file: &str,
    line: usize,
    record: &StringRecord,
    used: &[(usize, &'static str)],
) -> Vec<ReadError> {
    let mut errors = Vec::new();
    let mut field_line = line;
    for (index, field) in record.iter().enumerate() {
        let column = used
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, name)| (*name).to_owned());
        if field.contains(['\n', '\r']) {
            // ONDE never writes a line break in a value: this is a quote opened and never
            // closed, which would otherwise eat the following lines (and their people).
            errors.push(ReadError {
                file: file.to_owned(),
                line: field_line,
                column,
                message: format!(
                    "guillemet « \" » ouvert ligne {field_line} et jamais refermé : une valeur ne \
                     peut pas contenir de saut de ligne (corrigez le guillemet de cette ligne)"
                ),
            });
            return errors;
        }
        if let Some(column) = column
            && let Err(error) = refuse_control_chars(field, "la valeur")
        {
            errors.push(ReadError {
                file: file.to_owned(),
                line,
                column: Some(column),
                message: format!("{error} (caractère invisible supprimé par erreur ?)"),
            });
        }
        field_line += field.matches('\n').count();
    }
    errors
}
