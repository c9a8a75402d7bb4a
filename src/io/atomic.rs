//! Crash-safe file writing.
//!
//! Reports, projects and settings must never be left half-written when the
//! program is killed or the disk fills up: [`write_atomic`] writes a temporary
//! file beside the target, flushes it to disk and renames it over the target,
//! so readers see either the old file or the complete new one.
//!
//! A set of files (a report, an assessment's outputs) is all or nothing
//! too: [`StagedFolder`] builds the new folder beside the target — the
//! target's other entries hard-linked in — and swaps it with the target in
//! one step, so a kill at any moment leaves either the old folder or the
//! complete new one, never a mix.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory is written, synced to disk and renamed over `path`. On failure
/// the temporary file is removed and `path` is untouched.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("lifecircle-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let file = dir.join("report.csv");
/// lifecircle::io::write_atomic(&file, b"township,share\n").unwrap();
/// assert_eq!(std::fs::read(&file).unwrap(), b"township,share\n");
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Like [`write_atomic`], for output too large to build in memory first:
/// `write` streams into a buffered temporary file, which replaces `path`
/// only when `write` succeeded.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> io::Result<()> {
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a file path: {}", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    remove_stale_temps(dir, &file_name.to_string_lossy());
    let tmp = temp_path(dir, &file_name.to_string_lossy());
    let written = write_synced(&tmp, write).and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = written {
        // Best effort: the temporary file may not even exist.
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(dir);
    Ok(())
}

/// Temporary files of `file_name` in `dir` left by a process that was
/// killed while writing (its id is in the name, see [`temp_path`]).
fn remove_stale_temps(dir: &Path, file_name: &str) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let prefix = format!(".{file_name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some((pid, _)) = rest.split_once('-') else {
            continue;
        };
        if pid.bytes().all(|b| b.is_ascii_digit()) && !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// A fresh name for a temporary file beside the target.
fn temp_path(dir: &Path, file_name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{file_name}.{}-{n}.tmp", std::process::id()))
}

fn write_synced(
    tmp: &Path,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> io::Result<()> {
    let file = OpenOptions::new().write(true).create_new(true).open(tmp)?;
    let mut out = io::BufWriter::with_capacity(1 << 20, EarlyWriteback::new(file));
    write(&mut out)?;
    let file = out.into_inner().map_err(|e| e.into_error())?.file;
    file.sync_all()
}

/// A file whose written pages go to disk while more is written: every
/// [`WRITEBACK_STEP`] bytes the system is asked to start writing the last
/// step out (Linux `sync_file_range`, which does not wait). The final sync
/// then has little left to do; without this, a file of hundreds of MB
/// (the blind spots of a province) is all written out at the sync, after
/// the writing, in a few tenths of a second of waiting.
struct EarlyWriteback {
    file: fs::File,
    written: u64,
    started: u64,
}

/// Bytes written between two requests to start writing out.
const WRITEBACK_STEP: u64 = 16 << 20;

impl EarlyWriteback {
    fn new(file: fs::File) -> Self {
        Self {
            file,
            written: 0,
            started: 0,
        }
    }

    fn start_writeback(&mut self) {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd as _;
            unsafe extern "C" {
                fn sync_file_range(fd: i32, offset: i64, nbytes: i64, flags: u32) -> i32;
            }
            const SYNC_FILE_RANGE_WRITE: u32 = 2;
            let (from, to) = (self.started, self.written);
            // SAFETY: the descriptor is this open file's; the call only
            // starts write-out of its pages and takes no pointers. Its
            // result is advice only: the final sync still writes all.
            unsafe {
                sync_file_range(
                    self.file.as_raw_fd(),
                    from as i64,
                    (to - from) as i64,
                    SYNC_FILE_RANGE_WRITE,
                );
            }
        }
        self.started = self.written;
    }
}

