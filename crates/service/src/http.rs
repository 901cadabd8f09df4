//! The plain-HTTP side of the server, as a tower layer in front of jsonrpsee: the archive
//! download (`GET /backups/<backup_id>/download`) and `GET /metrics`, both behind the same
//! bearer token; everything else goes to JSON-RPC with the token check's answer attached.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderValue, Method, StatusCode, header};
use http_body::Frame;
use http_body_util::StreamBody;
use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use odoo_client::Secret;
use tokio_util::io::ReaderStream;
use tower::{Layer, Service};

use crate::auth::{Authorized, REFUSALS, is_authorized};
use crate::core::{Core, InUseGuard};
use crate::error::{ServiceError, clip};
use crate::wire::BackupStatus;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Read size of the download stream: large enough to be quick, small enough that a download
/// holds little memory whatever the archive's size.
const DOWNLOAD_CHUNK: usize = 64 * 1024;

/// The largest body a caller without the token may send: `health` needs a few bytes, and no
/// one without the token should make the server read more.
const MAX_UNAUTHORIZED_BODY: u64 = 4 * 1024;

#[derive(Clone)]
pub(crate) struct HttpLayer {
    pub(crate) core: Arc<Core>,
    pub(crate) token: Arc<Secret>,
}

impl<S> Layer<S> for HttpLayer {
    type Service = HttpService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpService {
            inner,
            core: self.core.clone(),
            token: self.token.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct HttpService<S> {
    inner: S,
    core: Arc<Core>,
    token: Arc<Secret>,
}

impl<S, B> Service<HttpRequest> for HttpService<S>
where
    S: Service<HttpRequest, Response = HttpResponse<B>, Error = BoxError> + Clone + Send + 'static,
    S::Future: Send,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut request: HttpRequest) -> Self::Future {
        let authorized = is_authorized(request.headers(), &self.token);
        if request.method() == Method::GET || request.method() == Method::HEAD {
            let path = request.uri().path().to_owned();
            let core = self.core.clone();
            if path == "/metrics" {
                return Box::pin(async move {
                    if !authorized {
                        return Ok(refusal(
                            StatusCode::UNAUTHORIZED,
                            &ServiceError::Unauthorized,
                        ));
                    }
                    let mut response = HttpResponse::new(HttpBody::from(core.render_metrics()));
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                    );
                    Ok(response)
                });
            }
            if let Some(backup_id) = path
                .strip_prefix("/backups/")
                .and_then(|rest| rest.strip_suffix("/download"))
            {
                let backup_id = backup_id.to_owned();
                let head = request.method() == Method::HEAD;
                // `?encrypted=true`: the file as stored; by default the ZIP of the user guide.
                let as_stored = request
                    .uri()
                    .query()
                    .is_some_and(|query| query.split('&').any(|pair| pair == "encrypted=true"));
                return Box::pin(async move {
                    if !authorized {
                        REFUSALS.note(&path, "a download without the right bearer token");
                        return Ok(refusal(
                            StatusCode::UNAUTHORIZED,
                            &ServiceError::Unauthorized,
                        ));
                    }
                    Ok(download(&core, &backup_id, head, as_stored).await)
                });
            }
        }
        if !authorized
            && request.method() == Method::POST
            && declared_length(request.headers())
                .is_none_or(|length| length > MAX_UNAUTHORIZED_BODY)
        {
            REFUSALS.note(
                request.uri().path(),
                "a large or unsized request without the right bearer token",
            );
            return Box::pin(async move {
                Ok(refusal(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &ServiceError::Unauthorized,
                ))
            });
        }
        request.extensions_mut().insert(Authorized(authorized));
        // The usual tower dance: the ready service is the one that serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let response = inner.call(request).await?;
            Ok(response.map(HttpBody::new))
        })
    }
}

