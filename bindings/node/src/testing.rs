//! Test-only exports: a scripted PAS (so the session scenarios run without HTTP), the ordered
//! effect log it can share with JS test stores, and a panic probe. Not for production use; the
//! typings say so.

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use pas_core::{ErrorCode, PasFailure, PasPort, TokenResponse};

use crate::errors::{guard, pas_err, promise};

/// **Test only.** An ordered log of effects shared by test doubles: a `ScriptedPas` built with it
/// writes `refresh_at_pas` at the moment PAS is called, and JS test stores and caches `push` their
/// own entries, so one log holds the exact effect order of a session check.
#[napi]
#[derive(Debug, Default)]
pub struct EffectLog {
    inner: pas_core::testing::EffectLog,
}

#[napi]
impl EffectLog {
    /// An empty log.
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an entry.
    #[napi(catch_unwind)]
    pub fn push(&self, entry: String) {
        self.inner.push(entry);
    }

    /// The entries so far, in order.
    #[napi(catch_unwind)]
    pub fn entries(&self) -> Vec<String> {
        self.inner.entries()
    }

    /// Returns the entries and empties the log.
    #[napi(catch_unwind)]
    pub fn take(&self) -> Vec<String> {
        self.inner.take()
    }
}

/// **Test only.** A scripted PAS: each refresh pops the next scripted answer. A call with nothing
/// scripted is answered `pas_transport` and counted in `unexpectedCalls`. Pass it to
/// `new SessionValidator(scriptedPas, ...)` in place of a `Client`. Given an `EffectLog`, every
/// call writes `refresh_at_pas` to it.
#[napi]
#[derive(Debug)]
pub struct ScriptedPas {
    inner: Arc<pas_core::testing::ScriptedPas>,
}

impl ScriptedPas {
    pub(crate) fn port(&self) -> Arc<dyn PasPort> {
        self.inner.clone()
    }
}

#[napi]
impl ScriptedPas {
    /// A PAS with nothing scripted, writing `refresh_at_pas` to `log` (when given) on every call.
    #[napi(constructor, catch_unwind)]
    pub fn new(log: Option<&EffectLog>) -> Self {
        let inner = match log {
            Some(log) => pas_core::testing::ScriptedPas::with_log(log.inner.clone()),
            None => pas_core::testing::ScriptedPas::new(),
        };
        Self { inner: Arc::new(inner) }
    }

    /// Scripts a successful refresh whose (unsigned) access token carries `claims`, and
    /// optionally a refresh token in the answer.
    #[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>, refreshToken?: string | null")]
    pub fn refresh_ok(&self, claims: serde_json::Value, refresh_token: Option<String>) {
        self.inner.refresh_ok(&claims, refresh_token.as_deref());
    }

    /// Scripts a successful refresh with a raw access token (e.g. one that is not a JWT). With
    /// `expectedToken`, it only answers if that is the refresh token sent (else `400 invalid_grant`).
    #[napi(catch_unwind)]
    pub fn refresh_ok_raw(&self, access_token: String, refresh_token: Option<String>, expected_token: Option<String>) {
        self.inner.expect_refresh(expected_token.as_deref(), Ok(TokenResponse::new(access_token, refresh_token)));
    }

    /// Scripts a successful refresh that only answers if `expectedToken` is the refresh token
    /// sent (else `400 invalid_grant`).
    #[napi(
        catch_unwind,
        ts_args_type = "expectedToken: string, claims: Record<string, unknown>, refreshToken?: string | null"
    )]
    pub fn expect_refresh(&self, expected_token: String, claims: serde_json::Value, refresh_token: Option<String>) {
        let access = pas_core::testing::unsigned_access_token(&claims);
        self.inner.expect_refresh(Some(&expected_token), Ok(TokenResponse::new(access, refresh_token)));
    }

    /// Scripts a failed refresh with an HTTP status (4xx rejected, 5xx/408/429 unavailable).
    #[napi(catch_unwind)]
    pub fn refresh_fails_status(&self, status: u32, oauth_error: Option<String>, retry_after_ms: Option<u32>) {
        let status = u16::try_from(status).unwrap_or(500);
        let retry = retry_after_ms.map(|ms| Duration::from_millis(u64::from(ms)));
        self.inner.refresh_fails(PasFailure::from_status(status, oauth_error, retry));
    }

    /// Scripts a transport-class failure: `pas_transport`, `pas_timeout` or `pas_bad_response`.
    #[napi(catch_unwind, ts_args_type = "code: 'pas_transport' | 'pas_timeout' | 'pas_bad_response'")]
    pub fn refresh_fails_transport(&self, env: &Env, code: String) -> Result<()> {
        guard(env, || {
            let code = match code.as_str() {
                "pas_transport" => ErrorCode::PasTransport,
                "pas_timeout" => ErrorCode::PasTimeout,
                "pas_bad_response" => ErrorCode::PasBadResponse,
                _ => return Err(pas_err(ErrorCode::InvalidArgument, "unknown transport code")),
            };
            self.inner.refresh_fails(PasFailure::Transport { code, detail: "scripted".into() });
            Ok(())
        })
    }

    /// Makes every call wait this long before answering (concurrency tests).
    #[napi(catch_unwind)]
    pub fn set_delay_ms(&self, ms: u32) {
        self.inner.set_delay(Duration::from_millis(u64::from(ms)));
    }

    /// How many refresh calls were made.
    #[napi(getter, catch_unwind)]
    pub fn call_count(&self) -> u32 {
        u32::try_from(self.inner.call_count()).unwrap_or(u32::MAX)
    }

    /// Calls made with nothing scripted.
    #[napi(getter, catch_unwind)]
    pub fn unexpected_calls(&self) -> u32 {
        u32::try_from(self.inner.unexpected_calls()).unwrap_or(u32::MAX)
    }

    /// Scripted answers not yet consumed.
    #[napi(getter, catch_unwind)]
    pub fn remaining(&self) -> u32 {
        u32::try_from(self.inner.remaining()).unwrap_or(u32::MAX)
    }

    /// The refresh tokens sent, in order (test only: they are secrets).
    #[napi(catch_unwind)]
    pub fn tokens_sent(&self) -> Vec<String> {
        self.inner.tokens_sent()
    }
}

impl Default for ScriptedPas {
    fn default() -> Self {
        Self::new(None)
    }
}

/// **Test only.** Panics inside Rust (synchronously, or inside a Promise's future when `inAsync`)
/// to prove that a panic becomes an error with `code: "panic"` and Node keeps running.
#[napi(catch_unwind, ts_return_type = "Promise<void> | void")]
#[allow(clippy::panic)]
pub fn test_only_panic<'env>(env: &'env Env, in_async: bool) -> Result<Either<PromiseRaw<'env, ()>, ()>> {
    if in_async {
        promise(env, async { panic!("test_only_panic (async)") }).map(Either::A)
    } else {
        guard(env, || -> pas_core::Result<()> { panic!("test_only_panic (sync)") }).map(Either::B)
    }
}
