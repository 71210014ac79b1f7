//! The binding's runtime and its bridge to asyncio.
//!
//! One [`OwnedRuntime`] per process (2 workers, threads named `pas-rt`), built on first use and
//! rebuilt in a forked child (the parent's is leaked there: its threads do not exist). Both the
//! sync API (`block_on` with the GIL released) and the asyncio API (tasks spawned on it) use it,
//! so the fork policy is the same for both: after `fork()` the child's next call just works.
//!
//! Awaitables are plain `asyncio.Future`s created on the caller's running loop; the Rust task
//! completes them with `loop.call_soon_threadsafe`. Cancelling the future aborts the task.

use std::future::Future;
use std::sync::LazyLock;

use pas_core::Error;
use pas_core::rt::OwnedRuntime;
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;

use crate::errors::to_py_err;

static RUNTIME: LazyLock<OwnedRuntime> = LazyLock::new(|| OwnedRuntime::new(2));
static RESOLVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Runs `future` to completion with the GIL released.
pub(crate) fn block_on<F, T>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = Result<T, Error>> + Send,
    T: Send,
{
    py.detach(|| RUNTIME.block_on(future).and_then(|r| r)).map_err(|e| to_py_err(py, &e))
}

/// Runs a future that cannot fail with the GIL released.
pub(crate) fn block_on_infallible<F, T>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = T> + Send,
    T: Send,
{
    py.detach(|| RUNTIME.block_on(future)).map_err(|e| to_py_err(py, &e))
}

/// Aborts the Rust task when its asyncio future is cancelled.
#[pyclass(frozen, module = "pas._pas")]
pub(crate) struct _TaskCanceller {
    handle: tokio::task::AbortHandle,
}

#[pymethods]
impl _TaskCanceller {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.handle.abort();
        }
        Ok(())
    }
}

/// Spawns `future` on the runtime and returns an `asyncio.Future` for its result.
pub(crate) fn awaitable<'py, F, T>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let py_future = event_loop.call_method0("create_future")?;
    let resolve = RESOLVE.get_or_try_init(py, || py.import("pas._aio")?.getattr("_resolve").map(Bound::unbind))?;
    let resolve = resolve.clone_ref(py);
    let runtime = py.detach(|| RUNTIME.runtime()).map_err(|e| to_py_err(py, &e))?;
    let loop_ref = event_loop.unbind();
    let future_ref = py_future.clone().unbind();
    let task = runtime.spawn(async move {
        let output = future.await;
        Python::try_attach(move |py| {
            let (ok, value): (bool, Py<PyAny>) = match output {
                Ok(v) => match v.into_py_any(py) {
                    Ok(obj) => (true, obj),
                    Err(e) => (false, e.into_value(py).into_any()),
                },
                Err(err) => (false, to_py_err(py, &err).into_value(py).into_any()),
            };
            let ok = pyo3::types::PyBool::new(py, ok).to_owned().into_any().unbind();
            let args = PyTuple::new(py, [resolve, future_ref.into_any(), ok, value]);
            if let Ok(args) = args {
                // The loop may be closed by now; then nobody is waiting.
                let _ = loop_ref.bind(py).call_method1("call_soon_threadsafe", args);
            }
        });
    });
    py_future.call_method1("add_done_callback", (_TaskCanceller { handle: task.abort_handle() },))?;
    Ok(py_future)
}
