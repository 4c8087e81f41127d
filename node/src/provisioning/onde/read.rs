//! Reading ONDE "CSVExtraction" files (pupils, guardians, teachers) into typed rows.
//!
//! Exports come from several ONDE versions and are often re-saved by a spreadsheet, so the
//! reader forgives form (encoding, BOM, line ends, quoting, column order, accents and case in
//! headers) but is strict about content: every value that would create a wrong account is
//! reported with its line and column, all at once, so the operator fixes the file in one go.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use csv::StringRecord;

use crate::domain::{ClassLevel, normalize_name};

pub use super::checks::cap_errors;
use super::checks::{not_csv, record_errors};

/// Errors shown per file: past this many the file is surely not the expected export, and
/// more would only drown the operator (the total is still told).
pub const MAX_ERRORS: usize = 100;

/// Longest name (of a person, in characters) an export may bring; ONDE's own limit is lower.
pub const NAME_MAX: usize = 100;

/// Longest class name (ONDE's "libellé" is short: "CE2/CM1 B").
pub const CLASS_NAME_MAX: usize = 60;

/// Longest e-mail address (RFC 5321).
const EMAIL_MAX: usize = 254;

/// A pupil from the ONDE pupils export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilRow {
    /// Physical line in the file (header = 1).
    pub line: usize,
    /// Family name ("Nom Elève").
    pub last_name: String,
    /// Usage name when the export gives one.
    pub usage_name: Option<String>,
    /// First name.
    pub first_name: String,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Sex as written in the export (`M`, `F`).
    pub sex: Option<String>,
    /// Class level.
    pub level: ClassLevel,
    /// Class name as known in ONDE ("CM2 A").
    pub class_name: String,
}

/// A child named on a guardian row; matched to pupils by name by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRef {
    /// Family name.
    pub last_name: String,
    /// Usage name, if any.
    pub usage_name: Option<String>,
    /// First name.
    pub first_name: String,
    /// Class name, which disambiguates homonyms when present.
    pub class_name: Option<String>,
}

/// A legal guardian from the ONDE guardians export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianRow {
    /// Physical line in the file (header = 1).
    pub line: usize,
    /// Civility (`M.`, `Mme`).
    pub civility: Option<String>,
    /// Family name.
    pub last_name: String,
    /// Usage name, if any.
    pub usage_name: Option<String>,
    /// First name.
    pub first_name: String,
    /// E-mail address, checked for shape only.
    pub email: Option<String>,
    /// The children this guardian is responsible for (at least one).
    pub children: Vec<ChildRef>,
}

/// A teacher from the teachers file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeacherRow {
    /// Physical line in the file (header = 1).
    pub line: usize,
    /// Civility (`M.`, `Mme`).
    pub civility: Option<String>,
    /// Family name.
    pub last_name: String,
    /// Usage name, if any.
    pub usage_name: Option<String>,
    /// First name.
    pub first_name: String,
    /// E-mail address, checked for shape only.
    pub email: Option<String>,
    /// Whether the teacher is the school's director.
    pub is_director: bool,
    /// Classes taught (several allowed, none for a director without class), split on `,`
    /// and `/`; the importer prefers `classes_text` matched against the pupils' classes.
    pub class_names: Vec<String>,
    /// The "Classe" cell as written ("CE2/CM1, CM2 A"), since `/` may belong to a class name.
    pub classes_text: String,
}

/// A problem found in a file, located precisely enough for the operator to fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReadError {
    /// File name as given by the operator.
    pub file: String,
    /// Physical line (header = 1).
    pub line: usize,
    /// Column concerned (its usual ONDE name), if the problem is about one value.
    pub column: Option<String>,
    /// What is wrong, in French.
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            // A remark on a whole file (the count of errors not shown) or on the whole run.
            if self.file.is_empty() {
                return f.write_str(&self.message);
            }
            return write!(f, "{} : {}", self.file, self.message);
        }
        match &self.column {
            Some(column) => write!(
                f,
                "{}, ligne {}, colonne « {} » : {}",
                self.file, self.line, column, self.message
            ),
            None => write!(f, "{}, ligne {} : {}", self.file, self.line, self.message),
        }
    }
}

