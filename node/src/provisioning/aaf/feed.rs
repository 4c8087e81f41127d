//! A feed as delivered: a folder, a `.zip` or a `.tgz` (or one `.xml` file), its files
//! classified by name (entity, Complet or Delta, chunk), and each entity read across all its
//! chunks, one record at a time.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::entity::Entity;
use super::names::{FileName, classify};
use super::records::Record;
use super::tally::FileTally;
use super::typed::FromAaf;
use super::xml::RawRecords;
use crate::provisioning::onde::read::ReadError;

/// Complet (the whole population: missing people have left) or Delta (operations only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum FeedKind {
    /// A full extract.
    Complet,
    /// Changes since the previous extract.
    Delta,
}

#[derive(Debug, Clone)]
enum Source {
    Folder(PathBuf),
    Zip(PathBuf),
    Tgz(PathBuf),
    Xml(PathBuf),
}

/// One entity file of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedFile {
    /// Path inside the folder or archive (what messages name).
    pub name: String,
    /// What its name says it holds.
    pub entity: Entity,
    /// `Delta` in its name.
    pub delta: bool,
    /// Chunk number (`_0001` → 1).
    pub chunk: u32,
}

/// An opened feed: its files are known, none is read yet.
#[derive(Debug, Clone)]
pub struct Feed {
    source: Source,
    /// Entity files, by entity then chunk.
    pub files: Vec<FeedFile>,
    /// Other files, which are not read (the DTD is not listed).
    pub ignored: Vec<String>,
    /// Complet or Delta.
    pub kind: FeedKind,
}

/// What reading one entity gave besides the records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    /// Per file: records, repairs.
    pub files: Vec<FileTally>,
    /// Records refused, files cut short (at most `MAX_ERRORS` per file, plus a count).
    pub errors: Vec<ReadError>,
    /// What was accepted anyway or repaired (capped likewise).
    pub warnings: Vec<ReadError>,
    /// Header comments of the first file (`codeAcademieExport`, `degre`…).
    pub header: Vec<(String, String)>,
}

impl Reading {
    /// Records handed over, over all files.
    pub fn records(&self) -> u64 {
        self.files.iter().map(|f| f.records).sum()
    }

    /// Records refused, over all files.
    pub fn rejected(&self) -> u64 {
        self.files.iter().map(|f| f.rejected).sum()
    }
}

fn whole(file: &Path, message: String) -> ReadError {
    ReadError {
        file: file.display().to_string(),
        line: 0,
        column: None,
        message,
    }
}

/// Opens a feed: a folder (searched recursively), a `.zip`, a `.tgz`/`.tar.gz`, or a
/// single `.xml` file. Fails when nothing in it is an AAF file, or when it mixes Complet
/// and Delta files or deliveries of different dates (which would apply twice).
pub fn open(path: &Path) -> Result<Feed, ReadError> {
    let lower = path.to_string_lossy().to_lowercase();
    let (source, names) = if path.is_dir() {
        let mut names = Vec::new();
        list_folder(path, path, 0, &mut names)
            .map_err(|e| whole(path, format!("dossier illisible : {e}")))?;
        (Source::Folder(path.to_owned()), names)
    } else if lower.ends_with(".zip") {
        let archive = File::open(path)
            .and_then(|f| zip::ZipArchive::new(f).map_err(io::Error::other))
            .map_err(|e| whole(path, format!("archive ZIP illisible : {e}")))?;
        let names = archive.file_names().map(str::to_owned).collect();
        (Source::Zip(path.to_owned()), names)
    } else if lower.ends_with(".tgz") || lower.ends_with(".tar.gz") {
        let names =
            tgz_names(path).map_err(|e| whole(path, format!("archive .tgz illisible : {e}")))?;
        (Source::Tgz(path.to_owned()), names)
    } else if lower.ends_with(".xml") && path.is_file() {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        (Source::Xml(path.to_owned()), name.into_iter().collect())
    } else {
        return Err(whole(
            path,
            "ni un dossier, ni une archive .zip ou .tgz, ni un fichier .xml : indiquez le \
             dossier ou l'archive de la livraison AAF"
                .to_owned(),
        ));
    };
    let mut files: Vec<(FeedFile, FileName)> = Vec::new();
    let mut ignored = Vec::new();
    for name in names {
        match classify(&name) {
            Some(parsed) => files.push((
                FeedFile {
                    name,
                    entity: parsed.entity,
                    delta: parsed.delta,
                    chunk: parsed.chunk,
                },
                parsed,
            )),
            None if name.ends_with('/') || name.to_lowercase().ends_with(".dtd") => {}
            None => ignored.push(name),
        }
    }
    if files.is_empty() {
        return Err(whole(
            path,
            "aucun fichier AAF trouvé (noms attendus : …_Complet_AAAAMMJJ_Eleve_0000.xml, \
             …_EtabEducNat_0000.xml…)"
                .to_owned(),
        ));
    }
    let deltas = files.iter().filter(|(f, _)| f.delta).count();
    if deltas != 0 && deltas != files.len() {
        return Err(whole(
            path,
            format!(
                "la livraison mélange des fichiers Complet ({}) et Delta ({deltas}) : importez-les \
                 séparément, le Complet d'abord",
                files.len() - deltas
            ),
        ));
    }
    let mut dates: Vec<&str> = files
        .iter()
        .filter_map(|(_, n)| n.date.as_deref())
        .collect();
    dates.sort_unstable();
    dates.dedup();
    if dates.len() > 1 {
        return Err(whole(
            path,
            format!(
                "plusieurs livraisons dans le même envoi (dates {}) : gardez-en une seule par import",
                dates.join(", ")
            ),
        ));
    }
    let mut files: Vec<FeedFile> = files.into_iter().map(|(f, _)| f).collect();
    files.sort_by(|a, b| (a.entity, a.chunk, &a.name).cmp(&(b.entity, b.chunk, &b.name)));
    let kind = if deltas == 0 {
        FeedKind::Complet
    } else {
        FeedKind::Delta
    };
    Ok(Feed {
        source,
        files,
        ignored,
        kind,
    })
}

