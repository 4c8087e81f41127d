//! Turning the bytes of one AAF file into UTF-8 for the XML parser, a chunk at a time.
//!
//! Feeds declare UTF-8, ISO-8859-1 or ISO-8859-15, and real deliveries put raw Latin-1 bytes
//! in a file declared UTF-8 (aaf.md §3). The declared single-byte encodings are decoded as
//! declared; in a file declared UTF-8 (or declaring nothing), every byte sequence that is not
//! UTF-8 is read as Windows-1252 (a superset of Latin-1) and counted, so the report can say
//! what was repaired instead of failing the delivery or silently garbling names.

use std::io::{self, BufRead, Read};

use encoding_rs::{Decoder, Encoding, UTF_8, WINDOWS_1252};

/// Bytes read from the file per step: small enough that a 200 MB file never sits in memory.
const CHUNK: usize = 64 * 1024;

/// How far into the file the XML declaration (and its encoding) is looked for.
const PROLOG: usize = 512;

/// What the decoder did to one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoding {
    /// The encoding the file declares (`UTF-8` when it declares none), as written.
    pub declared: String,
    /// Bytes that were not UTF-8 in a file declared UTF-8, read as Latin-1.
    pub repaired_bytes: u64,
    /// Line of the first repaired byte.
    pub first_repair_line: Option<usize>,
}

enum Mode {
    /// Declared UTF-8 or nothing: invalid sequences are read as Windows-1252.
    Repair,
    /// A declared encoding other than UTF-8, decoded as declared.
    Declared(Box<Decoder>),
}

/// A [`BufRead`] of UTF-8 over the raw bytes of one file, counting the lines consumed.
pub struct Utf8Source<R> {
    inner: R,
    mode: Option<Mode>,
    raw: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Newlines consumed by the parser so far.
    newlines: usize,
    decoding: Decoding,
}

impl<R: Read> Utf8Source<R> {
    /// Wraps the raw bytes of a file.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            mode: None,
            raw: Vec::new(),
            out: Vec::new(),
            pos: 0,
            eof: false,
            newlines: 0,
            decoding: Decoding::default(),
        }
    }

    /// The line (from 1) the parser has reached.
    pub fn line(&self) -> usize {
        self.newlines + 1
    }

    /// Bytes held in buffers now: bounded by the chunk size, whatever the file's size.
    pub fn buffered(&self) -> usize {
        self.raw.capacity() + self.out.capacity()
    }

    /// Whether every byte of the file has been read and handed to the parser.
    pub fn at_end(&self) -> bool {
        self.eof && self.raw.is_empty() && self.pos >= self.out.len()
    }

    /// What was declared and repaired so far (all of it once the file is read).
    pub fn decoding(&self) -> &Decoding {
        &self.decoding
    }

    fn read_raw(&mut self, at_least: usize) -> io::Result<()> {
        let mut chunk = vec![0; CHUNK];
        while !self.eof && self.raw.len() < at_least {
            let read = self.inner.read(&mut chunk)?;
            if read == 0 {
                self.eof = true;
            }
            self.raw.extend_from_slice(&chunk[..read]);
        }
        Ok(())
    }

    /// Chooses the mode from a byte-order mark or the XML declaration.
    fn choose_mode(&mut self) -> io::Result<()> {
        self.read_raw(PROLOG)?;
        if let Some((encoding, bom)) = Encoding::for_bom(&self.raw) {
            self.raw.drain(..bom);
            self.decoding.declared = encoding.name().to_owned();
            self.mode = Some(if encoding == UTF_8 {
                Mode::Repair
            } else {
                Mode::Declared(Box::new(encoding.new_decoder_without_bom_handling()))
            });
            return Ok(());
        }
        let declared = declared_encoding(&self.raw[..self.raw.len().min(PROLOG)]);
        self.decoding.declared = declared.clone().unwrap_or_else(|| "UTF-8".to_owned());
        let encoding = declared
            .as_deref()
            .and_then(|label| Encoding::for_label(label.as_bytes()))
            .unwrap_or(UTF_8);
        // A declared encoding that is not ASCII-compatible (UTF-16 without a BOM) cannot be
        // what the declaration itself was written in: trust the bytes.
        self.mode = Some(if encoding == UTF_8 || !encoding.is_ascii_compatible() {
            Mode::Repair
        } else {
            Mode::Declared(Box::new(encoding.new_decoder_without_bom_handling()))
        });
        Ok(())
    }

    fn refill(&mut self) -> io::Result<()> {
        if self.mode.is_none() {
            self.choose_mode()?;
        }
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() {
            if self.raw.is_empty() {
                if self.eof {
                    return Ok(());
                }
                self.read_raw(1)?;
            }
            match self.mode.as_mut().expect("chosen above") {
                Mode::Declared(decoder) => {
                    let mut text = String::with_capacity(
                        decoder
                            .max_utf8_buffer_length(self.raw.len())
                            .unwrap_or(self.raw.len() * 3),
                    );
                    let (_, read, _) = decoder.decode_to_string(&self.raw, &mut text, self.eof);
                    self.raw.drain(..read);
                    self.out.extend_from_slice(text.as_bytes());
                }
                Mode::Repair => self.repair(),
            }
            if self.out.is_empty() && !self.eof {
                self.read_raw(self.raw.len() + 1)?;
            } else if self.out.is_empty() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Moves the valid UTF-8 of `raw` to `out`, reading invalid bytes as Windows-1252 and
    /// keeping an incomplete sequence at the end for the next chunk.
    fn repair(&mut self) {
        let mut start = 0;
        loop {
            let input = &self.raw[start..];
            match std::str::from_utf8(input) {
                Ok(text) => {
                    self.out.extend_from_slice(text.as_bytes());
                    start = self.raw.len();
                    break;
                }
                Err(error) => {
                    let valid = error.valid_up_to();
                    self.out.extend_from_slice(&input[..valid]);
                    let bad = match error.error_len() {
                        Some(length) => length,
                        None if self.eof => input.len() - valid,
                        None => {
                            start += valid;
                            break;
                        }
                    };
                    if self.decoding.first_repair_line.is_none() {
                        let pending = self.out.iter().filter(|&&b| b == b'\n').count();
                        self.decoding.first_repair_line = Some(self.newlines + pending + 1);
                    }
                    let bytes = &input[valid..valid + bad];
                    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
                    self.out.extend_from_slice(text.as_bytes());
                    self.decoding.repaired_bytes += bad as u64;
                    start += valid + bad;
                }
            }
        }
        self.raw.drain(..start);
    }
}

impl<R: Read> Read for Utf8Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let length = available.len().min(buf.len());
        buf[..length].copy_from_slice(&available[..length]);
        self.consume(length);
        Ok(length)
    }
}