impl std::error::Error for ReadError {}

/// Decodes an export: UTF-8 (BOM stripped) when the bytes are valid UTF-8, otherwise
/// Windows-1252, a superset of the ISO-8859-1 that older ONDE versions and Excel produce.
///
/// UTF-16 with a BOM ("Texte Unicode" in Excel) is also understood, since it can never be
/// valid UTF-8 and would otherwise turn into garbage.
pub fn decode(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.strip_prefix('\u{feff}').unwrap_or(text).to_owned();
    }
    if let Some((encoding, bom_length)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_length..]);
        return text.into_owned();
    }
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    text.into_owned()
}

/// Reads the ONDE pupils export ("élèves").
pub fn read_pupils(file_name: &str, bytes: &[u8]) -> Result<Vec<PupilRow>, Vec<ReadError>> {
    read::<PupilColumns>(file_name, bytes)
}

/// Reads the ONDE guardians export ("responsables"), one row per guardian.
pub fn read_guardians(file_name: &str, bytes: &[u8]) -> Result<Vec<GuardianRow>, Vec<ReadError>> {
    read::<GuardianColumns>(file_name, bytes)
}

/// Reads the teachers file, one row per teacher.
pub fn read_teachers(file_name: &str, bytes: &[u8]) -> Result<Vec<TeacherRow>, Vec<ReadError>> {
    read::<TeacherColumns>(file_name, bytes)
}

