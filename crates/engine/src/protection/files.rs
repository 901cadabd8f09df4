//! Key files: reading them (only when their owner alone can read them) and generating them.
//!
//! Both formats are the standard tools' own, so that an administrator can use `age -d -i` and
//! `minisign -V` on an archive without this product: an age identity file (`AGE-SECRET-KEY-1…`
//! lines, `#` comments) and an unencrypted minisign secret key with its `.pub` beside it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;
use age::x25519;

use super::signing::{SigningKey, TrustedKey};
use crate::private_files::private_file_options;

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("key file {path}: cannot {action}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "key file {path} can be read by other users (mode {mode:04o}): refusing to use it; \
         make it readable by its owner only (chmod 600 {path})"
    )]
    NotPrivate { path: PathBuf, mode: u32 },

    #[error("key file {path}: {reason}")]
    Invalid { path: PathBuf, reason: String },

    #[error(
        "age recipient {recipient:?} is not valid ({reason}): recipients are age X25519 public keys, `age1…`"
    )]
    BadRecipient { recipient: String, reason: String },

    #[error(
        "trusted key {key:?} is not valid ({reason}): give a minisign public key (`RW…`) or the path of its .pub file"
    )]
    BadTrustedKey { key: String, reason: String },
}

/// Reads a key file after checking that only its owner can read it.
fn read_private(path: &Path) -> Result<String, KeyFileError> {
    use std::os::unix::fs::PermissionsExt as _;
    let metadata = std::fs::metadata(path).map_err(|source| KeyFileError::Io {
        path: path.to_owned(),
        action: "read",
        source,
    })?;
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::NotPrivate {
            path: path.to_owned(),
            mode,
        });
    }
    std::fs::read_to_string(path).map_err(|source| KeyFileError::Io {
        path: path.to_owned(),
        action: "read",
        source,
    })
}

/// The identities of an age identity file, in the file's order.
pub(crate) fn read_identities(path: &Path) -> Result<Vec<x25519::Identity>, KeyFileError> {
    let text = read_private(path)?;
    let mut identities = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let identity = line.parse::<x25519::Identity>().map_err(|_| KeyFileError::Invalid {
            path: path.to_owned(),
            reason: format!(
                "line {} is not an age X25519 identity (AGE-SECRET-KEY-1…); create one with `tenant-backup keygen`",
                number + 1
            ),
        })?;
        identities.push(identity);
    }
    if identities.is_empty() {
        return Err(KeyFileError::Invalid {
            path: path.to_owned(),
            reason: "it holds no identity; create one with `tenant-backup keygen`".to_owned(),
        });
    }
    Ok(identities)
}

pub(crate) fn read_signing_key(path: &Path) -> Result<SigningKey, KeyFileError> {
    let text = read_private(path)?;
    let invalid = |reason: String| KeyFileError::Invalid {
        path: path.to_owned(),
        reason,
    };
    let secret = minisign::SecretKeyBox::from_string(&text)
        .and_then(minisign::SecretKeyBox::into_unencrypted_secret_key)
        .map_err(|error| {
            invalid(format!(
                "not an unencrypted minisign secret key ({error}); create one with `tenant-backup keygen --signing`"
            ))
        })?;
    SigningKey::new(secret).map_err(invalid)
}

/// A trusted key given as minisign's base64 (`RW…`) or as the path of a `.pub` file.
pub(crate) fn read_trusted_key(text: &str) -> Result<TrustedKey, KeyFileError> {
    let text = text.trim();
    let bad = |reason: String| KeyFileError::BadTrustedKey {
        key: text.to_owned(),
        reason,
    };
    let public = if Path::new(text).is_file() {
        minisign::PublicKey::from_file(text).map_err(|error| bad(error.to_string()))?
    } else {
        minisign::PublicKey::from_base64(text).map_err(|error| bad(error.to_string()))?
    };
    Ok(TrustedKey::from_public(public))
}

fn create_new(path: &Path) -> Result<std::fs::File, KeyFileError> {
    private_file_options()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|source| KeyFileError::Io {
            path: path.to_owned(),
            action: "create (it must not exist yet)",
            source,
        })
}

fn write_all(path: &Path, file: &mut std::fs::File, text: &str) -> Result<(), KeyFileError> {
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| KeyFileError::Io {
            path: path.to_owned(),
            action: "write",
            source,
        })
}

/// Writes a new age identity file (readable by its owner only, never over an existing file)
/// and returns its public key, `age1…`.
pub fn generate_identity_file(path: &Path) -> Result<String, KeyFileError> {
    let identity = x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let mut file = create_new(path)?;
    let text = format!(
        "# created: {}\n# public key: {public}\n{}\n",
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
        identity.to_string().expose_secret()
    );
    write_all(path, &mut file, &text)?;
    Ok(public)
}

/// Writes a new unencrypted minisign secret key at `path` (owner only) and its public key at
/// `path.pub`; returns the public key (`RW…`) and its key id.
pub fn generate_signing_key_file(path: &Path) -> Result<(String, String), KeyFileError> {
    let invalid = |reason: String| KeyFileError::Invalid {
        path: path.to_owned(),
        reason,
    };
    let pair = minisign::KeyPair::generate_unencrypted_keypair()
        .map_err(|error| invalid(error.to_string()))?;
    let key_id = super::signing::key_id(pair.pk.keynum());
    let secret_box = pair
        .sk
        .to_box(Some("tenant-backup signing key (unencrypted)"))
        .map_err(|error| invalid(error.to_string()))?;
    let public_box = pair
        .pk
        .to_box()
        .map_err(|error| invalid(error.to_string()))?;
    let public_path = PathBuf::from(format!("{}.pub", path.display()));
    let mut secret_file = create_new(path)?;
    write_all(path, &mut secret_file, &secret_box.into_string())?;
    let mut public_file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&public_path)
        .map_err(|source| KeyFileError::Io {
            path: public_path.clone(),
            action: "create (it must not exist yet)",
            source,
        })?;
    write_all(&public_path, &mut public_file, &public_box.into_string())?;
    Ok((pair.pk.to_base64(), key_id))
}
