//! # pas-core
//!
//! Every decision of the pas SDK, in one pure-Rust crate: PKCE and authorization requests, the
//! token client and its single failure classifier, the AES-256-GCM refresh-token cipher with key
//! rotation, access-token (RFC 9068) verification with a JWKS cache, the fail-open liveness
//! refresh and the fail-closed `sv` session check. The C ABI, Python, Node and Go bindings wrap
//! this crate and never re-decide anything.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cipher;
pub mod error;
pub mod http;
pub mod jwt;
pub mod liveness;
pub mod oauth;
pub mod pas_port;
pub mod pkce;
pub mod refresh;
pub mod rt;
pub mod secret;
pub mod session;
pub mod sv_claim;
pub mod testing;

pub use cipher::{EncryptedRefreshToken, TokenCipher};
pub use error::{Error, ErrorClass, ErrorCode, Result};
pub use http::{HttpOptions, MAX_BODY_BYTES};
pub use jwt::{Algorithm, Profile, VerifiedToken, Verifier, VerifierBuilder};
pub use oauth::{AuthorizationRequest, PasClient, PasConfig, discover};
pub use pas_port::{PasFailure, PasPort, TokenResponse};
pub use secret::SecretString;
