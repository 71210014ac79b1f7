//! `pas-devserver`: a local PAS authorization server for tests, examples and users.
//!
//! It serves PAS's endpoint layout (`/oauth/authorize`, `/oauth/token`, `/oauth/userinfo`,
//! `/.well-known/jwks.json`, `/.well-known/openid-configuration`), signs RFC 9068 access
//! tokens with Ed25519 (EdDSA) carrying the `sv` session-version claim, and offers a
//! control API under `/__control` to bump `sv`, revoke tokens, rotate keys and inject
//! faults. See the crate README for the full contract.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let server = pas_devserver::DevServer::start(pas_devserver::Config::default()).await?;
//! println!("{}", server.base_url());
//! # Ok(()) }
//! ```

pub mod config;
mod control;
pub mod crypto;
mod routes;
mod server;
pub mod state;

pub use config::{ClientPolicy, Config, Parsed, RedirectPolicy, USAGE, parse_args};
pub use crypto::s256_challenge;
pub use server::{DevServer, router};
pub use state::{Account, AppState, Endpoint, Fault, SEEDED_ACCOUNTS};

/// Prefix of the ready line printed on stdout by the binary.
pub const READY_PREFIX: &str = "PAS_DEVSERVER_READY ";
