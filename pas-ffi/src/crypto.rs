//! PKCE values and the refresh-token cipher (key ring).

use std::ffi::c_char;

use pas_core::{TokenCipher, pkce};

use crate::codes::pas_status;
use crate::error::pas_error;
use crate::ffi::{handle, into_handle, out, pas_bytes, pas_str, put, str_in, write_buf};

/// A fresh PKCE code verifier (64 characters from 48 CSPRNG bytes) written to `buf` with a NUL.
///
/// Never blocks. `buf` needs `PAS_PKCE_VERIFIER_LEN + 1` bytes. On OK `*out_len` is 64; on
/// `PAS_STATUS_BUFFER_TOO_SMALL` it is the capacity needed (NUL included) and `buf` is untouched.
/// Statuses: OK, NULL_ARGUMENT (`out_len`), BUFFER_TOO_SMALL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_pkce_new_verifier(buf: *mut c_char, buf_cap: usize, out_len: *mut usize) -> pas_status {
    boundary!(status, {
        let verifier = pkce::generate_code_verifier();
        // SAFETY: buf/out_len per the documented contract.
        unsafe { write_buf(verifier.expose(), buf, buf_cap, out_len) }
    })
}

/// A fresh OAuth `state` (22 characters, 128 bits) written to `buf` with a NUL.
///
/// Never blocks. `buf` needs `PAS_STATE_LEN + 1` bytes; sizes as `pas_pkce_new_verifier`.
/// Statuses: OK, NULL_ARGUMENT, BUFFER_TOO_SMALL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_pkce_new_state(buf: *mut c_char, buf_cap: usize, out_len: *mut usize) -> pas_status {
    boundary!(status, {
        let state = pkce::generate_state();
        // SAFETY: buf/out_len per the documented contract.
        unsafe { write_buf(&state, buf, buf_cap, out_len) }
    })
}

/// The S256 challenge of `verifier` (43 characters) written to `buf` with a NUL.
///
/// Never blocks. `buf` needs `PAS_PKCE_CHALLENGE_LEN + 1` bytes; sizes as
/// `pas_pkce_new_verifier`. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8, INVALID_VERIFIER (not
/// 43-128 unreserved characters), BUFFER_TOO_SMALL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_pkce_challenge_s256(
    verifier: *const c_char,
    verifier_len: usize,
    buf: *mut c_char,
    buf_cap: usize,
    out_len: *mut usize,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        // SAFETY: pointer + length per the documented contract.
        let verifier = unsafe { str_in(verifier, verifier_len, "verifier") }?;
        let challenge = pkce::code_challenge(verifier)?;
        // SAFETY: buf/out_len per the documented contract.
        unsafe { write_buf(&challenge, buf, buf_cap, out_len) }
    })
}

/// The refresh-token cipher: AES-256-GCM with a key ring (the primary key encrypts; the primary
/// and then the older keys decrypt). Thread-safe: one handle may be used from many threads at
/// once. Free with `pas_cipher_free` once no call uses it.
pub struct pas_cipher {
    pub(crate) cipher: TokenCipher,
}

impl std::fmt::Debug for pas_cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.cipher.fmt(f)
    }
}

/// A fresh random key (32 CSPRNG bytes, standard base64, 44 characters) written to `buf` with a
/// NUL. Secret: zero the buffer when done.
///
/// Never blocks. `buf` needs `PAS_CIPHER_KEY_B64_LEN + 1` bytes; sizes as
/// `pas_pkce_new_verifier`. Statuses: OK, NULL_ARGUMENT, BUFFER_TOO_SMALL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_cipher_generate_key(buf: *mut c_char, buf_cap: usize, out_len: *mut usize) -> pas_status {
    boundary!(status, {
        let key = zeroize::Zeroizing::new(TokenCipher::generate_key());
        // SAFETY: buf/out_len per the documented contract.
        unsafe { write_buf(&key, buf, buf_cap, out_len) }
    })
}

/// A cipher with one key (standard base64 of 32 bytes; surrounding whitespace ignored).
///
/// Never blocks. Ownership: on OK `*out_cipher` is a new handle owned by the caller
/// (`pas_cipher_free`); the key bytes are copied. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8,
/// KEY_INVALID (not base64), KEY_WRONG_LENGTH (not 32 bytes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_cipher_new(
    key_b64: *const c_char,
    key_b64_len: usize,
    out_cipher: *mut *mut pas_cipher,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        let out_cipher = out(out_cipher, "out_cipher")?;
        // SAFETY: pointer + length per the documented contract.
        let key = unsafe { str_in(key_b64, key_b64_len, "key_b64") }?;
        let cipher = TokenCipher::from_base64_key(key)?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_cipher, into_handle(pas_cipher { cipher })) };
        Ok(())
    })
}

