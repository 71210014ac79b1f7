//! **Test-only** exports: a scripted PAS double (wrapping `pas_core::testing::ScriptedPas`) to
//! run the session scenarios without HTTP, and a function that panics to prove the boundary.
//! Never use them in production code; they are exported so the C and Go test suites can reach
//! them through the same library they test.

use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

use pas_core::rt::OwnedRuntime;
use pas_core::testing::ScriptedPas;
use pas_core::{Error, ErrorCode, PasFailure, TokenResponse};

use crate::codes::pas_status;
use crate::crypto::pas_cipher;
use crate::error::pas_error;
use crate::ffi::{handle, into_handle, out, put, str_in};
use crate::session::pas_session_validator;

/// TEST ONLY. A scripted PAS: each refresh pops the next scripted answer; with nothing scripted
/// it answers `pas_transport`. Thread-safe.
pub struct pas_testing_pas {
    pas: Arc<ScriptedPas>,
}

impl std::fmt::Debug for pas_testing_pas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.pas.fmt(f)
    }
}

/// TEST ONLY. A new scripted PAS. Never blocks. Ownership: caller frees with
/// `pas_testing_pas_free`. Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_testing_pas_new(out_pas: *mut *mut pas_testing_pas) -> pas_status {
    boundary!(status, {
        let out_pas = out(out_pas, "out_pas")?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_pas, into_handle(pas_testing_pas { pas: Arc::new(ScriptedPas::new()) })) };
        Ok(())
    })
}

/// TEST ONLY. Frees a scripted PAS (validators made from it keep it alive). NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_testing_pas_free(pas: *mut pas_testing_pas) {
    boundary!(value = (), {
        // SAFETY: NULL or a handle from this library, not yet freed.
        unsafe { crate::ffi::free_handle(pas) }
    })
}

/// TEST ONLY. Scripts a successful refresh whose (unsigned) access token carries the JSON object
/// `claims_json`; `refresh_token` (NULL = none) is the refresh token PAS returns (a different
/// one is a rotation). An access token that is not a JWT can be scripted with `raw_access_token`
/// = true: `claims_json` is then used verbatim as the access token.
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8, INVALID_ARGUMENT (not JSON).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_testing_pas_refresh_ok(
    pas: *const pas_testing_pas,
    claims_json: *const c_char,
    claims_json_len: usize,
    raw_access_token: bool,
    refresh_token: *const c_char,
    refresh_token_len: usize,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let p = unsafe { handle(pas, "pas") }?;
        // SAFETY: pointer + length per the documented contract.
        let claims = unsafe { str_in(claims_json, claims_json_len, "claims_json") }?;
        let rt = if refresh_token.is_null() {
            None
        } else {
            // SAFETY: pointer + length per the documented contract.
            Some(unsafe { str_in(refresh_token, refresh_token_len, "refresh_token") }?.to_owned())
        };
        let access = if raw_access_token {
            claims.to_owned()
        } else {
            let value: serde_json::Value = serde_json::from_str(claims)
                .map_err(|_| Error::new(ErrorCode::InvalidArgument, "claims_json is not JSON"))?;
            pas_core::testing::unsigned_access_token(&value)
        };
        p.pas.expect_refresh(None, Ok(TokenResponse::new(access, rt)));
        Ok(())
    })
}

/// TEST ONLY. Scripts a failed refresh: `http_status` 400-499 (other than 408/429) is a
/// rejection (`invalid_grant`), 408/429/5xx a server error (with `retry_after_s` when > 0), and
/// 0 a transport failure.
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_testing_pas_refresh_fails(
    pas: *const pas_testing_pas,
    http_status: u16,
    retry_after_s: u32,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let p = unsafe { handle(pas, "pas") }?;
        let failure = if http_status == 0 {
            PasFailure::Transport { code: ErrorCode::PasTransport, detail: "scripted transport failure".into() }
        } else {
            let retry = (retry_after_s > 0).then(|| Duration::from_secs(u64::from(retry_after_s)));
            PasFailure::from_status(http_status, Some("invalid_grant".into()), retry)
        };
        p.pas.refresh_fails(failure);
        Ok(())
    })
}