/// A column looked up by header: the name used in messages, then every accepted spelling
/// (compared after `normalize_name`, so accents, case and apostrophes do not matter).
struct Column(&'static str, &'static [&'static str]);

const PUPIL_LAST: Column = Column(
    "Nom Elève",
    &["Nom de famille Elève", "Nom de famille", "Nom"],
);
const PUPIL_USAGE: Column = Column("Nom d'usage Elève", &["Nom usage Elève", "Nom d'usage"]);
const PUPIL_FIRST: Column = Column("Prénom Elève", &["Prénom"]);
const PUPIL_BIRTH: Column = Column("Date naissance", &["Date de naissance"]);
const PUPIL_SEX: Column = Column("Sexe", &[]);
const PUPIL_LEVEL: Column = Column("Niveau", &[]);
const PUPIL_CLASS: Column = Column("Classe", &["Libellé classe"]);
const GUARDIAN_CIVILITY: Column = Column("Civilité Responsable", &["Civilité"]);
const GUARDIAN_LAST: Column = Column("Nom responsable", &["Nom de famille responsable"]);
const GUARDIAN_USAGE: Column = Column("Nom usage responsable", &["Nom d'usage responsable"]);
const GUARDIAN_FIRST: Column = Column("Prénom responsable", &[]);
const EMAIL: Column = Column("Courriel", &["Courriel responsable", "Email", "Mél"]);
const CHILD_USAGE: Column = Column("Nom d'usage enfant", &["Nom usage enfant"]);
const CHILD_LAST: Column = Column("Nom de famille enfant", &["Nom enfant"]);
const CHILD_FIRST: Column = Column("Prénom enfant", &[]);
const CHILD_CLASS: Column = Column("Classes enfants", &["Classe enfant", "Classes enfant"]);
const TEACHER_CIVILITY: Column = Column("Civilité", &[]);
const TEACHER_USAGE: Column = Column("Nom usage", &["Nom d'usage"]);
const TEACHER_LAST: Column = Column("Nom", &["Nom de famille"]);
const TEACHER_FIRST: Column = Column("Prénom", &[]);
const TEACHER_DIRECTOR: Column = Column("Directeur", &["Directrice"]);
const TEACHER_CLASS: Column = Column("Classe", &["Classes"]);

impl Column {
    fn matches(&self, normalized_header: &str) -> bool {
        std::iter::once(self.0)
            .chain(self.1.iter().copied())
            .any(|name| normalize_name(name) == normalized_header)
    }
}

/// A resolved column: where it is in this file, if anywhere, and its name for messages.
#[derive(Clone, Copy)]
struct Field {
    index: Option<usize>,
    name: &'static str,
}

/// The header line, which also collects missing-column errors while columns are resolved.
struct Header<'a> {
    file: &'a str,
    line: usize,
    names: Vec<String>,
    errors: Vec<ReadError>,
    /// Positions of the columns the schema reads, with their names for messages.
    used: Vec<(usize, &'static str)>,
}

impl Header<'_> {
    /// Every position of the column, in file order (child groups repeat their headers).
    fn find_all(&mut self, column: &Column) -> Vec<usize> {
        let found: Vec<usize> = (self.names.iter().enumerate())
            .filter(|(_, name)| column.matches(name))
            .map(|(index, _)| index)
            .collect();
        self.used
            .extend(found.iter().map(|&index| (index, column.0)));
        found
    }

    /// The first spelling found wins, so a generic "Nom" never shadows "Nom Elève".
    fn optional(&mut self, column: &Column) -> Field {
        let spellings = std::iter::once(column.0).chain(column.1.iter().copied());
        let index = spellings
            .map(normalize_name)
            .find_map(|name| self.names.iter().position(|h| *h == name));
        self.used.extend(index.map(|index| (index, column.0)));
        Field {
            index,
            name: column.0,
        }
    }

    fn required(&mut self, column: &Column) -> Field {
        let field = self.optional(column);
        if field.index.is_none() {
            self.missing(column);
        }
        field
    }

    fn missing(&mut self, column: &Column) {
        self.errors.push(ReadError {
            file: self.file.to_owned(),
            line: self.line,
            column: None,
            message: format!("colonne obligatoire « {} » absente", column.0),
        });
    }
}

/// Positions of the columns a schema reads, with their names for messages.
type UsedColumns = Vec<(usize, &'static str)>;

/// One data line being read; its errors are kept apart so a faulty line yields no row.
struct Row<'a> {
    file: &'a str,
    line: usize,
    record: &'a StringRecord,
    errors: Vec<ReadError>,
}

impl Row<'_> {
    fn fail(&mut self, column: Option<&str>, message: String) {
        let (file, line, column) = (self.file.to_owned(), self.line, column.map(str::to_owned));
        self.errors.push(ReadError {
            file,
            line,
            column,
            message,
        });
    }

    fn value(&self, field: Field) -> Option<&str> {
        let value = self.record.get(field.index?)?.trim();
        (!value.is_empty()).then_some(value)
    }

    /// The value, refused (with an error) past `max` characters.
    fn bounded(&mut self, field: Field, max: usize) -> Option<String> {
        let value = self.value(field)?.to_owned();
        let length = value.chars().count();
        if length > max {
            let message = format!("valeur trop longue ({length} caractères, {max} au plus)");
            self.fail(Some(field.name), message);
        }
        Some(value)
    }

    fn optional(&mut self, field: Field) -> Option<String> {
        self.bounded(field, NAME_MAX)
    }

    fn required(&mut self, field: Field) -> String {
        match self.bounded(field, NAME_MAX) {
            Some(value) => value,
            None => {
                self.fail(Some(field.name), "valeur obligatoire manquante".to_owned());
                String::new()
            }
        }
    }

    fn date(&mut self, field: Field) -> NaiveDate {
        let text = self.required(field);
        if text.is_empty() {
            return NaiveDate::default();
        }
        match parse_date(&text) {
            Some(date) if (1900..=2100).contains(&date.year()) => date,
            Some(_) => {
                let message =
                    format!("date invalide « {text} » (année entre 1900 et 2100 attendue)");
                self.fail(Some(field.name), message);
                NaiveDate::default()
            }
            None => {
                let message =
                    format!("date invalide « {text} » (jj/mm/aaaa ou aaaa-mm-jj attendu)");
                self.fail(Some(field.name), message);
                NaiveDate::default()
            }
        }
    }

    fn level(&mut self, field: Field) -> ClassLevel {
        let text = self.required(field);
        if text.is_empty() {
            return ClassLevel::Cp;
        }
        ClassLevel::parse(&text).unwrap_or_else(|error| {
            self.fail(Some(field.name), error.0);
            ClassLevel::Cp
        })
    }

    fn email(&mut self, field: Field) -> Option<String> {
        let email = self.bounded(field, EMAIL_MAX)?;
        let valid = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }) && !email.chars().any(char::is_whitespace);
        if !valid {
            self.fail(
                Some(field.name),
                format!("adresse électronique invalide « {email} »"),
            );
        }
        Some(email)
    }

    fn yes_no(&mut self, field: Field) -> bool {
        let Some(text) = self.value(field) else {
            return false;
        };
        match normalize_name(text).as_str() {
            "oui" | "o" | "x" => true,
            "non" | "n" => false,
            _ => {
                let message =
                    format!("valeur « {text} » non reconnue (Oui, Non, O, N, X ou vide attendu)");
                self.fail(Some(field.name), message);
                false
            }
        }
    }
}

