//! Reading the inside of one request element: identifier, category, attributes, values.

use std::io::Read;

use quick_xml::events::Event;

use super::{Fatal, Operation, RawAttribute, RawRecord, RawRecords, local_name, open_attribute};

impl<R: Read> RawRecords<R> {
    /// Reads one record, the request element `operation` being open.
    pub(super) fn record(&mut self, operation: Operation, line: usize) -> Result<RawRecord, Fatal> {
        self.position += 1;
        let mut record = RawRecord {
            operation,
            position: self.position,
            line,
            id: None,
            category: None,
            attributes: Vec::new(),
            problems: Vec::new(),
        };
        let mut depth = 1;
        let mut section = String::new();
        let mut attribute: Option<RawAttribute> = None;
        let mut text: Option<String> = None;
        loop {
            self.buf.clear();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(event) => event.into_owned(),
                Err(error) => return Err(self.broken(&error.to_string())),
            };
            match event {
                Event::Start(element) => {
                    depth += 1;
                    let name = local_name(&element);
                    match (depth, name.as_str()) {
                        (2, _) => section = name,
                        (3, "attr" | "modification") => {
                            attribute = Some(open_attribute(&element, &mut record));
                        }
                        (3, "id") if section == "identifier" => text = Some(String::new()),
                        (4, "value") if attribute.is_some() => text = Some(String::new()),
                        _ => self.unknown_element(name),
                    }
                }
                Event::Empty(element) => {
                    let name = local_name(&element);
                    match (depth + 1, name.as_str()) {
                        (2, _) => {}
                        (3, "attr" | "modification") => {
                            let empty = open_attribute(&element, &mut record);
                            record.attributes.push(empty);
                        }
                        (3, "id") => {}
                        (4, "value") => {
                            if let Some(attribute) = attribute.as_mut() {
                                attribute.values.push(String::new());
                            }
                        }
                        _ => self.unknown_element(name),
                    }
                }
                Event::Text(content) => {
                    if let Some(text) = text.as_mut() {
                        text.push_str(&content.xml10_content().unwrap_or_default());
                    }
                }
                Event::CData(content) => {
                    if let Some(text) = text.as_mut() {
                        text.push_str(&String::from_utf8_lossy(&content));
                    }
                }
                Event::GeneralRef(reference) => {
                    let resolved = self.resolve(&reference);
                    if let Some(text) = text.as_mut() {
                        text.push_str(&resolved);
                    }
                }
                Event::End(_) => {
                    match depth {
                        1 => return Ok(record),
                        2 => section.clear(),
                        3 if section == "identifier" => {
                            let id = text.take().unwrap_or_default();
                            let id = id.trim();
                            record.id = (!id.is_empty()).then(|| id.to_owned());
                        }
                        3 => {
                            if let Some(attribute) = attribute.take() {
                                if section == "operationalAttributes" {
                                    record.category = attribute.values.into_iter().next();
                                } else {
                                    record.attributes.push(attribute);
                                }
                            }
                        }
                        4 => {
                            if let (Some(value), Some(attribute)) = (text.take(), &mut attribute) {
                                let value = self.unescape_twice(value);
                                attribute.values.push(value);
                            }
                        }
                        _ => {}
                    }
                    depth -= 1;
                }
                Event::Eof => {
                    return Err(Fatal {
                        line: self.line(),
                        message: format!(
                            "fichier tronqué : il s'arrête au milieu de l'enregistrement n° {} \
                             commencé ligne {line} ; les enregistrements précédents ont été lus, \
                             demandez une nouvelle livraison de ce fichier",
                            self.position
                        ),
                    });
                }
                _ => {}
            }
        }
    }
}
