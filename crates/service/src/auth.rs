//! Bearer-token authentication, as two middleware layers:
//!
//! - the HTTP layer ([`crate::http`]) compares the `Authorization` header with the token in
//!   constant time and records the answer in the request's extensions ([`Authorized`]);
//! - [`RequireToken`], an RPC layer, refuses every method but `health` when the request was not
//!   authorized, with error 1001, and turns jsonrpsee's "invalid params" into the documented
//!   1002.
//!
//! The token itself is never logged: the header is marked sensitive for the HTTP trace layer,
//! and the refusals log the method and the reason only.

use jsonrpsee::core::middleware::{Batch, BatchEntry, BatchEntryErr, Notification, RpcServiceT};
use jsonrpsee::server::MethodResponse;
use jsonrpsee::types::{ErrorCode, ErrorObjectOwned, Request};
use odoo_client::Secret;
use subtle::ConstantTimeEq;

use crate::error::{ServiceError, codes};

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
                tracing::warn!(
                    method = request.method_name(),
                    "refused a call without the right bearer token"
                );
                return MethodResponse::error(id, unauthorized());
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
        if !allowed {
            for entry in batch.iter_mut() {
                let refused = match entry {
                    Ok(BatchEntry::Call(request)) => (!OPEN_METHODS
                        .contains(&request.method_name()))
                    .then(|| request.id().into_owned()),
                    Ok(BatchEntry::Notification(_)) => Some(jsonrpsee::types::Id::Null),
                    Err(_) => None,
                };
                if let Some(id) = refused {
                    tracing::warn!("refused a batched call without the right bearer token");
                    *entry = Err(BatchEntryErr::new(id, unauthorized()));
                }
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
                tracing::warn!(
                    method = notification.method_name(),
                    "ignored a notification without the right bearer token"
                );
                return MethodResponse::notification();
            }
            inner.notification(notification).await
        }
    }
}
