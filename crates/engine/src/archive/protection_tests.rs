//! Encrypted and signed archives as their readers see them, and as the standard `age` and
//! `minisign` tools see them: opened with the right keys only, refused when anything was changed.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::tests::{rewrite, write_sample_with};
use crate::protection::{
    EncryptionSection, KeyFileError, SigningSection, generate_identity_file,
    generate_signing_key_file,
};
use crate::{ArchiveError, ArchiveKeys, FORMAT_VERSION, ReadLimits, SignatureCheck, verify_with};

/// A key set in `dir`: an age identity and a signing key, made as `tenant-backup keygen` makes
/// them.
struct TestKeys {
    identity_file: PathBuf,
    recipient: String,
    signing_key: PathBuf,
    key_id: String,
}

fn test_keys(dir: &Path, name: &str) -> TestKeys {
    let identity_file = dir.join(format!("{name}.age"));
    let recipient = generate_identity_file(&identity_file).unwrap();
    let signing_key = dir.join(format!("{name}.key"));
    let (_, key_id) = generate_signing_key_file(&signing_key).unwrap();
    TestKeys {
        identity_file,
        recipient,
        signing_key,
        key_id,
    }
}

fn load(identity_files: &[&Path], signing: Option<&Path>, trusted: &[&Path]) -> ArchiveKeys {
    // Several identity files are one file of their lines, newest first (a rotation).
    let identity_file = match identity_files {
        [] => None,
        [one] => Some(one.to_path_buf()),
        several => {
            let joined = several[0].with_extension("joined");
            let text: String = several
                .iter()
                .map(|path| std::fs::read_to_string(path).unwrap())
                .collect();
            let mut file = crate::private_files::create_private_file(&joined).unwrap();
            std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
            Some(joined)
        }
    };
    ArchiveKeys::load(
        &EncryptionSection {
            identity_file,
            recipients: Vec::new(),
        },
        &SigningSection {
            key_file: signing.map(Path::to_path_buf),
            trusted_keys: trusted
                .iter()
                .map(|path| format!("{}.pub", path.display()))
                .collect(),
        },
    )
    .unwrap()
}

fn verify(path: &Path, keys: &ArchiveKeys) -> Result<crate::VerifiedArchive, ArchiveError> {
    verify_with(path, keys, ReadLimits::default())
}

#[tokio::test]
async fn an_encrypted_signed_archive_verifies_with_its_keys_and_holds_nothing_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let keys = test_keys(dir.path(), "sidecar");
    let archive_keys = load(&[&keys.identity_file], Some(&keys.signing_key), &[]);
    let path = write_sample_with(&dir.path().join("out"), archive_keys.clone()).await;

    assert!(path.to_string_lossy().ends_with(".zip.age"), "{path:?}");
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    for marker in [
        &b"Ball"[..],
        b"boutique-sport",
        b"metadata.json",
        b"PK\x03\x04",
    ] {
        assert!(
            !bytes.windows(marker.len()).any(|window| window == marker),
            "{} is in clear in the encrypted archive",
            String::from_utf8_lossy(marker)
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "only the archive is left: {leftovers:?}"
    );

    let verified = verify(&path, &archive_keys).unwrap();
    assert_eq!(
        verified.signature,
        SignatureCheck::Trusted {
            key_id: keys.key_id.clone()
        }
    );
    assert_eq!(
        verified.opened_with.as_deref(),
        Some(keys.recipient.as_str())
    );
    assert_eq!(verified.metadata.format_version, FORMAT_VERSION);
    assert_eq!(verified.metadata.record_count, 3);
}

#[tokio::test]
async fn the_standard_age_and_minisign_tools_open_and_check_an_archive_without_us() {
    let dir = tempfile::tempdir().unwrap();
    let keys = test_keys(dir.path(), "sidecar");
    let archive_keys = load(&[&keys.identity_file], Some(&keys.signing_key), &[]);
    let path = write_sample_with(&dir.path().join("out"), archive_keys).await;

    let zip = dir.path().join("decrypted.zip");
    let age = Command::new("age")
        .arg("--decrypt")
        .arg("-i")
        .arg(&keys.identity_file)
        .arg("-o")
        .arg(&zip)
        .arg(&path)
        .output()
        .expect("age is installed (apt-get install age)");
    assert!(
        age.status.success(),
        "{}",
        String::from_utf8_lossy(&age.stderr)
    );
    let unzip = Command::new("unzip").arg("-t").arg(&zip).output().unwrap();
    assert!(
        unzip.status.success(),
        "{}",
        String::from_utf8_lossy(&unzip.stdout)
    );

    let unpacked = dir.path().join("unpacked");
    let unzip = Command::new("unzip")
        .arg("-q")
        .arg(&zip)
        .arg("-d")
        .arg(&unpacked)
        .output()
        .unwrap();
    assert!(unzip.status.success());
    let minisign = Command::new("minisign")
        .arg("-V")
        .arg("-p")
        .arg(format!("{}.pub", keys.signing_key.display()))
        .arg("-m")
        .arg(unpacked.join("metadata.json"))
        .output()
        .expect("minisign is installed (apt-get install minisign)");
    assert!(
        minisign.status.success(),
        "{}{}",
        String::from_utf8_lossy(&minisign.stdout),
        String::from_utf8_lossy(&minisign.stderr)
    );
}

