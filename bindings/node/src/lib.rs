//! # pas-node
//!
//! The Node.js binding of pas, built with napi-rs. It wraps `pas-core` and never re-decides
//! anything: PKCE and authorization URLs, the token client, the refresh-token cipher, JWT
//! verification and the session check all run in the core. Network calls return Promises that
//! run on one tokio runtime configured like the core's (two named `pas-rt` workers); CPU-only
//! work (PKCE, AES-GCM, verification with cached keys) is synchronous, because a thread hop costs
//! more than the work.
//!
//! Every export is `#[napi(catch_unwind)]` and its body runs under [`errors::guard`] or
//! [`errors::promise`], so a Rust panic becomes an error with `code: "panic"` and never takes the
//! Node process down. Errors are JS `Error`s whose `code` is the core's stable string.
//!
//! The session driver itself (`SessionValidator.prototype.validate`) is a short JS loop in
//! `index.js` over [`session::SessionCheck`]: it carries out effects (the host's store, the sv
//! cache, and the core's PAS refresh) and never decides. `index.js` also builds the
//! `VerifiedToken` objects (`makeVerifiedToken`) from the claims the verify methods hand over:
//! `TokenValues` in `src/jwt.rs` says why.

// napi-rs registers exports only outside `cfg(test)`, so the unit-test build sees them as unused.
#![cfg_attr(test, allow(dead_code))]

mod cipher;
mod errors;
mod jwt;
mod oauth;
mod session;
mod testing;

use napi_derive::napi;

/// Starts Node's tokio runtime with the core's shape: two workers named `pas-rt`, all drivers on.
#[napi_derive::module_init]
fn init() {
    if let Ok(runtime) =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("pas-rt").enable_all().build()
    {
        napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    }
}

/// The version of the pas core this addon was built from.
#[napi(catch_unwind)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
