//! The one boundary every export goes through.
//!
//! Forms:
//! * `boundary!(err = out_err, { ...; Ok(()) })`: the body returns `Result<(), pas_core::Error>`;
//!   the export returns `pas_status` (0 on success, else the error's number) and, when `out_err`
//!   is not NULL, stores an owned `pas_error` in `*out_err` on failure.
//! * `boundary!(status, { ... })`: as above without an error object.
//! * `boundary!(value = DEFAULT, { expr })`: for the few exports that return a value (names,
//!   versions, frees): a panic returns `DEFAULT`.
//!
//! A panic never crosses the boundary: `catch_unwind` turns it into `PAS_STATUS_PANIC` and the
//! panic payload (which could hold anything) is never copied into the error message.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pas_core::{Error, ErrorCode};

use crate::codes::{PAS_STATUS_OK, pas_status};
use crate::error::{pas_error, store_error};

macro_rules! boundary {
    (err = $out_err:expr, $body:block) => {{
        let out_err: *mut *mut $crate::error::pas_error = $out_err;
        let result = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(
            || -> ::std::result::Result<(), ::pas_core::Error> { $body },
        ));
        $crate::boundary::finish(result, out_err)
    }};
    (status, $body:block) => {{
        let result = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(
            || -> ::std::result::Result<(), ::pas_core::Error> { $body },
        ));
        $crate::boundary::finish(result, ::std::ptr::null_mut())
    }};
    (value = $default:expr, $body:block) => {{ ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)).unwrap_or($default) }};
}

/// Converts the body's outcome into a status (and an error object when asked for).
pub(crate) fn finish(result: std::thread::Result<Result<(), Error>>, out_err: *mut *mut pas_error) -> pas_status {
    let err = match result {
        Ok(Ok(())) => return PAS_STATUS_OK,
        Ok(Err(err)) => err,
        Err(_) => Error::new(ErrorCode::Panic, "an internal fault was caught at the C boundary"),
    };
    let status = err.code().number();
    // Building the error object allocates; a panic there must not escape either.
    let _ = catch_unwind(AssertUnwindSafe(|| store_error(out_err, &err)));
    status
}

/// Checks that every export in `sources` (file name, text) runs its body through `boundary!`.
/// Returns the names of exports that do not. Used by `tests/abi.rs`.
#[must_use]
pub fn test_boundary_is_everywhere(sources: &[(&str, &str)]) -> Vec<String> {
    let mut missing = Vec::new();
    for (file, text) in sources {
        for chunk in text.split("extern \"C\" fn ").skip(1) {
            let name: String = chunk.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.starts_with("pas_") {
                continue; // a callback type, not an export
            }
            let body_end = chunk.find("\n}\n").unwrap_or(chunk.len());
            if !chunk[..body_end].contains("boundary!(") {
                missing.push(format!("{file}: {name}"));
            }
        }
    }
    missing
}
