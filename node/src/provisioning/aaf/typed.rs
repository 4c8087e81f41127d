//! From an untyped record to a typed one: the identifier rules, required names, dates and
//! flags, with every problem located (file, line, record id) and worded in French.
//!
//! A record with an error yields no typed record (the importer never sees half a person);
//! a warning keeps the record (an unknown attribute, an unreadable optional value).

use chrono::{Datelike, NaiveDate};

use crate::domain::refuse_control_chars;
use crate::provisioning::onde::read::NAME_MAX;

use super::entity::Entity;
use super::records::Record;
use super::xml::{Operation, RawRecord};

/// A typed record of one entity file.
pub trait FromAaf: Default + Sized {
    /// The file this record comes from.
    const ENTITY: Entity;

    /// Reads the values; problems go to `attrs`.
    fn read(attrs: &mut Attrs<'_>) -> Self;
}

/// A problem in one record: the attribute concerned, if any, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Attribute concerned.
    pub attribute: Option<String>,
    /// What is wrong, in French.
    pub message: String,
}

/// The outcome of typing one record.
#[derive(Debug)]
pub struct Typed<T> {
    /// The record, when it has no error.
    pub record: Option<Record<T>>,
    /// What stops the record.
    pub errors: Vec<Problem>,
    /// What was accepted anyway.
    pub warnings: Vec<Problem>,
    /// Attribute names this file type does not know (reported once per file by the caller).
    pub unknown: Vec<String>,
}

/// The attributes of one record while they are read.
pub struct Attrs<'a> {
    raw: &'a RawRecord,
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
}

impl<'a> Attrs<'a> {
    /// Whether the record is a modification (only the named attributes count).
    fn is_modify(&self) -> bool {
        self.raw.operation == Operation::Modify
    }

    fn present(&self, names: &[&str]) -> bool {
        self.raw
            .attributes
            .iter()
            .any(|a| names.contains(&a.name.as_str()))
    }

    /// Trimmed non-empty values of the first of `names` that has any (2D name, then 1D).
    pub fn values(&self, names: &[&str]) -> Vec<&'a str> {
        for name in names {
            let values: Vec<&str> = (self.raw.attributes.iter())
                .filter(|a| a.name == *name)
                .flat_map(|a| a.values.iter().map(|v| v.trim()))
                .filter(|v| !v.is_empty())
                .collect();
            if !values.is_empty() {
                return values;
            }
        }
        Vec::new()
    }

    /// The values with repeats removed, in order.
    pub fn distinct(&self, names: &[&str]) -> Vec<&'a str> {
        let mut distinct: Vec<&str> = Vec::new();
        for value in self.values(names) {
            if !distinct.contains(&value) {
                distinct.push(value);
            }
        }
        distinct
    }

    /// The first value, checked for length and invisible characters.
    pub fn one(&mut self, names: &[&str]) -> Option<String> {
        let value = *self.values(names).first()?;
        let attribute = names[0];
        let length = value.chars().count();
        if length > NAME_MAX * 4 {
            self.error(
                attribute,
                format!("valeur trop longue ({length} caractères)"),
            );
            return None;
        }
        if let Err(error) = refuse_control_chars(value, "la valeur") {
            self.error(attribute, error.to_string());
            return None;
        }
        Some(value.to_owned())
    }

    /// A name: required in an added record, and in a modification that names it.
    pub fn name(&mut self, names: &[&str], what: &str) -> String {
        let value = self.one(names);
        let required = !self.is_modify() || self.present(names);
        match value {
            Some(value) if value.chars().count() > NAME_MAX => {
                let message = format!("{what} trop long ({NAME_MAX} caractères au plus)");
                self.error(names[0], message);
                String::new()
            }
            Some(value) => value,
            None => {
                if required {
                    self.error(names[0], format!("{what} manquant"));
                }
                String::new()
            }
        }
    }

    /// A `dd/mm/yyyy` date (ISO accepted); an impossible one is an error.
    pub fn date(&mut self, names: &[&str], required: bool) -> Option<NaiveDate> {
        let Some(text) = self.one(names) else {
            if required && (!self.is_modify() || self.present(names)) {
                self.error(names[0], "date de naissance manquante".to_owned());
            }
            return None;
        };
        let parsed = NaiveDate::parse_from_str(&text, "%d/%m/%Y")
            .or_else(|_| NaiveDate::parse_from_str(&text, "%Y-%m-%d"))
            .ok()
            .filter(|date| (1900..=2100).contains(&date.year()));
        if parsed.is_none() {
            self.error(
                names[0],
                format!("date impossible « {text} » (attendu : jj/mm/aaaa)"),
            );
        }
        parsed
    }

    /// An `O`/`N` flag (also `1`/`0`, `oui`/`non`); anything else is a warning.
    pub fn flag(&mut self, names: &[&str]) -> Option<bool> {
        let text = self.one(names)?;
        match text.to_lowercase().as_str() {
            "o" | "oui" | "y" | "yes" | "1" | "true" => Some(true),
            "n" | "non" | "no" | "0" | "false" => Some(false),
            _ => {
                let message = format!("valeur « {text} » ni O ni N : ignorée");
                self.warn(names[0], message);
                None
            }
        }
    }

    /// Records an error on an attribute.
    pub fn error(&mut self, attribute: &str, message: String) {
        self.errors.push(Problem {
            attribute: Some(attribute.to_owned()),
            message,
        });
    }

    /// Records a warning on an attribute.
    pub fn warn(&mut self, attribute: &str, message: String) {
        self.warnings.push(Problem {
            attribute: Some(attribute.to_owned()),
            message,
        });
    }
}