/// `dd/mm/yyyy` or `yyyy-mm-dd`, tolerating the ` 00:00` a spreadsheet may append.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = match text.split_once(' ') {
        Some((date, time)) if time.trim().bytes().all(|b| b.is_ascii_digit() || b == b':') => date,
        _ => text,
    };
    let parts = |separator: char| -> Option<[&str; 3]> {
        let mut split = text.split(separator);
        let parts = [split.next()?, split.next()?, split.next()?];
        let digits = parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        (split.next().is_none() && digits).then_some(parts)
    };
    let (year, month, day) = match (parts('/'), parts('-')) {
        (Some([day, month, year]), _) => (year, month, day),
        (_, Some([year, month, day])) => (year, month, day),
        _ => return None,
    };
    if year.len() != 4 || month.len() > 2 || day.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// How one kind of file maps its columns to a row type.
trait Schema: Sized {
    type Row;
    /// Used in "aucune ligne d'élève" when a file holds no data.
    const WHAT: &'static str;
    fn resolve(header: &mut Header<'_>) -> Self;
    fn row(&self, row: &mut Row<'_>) -> Self::Row;
}

/// Physical line numbers from byte offsets.
///
/// `csv::Position::line()` is stamped before the line end of the previous record is fully
/// consumed: with CRLF, or after blank lines, it names an earlier line. Counting `\n` up to
/// the record's first byte is always right, quoted newlines included.
struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl LineCounter<'_> {
    /// The line of the record whose position is `offset` (records are met in file order).
    fn line_of(&mut self, offset: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut start = offset.min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.offset {
            self.line += bytes[self.offset..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.offset = start;
        }
        self.line
    }
}

/// Spreadsheets re-saved outside France use `,` or tabs; the header line tells which.
fn delimiter(text: &str) -> u8 {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    [b';', b'\t', b',']
        .into_iter()
        .find(|&d| first.contains(d as char))
        .unwrap_or(b';')
}

fn read<S: Schema>(file: &str, bytes: &[u8]) -> Result<Vec<S::Row>, Vec<ReadError>> {
    let text = decode(bytes);
    if let Some(message) = not_csv(bytes, &text) {
        return Err(vec![ReadError {
            file: file.to_owned(),
            line: 1,
            column: None,
            message: message.to_owned(),
        }]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let error = |line, message: String| ReadError {
        file: file.to_owned(),
        line,
        column: None,
        message,
    };
    let (mut record, mut errors, mut rows) = (StringRecord::new(), Vec::new(), Vec::new());
    let mut schema: Option<(S, usize, UsedColumns)> = None;
    let mut lines = LineCounter {
        text: &text,
        offset: 0,
        line: 1,
    };
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // Cannot happen on decoded text with `flexible`, but never lose it silently.
                let line = e.position().map_or(1, |p| lines.line_of(p.byte() as usize));
                errors.push(error(line, format!("ligne illisible : {e}")));
                break;
            }
        }
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        let line = lines.line_of(record.position().map_or(0, |p| p.byte() as usize));
        let Some((columns, _, used)) = &schema else {
            let names = record.iter().map(normalize_name).collect();
            let mut header = Header {
                file,
                line,
                names,
                errors: Vec::new(),
                used: Vec::new(),
            };
            let columns = S::resolve(&mut header);
            if !header.errors.is_empty() {
                return Err(header.errors);
            }
            schema = Some((columns, line, header.used));
            continue;
        };
        let whole = record_errors(file, line, &record, used);
        if !whole.is_empty() {
            errors.extend(whole);
            continue;
        }
        let mut row = Row {
            file,
            line,
            record: &record,
            errors: Vec::new(),
        };
        let value = columns.row(&mut row);
        if row.errors.is_empty() {
            rows.push(value);
        } else {
            errors.extend(row.errors);
        }
    }
    match schema {
        None => Err(vec![error(1, "fichier vide : aucune ligne".to_owned())]),
        Some(_) if !errors.is_empty() => Err(cap_errors(errors)),
        Some((_, header_line, _)) if rows.is_empty() => {
            let message = format!("aucune ligne {} après l'en-tête", S::WHAT);
            Err(vec![error(header_line, message)])
        }
        Some(_) => Ok(rows),
    }
}

struct PupilColumns {
    last: Field,
    usage: Field,
    first: Field,
    birth: Field,
    sex: Field,
    level: Field,
    class: Field,
}

impl Schema for PupilColumns {
    type Row = PupilRow;
    const WHAT: &'static str = "d'élève";

