//! The bytes of an archive file: plain, or wrapped whole in age's format (X25519 recipients,
//! ChaCha20-Poly1305 in 64 KiB chunks), which `age -d -i <identity file>` opens.
//!
//! The ZIP is written through a [`Sink`] as a stream (no seeking back), so that its bytes are
//! encrypted before they reach the disk; it is read through a [`Source`], which age's reader
//! makes seekable chunk by chunk, so that verify and restore read an encrypted archive in place,
//! with no decrypted copy anywhere. Every chunk is authenticated: a changed byte fails the read
//! of its chunk.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use age::x25519;

/// The first bytes of every age file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/";

const BUFFER: usize = 256 * 1024;

/// Where an archive's bytes go.
pub(crate) enum Sink {
    Plain(BufWriter<File>),
    Sealed(age::stream::StreamWriter<BufWriter<File>>),
}

impl Sink {
    /// Plain when there are no recipients, else encrypted to every one of them.
    pub(crate) fn create(file: File, recipients: &[x25519::Recipient]) -> io::Result<Sink> {
        let buffered = BufWriter::with_capacity(BUFFER, file);
        if recipients.is_empty() {
            return Ok(Sink::Plain(buffered));
        }
        let encryptor = age::Encryptor::with_recipients(
            recipients
                .iter()
                .map(|recipient| recipient as &dyn age::Recipient),
        )
        .map_err(io::Error::other)?;
        encryptor.wrap_output(buffered).map(Sink::Sealed)
    }

    /// Writes what is buffered (and age's last chunk) and hands the file back, not yet synced.
    pub(crate) fn finish(self) -> io::Result<File> {
        let buffered = match self {
            Sink::Plain(buffered) => buffered,
            Sink::Sealed(stream) => stream.finish()?,
        };
        buffered
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(inner) => inner.write(buf),
            Sink::Sealed(inner) => inner.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Plain(inner) => inner.write_all(buf),
            Sink::Sealed(inner) => inner.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(inner) => inner.flush(),
            Sink::Sealed(inner) => inner.flush(),
        }
    }
}

/// Where an archive's bytes come from.
pub(crate) enum Source {
    Plain(BufReader<File>),
    Sealed(age::stream::StreamReader<BufReader<File>>),
}

/// Why an archive file could not be opened for reading.
#[derive(Debug)]
pub(crate) enum OpenError {
    Io(io::Error),
    /// Encrypted, and no identity is configured.
    NoIdentity,
    /// Encrypted to none of the configured identities (their public keys).
    NoMatchingIdentity(Vec<String>),
    /// The age header is damaged or not one this reader knows.
    BadHeader(String),
}

/// Whether the file at `path` is an age file (by its first bytes, not its name).
pub(crate) fn is_sealed(path: &Path) -> io::Result<bool> {
    let mut start = [0u8; AGE_MAGIC.len()];
    let mut file = File::open(path)?;
    let mut read = 0;
    while read < start.len() {
        match file.read(&mut start[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(read == start.len() && start == AGE_MAGIC)
}

impl Source {
    /// Opens the file, decrypting with the first identity that opens it; returns the public key
    /// of that identity when the file is encrypted.
    pub(crate) fn open(
        path: &Path,
        identities: &[x25519::Identity],
    ) -> Result<(Source, Option<String>), OpenError> {
        // A small buffer: readers seek from entry to entry, and a seek empties the buffer.
        let open = || File::open(path).map(BufReader::new);
        if !is_sealed(path).map_err(OpenError::Io)? {
            return Ok((Source::Plain(open().map_err(OpenError::Io)?), None));
        }
        if identities.is_empty() {
            return Err(OpenError::NoIdentity);
        }
        // One identity at a time, so that the report can say which key opened it.
        for identity in identities {
            let decryptor = age::Decryptor::new_buffered(open().map_err(OpenError::Io)?)
                .map_err(|error| OpenError::BadHeader(error.to_string()))?;
            match decryptor.decrypt(std::iter::once(identity as &dyn age::Identity)) {
                Ok(reader) => {
                    return Ok((
                        Source::Sealed(reader),
                        Some(identity.to_public().to_string()),
                    ));
                }
                Err(age::DecryptError::NoMatchingKeys) => continue,
                Err(error) => return Err(OpenError::BadHeader(error.to_string())),
            }
        }
        Err(OpenError::NoMatchingIdentity(
            identities
                .iter()
                .map(|identity| identity.to_public().to_string())
                .collect(),
        ))
    }
}

/// An authentication failure of a chunk, worded for the person who reads the error.
fn tampered(error: io::Error) -> io::Error {
    if error.kind() == io::ErrorKind::InvalidData {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the encrypted file failed authentication ({error}): it was modified or damaged"
            ),
        )
    } else {
        error
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Plain(inner) => inner.read(buf),
            Source::Sealed(inner) => inner.read(buf).map_err(tampered),
        }
    }
}

impl Seek for Source {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            Source::Plain(inner) => inner.seek(pos),
            Source::Sealed(inner) => inner.seek(pos).map_err(tampered),
        }
    }
}
