//! Bearer-token authentication, as two middleware layers:
//!
//! - the HTTP layer ([`crate::http`]) compares the `Authorization` header with the token in
//!   constant time and records the answer in the request's extensions ([`Authorized`]);
//! - [`RequireToken`], an RPC layer, refuses every method but `health` when the request was not
//!   authorized, with error 1001, and turns jsonrpsee's "invalid params" into the documented
//!   1002.
//!
//! It also checks every call's parameters against the declared table ([`crate::params`]).
//!
//! The token itself is never logged: the header is marked sensitive for the HTTP trace layer,
//! and refusals are logged in aggregate ([`RefusalLog`]): a flood of bad calls writes a line
//! now and then with a count, not a line per call.

use jsonrpsee::core::middleware::{Batch, BatchEntry, BatchEntryErr, Notification, RpcServiceT};
use jsonrpsee::server::MethodResponse;
use jsonrpsee::types::{ErrorCode, ErrorObjectOwned, Request};
use odoo_client::Secret;
use subtle::ConstantTimeEq;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::error::{ServiceError, clip, codes};
use crate::params;

/// Methods that answer without a token.
const OPEN_METHODS: [&str; 1] = ["health"];

/// Whether the request carried the right token; put in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Authorized(pub(crate) bool);

/// Checks `Authorization: Bearer <token>` in constant time (the comparison takes as long
/// whatever prefix matches; only the length can be told apart).
pub(crate) fn is_authorized(headers: &http::HeaderMap, token: &Secret) -> bool {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let Some((scheme, presented)) = value.trim().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return false;
    }
    presented
        .trim()
        .as_bytes()
        .ct_eq(token.expose().as_bytes())
        .into()
}

/// Refusals as the log sees them: the first one at once, then at most one line per
/// [`RefusalLog::INTERVAL`] that counts those not written.
pub(crate) struct RefusalLog {
    last_line: Mutex<Option<Instant>>,
    unwritten: AtomicU64,
}

/// The service's one refusal log (the RPC and HTTP layers share it).
pub(crate) static REFUSALS: RefusalLog = RefusalLog::new();

impl RefusalLog {
    pub(crate) const INTERVAL: Duration = Duration::from_secs(10);

    pub(crate) const fn new() -> RefusalLog {
        RefusalLog {
            last_line: Mutex::new(None),
            unwritten: AtomicU64::new(0),
        }
    }

    /// Notes a refusal of `what` (a method or a path, cut short here); writes a line when the
    /// last one is old enough. Returns whether it wrote one.
    pub(crate) fn note(&self, what: &str, reason: &str) -> bool {
        let mut last_line = self.last_line.lock().expect("refusal log lock");
        if last_line.is_some_and(|at| at.elapsed() < Self::INTERVAL) {
            self.unwritten.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        *last_line = Some(Instant::now());
        let unwritten = self.unwritten.swap(0, Ordering::Relaxed);
        tracing::warn!(
            what = %clip(what, 80),
            unwritten_refusals = unwritten,
            "refused: {reason}"
        );
        true
    }
}

/// The RPC layer: see the module's documentation.
#[derive(Clone, Debug)]
pub(crate) struct RequireToken<S> {
    pub(crate) inner: S,
}

fn unauthorized() -> ErrorObjectOwned {
    ServiceError::Unauthorized.into()
}

fn authorized(extensions: &http::Extensions) -> bool {
    extensions
        .get::<Authorized>()
        .is_some_and(|authorized| authorized.0)
}

/// jsonrpsee's -32602 with serde's explanation, as the documented 1002 naming the parameter.
fn documented_params_error(
    response: MethodResponse,
    id: jsonrpsee::types::Id<'static>,
) -> MethodResponse {
    if response.as_error_code() != Some(ErrorCode::InvalidParams.code()) {
        return response;
    }
    let detail = serde_json::from_str::<serde_json::Value>(response.as_json().get())
        .ok()
        .and_then(|body| {
            let error = body.get("error")?;
            Some(
                error
                    .get("data")
                    .and_then(|data| data.as_str())
                    .or_else(|| error.get("message").and_then(|message| message.as_str()))?
                    .to_owned(),
            )
        })
        .unwrap_or_else(|| "the parameters do not match docs/API.md".into());
    MethodResponse::error(
        id,
        ErrorObjectOwned::owned(
            codes::INVALID_PARAMS,
            format!("invalid parameters: {detail} (parameters are named: see docs/API.md)"),
            None::<()>,
        ),
    )
}

impl<S> RpcServiceT for RequireToken<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static,
{
    type MethodResponse = MethodResponse;
    type NotificationResponse = MethodResponse;
    type BatchResponse = MethodResponse;

    fn call<'a>(
        &self,
        request: Request<'a>,
    ) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        let inner = self.inner.clone();
        async move {
            let id = request.id().into_owned();
            let open = OPEN_METHODS.contains(&request.method_name());
            if !open && !authorized(request.extensions()) {
                REFUSALS.note(
                    request.method_name(),
                    "a call without the right bearer token",
                );
                return MethodResponse::error(id, unauthorized());
            }
            let raw_params = request.params();
            if let Err(error) = params::check(request.method_name(), raw_params.as_str()) {
                return MethodResponse::error(id, ErrorObjectOwned::from(error));
            }
            let response = inner.call(request).await;
            documented_params_error(response, id)
        }
    }

    fn batch<'a>(
        &self,
        mut batch: Batch<'a>,
    ) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        let allowed = authorized(batch.extensions());
        for entry in batch.iter_mut() {
            let refused = match entry {
                Ok(BatchEntry::Call(request))
                    if !allowed && !OPEN_METHODS.contains(&request.method_name()) =>
                {
                    REFUSALS.note(
                        request.method_name(),
                        "a batched call without the right bearer token",
                    );
                    Some((request.id().into_owned(), unauthorized()))
                }
                Ok(BatchEntry::Call(request)) => {
                    let raw_params = request.params();
                    params::check(request.method_name(), raw_params.as_str())
                        .err()
                        .map(|error| (request.id().into_owned(), error.into()))
                }
                Ok(BatchEntry::Notification(_)) if !allowed => {
                    REFUSALS.note(
                        "notification",
                        "a notification without the right bearer token",
                    );
                    Some((jsonrpsee::types::Id::Null, unauthorized()))
                }
                _ => None,
            };
            if let Some((id, error)) = refused {
                *entry = Err(BatchEntryErr::new(id, error));
            }
        }
        self.inner.batch(batch)
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        let inner = self.inner.clone();
        async move {
            if !authorized(notification.extensions()) {
                REFUSALS.note(
                    notification.method_name(),
                    "a notification without the right bearer token",
                );
                return MethodResponse::notification();
            }
            inner.notification(notification).await
        }
    }
}