#[tokio::test]
async fn a_wrong_or_missing_identity_is_refused_naming_what_to_configure() {
    let dir = tempfile::tempdir().unwrap();
    let keys = test_keys(dir.path(), "sidecar");
    let other = test_keys(dir.path(), "other");
    let path = write_sample_with(
        &dir.path().join("out"),
        load(&[&keys.identity_file], None, &[]),
    )
    .await;

    let error = verify(&path, &ArchiveKeys::default()).unwrap_err();
    assert!(
        matches!(error, ArchiveError::NeedsIdentity { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("identity_file"), "{error}");

    let error = verify(&path, &load(&[&other.identity_file], None, &[])).unwrap_err();
    assert!(
        matches!(error, ArchiveError::WrongIdentity { .. }),
        "{error}"
    );
    assert!(error.to_string().contains(&other.recipient), "{error}");
}

#[tokio::test]
async fn after_a_rotation_old_archives_open_with_the_old_identity_kept_after_the_new() {
    let dir = tempfile::tempdir().unwrap();
    let old = test_keys(dir.path(), "old");
    let new = test_keys(dir.path(), "new");
    let old_archive = write_sample_with(
        &dir.path().join("old"),
        load(&[&old.identity_file], None, &[]),
    )
    .await;
    let rotated = load(&[&new.identity_file, &old.identity_file], None, &[]);
    assert_eq!(rotated.recipient_names(), vec![new.recipient.clone()]);
    let new_archive = write_sample_with(&dir.path().join("new"), rotated.clone()).await;

    let verified = verify(&old_archive, &rotated).unwrap();
    assert_eq!(
        verified.opened_with.as_deref(),
        Some(old.recipient.as_str())
    );
    let verified = verify(&new_archive, &rotated).unwrap();
    assert_eq!(
        verified.opened_with.as_deref(),
        Some(new.recipient.as_str())
    );
    // The old key alone no longer opens what is made after the rotation.
    let error = verify(&new_archive, &load(&[&old.identity_file], None, &[])).unwrap_err();
    assert!(
        matches!(error, ArchiveError::WrongIdentity { .. }),
        "{error}"
    );
}

#[tokio::test]
async fn a_flipped_ciphertext_byte_is_refused_as_modified() {
    let dir = tempfile::tempdir().unwrap();
    let keys = test_keys(dir.path(), "sidecar");
    let archive_keys = load(&[&keys.identity_file], None, &[]);
    let path = write_sample_with(&dir.path().join("out"), archive_keys.clone()).await;
    let clean = std::fs::read(&path).unwrap();
    // A damaged header cannot be told from another key's: refused too.
    let mut bytes = clean.clone();
    bytes[40] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let error = verify(&path, &archive_keys).unwrap_err();
    assert!(error.to_string().contains("modified or damaged"), "{error}");
    // The payload, first chunk to last: every chunk is authenticated.
    let payload = clean.windows(4).position(|w| w == b"\n---").unwrap() + 60;
    for position in [payload, clean.len() / 2, clean.len() - 20] {
        let mut bytes = clean.clone();
        bytes[position] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        let error = verify(&path, &archive_keys).unwrap_err();
        assert!(
            error.to_string().contains("modified or damaged"),
            "byte {position}: {error}"
        );
    }
}

/// The sample archive (in clear, signed by `keys`) with its product renamed in `data.json` and
/// `metadata.json` updated to match, so that only the signature can tell.
fn tamper_consistently(path: &Path) -> Vec<u8> {
    let mut data = Vec::new();
    rewrite(
        path,
        |name, content| {
            if name == "data.json" {
                data = String::from_utf8(content)
                    .unwrap()
                    .replace("Ball", "Bell")
                    .into_bytes();
                return Some(data.clone());
            }
            Some(content)
        },
        &[],
    );
    let sha256 = super::format::hex(&Sha256::digest(&data));
    let mut metadata_json = Vec::new();
    rewrite(
        path,
        |name, content| {
            if name == "metadata.json" {
                let mut metadata: serde_json::Value = serde_json::from_slice(&content).unwrap();
                metadata["entries"]["data.json"]["sha256"] = sha256.clone().into();
                metadata_json = serde_json::to_vec_pretty(&metadata).unwrap();
                return Some(metadata_json.clone());
            }
            Some(content)
        },
        &[],
    );
    metadata_json
}

#[tokio::test]
async fn signatures_name_their_key_and_refuse_a_changed_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = test_keys(dir.path(), "sidecar");
    let attacker = test_keys(dir.path(), "attacker");
    let trusting = load(&[], Some(&sidecar.signing_key), &[]);
    let path = write_sample_with(&dir.path().join("out"), trusting.clone()).await;
    assert!(path.to_string_lossy().ends_with(".zip"));
    assert!(verify(&path, &trusting).unwrap().signature.is_trusted());

    // Stripped: unsigned, which the restore refuses unless allowed.
    let stripped = dir.path().join("stripped.zip");
    std::fs::copy(&path, &stripped).unwrap();
    rewrite(
        &stripped,
        |name, content| (name != "metadata.json.minisig").then_some(content),
        &[],
    );
    assert_eq!(
        verify(&stripped, &trusting).unwrap().signature,
        SignatureCheck::Unsigned
    );

    // Changed, the manifest updated, the sidecar's signature kept: refused outright.
    let kept = dir.path().join("kept.zip");
    std::fs::copy(&path, &kept).unwrap();
    tamper_consistently(&kept);
    let error = verify(&kept, &trusting).unwrap_err();
    assert!(
        matches!(error, ArchiveError::BadSignature { .. }),
        "{error}"
    );
    assert!(error.to_string().contains(&sidecar.key_id), "{error}");

    // Changed and re-signed by another key: a signature nothing here trusts.
    let resigned = dir.path().join("resigned.zip");
    std::fs::copy(&path, &resigned).unwrap();
    let metadata_json = tamper_consistently(&resigned);
    let attacker_keys = load(&[], Some(&attacker.signing_key), &[]);
    let signature = attacker_keys
        .signing_key()
        .unwrap()
        .sign(&metadata_json, "forged")
        .unwrap();
    rewrite(
        &resigned,
        |name, content| {
            Some(if name == "metadata.json.minisig" {
                signature.clone().into_bytes()
            } else {
                content
            })
        },
        &[],
    );
    assert_eq!(
        verify(&resigned, &trusting).unwrap().signature,
        SignatureCheck::Untrusted {
            key_id: attacker.key_id.clone()
        }
    );
    // Trusting the attacker's key on purpose makes it trusted: trust is configuration.
    let trusting_both = load(&[], Some(&sidecar.signing_key), &[&attacker.signing_key]);
    assert!(
        verify(&resigned, &trusting_both)
            .unwrap()
            .signature
            .is_trusted()
    );
}

#[test]
fn a_key_file_others_can_read_is_refused_with_how_to_fix_it() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let keys = test_keys(dir.path(), "sidecar");
    for path in [&keys.identity_file, &keys.signing_key] {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{path:?} is created owner-only");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let error = ArchiveKeys::load(
        &EncryptionSection {
            identity_file: Some(keys.identity_file.clone()),
            recipients: Vec::new(),
        },
        &SigningSection::default(),
    )
    .unwrap_err();
    assert!(matches!(error, KeyFileError::NotPrivate { .. }), "{error}");
    assert!(error.to_string().contains("chmod 600"), "{error}");
    let error = ArchiveKeys::load(
        &EncryptionSection::default(),
        &SigningSection {
            key_file: Some(keys.signing_key.clone()),
            trusted_keys: Vec::new(),
        },
    )
    .unwrap_err();
    assert!(matches!(error, KeyFileError::NotPrivate { .. }), "{error}");
}

