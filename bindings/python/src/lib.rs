//! pas for Python: the `pas._pas` extension module (built by maturin, abi3 for Python 3.9+).
//!
//! It wraps `pas-core` directly. The pure-Python package `pas` (in `python/pas/`) re-exports these
//! classes and adds the session drivers (`pas.session`): sync and asyncio loops over the core's
//! sans-IO session machine. Conventions (architecture.md §3.4, §3.5):
//! - network calls release the GIL (`py.detach` around a blocking call on the binding's runtime)
//!   or return an `asyncio.Future` completed from that runtime;
//! - the runtime is per process and rebuilt in a forked child (see [`rt`]);
//! - every failure raises a `pas.PasError` subclass generated from `ErrorCode::ALL` (see
//!   [`errors`]); session decisions are values, never exceptions;
//! - no `repr()` and no exception message contains a token, key or plaintext.

use pyo3::prelude::*;

mod crypto;
mod errors;
mod jwt;
mod oauth;
mod rt;
mod session;
mod testing;

#[pymodule]
fn _pas(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SV_CACHE_TTL", session::SV_CACHE_TTL_SECS)?;
    m.add("EXPIRED_CAUSES", pyo3::types::PyTuple::new(m.py(), session::expired_causes())?)?;
    m.add_class::<crypto::TokenCipher>()?;
    m.add_function(wrap_pyfunction!(crypto::generate_code_verifier, m)?)?;
    m.add_function(wrap_pyfunction!(crypto::generate_state, m)?)?;
    m.add_function(wrap_pyfunction!(crypto::code_challenge, m)?)?;
    m.add_function(wrap_pyfunction!(crypto::validate_code_verifier, m)?)?;
    m.add_class::<jwt::Verifier>()?;
    m.add_class::<jwt::VerifiedToken>()?;
    m.add_class::<oauth::PasConfig>()?;
    m.add_class::<oauth::AuthorizationRequest>()?;
    m.add_class::<oauth::TokenResponse>()?;
    m.add_class::<oauth::LivenessResult>()?;
    m.add_class::<oauth::Client>()?;
    m.add_class::<oauth::AsyncClient>()?;
    m.add_function(wrap_pyfunction!(oauth::discover, m)?)?;
    m.add_function(wrap_pyfunction!(oauth::discover_async, m)?)?;
    m.add_class::<session::MemorySvCache>()?;
    m.add_class::<session::Step>()?;
    m.add_class::<session::RefreshResult>()?;
    m.add_class::<session::SessionCheck>()?;
    m.add_class::<session::SessionValidatorCore>()?;
    m.add_class::<testing::EffectLog>()?;
    m.add_class::<testing::ScriptedPas>()?;
    m.add_function(wrap_pyfunction!(testing::unsigned_access_token, m)?)?;
    m.add_class::<rt::_TaskCanceller>()?;
    Ok(())
}
