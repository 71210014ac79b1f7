//! The `PasError` hierarchy, generated at import time from `pas_core::ErrorCode::ALL`.
//!
//! One family class per `ErrorClass` (multiply inheriting from the matching builtin so ordinary
//! `except ValueError` / `except ConnectionError` / `except TimeoutError` clauses work) and one
//! class per stable code under its family. Every class carries `code` (the stable string) and
//! `number` (the C status value); raised instances also carry `status`, `oauth_error` and
//! `retry_after` when PAS answered. Messages come from the core, which never puts a secret in them.

use std::collections::HashMap;

use pas_core::{Error, ErrorClass, ErrorCode};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

struct Classes {
    base: Py<PyType>,
    by_code: HashMap<u32, Py<PyType>>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

/// `token_expired` -> `TokenExpiredError`; `pas_server_error` -> `PasServerError`.
pub(crate) fn class_name(code: ErrorCode) -> String {
    let mut out = String::new();
    for part in code.as_str().split('_') {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if !out.ends_with("Error") {
        out.push_str("Error");
    }
    out
}

/// The family class of an `ErrorClass`: its name, the family it extends (None = PasError), the
/// builtins it also extends, and its doc.
fn family(class: ErrorClass) -> (&'static str, Option<ErrorClass>, &'static [&'static str], &'static str) {
    match class {
        ErrorClass::InvalidInput => {
            ("InvalidInputError", None, &["ValueError"], "An argument or the configuration is unusable.")
        }
        ErrorClass::Runtime => ("PasRuntimeError", None, &["RuntimeError"], "pas's own runtime could not do the work."),
        ErrorClass::Rejected => ("RejectedError", None, &[], "PAS answered with a definitive refusal."),
        ErrorClass::Unavailable => {
            ("UnavailableError", None, &["ConnectionError"], "PAS or the network is degraded; retry later.")
        }
        ErrorClass::Timeout => (
            "TimedOutError",
            Some(ErrorClass::Unavailable),
            &["TimeoutError"],
            "PAS or the network did not answer in time.",
        ),
        ErrorClass::Token => ("TokenError", None, &[], "A token failed verification."),
        ErrorClass::Crypto => ("CryptoError", None, &[], "Encryption, decryption or key handling failed."),
        ErrorClass::Session => ("SessionError", None, &[], "The host's session store or the session check failed."),
        _ => ("PasOtherError", None, &[], "Another pas failure."),
    }
}

const FAMILIES: &[ErrorClass] = &[
    ErrorClass::InvalidInput,
    ErrorClass::Runtime,
    ErrorClass::Rejected,
    ErrorClass::Unavailable,
    ErrorClass::Timeout,
    ErrorClass::Token,
    ErrorClass::Crypto,
    ErrorClass::Session,
];

fn make_class<'py>(
    py: Python<'py>,
    name: &str,
    bases: Vec<Bound<'py, PyAny>>,
    attrs: &[(&str, Bound<'py, PyAny>)],
) -> PyResult<Bound<'py, PyType>> {
    let dict = PyDict::new(py);
    dict.set_item("__module__", "pas")?;
    for (key, value) in attrs {
        dict.set_item(*key, value)?;
    }
    let bases = PyTuple::new(py, bases)?;
    let cls = py.import("builtins")?.getattr("type")?.call1((name, bases, dict))?;
    Ok(cls.cast_into::<PyType>()?)
}

/// Creates every class and adds it to `module`.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let builtins = py.import("builtins")?;
    let none = py.None().into_bound(py);
    let base = make_class(
        py,
        "PasError",
        vec![builtins.getattr("Exception")?],
        &[
            (
                "__doc__",
                "Base class of every pas error. `code` is the stable cross-language code."
                    .into_pyobject(py)?
                    .into_any(),
            ),
            ("code", ErrorCode::Internal.as_str().into_pyobject(py)?.into_any()),
            ("number", ErrorCode::Internal.number().into_pyobject(py)?.into_any()),
            ("status", none.clone()),
            ("oauth_error", none.clone()),
            ("retry_after", none.clone()),
        ],
    )?;
    module.add("PasError", &base)?;
    let mut families: HashMap<&'static str, Bound<'_, PyType>> = HashMap::new();
    for class in FAMILIES {
        let (name, parent, builtin_bases, doc) = family(*class);
        let mut bases = vec![match parent {
            Some(p) => {
                families.get(family(p).0).map(|t| t.clone().into_any()).unwrap_or_else(|| base.clone().into_any())
            }
            None => base.clone().into_any(),
        }];
        for b in builtin_bases {
            bases.push(builtins.getattr(*b)?);
        }
        let cls = make_class(py, name, bases, &[("__doc__", doc.into_pyobject(py)?.into_any())])?;
        module.add(name, &cls)?;
        families.insert(name, cls);
    }
    let mut by_code = HashMap::new();
    for code in ErrorCode::ALL {
        let parent = families
            .get(family(code.class()).0)
            .map(|t| t.clone().into_any())
            .unwrap_or_else(|| base.clone().into_any());
        let name = class_name(*code);
        let doc = format!("`{}` ({}): {}.", code.as_str(), code.number(), code.summary());
        let cls = make_class(
            py,
            &name,
            vec![parent],
            &[
                ("__doc__", doc.into_pyobject(py)?.into_any()),
                ("code", code.as_str().into_pyobject(py)?.into_any()),
                ("number", code.number().into_pyobject(py)?.into_any()),
            ],
        )?;
        module.add(name.as_str(), &cls)?;
        by_code.insert(code.number(), cls.unbind());
    }
    let codes: Vec<(&str, u32, String)> =
        ErrorCode::ALL.iter().map(|c| (c.as_str(), c.number(), class_name(*c))).collect();
    module.add("ERROR_CODES", PyTuple::new(py, codes)?)?;
    let _ = CLASSES.set(py, Classes { base: base.unbind(), by_code });
    Ok(())
}

/// The Python exception for a core error (needs the interpreter).
pub(crate) fn to_py_err(py: Python<'_>, err: &Error) -> PyErr {
    match build(py, err) {
        Ok(value) => PyErr::from_value(value),
        Err(e) => e,
    }
}

fn build<'py>(py: Python<'py>, err: &Error) -> PyResult<Bound<'py, PyAny>> {
    let classes = CLASSES
        .get(py)
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("pas: error classes are not initialised"))?;
    let cls = classes.by_code.get(&err.code().number()).unwrap_or(&classes.base).bind(py);
    let value = cls.call1((err.to_string(),))?;
    if let Some(status) = err.status() {
        value.setattr("status", status)?;
    }
    if let Some(oauth) = err.oauth_error() {
        value.setattr("oauth_error", oauth)?;
    }
    if let Some(retry) = err.retry_after() {
        value.setattr("retry_after", retry.as_secs_f64())?;
    }
    Ok(value)
}

/// An error with a code and a static detail, as a Python exception.
pub(crate) fn py_err(py: Python<'_>, code: ErrorCode, detail: &'static str) -> PyErr {
    to_py_err(py, &Error::new(code, detail))
}

/// Extension: `.py_err(py)` on core results.
pub(crate) trait IntoPy<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py_err(py, &e))
    }
}
