//! What keeps an archive unreadable and unforgeable outside the sidecar: age encryption of the
//! whole file, and a minisign (Ed25519) signature of its manifest.
//!
//! [`ArchiveKeys`] is everything a backup or a restore needs to know about keys: the age
//! recipients new archives are encrypted to, the age identities that open them, the minisign key
//! that signs new archives, and the public keys whose signatures a restore trusts. It is loaded
//! once from the configuration (`[encryption]`, `[signing]`) and shared; it never prints a
//! secret. `sealing` wraps the file's bytes, `signing` signs and checks `metadata.json`, `files`
//! reads and writes the key files.

mod files;
pub(crate) mod sealing;
pub(crate) mod signing;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use age::x25519;
use serde::{Deserialize, Serialize};

pub use files::{KeyFileError, generate_identity_file, generate_signing_key_file};
pub use signing::SignatureCheck;

/// Keys of the archives: who they are encrypted to and signed by, and what opens and trusts
/// them. The default has none: archives in clear, unsigned, and only clear archives readable.
#[derive(Clone, Default)]
pub struct ArchiveKeys {
    inner: Arc<Keys>,
}

#[derive(Clone, Default)]
struct Keys {
    recipients: Vec<x25519::Recipient>,
    identities: Vec<x25519::Identity>,
    signing: Option<signing::SigningKey>,
    trusted: Vec<signing::TrustedKey>,
}

/// The `[encryption]` table of the configuration file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptionSection {
    /// The sidecar's own age identities (`AGE-SECRET-KEY-1…` lines): the first one's public key
    /// is a recipient of every new archive, and every one of them opens archives (rotation:
    /// put the new key first and keep the old ones after it).
    pub identity_file: Option<PathBuf>,
    /// More recipients of every new archive (`age1…`), such as an offline escrow key.
    #[serde(default)]
    pub recipients: Vec<String>,
}

/// The `[signing]` table of the configuration file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningSection {
    /// The minisign secret key (unencrypted) that signs every new archive. Its public key is
    /// trusted.
    pub key_file: Option<PathBuf>,
    /// More public keys (minisign `RW…` base64, or the path of a `.pub` file) whose archives a
    /// restore accepts, such as the key of a previous sidecar.
    #[serde(default)]
    pub trusted_keys: Vec<String>,
}

/// How the archive of a backup is protected, as recorded beside it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protection {
    /// The age recipients (`age1…`) the archive is encrypted to; empty when stored in clear.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// The key id of the minisign key that signed it; `None` when unsigned.
    #[serde(default)]
    pub signed_by: Option<String>,
}

impl Protection {
    pub fn is_encrypted(&self) -> bool {
        !self.recipients.is_empty()
    }
}

impl ArchiveKeys {
    /// Loads the keys the two tables name. Key files must be readable by their owner only.
    pub fn load(
        encryption: &EncryptionSection,
        signing: &SigningSection,
    ) -> Result<ArchiveKeys, KeyFileError> {
        let identities = match &encryption.identity_file {
            Some(path) => files::read_identities(path)?,
            None => Vec::new(),
        };
        let mut recipients: Vec<x25519::Recipient> = identities
            .first()
            .map(x25519::Identity::to_public)
            .into_iter()
            .collect();
        for text in &encryption.recipients {
            let recipient = text.trim().parse::<x25519::Recipient>().map_err(|reason| {
                KeyFileError::BadRecipient {
                    recipient: text.clone(),
                    reason: reason.to_string(),
                }
            })?;
            if !recipients
                .iter()
                .any(|known| known.to_string() == recipient.to_string())
            {
                recipients.push(recipient);
            }
        }
        let signing_key = match &signing.key_file {
            Some(path) => Some(files::read_signing_key(path)?),
            None => None,
        };
        let mut trusted: Vec<signing::TrustedKey> = signing_key
            .iter()
            .map(signing::SigningKey::trusted)
            .collect();
        for text in &signing.trusted_keys {
            let key = files::read_trusted_key(text)?;
            if !trusted.iter().any(|known| known.key_id == key.key_id) {
                trusted.push(key);
            }
        }
        Ok(ArchiveKeys {
            inner: Arc::new(Keys {
                recipients,
                identities,
                signing: signing_key,
                trusted,
            }),
        })
    }

    /// These keys with `path`'s signing key as the one that signs (and is trusted).
    pub fn with_signing_key_file(
        &self,
        path: &std::path::Path,
    ) -> Result<ArchiveKeys, KeyFileError> {
        let key = files::read_signing_key(path)?;
        let mut keys = (*self.inner).clone();
        if !keys.trusted.iter().any(|known| known.key_id == key.key_id) {
            keys.trusted.insert(0, key.trusted());
        }
        keys.signing = Some(key);
        Ok(ArchiveKeys {
            inner: Arc::new(keys),
        })
    }

    /// Whether new archives are encrypted.
    pub fn encrypts(&self) -> bool {
        !self.inner.recipients.is_empty()
    }

    /// Whether new archives are signed.
    pub fn signs(&self) -> bool {
        self.inner.signing.is_some()
    }

    /// The protection a new archive gets.
    pub fn protection(&self) -> Protection {
        Protection {
            recipients: self.recipient_names(),
            signed_by: self.inner.signing.as_ref().map(|key| key.key_id.clone()),
        }
    }

    /// The recipients of new archives, `age1…`.
    pub fn recipient_names(&self) -> Vec<String> {
        self.inner
            .recipients
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// The public keys (`age1…`) of the identities that open archives.
    pub fn identity_names(&self) -> Vec<String> {
        self.inner
            .identities
            .iter()
            .map(|identity| identity.to_public().to_string())
            .collect()
    }

    /// The ids of the keys whose signatures are trusted.
    pub fn trusted_key_ids(&self) -> Vec<String> {
        self.inner
            .trusted
            .iter()
            .map(|key| key.key_id.clone())
            .collect()
    }

    /// The signing key's public key, minisign base64 (`RW…`), for `trusted_keys` elsewhere.
    pub fn signing_public_key(&self) -> Option<String> {
        self.inner.signing.as_ref().map(|key| key.public_base64())
    }

    pub(crate) fn recipients(&self) -> &[x25519::Recipient] {
        &self.inner.recipients
    }

    pub(crate) fn identities(&self) -> &[x25519::Identity] {
        &self.inner.identities
    }

    pub(crate) fn signing_key(&self) -> Option<&signing::SigningKey> {
        self.inner.signing.as_ref()
    }

    pub(crate) fn trusted(&self) -> &[signing::TrustedKey] {
        &self.inner.trusted
    }
}

impl fmt::Debug for ArchiveKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArchiveKeys")
            .field("recipients", &self.recipient_names())
            .field("identities", &self.identity_names())
            .field(
                "signing_key",
                &self.inner.signing.as_ref().map(|key| key.key_id.clone()),
            )
            .field("trusted", &self.trusted_key_ids())
            .finish()
    }
}
