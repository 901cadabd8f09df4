//! Signatures of `metadata.json`, in minisign's format (Ed25519, prehashed).
//!
//! `metadata.json` holds the SHA-256 and size of every other entry, so a valid signature over
//! its bytes vouches for the whole archive. The signature is the archive's entry
//! `metadata.json.minisig`, the very text `minisign -S` writes: `minisign -V -p key.pub -m
//! metadata.json` checks an unzipped archive without this product.

use std::io::Cursor;

use serde::{Deserialize, Serialize};

/// A signing key: minisign's unencrypted secret key and its public half.
#[derive(Clone)]
pub(crate) struct SigningKey {
    secret: minisign::SecretKey,
    public: minisign::PublicKey,
    pub key_id: String,
}

/// A public key whose signatures are trusted.
#[derive(Clone)]
pub(crate) struct TrustedKey {
    pub key_id: String,
    public: minisign::PublicKey,
}

/// What an archive's signature says about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignatureCheck {
    /// No signature (archives made before signing, or by a tool without a signing key).
    Unsigned,
    /// Signed by a configured trusted key, and the signature is valid.
    Trusted { key_id: String },
    /// Signed by a key that is not trusted here: nothing vouches for the archive.
    Untrusted { key_id: String },
}

impl SignatureCheck {
    pub fn is_trusted(&self) -> bool {
        matches!(self, SignatureCheck::Trusted { .. })
    }

    /// A sentence for people: who signed, and whether that is trusted.
    pub fn describe(&self) -> String {
        match self {
            SignatureCheck::Unsigned => "not signed".to_owned(),
            SignatureCheck::Trusted { key_id } => format!("signed by trusted key {key_id}"),
            SignatureCheck::Untrusted { key_id } => {
                format!("signed by key {key_id}, which is not trusted here")
            }
        }
    }
}

/// minisign's display of a key id: the 8-byte key number as a little-endian integer in hex.
pub(crate) fn key_id(keynum: &[u8]) -> String {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&keynum[..8]);
    format!("{:016X}", u64::from_le_bytes(bytes))
}

impl SigningKey {
    pub(crate) fn new(secret: minisign::SecretKey) -> Result<SigningKey, String> {
        if secret.is_encrypted() {
            return Err("the key is protected by a password; the sidecar needs an unencrypted key (minisign -G -W)".to_owned());
        }
        let public =
            minisign::PublicKey::from_secret_key(&secret).map_err(|error| error.to_string())?;
        let key_id = key_id(public.keynum());
        Ok(SigningKey {
            secret,
            public,
            key_id,
        })
    }

    pub(crate) fn trusted(&self) -> TrustedKey {
        TrustedKey {
            key_id: self.key_id.clone(),
            public: self.public.clone(),
        }
    }

    pub(crate) fn public_base64(&self) -> String {
        self.public.to_base64()
    }

    /// The text of `metadata.json.minisig` for these bytes of `metadata.json`. The trusted
    /// comment (signed too) names the tenant and the time, for whoever reads the file.
    pub(crate) fn sign(
        &self,
        metadata_json: &[u8],
        trusted_comment: &str,
    ) -> Result<String, String> {
        let signature = minisign::sign(
            Some(&self.public),
            &self.secret,
            Cursor::new(metadata_json),
            Some(trusted_comment),
            Some("signature of metadata.json by a tenant-backup sidecar"),
        )
        .map_err(|error| error.to_string())?;
        Ok(signature.into_string())
    }
}

impl TrustedKey {
    pub(crate) fn from_public(public: minisign::PublicKey) -> TrustedKey {
        TrustedKey {
            key_id: key_id(public.keynum()),
            public,
        }
    }
}

/// Why a signature was refused outright: it names a trusted key but does not match the bytes.
#[derive(Debug)]
pub(crate) struct BadSignature {
    pub key_id: Option<String>,
    pub reason: String,
}

/// Checks the signature text against `metadata.json`'s bytes and the trusted keys.
pub(crate) fn check(
    signature_text: &str,
    metadata_json: &[u8],
    trusted: &[TrustedKey],
) -> Result<SignatureCheck, BadSignature> {
    let signature =
        minisign::SignatureBox::from_string(signature_text).map_err(|error| BadSignature {
            key_id: None,
            reason: format!("it is not a minisign signature ({error})"),
        })?;
    let key_id = key_id(signature.keynum());
    let Some(key) = trusted.iter().find(|key| key.key_id == key_id) else {
        return Ok(SignatureCheck::Untrusted { key_id });
    };
    minisign::verify(
        &key.public,
        &signature,
        Cursor::new(metadata_json),
        true,
        false,
        false,
    )
    .map_err(|error| BadSignature {
        key_id: Some(key_id.clone()),
        reason: error.to_string(),
    })?;
    Ok(SignatureCheck::Trusted { key_id })
}
