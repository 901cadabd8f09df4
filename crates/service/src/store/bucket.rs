//! Copies in an S3-compatible bucket, through the `object_store` crate (its S3 client signs,
//! retries and streams; nothing of the protocol is written here).
//!
//! Per backup, two objects under the bucket's prefix: the archive, uploaded first, then
//! `backup.json`, the record. A listing goes by the records, so a backup appears in a bucket only
//! once its archive is complete. An archive larger than one part is sent as a multipart upload
//! that is aborted when a part fails: S3 shows an object only once its upload completes, so an
//! interrupted copy never leaves anything under the archive's key.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{
    ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart,
};
use odoo_client::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{ArchiveStream, LocalArchive, RECORD_FILE, StoreError, is_valid_backup_id};
use crate::wire::Backup;

/// The default size of the parts an archive is sent in (S3 wants 5 MiB at least, 10,000 parts
/// at most); with [`PARTS_IN_FLIGHT`] it bounds the memory an upload takes.
pub const DEFAULT_PART_SIZE: usize = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 4;
const RECORD_SUFFIX: &str = "/backup.json";
/// Records listed at once when a bucket is listed.
const RECORDS_READ_AT_ONCE: usize = 16;

/// One bucket, as configured.
#[derive(Clone, Debug)]
pub struct BucketSettings {
    /// How the copy is named in records, logs and errors.
    pub name: String,
    /// `https://s3.example.com`; `None`: AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    /// Prepended to every key (`prod/`), so that one bucket can serve several sidecars.
    pub prefix: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key` (Garage, MinIO).
    pub path_style: bool,
    /// Archives larger than this are sent in parts of this size ([`DEFAULT_PART_SIZE`]; the
    /// configuration refuses less than S3's 5 MiB).
    pub part_size: usize,
}

/// A bucket that holds copies of archives and their records.
#[derive(Clone, Debug)]
pub struct BucketStore {
    name: String,
    prefix: String,
    part_size: usize,
    /// Where [`BucketStore::local_copy`] downloads archives to.
    download_dir: PathBuf,
    client: Arc<AmazonS3>,
}

impl BucketStore {
    /// Builds the client; nothing is sent before the first request ([`BucketStore::check`]).
    pub fn new(
        settings: &BucketSettings,
        download_dir: PathBuf,
    ) -> Result<BucketStore, StoreError> {
        let mut builder = AmazonS3Builder::new()
            .with_region(&settings.region)
            .with_bucket_name(&settings.bucket)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(settings.secret_access_key.expose())
            .with_virtual_hosted_style_request(!settings.path_style)
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(10))
                    .with_timeout(Duration::from_secs(120)),
            )
            // A few quick retries per request; a copy that still fails is retried later, with
            // a longer backoff, by the replication.
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(30),
                ..RetryConfig::default()
            });
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let client = builder.build().map_err(|error| StoreError::Bucket {
            store: settings.name.clone(),
            action: "configure",
            key: format!("bucket {}", settings.bucket),
            cause: error.to_string(),
        })?;
        let prefix = settings.prefix.trim_matches('/');
        Ok(BucketStore {
            name: settings.name.clone(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            part_size: settings.part_size.max(1),
            download_dir,
            client: Arc::new(client),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn key(&self, backup_id: &str, name: &str) -> Result<Path, StoreError> {
        if !is_valid_backup_id(backup_id) || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(StoreError::NotFound {
                backup_id: backup_id.to_owned(),
            });
        }
        Ok(Path::from(format!("{}{backup_id}/{name}", self.prefix)))
    }

    fn failure(&self, action: &'static str, key: &Path, error: object_store::Error) -> StoreError {
        StoreError::Bucket {
            store: self.name.clone(),
            action,
            key: key.to_string(),
            cause: describe(&error),
        }
    }

    /// Lists the prefix once: the bucket exists, answers and takes the credentials.
    pub async fn check(&self) -> Result<(), StoreError> {
        let prefix = Path::from(self.prefix.as_str());
        self.client
            .list_with_delimiter(Some(&prefix))
            .await
            .map(|_| ())
            .map_err(|error| self.failure("list", &prefix, error))
    }

    /// Writes the record (after the archive: a listing then never shows half a copy).
    pub async fn save(&self, backup: &Backup) -> Result<(), StoreError> {
        let key = self.key(&backup.backup_id, RECORD_FILE)?;
        let mut record = backup.clone();
        record.copies.clear();
        let bytes = serde_json::to_vec_pretty(&record).map_err(|error| StoreError::BadRecord {
            path: PathBuf::from(key.to_string()),
            reason: error.to_string(),
        })?;
        self.client
            .put(&key, PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|error| self.failure("write", &key, error))
    }

    pub async fn get(&self, backup_id: &str) -> Result<Option<Backup>, StoreError> {
        if !is_valid_backup_id(backup_id) {
            return Ok(None);
        }
        let key = self.key(backup_id, RECORD_FILE)?;
        self.read_record(&key).await
    }

    async fn read_record(&self, key: &Path) -> Result<Option<Backup>, StoreError> {
        let bytes = match self.client.get(key).await {
            Ok(found) => found
                .bytes()
                .await
                .map_err(|error| self.failure("read", key, error))?,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(self.failure("read", key, error)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|error| StoreError::BadRecord {
                path: PathBuf::from(format!("{}:{key}", self.name)),
                reason: error.to_string(),
            })
    }

    /// Every record in the bucket, in no particular order.
    pub async fn list(&self) -> Result<Vec<Backup>, StoreError> {
        let prefix = Path::from(self.prefix.as_str());
        let keys: Vec<Path> = self
            .client
            .list(Some(&prefix))
            .map_err(|error| self.failure("list", &prefix, error))
            .try_filter_map(|object| {
                let backup_id = object
                    .location
                    .as_ref()
                    .strip_prefix(self.prefix.as_str())
                    .and_then(|rest| rest.strip_suffix(RECORD_SUFFIX))
                    .filter(|backup_id| is_valid_backup_id(backup_id))
                    .is_some();
                futures::future::ready(Ok(backup_id.then_some(object.location)))
            })
            .try_collect()
            .await?;
        let records: Vec<Option<Backup>> = futures::stream::iter(keys)
            .map(|key| async move { self.read_record(&key).await })
            .buffer_unordered(RECORDS_READ_AT_ONCE)
            .try_collect()
            .await?;
        Ok(records.into_iter().flatten().collect())
    }

    /// Uploads the archive at `source` (left in place) as the archive of `backup_id`, streamed
    /// in parts; returns the bytes sent.
    pub async fn upload_archive(
        &self,
        backup_id: &str,
        file_name: &str,
        source: &FsPath,
    ) -> Result<u64, StoreError> {
        let key = self.key(backup_id, file_name)?;
        let mut file = tokio::fs::File::open(source)
            .await
            .map_err(StoreError::io(source, "open"))?;
        let size = file
            .metadata()
            .await
            .map_err(StoreError::io(source, "read the size of"))?
            .len();
        if size <= self.part_size as u64 {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes)
                .await
                .map_err(StoreError::io(source, "read"))?;
            self.client
                .put(&key, PutPayload::from(bytes))
                .await
                .map_err(|error| self.failure("upload", &key, error))?;
            return Ok(size);
        }
        let upload = self
            .client
            .put_multipart(&key)
            .await
            .map_err(|error| self.failure("start the upload of", &key, error))?;
        // Parts grow for archives beyond 10,000 parts (80 GB at the default size).
        let part_size = self.part_size.max((size / 9_000) as usize + 1);
        let mut writer = WriteMultipart::new_with_chunk_size(upload, part_size);
        let mut buffer = vec![0u8; 1024 * 1024];
        let sent: Result<(), StoreError> = async {
            loop {
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(|error| self.failure("upload", &key, error))?;
                let read = file
                    .read(&mut buffer)
                    .await
                    .map_err(StoreError::io(source, "read"))?;
                if read == 0 {
                    return Ok(());
                }
                writer.write(&buffer[..read]);
            }
        }
        .await;
        match sent {
            Ok(()) => {
                writer
                    .finish()
                    .await
                    .map_err(|error| self.failure("upload", &key, error))?;
                Ok(size)
            }
            Err(error) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(store = %self.name, %key, error = %describe(&abort), "unfinished upload not aborted; the bucket's lifecycle rules remove it");
                }
                Err(error)
            }
        }
    }

    /// Opens the archive for streaming.
    pub async fn open_archive(&self, backup: &Backup) -> Result<ArchiveStream, StoreError> {
        let key = self.key(&backup.backup_id, &backup.file_name)?;
        let found = self.client.get(&key).await.map_err(|error| match error {
            object_store::Error::NotFound { .. } => StoreError::NoArchive {
                backup_id: backup.backup_id.clone(),
                status: format!("missing from {}", self.name),
            },
            other => self.failure("read", &key, other),
        })?;
        let size = found.meta.size;
        let stream = found
            .into_stream()
            .map_err(|error| std::io::Error::other(describe(&error)));
        Ok(ArchiveStream {
            reader: Box::pin(tokio_util::io::StreamReader::new(stream)),
            size,
            file_name: backup.file_name.clone(),
        })
    }

    /// Downloads the archive to a temporary file, removed when the result is dropped.
    pub async fn local_copy(&self, backup: &Backup) -> Result<LocalArchive, StoreError> {
        let mut stream = self.open_archive(backup).await?;
        backup_engine::private_files::create_private_dir_all(&self.download_dir)
            .map_err(StoreError::io(&self.download_dir, "create the directory"))?;
        // Named apart for each download: a scrub and a restore may download the same copy at
        // once, and each removes its own file when done.
        static DOWNLOADS: AtomicU64 = AtomicU64::new(0);
        let path = self.download_dir.join(format!(
            ".{}-{}-{}-{}.partial",
            self.name,
            backup.backup_id,
            std::process::id(),
            DOWNLOADS.fetch_add(1, Ordering::Relaxed)
        ));
        // Removed on every path from here, the error ones included.
        let local = LocalArchive::temporary(path.clone());
        let file = backup_engine::private_files::create_private_file(&path)
            .map_err(StoreError::io(&path, "create"))?;
        let mut file = tokio::fs::File::from_std(file);
        tokio::io::copy(&mut stream.reader, &mut file)
            .await
            .map_err(StoreError::io(&path, "download to"))?;
        file.flush().await.map_err(StoreError::io(&path, "write"))?;
        Ok(local)
    }

    /// Deletes the record first (the backup leaves the listing), then the archive. Deleting what
    /// is not there is not an error.
    pub async fn delete(&self, backup: &Backup) -> Result<(), StoreError> {
        let record = self.key(&backup.backup_id, RECORD_FILE)?;
        let mut keys = vec![record];
        if !backup.file_name.is_empty() {
            keys.push(self.key(&backup.backup_id, &backup.file_name)?);
        }
        for key in keys {
            match self.client.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(self.failure("delete", &key, error)),
            }
        }
        Ok(())
    }
}

const REFUSED_CREDENTIALS: &str = "the bucket refused the credentials";
const NO_SUCH_BUCKET: &str = "no such bucket at this endpoint";

/// Whether a cause [`describe`] wrote is one that only a change of configuration mends.
pub(super) fn is_configuration_problem(cause: &str) -> bool {
    cause.starts_with(REFUSED_CREDENTIALS) || cause.starts_with(NO_SUCH_BUCKET)
}

/// The client's message, with what to do for the failures a configuration causes.
fn describe(error: &object_store::Error) -> String {
    let text = error.to_string();
    let refused = matches!(
        error,
        object_store::Error::Unauthenticated { .. } | object_store::Error::PermissionDenied { .. }
    ) || [
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AccessDenied",
        "403 Forbidden",
    ]
    .iter()
    .any(|code| text.contains(code));
    let advice = if refused {
        format!(
            "{REFUSED_CREDENTIALS}: check access_key_id and secret_access_key, and that this key may read and write the bucket"
        )
    } else if text.contains("NoSuchBucket") {
        format!("{NO_SUCH_BUCKET}: create it, or correct bucket, endpoint and region")
    } else if [
        "error sending request",
        "onnection refused",
        "dns error",
        "timed out",
    ]
    .iter()
    .any(|sign| text.contains(sign))
    {
        "the endpoint does not answer: check endpoint, and that the object store is running and reachable".to_owned()
    } else {
        return text;
    };
    format!("{advice} ({text})")
}
