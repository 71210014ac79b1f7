//! `pas-conformance`: the shared conformance vectors of pas, in one tool.
//!
//! - `generate` writes `tests/vectors/*.json` from fixed keys, a fixed clock and fixed seeds;
//! - `check` fails when a committed file differs from what `generate` would write;
//! - `run` is the Rust runner: it computes pas-core's answer for every row and writes
//!   `target/conformance/rust.json`;
//! - `table` prints vector file by language and fails when any language failed a row, skipped a
//!   file, or computed something Rust did not.

mod gen_cipher;
mod gen_errors;
mod gen_jwt;
mod gen_liveness;
mod gen_pkce;
mod gen_session;
mod keys;
mod run;
mod table;
mod vectors;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: pas-conformance generate|check|run|table
  generate   rewrite the vector files (PAS_VECTORS_DIR, default tests/vectors)
  check      fail when a vector file is stale
  run        the Rust runner (writes PAS_CONFORMANCE_OUT, default target/conformance/rust.json)
  table      the cross-language table over target/conformance/*.json (PAS_CONFORMANCE_DIR)";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn env_path(var: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or(default)
}

fn main() -> ExitCode {
    let root = repo_root();
    let vectors_dir = env_path("PAS_VECTORS_DIR", root.join("tests/vectors"));
    let result = match std::env::args().nth(1).as_deref() {
        Some("generate") => vectors::generate(&vectors_dir),
        Some("check") => vectors::check(&vectors_dir),
        Some("run") => {
            let out = env_path("PAS_CONFORMANCE_OUT", root.join("target/conformance/rust.json"));
            run::run_dir(&vectors_dir, &out)
        }
        Some("table") => {
            let results = env_path("PAS_CONFORMANCE_DIR", root.join("target/conformance"));
            table::print_table(&vectors_dir, &results)
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pas-conformance: {message}");
            ExitCode::FAILURE
        }
    }
}