/// A cipher with a key ring: `primary` encrypts; `primary`, then `previous[0..n_previous]` in
/// order, decrypt (key rotation). `previous` may be NULL when `n_previous` is 0.
///
/// Never blocks. Ownership: as `pas_cipher_new`; the array and its strings are only read during
/// the call. Statuses: as `pas_cipher_new` (for the first bad key).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_cipher_new_ring(
    primary_b64: *const c_char,
    primary_b64_len: usize,
    previous: *const pas_str,
    n_previous: usize,
    out_cipher: *mut *mut pas_cipher,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        let out_cipher = out(out_cipher, "out_cipher")?;
        // SAFETY: pointer + length per the documented contract.
        let primary = unsafe { str_in(primary_b64, primary_b64_len, "primary_b64") }?;
        let previous: &[pas_str] = if n_previous == 0 {
            &[]
        } else if previous.is_null() {
            return Err(crate::ffi::null("previous"));
        } else {
            // SAFETY: `previous` holds `n_previous` elements by the documented contract.
            unsafe { std::slice::from_raw_parts(previous, n_previous) }
        };
        let mut keys = Vec::with_capacity(previous.len());
        for key in previous {
            // SAFETY: each element is pointer + length per the documented contract.
            keys.push(unsafe { str_in(key.data, key.len, "previous[i]") }?);
        }
        let cipher = TokenCipher::from_base64_keys(primary, &keys)?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_cipher, into_handle(pas_cipher { cipher })) };
        Ok(())
    })
}

/// Encrypts a refresh token with the primary key and a fresh nonce: standard base64 of
/// nonce ‖ ciphertext ‖ tag (the stored form).
///
/// Never blocks. Thread-safe. Ownership: on OK `*out_ciphertext` is a new buffer owned by the
/// caller (`pas_bytes_free`). Statuses: OK, NULL_ARGUMENT, INVALID_UTF8, ENCRYPT_FAILED.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_cipher_encrypt(
    cipher: *const pas_cipher,
    plaintext: *const c_char,
    plaintext_len: usize,
    out_ciphertext: *mut pas_bytes,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        // SAFETY: NULL or a live handle.
        let cipher = unsafe { handle(cipher, "cipher") }?;
        let out_ct = out(out_ciphertext, "out_ciphertext")?;
        // SAFETY: pointer + length per the documented contract.
        let plaintext = unsafe { str_in(plaintext, plaintext_len, "plaintext") }?;
        let sealed = cipher.cipher.encrypt(plaintext)?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_ct, pas_bytes::copy_of(sealed.as_str().as_bytes())) };
        Ok(())
    })
}

/// Decrypts a stored refresh token with the first key of the ring that authenticates it.
///
/// Never blocks. Thread-safe. Ownership: on OK `*out_plaintext` is a new buffer owned by the
/// caller holding the secret refresh token; `pas_bytes_free` zeroizes it. Statuses: OK,
/// NULL_ARGUMENT, INVALID_UTF8, CIPHERTEXT_MALFORMED, CIPHERTEXT_TRUNCATED, DECRYPT_FAILED (wrong
/// key, tampering).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_cipher_decrypt(
    cipher: *const pas_cipher,
    ciphertext: *const c_char,
    ciphertext_len: usize,
    out_plaintext: *mut pas_bytes,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        // SAFETY: NULL or a live handle.
        let cipher = unsafe { handle(cipher, "cipher") }?;
        let out_pt = out(out_plaintext, "out_plaintext")?;
        // SAFETY: pointer + length per the documented contract.
        let ciphertext = unsafe { str_in(ciphertext, ciphertext_len, "ciphertext") }?;
        let plain = cipher.cipher.decrypt_str(ciphertext)?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_pt, pas_bytes::copy_of(plain.expose().as_bytes())) };
        Ok(())
    })
}

/// Number of keys in the ring (primary included) in `*out_count`.
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_cipher_key_count(cipher: *const pas_cipher, out_count: *mut usize) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let cipher = unsafe { handle(cipher, "cipher") }?;
        let out_count = out(out_count, "out_count")?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_count, cipher.cipher.key_count()) };
        Ok(())
    })
}

/// Frees a cipher (its key schedules are dropped). NULL is a no-op.
///
/// Never blocks. Ownership: takes `cipher` back. Validators built from it keep their own copy.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_cipher_free(cipher: *mut pas_cipher) {
    boundary!(value = (), {
        // SAFETY: NULL or a handle made by pas_cipher_new*, not yet freed.
        unsafe { crate::ffi::free_handle(cipher) }
    })
}