#[tokio::test]
async fn a_version_1_archive_made_before_signing_still_verifies_as_unsigned() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_sample_with(dir.path(), ArchiveKeys::default()).await;
    rewrite(
        &path,
        |name, content| {
            if name != "metadata.json" {
                return Some(content);
            }
            let mut metadata: serde_json::Value = serde_json::from_slice(&content).unwrap();
            metadata["format_version"] = 1.into();
            Some(serde_json::to_vec_pretty(&metadata).unwrap())
        },
        &[],
    );
    let verified = verify(&path, &ArchiveKeys::default()).unwrap();
    assert_eq!(verified.metadata.format_version, 1);
    assert_eq!(verified.signature, SignatureCheck::Unsigned);
    assert_eq!(verified.opened_with, None);
}

#[tokio::test]
async fn an_offline_escrow_key_opens_every_archive_the_sidecar_makes() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = test_keys(dir.path(), "sidecar");
    let escrow = test_keys(dir.path(), "escrow");
    let keys = ArchiveKeys::load(
        &EncryptionSection {
            identity_file: Some(sidecar.identity_file.clone()),
            recipients: vec![escrow.recipient.clone()],
        },
        &SigningSection::default(),
    )
    .unwrap();
    assert_eq!(
        keys.recipient_names(),
        vec![sidecar.recipient.clone(), escrow.recipient.clone()]
    );
    let path = write_sample_with(&dir.path().join("out"), keys).await;
    // The escrow identity alone, as the administrator would hold it offline.
    let verified = verify(&path, &load(&[&escrow.identity_file], None, &[])).unwrap();
    assert_eq!(
        verified.opened_with.as_deref(),
        Some(escrow.recipient.as_str())
    );
    let verified = verify(&path, &load(&[&sidecar.identity_file], None, &[])).unwrap();
    assert_eq!(
        verified.opened_with.as_deref(),
        Some(sidecar.recipient.as_str())
    );
}
