//! Strings and buffers across the boundary, and the small `unsafe` helpers every export uses.

use std::ffi::c_char;

use pas_core::{Error, ErrorCode};
use zeroize::Zeroize;

/// A borrowed, read-only view of UTF-8 bytes (not NUL-terminated unless documented).
///
/// Views returned by the library point into the handle they came from and are valid until that
/// handle is freed (or, for a session check's step, until its next feed). `data == NULL` means
/// "absent" (for optional values). As an input (`const pas_str *` arrays), `data` must be valid
/// for `len` bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct pas_str {
    /// The first byte, or NULL when absent.
    pub data: *const c_char,
    /// Number of bytes, without any NUL.
    pub len: usize,
}

impl pas_str {
    pub(crate) const ABSENT: pas_str = pas_str { data: std::ptr::null(), len: 0 };

    pub(crate) fn of(s: &str) -> pas_str {
        pas_str { data: s.as_ptr().cast(), len: s.len() }
    }

    pub(crate) fn of_opt(s: Option<&str>) -> pas_str {
        s.map_or(Self::ABSENT, Self::of)
    }
}

/// A library-owned byte buffer (ciphertexts, decrypted refresh tokens, tokens).
///
/// `data` holds `len` bytes followed by one NUL (so text can be printed directly); free it with
/// `pas_bytes_free`, which zeroizes the bytes first. Never free it with libc `free`.
#[repr(C)]
#[derive(Debug)]
pub struct pas_bytes {
    /// The bytes (NUL-terminated), or NULL when empty/absent.
    pub data: *mut u8,
    /// Number of bytes, without the NUL.
    pub len: usize,
}

impl pas_bytes {
    pub(crate) const EMPTY: pas_bytes = pas_bytes { data: std::ptr::null_mut(), len: 0 };

    /// Copies `bytes` into a new library-owned, NUL-terminated allocation.
    pub(crate) fn copy_of(bytes: &[u8]) -> pas_bytes {
        let mut v = Vec::with_capacity(bytes.len() + 1);
        v.extend_from_slice(bytes);
        v.push(0);
        let len = bytes.len();
        let data = Box::into_raw(v.into_boxed_slice()).cast::<u8>();
        pas_bytes { data, len }
    }
}

/// Frees a buffer returned by the library: zeroizes its bytes, releases them, and resets `*bytes`
/// to `{NULL, 0}`. NULL, or a buffer whose `data` is NULL, is a no-op.
///
/// Never blocks. Ownership: takes back the memory `bytes->data` points to.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_bytes_free(bytes: *mut pas_bytes) {
    boundary!(value = (), {
        if bytes.is_null() {
            return;
        }
        // SAFETY: the caller passes a pas_bytes the library filled (or a zeroed one).
        let b = unsafe { &mut *bytes };
        if !b.data.is_null() {
            // SAFETY: data/len+1 is exactly the boxed slice made in `copy_of`.
            let mut boxed = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(b.data, b.len + 1)) };
            boxed.zeroize();
            drop(boxed);
        }
        b.data = std::ptr::null_mut();
        b.len = 0;
    })
}

/// A NULL-argument error naming the parameter.
pub(crate) fn null(name: &'static str) -> Error {
    Error::new(ErrorCode::NullArgument, format!("argument `{name}` is NULL"))
}

/// Borrows a UTF-8 string given as pointer + length.
///
/// # Safety
/// `ptr` must be NULL or valid for reads of `len` bytes for the duration of the call.
pub(crate) unsafe fn str_in<'a>(ptr: *const c_char, len: usize, name: &'static str) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(null(name));
    }
    // SAFETY: non-NULL and valid for `len` bytes by the caller's contract.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    std::str::from_utf8(bytes)
        .map_err(|_| Error::new(ErrorCode::InvalidUtf8, format!("argument `{name}` is not valid UTF-8")))
}

/// Borrows a handle.
///
/// # Safety
/// `ptr` must be NULL or point to a live handle of type `T` made by this library.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, name: &'static str) -> Result<&'a T, Error> {
    // SAFETY: by the caller's contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| null(name))
}

/// Borrows a handle mutably.
///
/// # Safety
/// As [`handle`], and no other reference to it may be live (handles documented as
/// single-threaded).
pub(crate) unsafe fn handle_mut<'a, T>(ptr: *mut T, name: &'static str) -> Result<&'a mut T, Error> {
    // SAFETY: by the caller's contract.
    unsafe { ptr.as_mut() }.ok_or_else(|| null(name))
}

/// Checks an out-pointer for NULL.
pub(crate) fn out<T>(ptr: *mut T, name: &'static str) -> Result<*mut T, Error> {
    if ptr.is_null() { Err(null(name)) } else { Ok(ptr) }
}

/// Writes `value` through a checked out-pointer.
///
/// # Safety
/// `ptr` must be valid for a write of `T` (it may be uninitialized).
pub(crate) unsafe fn put<T>(ptr: *mut T, value: T) {
    // SAFETY: by the caller's contract; `write` does not read or drop the old value.
    unsafe { ptr.write(value) }
}

/// Moves a value into a new heap handle owned by the caller.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Frees a handle made by [`into_handle`]. NULL is a no-op.
///
/// # Safety
/// `ptr` must be NULL or a handle from [`into_handle`] not yet freed.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: by the caller's contract.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Writes `s` plus a NUL into a caller buffer; reports the needed size when it does not fit.
///
/// On success `*out_len` is the length without the NUL; on `buffer_too_small` it is the
/// capacity needed, NUL included, and the buffer is untouched.
///
/// # Safety
/// `buf` must be valid for writes of `cap` bytes; `out_len` must be NULL or valid.
pub(crate) unsafe fn write_buf(s: &str, buf: *mut c_char, cap: usize, out_len: *mut usize) -> Result<(), Error> {
    let out_len = out(out_len, "out_len")?;
    let needed = s.len() + 1;
    if buf.is_null() || cap < needed {
        // SAFETY: checked non-NULL above.
        unsafe { put(out_len, needed) };
        if buf.is_null() && cap > 0 {
            return Err(null("buf"));
        }
        return Err(Error::new(ErrorCode::BufferTooSmall, format!("the buffer needs {needed} bytes")));
    }
    // SAFETY: `buf` holds at least `needed` bytes by the caller's contract and the check above.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), buf.cast::<u8>(), s.len());
        buf.add(s.len()).write(0);
        put(out_len, s.len());
    }
    Ok(())
}