/// Types one record read from a file of type `T::ENTITY`.
pub fn type_record<T: FromAaf>(raw: &RawRecord, file: &str) -> Typed<T> {
    let entity = T::ENTITY;
    let mut attrs = Attrs {
        raw,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    for problem in &raw.problems {
        attrs.warnings.push(Problem {
            attribute: None,
            message: problem.clone(),
        });
    }
    let general = |message: String| Problem {
        attribute: None,
        message,
    };
    if let Some(category) = &raw.category
        && !entity.categories().contains(&category.as_str())
    {
        attrs.errors.push(general(format!(
            "enregistrement de catégorie « {category} » dans un fichier de {} : ignoré",
            entity.label()
        )));
    }
    let Some(id) = raw.id.clone() else {
        attrs.errors.push(general(
            "identifiant (<identifier><id>) manquant".to_owned(),
        ));
        return finish(attrs, None);
    };
    if id.chars().count() > 64 || refuse_control_chars(&id, "l'identifiant").is_err() {
        attrs.errors.push(general(
            "identifiant illisible (trop long ou caractères invisibles)".into(),
        ));
        return finish(attrs, None);
    }
    if let Some(jointure) = attrs.values(&[entity.jointure()]).first()
        && *jointure != id
    {
        let message = format!("différent de l'identifiant « {id} » de l'enregistrement");
        attrs.error(entity.jointure(), format!("« {jointure} » {message}"));
    }
    let data = if raw.operation == Operation::Delete {
        T::default()
    } else {
        T::read(&mut attrs)
    };
    let record = Record {
        operation: raw.operation,
        id,
        file: file.to_owned(),
        line: raw.line,
        attributes: raw.attributes.iter().map(|a| a.name.clone()).collect(),
        data,
    };
    finish(attrs, Some(record))
}

fn finish<T>(attrs: Attrs<'_>, record: Option<Record<T>>) -> Typed<T>
where
    T: FromAaf,
{
    let known = T::ENTITY.known();
    let mut unknown: Vec<String> = Vec::new();
    for attribute in &attrs.raw.attributes {
        if !known.contains(&attribute.name.as_str()) && !unknown.contains(&attribute.name) {
            unknown.push(attribute.name.clone());
        }
    }
    let record = if attrs.errors.is_empty() {
        record
    } else {
        None
    };
    Typed {
        record,
        errors: attrs.errors,
        warnings: attrs.warnings,
        unknown,
    }
}