    fn resolve(header: &mut Header<'_>) -> Self {
        Self {
            last: header.required(&PUPIL_LAST),
            usage: header.optional(&PUPIL_USAGE),
            first: header.required(&PUPIL_FIRST),
            birth: header.required(&PUPIL_BIRTH),
            sex: header.optional(&PUPIL_SEX),
            level: header.required(&PUPIL_LEVEL),
            class: header.required(&PUPIL_CLASS),
        }
    }

    fn row(&self, row: &mut Row<'_>) -> PupilRow {
        let class_name = row.required(self.class);
        let length = class_name.chars().count();
        if length > CLASS_NAME_MAX {
            let message =
                format!("nom de classe trop long ({length} caractères, {CLASS_NAME_MAX} au plus)");
            row.fail(Some(self.class.name), message);
        }
        PupilRow {
            line: row.line,
            last_name: row.required(self.last),
            usage_name: row.optional(self.usage),
            first_name: row.required(self.first),
            birth_date: row.date(self.birth),
            sex: row.optional(self.sex),
            level: row.level(self.level),
            class_name,
        }
    }
}

struct GuardianColumns {
    civility: Field,
    last: Field,
    usage: Field,
    first: Field,
    email: Field,
    /// One entry per repeated "Nom d'usage enfant; Nom de famille enfant; Prénom enfant;
    /// Classes enfants" group: the k-th occurrence of each header forms the k-th group.
    children: Vec<[Field; 4]>,
}

impl Schema for GuardianColumns {
    type Row = GuardianRow;
    const WHAT: &'static str = "de responsable";

