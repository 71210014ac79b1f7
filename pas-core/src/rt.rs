//! The owned tokio runtime of the blocking hosts (C ABI, Go, Python's sync API).
//!
//! pas-core's network calls are `async fn`s that need a tokio context (reqwest does). Hosts that
//! call them synchronously go through [`OwnedRuntime::block_on`], which enforces three rules
//! (architecture.md §3.4):
//! - **no deadlock**: called from inside any tokio runtime it returns `would_deadlock` instead of
//!   panicking or blocking a worker;
//! - **fork safety**: the runtime remembers the PID that built it; in a forked child the parent's
//!   runtime is leaked (its threads do not exist there, so dropping it would hang) and a new one
//!   is built on first use;
//! - **clean drop**: outside a runtime it shuts down with a short timeout, inside one in the
//!   background (dropping a runtime inside another panics).

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::runtime::{Builder, Handle, Runtime};

use crate::error::{Error, ErrorCode};

struct Built {
    pid: u32,
    runtime: Arc<Runtime>,
}

/// A lazily built multi-thread runtime with few, named workers.
pub struct OwnedRuntime {
    workers: usize,
    built: Mutex<Option<Built>>,
}

impl std::fmt::Debug for OwnedRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedRuntime").field("workers", &self.workers).finish_non_exhaustive()
    }
}

impl Default for OwnedRuntime {
    fn default() -> Self {
        Self::new(2)
    }
}

impl OwnedRuntime {
    /// A runtime with `workers` threads (at least 1), built on first use.
    #[must_use]
    pub fn new(workers: usize) -> Self {
        Self { workers: workers.max(1), built: Mutex::new(None) }
    }

    /// The runtime for this process, built (or rebuilt after a fork) on demand.
    ///
    /// # Errors
    /// `runtime_unavailable` when the OS refuses threads.
    pub fn runtime(&self) -> Result<Arc<Runtime>, Error> {
        let pid = std::process::id();
        let mut built = self.built.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(b) = built.as_ref()
            && b.pid == pid
        {
            return Ok(Arc::clone(&b.runtime));
        }
        if let Some(stale) = built.take() {
            // Forked child: the parent's worker threads are gone; dropping would join them.
            std::mem::forget(stale.runtime);
        }
        let runtime = Builder::new_multi_thread()
            .worker_threads(self.workers)
            .thread_name("pas-rt")
            .enable_all()
            .build()
            .map_err(|_| Error::new(ErrorCode::RuntimeUnavailable, "the async runtime could not start"))?;
        let runtime = Arc::new(runtime);
        *built = Some(Built { pid, runtime: Arc::clone(&runtime) });
        Ok(runtime)
    }

    /// Runs `future` to completion on this runtime, blocking the calling thread.
    ///
    /// # Errors
    /// `would_deadlock` when called from inside a tokio runtime (a pas worker or the host's own);
    /// `runtime_unavailable` when the runtime cannot start.
    pub fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        if Handle::try_current().is_ok() {
            return Err(Error::new(
                ErrorCode::WouldDeadlock,
                "a blocking pas call was made from inside an async runtime; use the async API",
            ));
        }
        Ok(self.runtime()?.block_on(future))
    }
}

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        let built = self.built.get_mut().unwrap_or_else(PoisonError::into_inner).take();
        let Some(Built { pid, runtime }) = built else { return };
        if pid != std::process::id() {
            std::mem::forget(runtime);
            return;
        }
        // Other holders (in-flight calls) keep it alive; the last one drops it normally.
        if let Ok(runtime) = Arc::try_unwrap(runtime) {
            if Handle::try_current().is_ok() {
                runtime.shutdown_background();
            } else {
                runtime.shutdown_timeout(Duration::from_secs(1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_on_a_future() {
        let rt = OwnedRuntime::new(1);
        assert_eq!(rt.block_on(async { 7 }).unwrap(), 7);
        assert!(Arc::ptr_eq(&rt.runtime().unwrap(), &rt.runtime().unwrap()));
    }

    #[test]
    fn refuses_to_block_inside_a_runtime() {
        let rt = OwnedRuntime::new(1);
        let inner = Arc::new(OwnedRuntime::new(1));
        let err = rt.block_on(async move { inner.block_on(async { 1 }) }).unwrap().unwrap_err();
        assert_eq!(err.code(), ErrorCode::WouldDeadlock);
    }

    #[test]
    fn drops_cleanly_inside_another_runtime() {
        let host = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let rt = OwnedRuntime::new(1);
        rt.block_on(async {}).unwrap();
        host.block_on(async move { drop(rt) });
    }
}
