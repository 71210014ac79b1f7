//! OAuth2 configuration, authorization requests and the HTTP token client.
//!
//! * [`PasConfig`]: client id, redirect URI, PAS endpoints, scopes and timeouts; built from a base
//!   URL with PAS's layout ([`PasConfig::new`]), explicit URLs, the environment
//!   ([`PasConfig::from_env`]) or OpenID discovery ([`discover`]).
//! * [`AuthorizationRequest`]: the `/authorize` URL with PKCE S256, and the `state` and verifier
//!   to keep until the callback ([`PasConfig::authorization_request`]).
//! * [`PasClient`]: code exchange and refresh at the token endpoint, with the one classifier of
//!   PAS's answers into [`crate::PasFailure`] (D11, D12). It implements [`crate::PasPort`].

mod authorize;
mod client;
mod config;
mod discovery;

pub use authorize::{AuthorizationRequest, MAX_STATE_LEN};
pub use client::PasClient;
pub use config::{DEFAULT_SCOPES, PRODUCTION_BASE_URL, PasConfig};
pub use discovery::discover;
