//! The optional owned error object (`pas_error`).

use std::ffi::{CString, c_char};

use pas_core::Error;

use crate::codes::{PAS_STATUS_NULL_ARGUMENT, pas_status, status_name};

/// Details of a failure: the status, its stable name, a message that never holds a token, key
/// or plaintext, and for PAS answers the HTTP status, the OAuth `error` code and `Retry-After`.
///
/// Made by any function taking `pas_error **out_err` when it fails and `out_err` is not NULL;
/// owned by the caller; free with `pas_error_free`. Not thread-safe to free while read.
pub struct pas_error {
    code: pas_status,
    message: CString,
    http_status: u16,
    oauth_error: Option<CString>,
    retry_after_ms: i64,
}

impl std::fmt::Debug for pas_error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("pas_error").field("code", &self.code).field("message", &self.message).finish()
    }
}

fn cstring_lossy(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

impl From<&Error> for pas_error {
    fn from(err: &Error) -> Self {
        pas_error {
            code: err.code().number(),
            message: cstring_lossy(&err.to_string()),
            http_status: err.status().unwrap_or(0),
            oauth_error: err.oauth_error().map(cstring_lossy),
            retry_after_ms: err.retry_after().map_or(-1, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        }
    }
}

/// Stores a new error object in `*out_err` when `out_err` is not NULL.
pub(crate) fn store_error(out_err: *mut *mut pas_error, err: &Error) {
    if out_err.is_null() {
        return;
    }
    let boxed = Box::into_raw(Box::new(pas_error::from(err)));
    // SAFETY: the caller of the export passed a valid `pas_error **` (documented).
    unsafe { out_err.write(boxed) };
}

/// The status of the failure. NULL gives `PAS_STATUS_NULL_ARGUMENT`.
///
/// Never blocks.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_error_code(err: *const pas_error) -> pas_status {
    boundary!(value = PAS_STATUS_NULL_ARGUMENT, {
        // SAFETY: NULL or a live pas_error.
        unsafe { err.as_ref() }.map_or(PAS_STATUS_NULL_ARGUMENT, |e| e.code)
    })
}

/// The stable name of the failure's status (as `pas_status_name`). NULL gives "null_argument".
///
/// Never blocks. Ownership: static; never free it. Never NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_error_name(err: *const pas_error) -> *const c_char {
    boundary!(value = c"unknown".as_ptr(), {
        // SAFETY: NULL or a live pas_error.
        let code = unsafe { err.as_ref() }.map_or(PAS_STATUS_NULL_ARGUMENT, |e| e.code);
        status_name(code).as_ptr()
    })
}

/// The human-readable message, NUL-terminated, e.g. "token_expired: the token has expired".
/// Never holds a token, key or plaintext. NULL gives "".
///
/// Never blocks. Ownership: borrowed from `err`; valid until `pas_error_free(err)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_error_message(err: *const pas_error) -> *const c_char {
    boundary!(value = c"".as_ptr(), {
        // SAFETY: NULL or a live pas_error.
        unsafe { err.as_ref() }.map_or(c"".as_ptr(), |e| e.message.as_ptr())
    })
}

/// The HTTP status PAS answered with, or 0 when the failure was not an HTTP answer (or NULL).
///
/// Never blocks.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_error_http_status(err: *const pas_error) -> u16 {
    boundary!(value = 0, {
        // SAFETY: NULL or a live pas_error.
        unsafe { err.as_ref() }.map_or(0, |e| e.http_status)
    })
}

/// The RFC 6749 `error` code PAS sent (e.g. "invalid_grant"), or NULL when none (or `err` NULL).
///
/// Never blocks. Ownership: borrowed from `err`; valid until `pas_error_free(err)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_error_oauth_error(err: *const pas_error) -> *const c_char {
    boundary!(value = std::ptr::null(), {
        // SAFETY: NULL or a live pas_error.
        unsafe { err.as_ref() }.and_then(|e| e.oauth_error.as_ref()).map_or(std::ptr::null(), |s| s.as_ptr())
    })
}

/// PAS's `Retry-After` in milliseconds, or -1 when it sent none (or `err` NULL).
///
/// Never blocks.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_error_retry_after_ms(err: *const pas_error) -> i64 {
    boundary!(value = -1, {
        // SAFETY: NULL or a live pas_error.
        unsafe { err.as_ref() }.map_or(-1, |e| e.retry_after_ms)
    })
}

/// Frees an error object. NULL is a no-op.
///
/// Never blocks. Ownership: takes `err` back; do not use it afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_error_free(err: *mut pas_error) {
    boundary!(value = (), {
        // SAFETY: NULL or a pas_error made by this library, not yet freed.
        unsafe { crate::ffi::free_handle(err) }
    })
}
