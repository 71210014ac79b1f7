//! The one error type of pas and its table of stable codes.
//!
//! Every failure anywhere in pas carries an [`ErrorCode`]. The code's string form (`token_expired`,
//! `pas_rejected`, ...) is identical in every language binding, and its number is the C status value
//! (`PAS_STATUS_*`). Codes are grouped by domain: 100s arguments and configuration, 200s runtime,
//! 300s network and PAS, 400s tokens, 500s crypto, 600s sessions. Numbers are never reused or
//! renumbered; a retired code stays reserved.
//!
//! Messages never contain a token, key or plaintext: they are built from static text, HTTP statuses,
//! OAuth error codes and lengths only. `tests/no_secrets.rs` enforces this.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $num:literal, $name:literal, $class:ident, $summary:literal; )*) => {
        /// A stable, documented failure code. The string form is the cross-language contract.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        #[repr(u32)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant = $num, )*
        }

        impl ErrorCode {
            /// Every code, in numeric order (the table exported to docs and bindings).
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            /// The stable `snake_case` name, e.g. `"token_expired"`.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $name, )* }
            }

            /// The fixed number (the C ABI's `PAS_STATUS_*` value).
            #[must_use]
            pub const fn number(self) -> u32 {
                self as u32
            }

            /// The broad family a binding maps to its native error classes.
            #[must_use]
            pub const fn class(self) -> ErrorClass {
                match self { $( ErrorCode::$variant => ErrorClass::$class, )* }
            }

            /// One-line human description, safe to show (no input is echoed).
            #[must_use]
            pub const fn summary(self) -> &'static str {
                match self { $( ErrorCode::$variant => $summary, )* }
            }

            /// Looks a code up by its stable name.
            #[must_use]
            pub fn from_name(name: &str) -> Option<ErrorCode> {
                match name { $( $name => Some(ErrorCode::$variant), )* _ => None }
            }

            /// Looks a code up by its number.
            #[must_use]
            pub fn from_number(number: u32) -> Option<ErrorCode> {
                match number { $( $num => Some(ErrorCode::$variant), )* _ => None }
            }
        }
    };
}

/// The family of an [`ErrorCode`], used by bindings to pick native base classes
/// (Python `ValueError`/`ConnectionError`/`TimeoutError`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The caller passed something unusable (bad argument, bad configuration).
    InvalidInput,
    /// The library's own runtime could not do the work (deadlock guard, internal fault).
    Runtime,
    /// PAS answered with a definitive refusal (4xx other than 408/429).
    Rejected,
    /// PAS or the network is degraded: 5xx, 408, 429, transport failure or a garbled answer.
    Unavailable,
    /// PAS or the network did not answer in time.
    Timeout,
    /// A token failed verification.
    Token,
    /// Encryption, decryption or key handling failed.
    Crypto,
    /// The host's session store failed or the session check ended in a failure.
    Session,
}