impl io::Write for EarlyWriteback {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= WRITEBACK_STEP {
            self.start_writeback();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Makes the rename itself durable where the platform allows it.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        // Best effort: some file systems refuse to sync directories.
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// A folder of output files written all together or not at all.
///
/// [`StagedFolder::begin`] makes a staging folder beside `target` holding
/// hard links to what `target` holds now; files are written into
/// [`StagedFolder::path`] (each with [`write_atomic`], which replaces a
/// link without touching the target's file); [`StagedFolder::commit`]
/// swaps the two folders in one step (Linux `renameat2` with
/// `RENAME_EXCHANGE`; elsewhere two renames, the second right after the
/// first) and removes the old one. Dropped without commit (failure,
/// cancel), the staging folder is removed and `target` is as it was.
/// Staging folders left by a killed process are removed by the next
/// `begin` for the same target.
#[derive(Debug)]
pub struct StagedFolder {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl StagedFolder {
    /// Start replacing the folder `target` (created when committed if it
    /// does not exist).
    pub fn begin(target: &Path) -> io::Result<Self> {
        let target = match fs::canonicalize(target) {
            Ok(t) => t,
            Err(_) => std::path::absolute(target)?,
        };
        let (parent, name) = match (target.parent(), target.file_name()) {
            (Some(p), Some(n)) => (p.to_path_buf(), n.to_string_lossy().into_owned()),
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("not a folder path: {}", target.display()),
                ));
            }
        };
        fs::create_dir_all(&parent)?;
        remove_stale(&parent, &name);
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let staging = parent.join(format!(".{name}.staging-{}-{n}", std::process::id()));
        let staged = Self {
            target: target.clone(),
            staging,
            committed: false,
        };
        fs::create_dir(&staged.staging)?;
        if target.is_dir() {
            mirror(&target, &staged.staging)?;
        } else if target.exists() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("not a folder: {}", target.display()),
            ));
        }
        Ok(staged)
    }

    /// The folder to write into.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Put the new folder in place of the target, in one step.
    pub fn commit(mut self) -> io::Result<()> {
        sync_dir(&self.staging);
        if !self.target.exists() {
            fs::rename(&self.staging, &self.target)?;
        } else {
            exchange(&self.staging, &self.target)?;
            // The staging path now holds the old folder.
            let _ = fs::remove_dir_all(&self.staging);
        }
        self.committed = true;
        if let Some(parent) = self.target.parent() {
            sync_dir(parent);
        }
        Ok(())
    }
}

