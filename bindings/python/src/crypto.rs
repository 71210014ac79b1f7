//! `TokenCipher` (AES-256-GCM key ring for refresh tokens at rest) and the PKCE helpers.

use pas_core::cipher::EncryptedRefreshToken;
use pas_core::pkce;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::IntoPy;

/// Inputs at least this long are sealed or opened with the GIL released; shorter ones take less
/// time than releasing and re-taking the GIL.
const DETACH_BYTES: usize = 4096;

/// Seals and opens refresh tokens with AES-256-GCM (a fresh 96-bit nonce per seal).
///
/// `TokenCipher(key, previous=())`: `key` is standard base64 of 32 bytes and encrypts; `key` and
/// then each of `previous` decrypt, so keys can be rotated without logging users out. The stored
/// form is `base64(nonce || ciphertext || tag)`. Thread-safe; `repr()` shows only the key count.
#[pyclass(frozen, module = "pas")]
pub(crate) struct TokenCipher {
    pub(crate) inner: pas_core::TokenCipher,
}

#[pymethods]
impl TokenCipher {
    #[new]
    #[pyo3(signature = (key, previous = Vec::new()))]
    fn new(py: Python<'_>, key: String, previous: Vec<String>) -> PyResult<Self> {
        let inner = pas_core::TokenCipher::from_base64_keys(&key, &previous).py_err(py)?;
        Ok(Self { inner })
    }

    /// A fresh random key (standard base64 of 32 bytes).
    #[staticmethod]
    fn generate_key() -> String {
        pas_core::TokenCipher::generate_key()
    }

    /// Number of keys in the ring.
    #[getter]
    fn key_count(&self) -> usize {
        self.inner.key_count()
    }

    /// Encrypts a refresh token with the primary key; returns the value to store.
    fn encrypt(&self, py: Python<'_>, plaintext: &str) -> PyResult<String> {
        let out = if plaintext.len() >= DETACH_BYTES {
            py.detach(|| self.inner.encrypt(plaintext))
        } else {
            self.inner.encrypt(plaintext)
        };
        out.map(EncryptedRefreshToken::into_inner).py_err(py)
    }

    /// Decrypts a stored value with the first key of the ring that authenticates it.
    ///
    /// Raises `CiphertextMalformedError`, `CiphertextTruncatedError` or `DecryptFailedError`.
    ///
    /// The Python `str` is made straight from the core's zeroizing buffer, so no unzeroized Rust
    /// copy of the refresh token is left behind in freed memory.
    fn decrypt<'py>(&self, py: Python<'py>, ciphertext: &str) -> PyResult<Bound<'py, PyString>> {
        let out = if ciphertext.len() >= DETACH_BYTES {
            py.detach(|| self.inner.decrypt_str(ciphertext))
        } else {
            self.inner.decrypt_str(ciphertext)
        };
        out.map(|s| PyString::new(py, s.expose())).py_err(py)
    }

    fn __repr__(&self) -> String {
        format!("TokenCipher(keys={})", self.inner.key_count())
    }
}

/// A fresh PKCE code verifier: 64 characters from 48 CSPRNG bytes.
#[pyfunction]
pub(crate) fn generate_code_verifier() -> String {
    pkce::generate_code_verifier().expose().to_owned()
}

/// A fresh OAuth `state`: 22 characters (128 random bits).
#[pyfunction]
pub(crate) fn generate_state() -> String {
    pkce::generate_state()
}

/// The S256 challenge of a verifier (RFC 7636 §4.2). Raises `InvalidVerifierError` when the
/// verifier is not 43-128 unreserved characters.
#[pyfunction]
pub(crate) fn code_challenge(py: Python<'_>, code_verifier: String) -> PyResult<String> {
    pkce::code_challenge(&code_verifier).py_err(py)
}

/// Checks a caller-given verifier; raises `InvalidVerifierError` when it breaks RFC 7636.
#[pyfunction]
pub(crate) fn validate_code_verifier(py: Python<'_>, code_verifier: String) -> PyResult<()> {
    pkce::validate_code_verifier(&code_verifier).py_err(py)
}
