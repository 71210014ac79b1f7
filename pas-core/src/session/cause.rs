//! Why a session check ended in Expired: the stable cause codes of D16.

use std::fmt;

macro_rules! causes {
    ($( $(#[$doc:meta])* $variant:ident = $num:literal, $name:literal; )*) => {
        /// The cause of an Expired decision. The string form is identical in every language; the
        /// number is the C ABI's `out_cause` value (0 means "no cause": not Expired).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        #[repr(u32)]
        pub enum ExpiredCause {
            $( $(#[$doc])* $variant = $num, )*
        }

        impl ExpiredCause {
            /// Every cause, in numeric order.
            pub const ALL: &'static [ExpiredCause] = &[ $( ExpiredCause::$variant, )* ];

            /// The stable `snake_case` name.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $( ExpiredCause::$variant => $name, )* }
            }

            /// The fixed number.
            #[must_use]
            pub const fn number(self) -> u32 {
                self as u32
            }

            /// Looks a cause up by name.
            #[must_use]
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $( $name => Some(ExpiredCause::$variant), )* _ => None }
            }
        }
    };
}

causes! {
    /// The session id names no session in the host's store.
    SessionUnknown = 1, "session_unknown";
    /// The validator has no refresh-token cipher, so it cannot refresh.
    NoCipher = 2, "no_cipher";
    /// The session has no stored refresh-token ciphertext.
    CiphertextMissing = 3, "ciphertext_missing";
    /// The store failed to return the ciphertext.
    CiphertextLookupFailed = 4, "ciphertext_lookup_failed";
    /// No key opens the stored ciphertext (PAS was not called).
    DecryptFailed = 5, "decrypt_failed";
    /// PAS rejected the refresh token (4xx other than 408/429).
    PasRejected = 6, "pas_rejected";
    /// PAS answered 5xx/408/429, or the network or the answer failed (fail-closed, S-L6).
    PasUnavailable = 7, "pas_unavailable";
    /// The refreshed access token carries no `sv` (or is not base64url JSON).
    SvMissing = 8, "sv_missing";
    /// The refreshed `sv` is not a non-negative integer.
    SvInvalid = 9, "sv_invalid";
    /// The refreshed `sv` is lower than the session's stored or the cached value.
    SvRegressed = 10, "sv_regressed";
    /// PAS rotated the refresh token but re-encrypting it failed.
    EncryptFailed = 11, "encrypt_failed";
    /// The store failed to persist the new `sv` (the cache was left untouched).
    PersistFailed = 12, "persist_failed";
    /// The session vanished between the persist and the re-fetch (logout race).
    SessionGone = 13, "session_gone";
}

impl fmt::Display for ExpiredCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