impl<R: Read> BufRead for Utf8Source<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.out.len() {
            self.refill()?;
        }
        Ok(&self.out[self.pos..])
    }

    fn consume(&mut self, amount: usize) {
        let end = (self.pos + amount).min(self.out.len());
        self.newlines += self.out[self.pos..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.pos = end;
    }
}

/// The `encoding="…"` of an XML declaration at the start of `prolog`, if any.
fn declared_encoding(prolog: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(prolog);
    let text = text.trim_start();
    let declaration = &text[..text.strip_prefix("<?xml")?.find("?>")? + 5];
    let after = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let value = &after[1..];
    Some(value[..value.find(quote)?].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (String, Decoding) {
        let mut source = Utf8Source::new(bytes);
        let mut text = String::new();
        source.read_to_string(&mut text).expect("decodes");
        (text, source.decoding().clone())
    }

    #[test]
    fn declared_latin1_is_decoded_as_declared() {
        let (text, decoding) =
            decode(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a>4\xe8me</a>");
        assert!(text.ends_with("<a>4ème</a>"));
        assert_eq!(decoding.declared, "ISO-8859-1");
        assert_eq!(decoding.repaired_bytes, 0);
    }

    #[test]
    fn declared_latin9_has_the_euro_sign() {
        let (text, _) = decode(b"<?xml version='1.0' encoding='ISO-8859-15'?><a>\xa4</a>");
        assert!(text.contains("<a>€</a>"));
    }

    #[test]
    fn latin1_bytes_in_utf8_are_repaired_and_counted() {
        let (text, decoding) = decode(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>é</a>\n<b>4"
                .as_bytes()
                .iter()
                .copied()
                .chain(*b"\xe8me latin</b>")
                .collect::<Vec<_>>()
                .as_slice(),
        );
        assert!(text.contains("<a>é</a>") && text.contains("<b>4ème latin</b>"));
        assert_eq!(decoding.repaired_bytes, 1);
        assert_eq!(decoding.first_repair_line, Some(3));
    }

    #[test]
    fn a_sequence_cut_between_chunks_is_kept_whole() {
        // "é" (C3 A9) straddles the chunk boundary: it must not be taken for Latin-1.
        let mut bytes = vec![b'a'; CHUNK - 1];
        bytes.extend_from_slice("é and a trailing \u{e8}".as_bytes());
        let (text, decoding) = decode(&bytes);
        assert!(text.ends_with("é and a trailing è"));
        assert_eq!(decoding.repaired_bytes, 0);
        assert_eq!(decoding.declared, "UTF-8");
    }

    #[test]
    fn a_truncated_sequence_at_the_end_is_repaired() {
        let (text, decoding) = decode(b"<a>caf\xc3");
        assert_eq!(text, "<a>caf\u{c3}");
        assert_eq!(decoding.repaired_bytes, 1);
    }

    #[test]
    fn a_utf8_bom_is_dropped() {
        let (text, _) = decode(b"\xef\xbb\xbf<a/>");
        assert_eq!(text, "<a/>");
    }
}
