//! Creating snapshot archives: a tarball of the data directory, compressed with gzip, bzip2 or xz,
//! written to a temporary file and moved into place only when complete.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::actions::CompressionKind;

/// What to snapshot, and where.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub data_dir: &'a Path,
    pub snapshot_dir: &'a Path,
    /// File name of the temporary archive inside `snapshot_dir`.
    pub temp_name: &'a str,
    /// Final file name inside `snapshot_dir`.
    pub filename: &'a str,
    pub kind: CompressionKind,
    /// 0 (fastest) to 9 (smallest).
    pub quality: u8,
}

/// Why `filename` is not a plain file name, if it is not.
pub fn check_filename(filename: &str) -> Result<(), &'static str> {
    if filename.is_empty() {
        return Err("it is empty");
    }
    if filename.contains('/') || filename.contains('\\') {
        return Err("it must be a plain file name, without directories");
    }
    if filename == "." || filename == ".." {
        return Err("it must name a file");
    }
    if filename.contains('\0') {
        return Err("it contains a NUL byte");
    }
    if filename.starts_with("backup-") {
        return Err("names starting with backup- are used for temporary files");
    }
    Ok(())
}

/// Writes the demo data set into `data_dir`, creating it; existing files are kept.
pub fn write_demo_data(data_dir: &Path, tables: &[(&str, &str)]) -> io::Result<()> {
    fs::create_dir_all(data_dir)?;
    for (name, contents) in tables {
        let path = data_dir.join(name);
        if !path.exists() {
            let temp = data_dir.join(format!(".{name}.tmp"));
            fs::write(&temp, contents)?;
            fs::rename(&temp, &path)?;
        }
    }
    Ok(())
}

/// Archives `data_dir` into `snapshot_dir/filename` and returns the archive's size in bytes.
///
/// `progress` is called with each item's name once it is in the archive. Nothing is left behind
/// on failure: the temporary file is removed, and an existing snapshot is never overwritten.
pub fn create(
    request: &Request<'_>,
    progress: &mut dyn FnMut(&str) -> io::Result<()>,
) -> io::Result<u64> {
    let data_dir = request.data_dir;
    if !data_dir.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "data directory {} does not exist (the install hook creates it)",
                data_dir.display()
            ),
        ));
    }
    fs::create_dir_all(request.snapshot_dir).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot create {}: {e}", request.snapshot_dir.display()),
        )
    })?;
    let target = request.snapshot_dir.join(request.filename);
    if target.exists() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} already exists; choose another filename",
                target.display()
            ),
        ));
    }
    let temp = request.snapshot_dir.join(request.temp_name);
    let result = write_archive(request, &temp, progress).and_then(|()| {
        // A hard link fails if the target appeared meanwhile, so a snapshot is never clobbered.
        fs::hard_link(&temp, &target).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot move the snapshot to {}: {e}", target.display()),
            )
        })
    });
    let _ = fs::remove_file(&temp);
    result?;
    Ok(fs::metadata(&target)?.len())
}

fn write_archive(
    request: &Request<'_>,
    temp: &Path,
    progress: &mut dyn FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", temp.display())))?;
    let out = BufWriter::new(file);
    let level = u32::from(request.quality.min(9));
    let file = match request.kind {
        CompressionKind::Gzip => {
            let encoder = flate2::write::GzEncoder::new(out, flate2::Compression::new(level));
            tar_into(encoder, request.data_dir, progress)?.finish()?
        }
        CompressionKind::Bzip2 => {
            let encoder = bzip2::write::BzEncoder::new(out, bzip2::Compression::new(level.max(1)));
            tar_into(encoder, request.data_dir, progress)?.finish()?
        }
        CompressionKind::Xz => {
            let options = lzma_rust2::XzOptions::with_preset(level);
            let encoder = lzma_rust2::XzWriter::new(out, options)?;
            tar_into(encoder, request.data_dir, progress)?.finish()?
        }
    };
    let file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()
}

/// Writes a tarball of `data_dir`'s entries (sorted, recursively) into `out` and returns `out`.
fn tar_into<W: Write>(
    out: W,
    data_dir: &Path,
    progress: &mut dyn FnMut(&str) -> io::Result<()>,
) -> io::Result<W> {
    let mut builder = tar::Builder::new(out);
    builder.follow_symlinks(false);
    let mut entries: Vec<PathBuf> = fs::read_dir(data_dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            builder.append_dir_all(&name, &path)?;
        } else {
            builder.append_path_with_name(&path, &name)?;
        }
        progress(&name)?;
    }
    builder.into_inner()
}

/// Opens a snapshot for reading, decompressing it with `kind`.
pub fn open(path: &Path, kind: CompressionKind) -> io::Result<Box<dyn io::Read>> {
    let file = io::BufReader::new(File::open(path)?);
    Ok(match kind {
        CompressionKind::Gzip => Box::new(flate2::read::GzDecoder::new(file)),
        CompressionKind::Bzip2 => Box::new(bzip2::read::BzDecoder::new(file)),
        CompressionKind::Xz => Box::new(lzma_rust2::XzReader::new(file, true)),
    })
}
