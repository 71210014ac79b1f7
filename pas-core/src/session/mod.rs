//! Fail-closed session validation: the `sv` (session version) check (pas-reference §9.7, §9.8).
//!
//! A per-account epoch `sv` is cached as `sv:{ppnum_id}` for 60 s. A session whose stored `sv` is
//! not behind the cached value is authenticated with no further I/O. Otherwise (stale cache,
//! unknown cache, session without `sv`) the session's refresh token is decrypted and refreshed at
//! PAS, the new `sv` is read from the new access token, persisted by the host together with any
//! rotated refresh token, cached, and the session re-fetched. **Any** failure on that path means
//! the session is Expired.
//!
//! The rules live in one sans-IO state machine ([`SessionCheck`]), which asks for one effect at a
//! time; drivers only carry effects out. [`SessionValidator::validate`] is the ready async Rust
//! driver over a [`SessionStore`]; the C, Go, Python and Node drivers loop over the same machine.

mod cache;
mod cause;
mod flight;
mod machine;
mod validator;

pub use cache::{CacheError, MemorySvCache, SV_CACHE_TTL, SvCache, sv_cache_key};
pub use cause::ExpiredCause;
pub use machine::{Feed, Outcome, RefreshFeed, SessionCheck, SessionSnapshot, Step};
pub use validator::{SessionStore, SessionValidator, SessionValidatorBuilder, StoreError, SvAware, Validation};