/// TEST ONLY. Scripts a successful refresh that PAS gives only for the refresh token
/// `expected_refresh_token`: the access token is `access_token` verbatim and `refresh_token`
/// (NULL = none) the refresh token PAS returns. When the call carries another refresh token, PAS
/// answers 400 `invalid_grant` instead (what PAS does with a token it does not know).
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_testing_pas_refresh_ok_expecting(
    pas: *const pas_testing_pas,
    expected_refresh_token: *const c_char,
    expected_refresh_token_len: usize,
    access_token: *const c_char,
    access_token_len: usize,
    refresh_token: *const c_char,
    refresh_token_len: usize,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let p = unsafe { handle(pas, "pas") }?;
        // SAFETY: pointer + length per the documented contract.
        let expected = unsafe { str_in(expected_refresh_token, expected_refresh_token_len, "expected_refresh_token") }?;
        // SAFETY: pointer + length per the documented contract.
        let access = unsafe { str_in(access_token, access_token_len, "access_token") }?;
        let rt = if refresh_token.is_null() {
            None
        } else {
            // SAFETY: pointer + length per the documented contract.
            Some(unsafe { str_in(refresh_token, refresh_token_len, "refresh_token") }?.to_owned())
        };
        p.pas.expect_refresh(Some(expected), Ok(TokenResponse::new(access, rt)));
        Ok(())
    })
}

/// TEST ONLY. Scripts a refresh that fails without an HTTP answer, with the status `code`:
/// `PAS_STATUS_PAS_TRANSPORT`, `PAS_STATUS_PAS_TIMEOUT` or `PAS_STATUS_PAS_BAD_RESPONSE` (the
/// three transport-class failures of a real client; the conformance vectors script each).
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (another code).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_testing_pas_refresh_transport(
    pas: *const pas_testing_pas,
    code: pas_status,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let p = unsafe { handle(pas, "pas") }?;
        let code = match ErrorCode::from_number(code) {
            Some(c @ (ErrorCode::PasTransport | ErrorCode::PasTimeout | ErrorCode::PasBadResponse)) => c,
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    "code must be PAS_TRANSPORT, PAS_TIMEOUT or PAS_BAD_RESPONSE",
                ));
            }
        };
        p.pas.refresh_fails(PasFailure::Transport { code, detail: "scripted transport failure".into() });
        Ok(())
    })
}

/// TEST ONLY. Makes every scripted refresh wait `delay_ms` first (concurrency tests).
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_testing_pas_set_delay_ms(pas: *const pas_testing_pas, delay_ms: u32) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        unsafe { handle(pas, "pas") }?.pas.set_delay(Duration::from_millis(u64::from(delay_ms)));
        Ok(())
    })
}

/// TEST ONLY. Number of refresh calls made, and of calls with nothing scripted.
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_testing_pas_calls(
    pas: *const pas_testing_pas,
    out_calls: *mut usize,
    out_unexpected: *mut usize,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let p = unsafe { handle(pas, "pas") }?;
        let (out_calls, out_unexpected) = (out(out_calls, "out_calls")?, out(out_unexpected, "out_unexpected")?);
        // SAFETY: checked out-pointers.
        unsafe {
            put(out_calls, p.pas.call_count());
            put(out_unexpected, p.pas.unexpected_calls());
        }
        Ok(())
    })
}

/// TEST ONLY. A session validator over the scripted PAS (its own 1-thread runtime), with
/// `cipher` (NULL: no cipher).
///
/// Never blocks. Ownership: as `pas_session_validator_new`. Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_testing_validator_new(
    pas: *const pas_testing_pas,
    cipher: *const pas_cipher,
    out_validator: *mut *mut pas_session_validator,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let p = unsafe { handle(pas, "pas") }?;
        // SAFETY: NULL (no cipher) or a live handle.
        let cipher = unsafe { cipher.as_ref() };
        let out_validator = out(out_validator, "out_validator")?;
        let v = pas_session_validator::new(p.pas.clone(), cipher, Arc::new(OwnedRuntime::new(1)));
        // SAFETY: checked out-pointer.
        unsafe { put(out_validator, into_handle(v)) };
        Ok(())
    })
}

/// TEST ONLY. Panics inside the boundary: returns `PAS_STATUS_PANIC` (and an error object named
/// "panic"), proving no panic crosses into C.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_testing_panic(out_err: *mut *mut pas_error) -> pas_status {
    boundary!(err = out_err, {
        let v: Vec<u8> = Vec::new();
        // An out-of-bounds index: a real panic, not a `panic!` (which the lints forbid).
        let byte = v[std::hint::black_box(3)];
        Err(Error::new(ErrorCode::Internal, format!("unreachable {byte}")))
    })
}