error_codes! {
    /// An argument was invalid (empty, out of range, wrong shape).
    InvalidArgument = 100, "invalid_argument", InvalidInput, "an argument is invalid";
    /// A required argument was missing (NULL in C).
    NullArgument = 101, "null_argument", InvalidInput, "a required argument is missing";
    /// Input bytes were not valid UTF-8.
    InvalidUtf8 = 102, "invalid_utf8", InvalidInput, "input is not valid UTF-8";
    /// A caller buffer was too small; the needed size is reported.
    BufferTooSmall = 103, "buffer_too_small", InvalidInput, "the output buffer is too small";
    /// The configuration is incomplete or inconsistent.
    InvalidConfig = 110, "invalid_config", InvalidInput, "the configuration is invalid";
    /// A URL did not parse or is not http(s).
    InvalidUrl = 111, "invalid_url", InvalidInput, "a URL is invalid";
    /// A PKCE code verifier is not 43-128 unreserved characters.
    InvalidVerifier = 112, "invalid_verifier", InvalidInput, "the PKCE code verifier is invalid";
    /// The OpenID discovery document could not be fetched or is unusable.
    DiscoveryFailed = 113, "discovery_failed", Unavailable, "OpenID discovery failed";
    /// A blocking call was made from inside a pas runtime thread.
    WouldDeadlock = 200, "would_deadlock", Runtime, "blocking call from inside the pas runtime";
    /// A panic was caught at a language boundary.
    Panic = 201, "panic", Runtime, "an internal fault was caught";
    /// An internal invariant failed (a bug in pas).
    Internal = 202, "internal", Runtime, "internal error";
    /// The runtime could not be created or has shut down.
    RuntimeUnavailable = 203, "runtime_unavailable", Runtime, "the async runtime is unavailable";
    /// PAS rejected the request (4xx other than 408/429): the credential is dead.
    PasRejected = 300, "pas_rejected", Rejected, "PAS rejected the request";
    /// PAS answered 5xx, 408 or 429: degraded, retry later.
    PasServerError = 301, "pas_server_error", Unavailable, "PAS is unavailable";
    /// The request did not complete (connect error, TLS, DNS, dropped connection, redirect).
    PasTransport = 302, "pas_transport", Unavailable, "the request to PAS failed in transport";
    /// The request timed out.
    PasTimeout = 303, "pas_timeout", Timeout, "the request to PAS timed out";
    /// PAS answered 2xx with a body that is not the expected JSON (or larger than the cap).
    PasBadResponse = 304, "pas_bad_response", Unavailable, "PAS sent an unexpected response";
    /// The token is not a well-formed compact JWS.
    TokenMalformed = 400, "token_malformed", Token, "the token is malformed";
    /// The token is larger than the size cap.
    TokenTooLarge = 401, "token_too_large", Token, "the token is too large";
    /// The token's `alg` is not on the allow-list (never `none` or HMAC).
    AlgNotAllowed = 402, "alg_not_allowed", Token, "the token's algorithm is not allowed";
    /// The token's `typ` header is not `at+jwt`.
    TypInvalid = 403, "typ_invalid", Token, "the token's type is not at+jwt";
    /// The header carries a parameter that is not allowed (`crit`, `jwk`, `jku`, ...).
    HeaderInvalid = 404, "header_invalid", Token, "the token header is not allowed";
    /// No key with the token's `kid` is known, even after a refetch.
    KidUnknown = 405, "kid_unknown", Token, "the token's key is unknown";
    /// The signature does not verify.
    SignatureInvalid = 406, "signature_invalid", Token, "the token signature is invalid";
    /// `exp` is in the past (beyond the leeway).
    TokenExpired = 407, "token_expired", Token, "the token has expired";
    /// `nbf` is in the future (beyond the leeway).
    TokenNotYetValid = 408, "token_not_yet_valid", Token, "the token is not yet valid";
    /// `iat` is in the future (beyond the leeway).
    IatInFuture = 409, "iat_in_future", Token, "the token was issued in the future";
    /// `exp - iat` exceeds the lifetime cap (24 h).
    LifetimeTooLong = 410, "lifetime_too_long", Token, "the token lifetime is too long";
    /// `iss` is missing or not the expected issuer.
    IssuerInvalid = 411, "issuer_invalid", Token, "the token issuer is invalid";
    /// `aud` is missing or does not contain the expected audience.
    AudienceInvalid = 412, "audience_invalid", Token, "the token audience is invalid";
    /// A required claim is missing.
    ClaimMissing = 413, "claim_missing", Token, "a required claim is missing";
    /// A claim has the wrong type or value.
    ClaimInvalid = 414, "claim_invalid", Token, "a claim is invalid";
    /// The `pas` profile requires `cat = access`.
    CategoryInvalid = 415, "category_invalid", Token, "the token is not an access token";
    /// No key set is available (never fetched successfully, or empty).
    JwksUnavailable = 416, "jwks_unavailable", Token, "no key set is available";
    /// A JWKS document is not valid.
    JwksInvalid = 417, "jwks_invalid", Token, "the key set is invalid";
    /// The refresh-token key is not valid base64.
    KeyInvalid = 500, "key_invalid", Crypto, "the key is not valid base64";
    /// The refresh-token key is not 32 bytes.
    KeyWrongLength = 501, "key_wrong_length", Crypto, "the key is not 32 bytes";
    /// Encryption failed.
    EncryptFailed = 502, "encrypt_failed", Crypto, "encryption failed";
    /// The stored ciphertext is not valid base64.
    CiphertextMalformed = 503, "ciphertext_malformed", Crypto, "the ciphertext is not valid base64";
    /// The stored ciphertext is shorter than nonce plus tag.
    CiphertextTruncated = 504, "ciphertext_truncated", Crypto, "the ciphertext is truncated";
    /// Authentication failed (wrong key, tampering) or the plaintext is not UTF-8.
    DecryptFailed = 505, "decrypt_failed", Crypto, "decryption failed";
    /// The host's session store failed on the first lookup or on the re-fetch.
    StoreFailed = 600, "store_failed", Session, "the session store failed";
    /// A step-by-step session check was fed out of order.
    InvalidState = 601, "invalid_state", Session, "the session check was driven out of order";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error type of every fallible pas operation.
///
/// It carries a stable [`ErrorCode`], a message that never contains secret material, and for
/// failures at PAS the HTTP status, the RFC 6749 `error` code and any `Retry-After`.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    detail: Cow<'static, str>,
    status: Option<u16>,
    oauth_error: Option<String>,
    retry_after: Option<Duration>,
}

