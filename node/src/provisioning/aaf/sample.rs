//! Deterministic generator of realistic AAF feeds (2D), for tests, the demo and benchmarks.
//!
//! Real feeds hold children's personal data and cannot be shared, so this builds feeds with
//! the shape and the traps of the ones described in `aaf.md`: collèges of several hundred
//! pupils, siblings (also across two collèges), separated parents in two homes, an ASE
//! guardian, contacts without parental authority, a teacher in two collèges, a class without
//! head teacher, both link-code generations, every encoding seen, chunked files, and Deltas
//! with moves, departures and arrivals.

mod archive;
mod delta;
mod families;
mod model;
mod staff;
mod write;

pub use archive::LargePupilFile;
pub use model::{Expected, Model};
pub use write::SampleFeed;

/// Bytes of the generated files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleEncoding {
    /// UTF-8, declared.
    Utf8,
    /// ISO-8859-1 declared, every non-ASCII character as `&#NNN;` (the 2013 Lyon delivery).
    Latin1Entities,
    /// UTF-8 declared but raw Latin-1 bytes (the same delivery's EtabEducNat): to repair.
    Latin1InUtf8,
    /// ISO-8859-15 declared, raw bytes.
    Latin9,
}

/// Which generation of pupil–responsable link codes (aaf.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCodes {
    /// Before 2018: 1 father, 2 mother; legal part 1 or 2 for both legal representatives.
    Old,
    /// Since 2018: 10 mother, 20 father; legal part 1.
    New,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// Collèges in the feed (an academy-wide extract has many).
    pub colleges: usize,
    /// Pupils per collège.
    pub pupils_per_college: usize,
    /// Encoding of the person files; EtabEducNat uses `structure_encoding`.
    pub encoding: SampleEncoding,
    /// Encoding of the EtabEducNat file (real deliveries differ from file to file).
    pub structure_encoding: SampleEncoding,
    /// Link code generation.
    pub link_codes: LinkCodes,
    /// Records per file before a new chunk (`_0001`…); `usize::MAX` for one file each.
    pub chunk_records: usize,
    /// CRLF line ends.
    pub crlf: bool,
    /// Date in the file names (`YYYYMMDD`).
    pub date: String,
    /// Seed: the same options always give the same feed.
    pub seed: u64,
}

impl Default for SampleOptions {
    fn default() -> Self {
        Self {
            colleges: 2,
            pupils_per_college: 600,
            encoding: SampleEncoding::Utf8,
            structure_encoding: SampleEncoding::Utf8,
            link_codes: LinkCodes::New,
            chunk_records: usize::MAX,
            crlf: false,
            date: "20240916".to_owned(),
            seed: 1,
        }
    }
}

/// A Complet feed for `options`, with what it holds.
pub fn complet(options: &SampleOptions) -> SampleFeed {
    let model = Model::build(options);
    write::complet(&model, options)
}

/// A Delta to apply after `complet(options)`: class moves, departures, an arrival with a new
/// responsable, a teacher leaving, a changed service; `Expected` is the state after it.
pub fn delta(options: &SampleOptions) -> SampleFeed {
    let model = Model::build(options);
    write::delta(&model, options)
}