impl Feed {
    /// Whether the feed has a file of this entity.
    pub fn has(&self, entity: Entity) -> bool {
        self.files.iter().any(|f| f.entity == entity)
    }

    /// Reads every file of `T`'s entity, in chunk order (archive order for a `.tgz`), and
    /// hands each valid record to `visit`; refused records become errors. Only an
    /// unreadable folder or archive is an `Err`.
    pub fn read<T: FromAaf>(&self, mut visit: impl FnMut(Record<T>)) -> Result<Reading, ReadError> {
        let wanted: Vec<&FeedFile> = (self.files.iter())
            .filter(|f| f.entity == T::ENTITY)
            .collect();
        let mut reading = Reading::default();
        let mut one = |name: &str, bytes: &mut dyn Read| {
            read_file::<T>(name, bytes, &mut reading, &mut visit);
        };
        match &self.source {
            Source::Folder(root) => {
                for file in &wanted {
                    let path = root.join(&file.name);
                    let mut bytes = File::open(&path)
                        .map_err(|e| whole(&path, format!("fichier illisible : {e}")))?;
                    one(&file.name, &mut bytes);
                }
            }
            Source::Xml(path) => {
                if let Some(file) = wanted.first() {
                    let mut bytes = File::open(path)
                        .map_err(|e| whole(path, format!("fichier illisible : {e}")))?;
                    one(&file.name, &mut bytes);
                }
            }
            Source::Zip(path) => {
                let unreadable =
                    |e: &dyn std::fmt::Display| whole(path, format!("archive ZIP illisible : {e}"));
                let file = File::open(path).map_err(|e| unreadable(&e))?;
                let mut archive = zip::ZipArchive::new(file).map_err(|e| unreadable(&e))?;
                for file in &wanted {
                    let mut entry = archive.by_name(&file.name).map_err(|e| unreadable(&e))?;
                    one(&file.name, &mut entry);
                }
            }
            Source::Tgz(path) => {
                let unreadable =
                    |e: io::Error| whole(path, format!("archive .tgz illisible : {e}"));
                let file = File::open(path).map_err(unreadable)?;
                let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
                for entry in archive.entries().map_err(unreadable)? {
                    let mut entry = entry.map_err(unreadable)?;
                    let name = entry
                        .path()
                        .map_err(unreadable)?
                        .to_string_lossy()
                        .into_owned();
                    if wanted.iter().any(|f| f.name == name) {
                        one(&name, &mut entry);
                    }
                }
            }
        }
        Ok(reading)
    }
}

/// Streams one file into typed records, tallying what it holds and what was repaired.
fn read_file<T: FromAaf>(
    name: &str,
    bytes: &mut dyn Read,
    reading: &mut Reading,
    visit: &mut impl FnMut(Record<T>),
) {
    let mut tally = FileTally::new(name, T::ENTITY);
    let mut records = RawRecords::new(bytes);
    for next in records.by_ref() {
        match next {
            Ok(raw) => tally.record(super::typed::type_record::<T>(&raw, name), &raw, visit),
            Err(fatal) => tally.fatal(fatal),
        }
    }
    if reading.header.is_empty() {
        reading.header = records.header.clone();
    }
    tally.finish(
        records.repairs(),
        &mut reading.errors,
        &mut reading.warnings,
    );
    reading.files.push(tally);
}

fn list_folder(root: &Path, dir: &Path, depth: usize, names: &mut Vec<String>) -> io::Result<()> {
    if depth > 3 {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            list_folder(root, &path, depth + 1, names)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            names.push(relative.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

fn tgz_names(path: &Path) -> io::Result<Vec<String>> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(File::open(path)?));
    let mut names = Vec::new();
    for entry in archive.entries()? {
        let entry = entry?;
        if entry.header().entry_type().is_file() {
            names.push(entry.path()?.to_string_lossy().into_owned());
        }
    }
    Ok(names)
}