    fn resolve(header: &mut Header<'_>) -> Self {
        let columns = [&CHILD_USAGE, &CHILD_LAST, &CHILD_FIRST, &CHILD_CLASS];
        let found = columns.map(|column| header.find_all(column));
        for (column, positions) in columns.iter().zip(&found).skip(1).take(2) {
            if positions.is_empty() {
                header.missing(column);
            }
        }
        let groups = found.iter().map(Vec::len).max().unwrap_or(0);
        let children = (0..groups)
            .map(|k| {
                std::array::from_fn(|c| Field {
                    index: found[c].get(k).copied(),
                    name: columns[c].0,
                })
            })
            .collect();
        Self {
            civility: header.optional(&GUARDIAN_CIVILITY),
            last: header.required(&GUARDIAN_LAST),
            usage: header.optional(&GUARDIAN_USAGE),
            first: header.required(&GUARDIAN_FIRST),
            email: header.optional(&EMAIL),
            children,
        }
    }

    fn row(&self, row: &mut Row<'_>) -> GuardianRow {
        let mut children = Vec::new();
        for (number, [usage, last, first, class]) in (1..).zip(&self.children) {
            let (usage, last, first) = (
                row.optional(*usage),
                row.optional(*last),
                row.optional(*first),
            );
            let class_name = row.optional(*class);
            match (last, first) {
                (Some(last_name), Some(first_name)) => {
                    children.push(ChildRef {
                        last_name,
                        usage_name: usage,
                        first_name,
                        class_name,
                    });
                }
                (None, None) if usage.is_none() => {}
                (None, first) => {
                    let name = first.or(usage).unwrap_or_default();
                    let message =
                        format!("nom de famille manquant pour l'enfant n° {number} « {name} »");
                    row.fail(Some(CHILD_LAST.0), message);
                }
                (Some(last), None) => {
                    let message = format!("prénom manquant pour l'enfant n° {number} « {last} »");
                    row.fail(Some(CHILD_FIRST.0), message);
                }
            }
        }
        if children.is_empty() && row.errors.is_empty() {
            row.fail(None, "aucun enfant indiqué pour ce responsable".to_owned());
        }
        GuardianRow {
            line: row.line,
            civility: row.optional(self.civility),
            last_name: row.required(self.last),
            usage_name: row.optional(self.usage),
            first_name: row.required(self.first),
            email: row.email(self.email),
            children,
        }
    }
}

struct TeacherColumns {
    civility: Field,
    last: Field,
    usage: Field,
    first: Field,
    email: Field,
    director: Field,
    classes: Field,
}

impl Schema for TeacherColumns {
    type Row = TeacherRow;
    const WHAT: &'static str = "d'enseignant";

    fn resolve(header: &mut Header<'_>) -> Self {
        Self {
            civility: header.optional(&TEACHER_CIVILITY),
            last: header.required(&TEACHER_LAST),
            usage: header.optional(&TEACHER_USAGE),
            first: header.required(&TEACHER_FIRST),
            email: header.optional(&EMAIL),
            director: header.optional(&TEACHER_DIRECTOR),
            classes: header.required(&TEACHER_CLASS),
        }
    }

    fn row(&self, row: &mut Row<'_>) -> TeacherRow {
        let mut class_names: Vec<String> = Vec::new();
        let classes_text = row.value(self.classes).unwrap_or_default().to_owned();
        if classes_text.chars().count() > 4 * CLASS_NAME_MAX {
            let message = format!(
                "liste de classes trop longue ({} caractères au plus)",
                4 * CLASS_NAME_MAX
            );
            row.fail(Some(self.classes.name), message);
        }
        for name in classes_text.split([',', '/']) {
            let name = name.trim();
            if !name.is_empty() && !class_names.iter().any(|known| known == name) {
                class_names.push(name.to_owned());
            }
        }
        TeacherRow {
            line: row.line,
            civility: row.optional(self.civility),
            last_name: row.required(self.last),
            usage_name: row.optional(self.usage),
            first_name: row.required(self.first),
            email: row.email(self.email),
            is_director: row.yes_no(self.director),
            class_names,
            classes_text,
        }
    }
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
