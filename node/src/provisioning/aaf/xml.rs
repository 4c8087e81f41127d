//! Streaming the `<ficAlimMENESR>` grammar (aaf.md §4) into untyped records, one at a time.
//!
//! Only the record being read is in memory, so an academy-wide file of any size is read in
//! bounded memory. Form is forgiven (no XML declaration, DOCTYPE, CRLF, stray spaces, empty
//! `<value/>`, HTML entities such as `&eacute;` that the DTD does not define, double-escaped
//! `&amp;apos;`) and counted; what makes the rest of the file unreadable (wrong root, broken
//! or truncated XML) ends the file with a [`Fatal`] after the records read before it.

use std::io::Read;

use quick_xml::Reader;
use quick_xml::escape::{resolve_html5_entity, resolve_xml_entity, unescape_with};
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::decode::{Decoding, Utf8Source};

mod record;

/// The root element of every AAF file.
pub const ROOT: &str = "ficAlimMENESR";

/// What a record asks for: in a Complet only `Add`; a Delta has all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Operation {
    /// `addRequest`: the whole record.
    Add,
    /// `modifyRequest`: the attributes named replace their values; the others stay.
    Modify,
    /// `deleteRequest`: the identifier only.
    Delete,
}

/// One attribute (`<attr>` or `<modification>`) with its values, empty ones included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAttribute {
    /// The `name` of the attribute as written.
    pub name: String,
    /// Every `<value>`, decoded, in order.
    pub values: Vec<String>,
}

/// One record before its attributes are interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// What the record asks for.
    pub operation: Operation,
    /// Rank of the record in its file, from 1 (to locate a record without identifier).
    pub position: usize,
    /// Line where the record starts.
    pub line: usize,
    /// `<identifier><id>`, trimmed, when present and not empty.
    pub id: Option<String>,
    /// The `operationalAttributes` value (`Eleve`, `EtabEducNat`, `MatEducNat`…).
    pub category: Option<String>,
    /// `<attributes>` or `<modifications>`, in order.
    pub attributes: Vec<RawAttribute>,
    /// Problems of form inside the record, in French (a modification that is not a replace).
    pub problems: Vec<String>,
}

/// What makes the rest of a file unreadable, located by line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal {
    /// Line where reading stopped.
    pub line: usize,
    /// What is wrong, in French.
    pub message: String,
}

/// What was forgiven in one file: the report says it, so nobody is surprised later.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repairs {
    /// Encoding declared and bytes re-read as Latin-1.
    pub decoding: Decoding,
    /// HTML named entities (`&eacute;`) resolved although XML does not define them.
    pub html_entities: u64,
    /// Values escaped twice (`&amp;apos;`) unescaped once more.
    pub double_escaped: u64,
    /// Entities nobody knows, kept as written, with the first line where one appears.
    pub unknown_entities: Vec<(usize, String)>,
    /// Elements outside the grammar, skipped: (line, name).
    pub unknown_elements: Vec<(usize, String)>,
}

/// The records of one file, read lazily; `header` fills in as the header comments pass.
pub struct RawRecords<R: Read> {
    reader: Reader<Utf8Source<R>>,
    buf: Vec<u8>,
    root_seen: bool,
    root_closed: bool,
    done: bool,
    position: usize,
    repairs: Repairs,
    /// `key="value"` pairs of the header comments (`versionAF`, `codeAcademieExport`, `degre`).
    pub header: Vec<(String, String)>,
}

/// Cap on the remarks of one kind kept per file (the counts stay exact).
const REMARKS_KEPT: usize = 20;

impl<R: Read> RawRecords<R> {
    /// Starts reading a file from its raw bytes.
    pub fn new(bytes: R) -> Self {
        // Text is not trimmed here: spaces next to an entity (`L&#233;a &eacute;lise`) belong
        // to the value; values are trimmed whole when they are read.
        let reader = Reader::from_reader(Utf8Source::new(bytes));
        Self {
            reader,
            buf: Vec::new(),
            root_seen: false,
            root_closed: false,
            done: false,
            position: 0,
            repairs: Repairs::default(),
            header: Vec::new(),
        }
    }

    /// What was forgiven so far (all of it once the iterator is exhausted).
    pub fn repairs(&self) -> Repairs {
        let mut repairs = self.repairs.clone();
        repairs.decoding = self.reader.get_ref().decoding().clone();
        repairs
    }

    /// Bytes held in buffers now (decoder and parser), to check memory stays bounded.
    pub fn buffered(&self) -> usize {
        self.reader.get_ref().buffered() + self.buf.capacity()
    }

    fn line(&self) -> usize {
        self.reader.get_ref().line()
    }

    fn fatal(&mut self, message: String) -> Option<Result<RawRecord, Fatal>> {
        self.done = true;
        Some(Err(Fatal {
            line: self.line(),
            message,
        }))
    }

    fn unknown_element(&mut self, name: String) {
        if self.repairs.unknown_elements.len() < REMARKS_KEPT {
            let line = self.line();
            self.repairs.unknown_elements.push((line, name));
        }
    }

    fn broken(&mut self, cause: &str) -> Fatal {
        self.done = true;
        if self.reader.get_ref().at_end() {
            return Fatal {
                line: self.line(),
                message:
                    "fichier tronqué : il s'arrête au milieu d'une balise ; les enregistrements \
                     complets avant cette ligne ont été lus, demandez une nouvelle livraison de \
                     ce fichier"
                        .to_owned(),
            };
        }
        Fatal {
            line: self.line(),
            message: format!(
                "XML illisible ({cause}) : la suite du fichier est ignorée, demandez une \
                 nouvelle livraison de ce fichier"
            ),
        }
    }