impl Drop for StagedFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// `to` (an empty folder) made to hold what `from` holds: folders
/// recreated, files hard-linked (copied where links are refused).
fn mirror(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            fs::create_dir(&dst)?;
            mirror(&src, &dst)?;
        } else if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(fs::read_link(&src)?, &dst)?;
            #[cfg(not(unix))]
            fs::copy(&src, &dst).map(|_| ())?;
        } else if fs::hard_link(&src, &dst).is_err() {
            fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// Staging folders of `name` in `parent` whose process is gone.
fn remove_stale(parent: &Path, name: &str) {
    let prefix = format!(".{name}.staging-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        let alive = if cfg!(target_os = "linux") {
            Path::new("/proc").join(pid).exists()
        } else {
            true
        };
        if !alive {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Swap two folders in one step where the system can.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::{CString, c_char, c_int, c_uint};
        use std::os::unix::ffi::OsStrExt as _;
        unsafe extern "C" {
            fn renameat2(
                olddirfd: c_int,
                oldpath: *const c_char,
                newdirfd: c_int,
                newpath: *const c_char,
                flags: c_uint,
            ) -> c_int;
        }
        const AT_FDCWD: c_int = -100;
        const RENAME_EXCHANGE: c_uint = 2;
        let ca = CString::new(a.as_os_str().as_bytes())?;
        let cb = CString::new(b.as_os_str().as_bytes())?;
        // SAFETY: both are NUL-terminated paths that outlive the call;
        // renameat2 only reads them.
        let r = unsafe {
            renameat2(
                AT_FDCWD,
                ca.as_ptr(),
                AT_FDCWD,
                cb.as_ptr(),
                RENAME_EXCHANGE,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        // Only a file system without exchange falls back.
        if !matches!(e.raw_os_error(), Some(22) | Some(38) | Some(95)) {
            return Err(e);
        }
    }
    // Two renames: the old folder steps aside, the new one takes its place.
    let aside = a.with_extension("old");
    fs::rename(b, &aside)?;
    if let Err(e) = fs::rename(a, b) {
        let _ = fs::rename(&aside, b);
        return Err(e);
    }
    fs::rename(&aside, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staged_folder_replaces_the_target_whole_or_not_at_all() {
        let dir = scratch_dir("staged");
        let out = dir.join("out");
        fs::create_dir_all(out.join("maps")).unwrap();
        fs::write(out.join("coverage.json"), "old").unwrap();
        fs::write(out.join("notes.txt"), "mine").unwrap();
        fs::write(out.join("maps").join("t5.png"), "old map").unwrap();
        // Dropped without commit: nothing changes, no staging left.
        {
            let staged = StagedFolder::begin(&out).unwrap();
            write_atomic(&staged.path().join("coverage.json"), b"half").unwrap();
        }
        assert_eq!(
            fs::read_to_string(out.join("coverage.json")).unwrap(),
            "old"
        );
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "staging left behind"
        );
        // Committed: new files in, other entries kept.
        let staged = StagedFolder::begin(&out).unwrap();
        write_atomic(&staged.path().join("coverage.json"), b"new").unwrap();
        write_atomic(&staged.path().join("maps").join("t5.png"), b"new map").unwrap();
        staged.commit().unwrap();
        assert_eq!(
            fs::read_to_string(out.join("coverage.json")).unwrap(),
            "new"
        );
        assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
        assert_eq!(
            fs::read_to_string(out.join("maps/t5.png")).unwrap(),
            "new map"
        );
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "old folder left behind"
        );
        // A target that does not exist yet.
        let fresh = dir.join("fresh");
        let staged = StagedFolder::begin(&fresh).unwrap();
        write_atomic(&staged.path().join("a.csv"), b"x").unwrap();
        staged.commit().unwrap();
        assert_eq!(fs::read(fresh.join("a.csv")).unwrap(), b"x");
        // A staging folder of a dead process is cleared.
        let stale = dir.join(".out.staging-999999999-0");
        fs::create_dir(&stale).unwrap();
        drop(StagedFolder::begin(&out).unwrap());
        assert!(!stale.exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    fn scratch_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("lifecircle-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn replaces_and_leaves_no_temporary_file() {
        let dir = scratch_dir("replace");
        let file = dir.join("out.json");
        write_atomic(&file, b"old").unwrap();
        write_atomic(&file, b"new contents").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"new contents");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.json")]);
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A file of several write-out steps, written in pieces of odd sizes,
    /// reads back whole; the steps were asked for on the way.
    #[test]
    fn a_file_written_out_on_the_way_reads_back_whole() {
        let dir = scratch_dir("early");
        let file = dir.join("large.txt");
        let expected: Vec<u8> = (0..(2 * WRITEBACK_STEP + 12_345))
            .map(|i| (i % 251) as u8)
            .collect();
        let mut steps = 0;
        write_atomic_with(&file, |w| {
            for piece in expected.chunks(1_000_003) {
                w.write_all(piece)?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(fs::read(&file).unwrap(), expected);
        // The counting itself, on a file of its own.
        let mut early = EarlyWriteback::new(fs::File::create(dir.join("count")).unwrap());
        for piece in expected.chunks(4_000_037) {
            io::Write::write_all(&mut early, piece).unwrap();
            if early.started == early.written {
                steps += 1;
            }
        }
        assert_eq!(early.written, expected.len() as u64);
        // Asked for at each full step: never a step's worth left unasked.
        assert!(steps >= 1);
        assert!(early.written - early.started < WRITEBACK_STEP);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_directory_is_an_error_and_writes_nothing() {
        let dir = scratch_dir("missing");
        let file = dir.join("no-such-dir").join("out.json");
        assert!(write_atomic(&file, b"x").is_err());
        assert!(!file.exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn path_without_file_name_is_an_error() {
        let err = write_atomic(Path::new("/"), b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