impl Error {
    /// An error with a code and a static or formatted detail (which must hold no secret).
    pub fn new(code: ErrorCode, detail: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            detail: detail.into(),
            status: None,
            oauth_error: None,
            retry_after: None,
        }
    }

    /// An error with only its code's summary as message.
    #[must_use]
    pub fn from_code(code: ErrorCode) -> Self {
        Self::new(code, code.summary())
    }

    /// Adds the HTTP status PAS answered with.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Adds the RFC 6749 `error` code from PAS's body (sanitized: only `[A-Za-z0-9_.-]`, max 64).
    #[must_use]
    pub fn with_oauth_error(mut self, oauth_error: Option<String>) -> Self {
        self.oauth_error = oauth_error.and_then(|e| sanitize_oauth_error(&e));
        self
    }

    /// Adds the `Retry-After` delay PAS asked for.
    #[must_use]
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// The stable code.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human-readable detail (no secrets).
    #[must_use]
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// HTTP status from PAS, when the failure was an HTTP answer.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// RFC 6749 `error` value from PAS's body, when it sent one.
    #[must_use]
    pub fn oauth_error(&self) -> Option<&str> {
        self.oauth_error.as_deref()
    }

    /// `Retry-After` from PAS, when it sent one with a 5xx/408/429.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

/// Keeps an OAuth `error` value only if it looks like one (so a PAS that echoes a token in the
/// field cannot leak it through us).
fn sanitize_oauth_error(raw: &str) -> Option<String> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    ok.then(|| raw.to_owned())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)?;
        if let Some(status) = self.status {
            write!(f, " (status {status}")?;
            if let Some(oauth) = &self.oauth_error {
                write!(f, ", error {oauth}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("code", &self.code)
            .field("detail", &self.detail)
            .field("status", &self.status)
            .field("oauth_error", &self.oauth_error)
            .field("retry_after", &self.retry_after)
            .finish()
    }
}

impl std::error::Error for Error {}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Self {
        Error::from_code(code)
    }
}

/// Shorthand for `Result<T, pas_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_are_unique_and_round_trip() {
        let mut names = std::collections::HashSet::new();
        let mut numbers = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(names.insert(code.as_str()), "duplicate name {code}");
            assert!(numbers.insert(code.number()), "duplicate number {code}");
            assert_eq!(ErrorCode::from_name(code.as_str()), Some(*code));
            assert_eq!(ErrorCode::from_number(code.number()), Some(*code));
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
        }
    }

    #[test]
    fn oauth_error_is_sanitized() {
        let e =
            Error::from_code(ErrorCode::PasRejected).with_oauth_error(Some("invalid_grant".into()));
        assert_eq!(e.oauth_error(), Some("invalid_grant"));
        let e = Error::from_code(ErrorCode::PasRejected)
            .with_oauth_error(Some("rt secret value!".into()));
        assert_eq!(e.oauth_error(), None);
    }

    #[test]
    fn error_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Error>();
    }
}
