//! Output files written whole or not at all.
//!
//! [`AtomicFile`] writes under a temporary name in the target's own folder
//! and renames it over the target when complete, so a reader never sees a
//! half-written file under the final name. The temporary file:
//!
//! * has an unpredictable name, `.NAME.XXXXXX.partial` (random letters from
//!   the `tempfile` crate), so nobody can plant a file or a link there in
//!   advance;
//! * is created exclusively (`O_EXCL`): an existing file or symbolic link
//!   under that name makes creation pick another name, never open it;
//! * is removed when the [`AtomicFile`] is dropped without
//!   [`commit`](AtomicFile::commit): on every error path, on a stopped run
//!   and while a panic unwinds (only a killed process leaves one behind,
//!   never under the final name);
//! * is created no more permissive than the file it will replace (an
//!   existing target's mode, or `0666` less the umask for a new file), and
//!   the existing target's exact mode is set on it before the rename, so
//!   replacing a `0600` file leaves a `0600` file.
//!
//! A target that is a symbolic link is refused, not written through and not
//! replaced: give the path of the file itself. So are folders, devices, pipes
//! and sockets. The check is made when the file is created and again before
//! the rename; a link planted between that check and the rename is replaced
//! by the rename itself, which never follows links, so the file it points
//! to is never written.

use std::fs::{self, Permissions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// The write buffer of an output file.
const BUFFER: usize = 1 << 20;

/// A file written under a temporary name and renamed over its target by
/// [`commit`](AtomicFile::commit); dropped uncommitted, it leaves nothing.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    out: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Start writing `target`. Fails when `target` is a symbolic link, a
    /// folder or not a regular file, or when its folder is not writable.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let existing = existing_permissions(target)?;
        let name = target
            .file_name()
            .ok_or_else(|| refused(target, "has no file name"))?;
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let prefix = format!(".{}.", name.to_string_lossy());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".partial");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // The umask applies to this mode, as it does for File::create.
            let mode = existing.map_or(0o666, |p| p.mode() & 0o777);
            builder.permissions(Permissions::from_mode(mode));
        }
        let temp = builder.tempfile_in(dir)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            out: BufWriter::with_capacity(BUFFER, temp),
        })
    }

    /// The file this one will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The temporary file being written.
    pub fn temp_path(&self) -> &Path {
        self.out.get_ref().path()
    }

    /// Flush, sync, give the file the existing target's permissions, and
    /// rename it over the target. On error the temporary file is removed.
    pub fn commit(self) -> io::Result<()> {
        let temp = self.out.into_inner().map_err(|e| e.into_error())?;
        temp.as_file().sync_all()?;
        if let Some(permissions) = existing_permissions(&self.target)? {
            temp.as_file().set_permissions(permissions)?;
        }
        temp.persist(&self.target).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The permissions of the regular file at `target`, `None` when there is
/// none; an error when something else is there.
fn existing_permissions(target: &Path) -> io::Result<Option<Permissions>> {
    match fs::symlink_metadata(target) {
        Ok(meta) if meta.file_type().is_symlink() => Err(refused(
            target,
            "is a symbolic link, which note2fhir neither writes through nor replaces: \
             give the path of the file itself",
        )),
        Ok(meta) if meta.is_dir() => Err(refused(target, "is a folder")),
        Ok(meta) if !meta.is_file() => Err(refused(
            target,
            "is not a regular file (a device, pipe or socket): \
             write to a file, or leave out -o for standard output",
        )),
        Ok(meta) => Ok(Some(meta.permissions())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn refused(target: &Path, reason: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{} {reason}", target.display()),
    )
}

/// Whether `a` and `b` name the same file, following links and `..`, for
/// files that exist and for files still to be created (whose folder
/// exists). Used to refuse writing two outputs to one file.
pub fn same_path(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    if let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return ma.dev() == mb.dev() && ma.ino() == mb.ino();
    }
    resolved(a) == resolved(b)
}

/// `path` made absolute with links resolved as far as it exists.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(path) = fs::canonicalize(path) {
        return path;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => resolved(dir).join(name),
        _ => absolute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_renames_and_drop_removes() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"done\n").unwrap();
        let temp = file
            .temp_path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            temp.starts_with(".out.json.") && temp.ends_with(".partial"),
            "{temp}"
        );
        assert!(temp.len() > ".out.json..partial".len(), "a random part: {temp}");
        assert!(!target.exists(), "nothing under the final name before commit");
        file.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"done\n");
        assert_eq!(names(dir.path()), ["out.json"]);

        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"half").unwrap();
        drop(file);
        assert_eq!(fs::read(&target).unwrap(), b"done\n", "the old file stays");
        assert_eq!(names(dir.path()), ["out.json"], "the temporary file is gone");
    }

    #[test]
    fn two_writers_get_two_names() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        let a = AtomicFile::create(&target).unwrap();
        let b = AtomicFile::create(&target).unwrap();
        assert_ne!(a.temp_path(), b.temp_path());
    }

    #[cfg(unix)]
    #[test]
    fn links_and_special_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let link = dir.path().join("out.json");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = AtomicFile::create(&link).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        let err = AtomicFile::create(dir.path()).unwrap_err();
        assert!(err.to_string().ends_with(" is a folder"), "{err}");
        let err = AtomicFile::create(Path::new("/dev/null")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert_eq!(names(dir.path()), ["out.json", "victim"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_while_writing_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let target = dir.path().join("out.json");
        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"new").unwrap();
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        assert!(file.commit().is_err(), "refused at the rename");
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        assert_eq!(names(dir.path()), ["out.json", "victim"]);
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_files_mode_is_kept_and_never_widened_while_writing() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        for mode in [0o600, 0o640, 0o664] {
            fs::write(&target, "old").unwrap();
            fs::set_permissions(&target, Permissions::from_mode(mode)).unwrap();
            let mut file = AtomicFile::create(&target).unwrap();
            let temp_mode = fs::metadata(file.temp_path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(temp_mode & !mode, 0, "{temp_mode:o} is wider than {mode:o}");
            file.write_all(b"new").unwrap();
            file.commit().unwrap();
            let kept = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
            assert_eq!(kept, mode, "{kept:o} != {mode:o}");
        }
    }

    #[test]
    fn same_path_sees_through_dots_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        let a = dir.path().join("x.json");
        assert!(same_path(&a, &sub.join("../x.json")), "not yet existing");
        assert!(!same_path(&a, &sub.join("x.json")));
        fs::write(&a, "").unwrap();
        assert!(same_path(&a, &sub.join("../x.json")), "existing");
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&sub, &link).unwrap();
            assert!(same_path(&link.join("y.json"), &sub.join("y.json")));
        }
    }
}
