//! # pas-ffi: the C ABI of pas
//!
//! `libpas.so` / `libpas.a` and the cbindgen-generated `include/pas.h`. Every function here is a
//! thin, checked shell around `pas-core`: it decides nothing itself. The rules every export keeps
//! (naming, handles, status codes, error objects, strings, blocking, callbacks) are written down
//! in `docs/ABI.md`; the short form:
//!
//! * every export is `pas_`-prefixed, `#[unsafe(no_mangle)] pub unsafe extern "C"`, and its whole
//!   body runs inside the one [`boundary!`] macro, which catches panics (→ `PAS_STATUS_PANIC`)
//!   and converts errors to a status plus an optional owned `pas_error`;
//! * pointers are checked for NULL (`PAS_STATUS_NULL_ARGUMENT`), strings arrive as pointer +
//!   length and are UTF-8 checked (`PAS_STATUS_INVALID_UTF8`);
//! * outputs are written only on `PAS_STATUS_OK`, except the session decision (preset EXPIRED)
//!   and the needed size of a too-small caller buffer.
//!
//! `unsafe` lives only in this crate, in small helpers of [`ffi`] and at the points where a
//! C pointer is read or written; each such block states why it is sound.
#![allow(non_camel_case_types)]
// The safety contract of every export is the same and is written once, in docs/ABI.md and the
// header's preamble: pointers are NULL or valid for the documented access, handles come from the
// matching constructor and are not used after their `_free`.
#![allow(clippy::missing_safety_doc)]

#[macro_use]
mod boundary;
pub mod client;
pub mod codes;
pub mod crypto;
pub mod error;
pub mod ffi;
pub mod session;
pub mod testing;
pub mod verifier;

pub use boundary::test_boundary_is_everywhere;
pub use client::*;
pub use codes::*;
pub use crypto::*;
pub use error::*;
pub use ffi::{pas_bytes, pas_bytes_free, pas_str};
pub use session::*;
pub use testing::*;
pub use verifier::*;