/// The request's `Content-Length`, if it gave one.
fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// An error as JSON, with the API's code, for the plain-HTTP routes.
fn refusal(status: StatusCode, error: &ServiceError) -> HttpResponse {
    let body = serde_json::json!({
        "error": {"code": error.code(), "message": error.to_string()}
    });
    let mut response = HttpResponse::new(HttpBody::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

async fn download(core: &Arc<Core>, backup_id: &str, head: bool, as_stored: bool) -> HttpResponse {
    let backup = match core.backup(&clip(backup_id, 100)).await {
        Ok(backup) => backup,
        Err(error @ ServiceError::UnknownBackup { .. }) => {
            return refusal(StatusCode::NOT_FOUND, &error);
        }
        Err(error) => return refusal(StatusCode::INTERNAL_SERVER_ERROR, &error),
    };
    if backup.status != BackupStatus::Done {
        let error = ServiceError::invalid(
            "backup_id",
            format!(
                "backup {backup_id} is {}, only a finished (done) backup can be downloaded",
                backup.status.name()
            ),
        );
        return refusal(StatusCode::CONFLICT, &error);
    }
    // Held until the body is dropped: retention and deletion leave the archive alone meanwhile.
    let guard = core.in_use.acquire(backup_id, "being downloaded");
    if backup.protection.is_encrypted() && !as_stored {
        return download_decrypted(core, &backup, head, guard).await;
    }
    let archive = match core.open_archive(&backup).await {
        Ok(archive) => archive,
        Err(error) => return refusal(StatusCode::INTERNAL_SERVER_ERROR, &error),
    };
    tracing::info!(%backup_id, size = archive.size, "download started");
    let stream = (!head).then(|| ReaderStream::with_capacity(archive.reader, DOWNLOAD_CHUNK));
    archive_response(stream, guard, archive.size, &archive.file_name)
}

/// A download's response: `stream` (none for `HEAD`) as the body, the backup kept in use by
/// `guard` until the body is dropped.
fn archive_response<S>(
    stream: Option<S>,
    guard: InUseGuard,
    size: u64,
    file_name: &str,
) -> HttpResponse
where
    S: futures::Stream<Item = std::io::Result<Bytes>> + Send + Unpin + 'static,
{
    let body = match stream {
        None => HttpBody::empty(),
        Some(stream) => {
            let guarded = GuardedStream {
                stream,
                _guard: guard,
            };
            HttpBody::new(StreamBody::new(guarded.map(|chunk| {
                chunk
                    .map(Frame::data)
                    .map_err(|error| Box::new(error) as BoxError)
            })))
        }
    };
    let mut response = HttpResponse::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}

/// An encrypted archive handed out as the ZIP it holds, decrypted chunk by chunk on a blocking
/// thread as the client reads: no decrypted copy is ever written.
async fn download_decrypted(
    core: &Arc<Core>,
    backup: &crate::wire::Backup,
    head: bool,
    guard: InUseGuard,
) -> HttpResponse {
    let internal = |message: String| {
        refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ServiceError::internal(message),
        )
    };
    // The local copy, else a bucket's downloaded: the file stays readable once opened, even
    // after the downloaded copy is removed.
    let local = match core.readable_copy(backup, false).await {
        Ok((local, _, _)) => local,
        Err(error) => return refusal(StatusCode::INTERNAL_SERVER_ERROR, &error),
    };
    let keys = core.settings.backup.keys.clone();
    let path = local.path().to_owned();
    let opened =
        tokio::task::spawn_blocking(move || backup_engine::ZipBytes::open(&path, &keys)).await;
    let mut zip = match opened {
        Ok(Ok(zip)) => zip,
        Ok(Err(error)) => return internal(format!("the archive cannot be decrypted: {error}")),
        Err(error) => return internal(error.to_string()),
    };
    let size = zip.len();
    let file_name = backup
        .file_name
        .strip_suffix(backup_engine::ENCRYPTED_SUFFIX)
        .unwrap_or(&backup.file_name)
        .to_owned();
    tracing::info!(backup_id = %backup.backup_id, size, "download (decrypted) started");
    if head {
        return archive_response(None::<ChunkStream>, guard, size, &file_name);
    }
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let _local = local; // a temporary copy lives until the last byte is read
        loop {
            let mut chunk = vec![0_u8; DOWNLOAD_CHUNK];
            let read = match std::io::Read::read(&mut zip, &mut chunk) {
                Ok(0) => return,
                Ok(read) => read,
                Err(error) => {
                    tracing::error!(%error, "download stopped: the archive cannot be decrypted");
                    let _ = sender.blocking_send(Err(error));
                    return;
                }
            };
            chunk.truncate(read);
            if sender.blocking_send(Ok(Bytes::from(chunk))).is_err() {
                return; // the client went away
            }
        }
    });
    archive_response(Some(stream_of(receiver)), guard, size, &file_name)
}

type ChunkStream = Pin<Box<dyn futures::Stream<Item = std::io::Result<Bytes>> + Send>>;

/// A channel's receiver of chunks as a stream.
fn stream_of(mut receiver: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>) -> ChunkStream {
    Box::pin(futures::stream::poll_fn(move |context| {
        receiver.poll_recv(context)
    }))
}

/// The archive's byte stream, keeping the backup marked in use while it lives.
struct GuardedStream<S> {
    stream: S,
    _guard: InUseGuard,
}

impl<S: futures::Stream + Unpin> futures::Stream for GuardedStream<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.stream).poll_next(context)
    }
}
