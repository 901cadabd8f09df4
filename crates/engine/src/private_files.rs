//! Files and directories only the sidecar's user can read: an archive holds a tenant's whole
//! business, and a job record or a spool file says as much about it. Created so from the start,
//! whatever the process umask, rather than tightened afterwards.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::path::Path;

/// Mode of the files the product writes: read and write for the owner only.
pub const FILE_MODE: u32 = 0o600;
/// Mode of the directories the product creates: the owner only.
pub const DIR_MODE: u32 = 0o700;

/// Options that create a file readable by its owner only (on Unix; elsewhere the platform's
/// defaults). Set `write`, `create`/`create_new` and friends on the result as usual.
pub fn private_file_options() -> OpenOptions {
    #[allow(unused_mut)]
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(FILE_MODE);
    }
    options
}

/// Creates (or truncates) `path` for writing, readable by its owner only.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    private_file_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
}

/// Creates `path` and its missing parents with the owner-only mode; directories that exist
/// already are left as they are (the operator chose their mode).
pub fn create_private_dir_all(path: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(DIR_MODE);
    }
    builder.create(path)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_and_directories_are_the_owners_only_whatever_the_umask() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_private_dir_all(&dir).unwrap();
        assert_eq!(mode(&root.path().join("a")), DIR_MODE);
        assert_eq!(mode(&dir), DIR_MODE);
        let file = dir.join("archive.zip");
        create_private_file(&file).unwrap();
        assert_eq!(mode(&file), FILE_MODE);
    }
}
