//! Delivering a generated feed: a folder, a zip, a tgz, or a pupil file of any size
//! generated while it is read.

use std::io::{self, Read, Write};
use std::path::Path;

use super::SampleEncoding;
use super::model::Model;
use super::write::{SampleFeed, header, pupil_record};

impl SampleFeed {
    /// Writes the files into a folder.
    pub fn write_folder(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, bytes) in &self.files {
            std::fs::write(dir.join(name), bytes)?;
        }
        Ok(())
    }

    /// Writes the files as a `.zip`, as the académie delivers them.
    pub fn write_zip(&self, path: &Path) -> io::Result<()> {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(path)?);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in &self.files {
            zip.start_file(name.as_str(), options)
                .map_err(io::Error::other)?;
            zip.write_all(bytes)?;
        }
        zip.finish().map_err(io::Error::other)?;
        Ok(())
    }

    /// Writes the files as a `.tgz` under a folder, as older deliveries were.
    pub fn write_tgz(&self, path: &Path) -> io::Result<()> {
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(path)?,
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        for (name, bytes) in &self.files {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(
                &mut header,
                format!("ENT2DVA.{}/{name}", "extract"),
                bytes.as_slice(),
            )?;
        }
        tar.into_inner()?.finish()?;
        Ok(())
    }
}

/// A pupil file of any size, generated while it is read: never whole in memory.
pub struct LargePupilFile {
    next: usize,
    count: usize,
    pending: Vec<u8>,
    at: usize,
    finished: bool,
}

impl LargePupilFile {
    /// A file of `count` pupil records.
    pub fn new(count: usize) -> Self {
        Self {
            next: 0,
            count,
            pending: header(SampleEncoding::Utf8, true).into_bytes(),
            at: 0,
            finished: false,
        }
    }
}

impl Read for LargePupilFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.pending.len() {
            self.pending.clear();
            self.at = 0;
            if self.next < self.count {
                let model = Model::one_pupil(self.next);
                self.pending
                    .extend_from_slice(pupil_record(&model, "6027").as_bytes());
                self.next += 1;
            } else if !self.finished {
                self.finished = true;
                self.pending.extend_from_slice(b"</ficAlimMENESR>\n");
            } else {
                return Ok(0);
            }
        }
        let length = buf.len().min(self.pending.len() - self.at);
        buf[..length].copy_from_slice(&self.pending[self.at..self.at + length]);
        self.at += length;
        Ok(length)
    }
}