    /// The text of an entity reference: numeric, XML's five, then HTML's (counted).
    fn resolve(&mut self, reference: &BytesRef<'_>) -> String {
        if let Ok(Some(character)) = reference.resolve_char_ref() {
            return character.to_string();
        }
        let name = String::from_utf8_lossy(reference).into_owned();
        if let Some(text) = resolve_xml_entity(&name) {
            return text.to_owned();
        }
        if let Some(text) = resolve_html5_entity(&name) {
            self.repairs.html_entities += 1;
            return text.to_owned();
        }
        if self.repairs.unknown_entities.len() < REMARKS_KEPT {
            let line = self.line();
            self.repairs
                .unknown_entities
                .push((line, format!("&{name};")));
        }
        format!("&{name};")
    }

    /// A value that still holds an entity after XML decoding was escaped twice by the
    /// exporter (`L&amp;apos;ETABLISSEMENT`): unescape it once more.
    fn unescape_twice(&mut self, value: String) -> String {
        if !(value.contains('&') && value.contains(';')) {
            return value;
        }
        match unescape_with(&value, |name| {
            resolve_xml_entity(name).or_else(|| resolve_html5_entity(name))
        }) {
            Ok(once_more) if once_more != value => {
                self.repairs.double_escaped += 1;
                once_more.into_owned()
            }
            _ => value,
        }
    }

    /// Keeps `key="value"` pairs of a header comment.
    fn header_comment(&mut self, comment: &str) {
        let comment = comment.trim();
        if let Some((key, value)) = comment.split_once('=') {
            let value = value.trim().trim_matches('"').trim();
            let key = key.trim();
            if !key.is_empty() && !key.contains(char::is_whitespace) {
                self.header.push((key.to_owned(), value.to_owned()));
            }
        }
    }
}

impl<R: Read> Iterator for RawRecords<R> {
    type Item = Result<RawRecord, Fatal>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let line = self.line();
            self.buf.clear();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(event) => event.into_owned(),
                Err(error) => {
                    let fatal = self.broken(&error.to_string());
                    return Some(Err(fatal));
                }
            };
            let empty = matches!(event, Event::Empty(_));
            match event {
                Event::Start(element) | Event::Empty(element) if !self.root_seen => {
                    let name = local_name(&element);
                    if name != ROOT {
                        return self.fatal(format!(
                            "élément racine « {name} » inattendu : un fichier AAF commence par \
                             <{ROOT}> (est-ce bien un fichier de l'annuaire fédérateur ?)"
                        ));
                    }
                    self.root_seen = true;
                    self.root_closed = empty;
                }
                Event::Start(element) => {
                    let name = local_name(&element);
                    let operation = match name.as_str() {
                        "addRequest" => Operation::Add,
                        "modifyRequest" => Operation::Modify,
                        "deleteRequest" => Operation::Delete,
                        _ => {
                            self.unknown_element(name);
                            let end = element.to_end().into_owned();
                            if let Err(error) =
                                self.reader.read_to_end_into(end.name(), &mut self.buf)
                            {
                                let fatal = self.broken(&error.to_string());
                                return Some(Err(fatal));
                            }
                            continue;
                        }
                    };
                    let record = self.record(operation, line);
                    if record.is_err() {
                        self.done = true;
                    }
                    return Some(record);
                }
                Event::Empty(element) => {
                    let name = local_name(&element);
                    self.unknown_element(name);
                }
                Event::End(_) => self.root_closed = true,
                Event::Comment(comment) if !self.root_closed => {
                    let comment = String::from_utf8_lossy(&comment).into_owned();
                    self.header_comment(&comment);
                }
                Event::Text(content) if !self.root_seen => {
                    let text = content.xml10_content().unwrap_or_default();
                    if !text.trim().is_empty() {
                        return self.fatal(
                            "ce fichier n'est pas du XML (du texte avant tout élément) : un \
                             fichier AAF commence par <?xml ou par <ficAlimMENESR>"
                                .to_owned(),
                        );
                    }
                }
                Event::Eof => {
                    self.done = true;
                    if !self.root_seen {
                        return self.fatal(format!(
                            "fichier vide ou sans élément <{ROOT}> : ce n'est pas un fichier AAF"
                        ));
                    }
                    if !self.root_closed {
                        return self.fatal(format!(
                            "fichier tronqué : la balise </{ROOT}> de fin manque après \
                             l'enregistrement n° {} ; demandez une nouvelle livraison de ce fichier",
                            self.position
                        ));
                    }
                }
                _ => {}
            }
        }
        None
    }
}

fn local_name(element: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(element.local_name().as_ref()).into_owned()
}

/// An `<attr name=…>` or `<modification name=… operation=…>` just opened.
fn open_attribute(element: &BytesStart<'_>, record: &mut RawRecord) -> RawAttribute {
    let read = |key: &str| {
        element
            .try_get_attribute(key)
            .ok()
            .flatten()
            .map(|attribute| String::from_utf8_lossy(&attribute.value).trim().to_owned())
    };
    let name = read("name").unwrap_or_default();
    if element.local_name().as_ref() == b"modification"
        && let Some(operation) = read("operation")
        && operation != "replace"
    {
        record.problems.push(format!(
            "modification « {operation} » de l'attribut « {name} » inconnue (seul « replace » \
             existe) : traitée comme un remplacement"
        ));
    }
    RawAttribute {
        name,
        values: Vec::new(),
    }
}
