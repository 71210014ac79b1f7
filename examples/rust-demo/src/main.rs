//! `pas-demo`: the end-to-end session story of pas against a local PAS (pas-devserver), and the
//! side-by-side table of `make demo` (scripts/demo.sh), which runs the same story in Rust, C, Go,
//! Python and Node and fails if any language decides differently.
//!
//! ```text
//! pas-demo                              start pas-devserver in-process, run the story, print the Rust table
//! pas-demo run [BASE_URL [CONTROL_URL]] run it against a running pas-devserver; JSON lines on stdout
//!                                       (default URLs: $PAS_DEVSERVER_URL, $PAS_DEVSERVER_CONTROL_URL)
//! pas-demo table LANG=FILE...           the table of the programs' JSON lines (first column: reference)
//! ```
//!
//! Login URL with PKCE, login without a browser, code exchange, access-token verification through
//! the JWKS, refresh token encrypted into the program's store, session validation (refresh, then
//! served from the `sv` cache), break-glass, revocation, and PAS down (fail-closed on the `sv`
//! path, fail-open on the liveness path). Exits non-zero on any unexpected decision.

mod outcome;
mod story;
mod table;

use std::process::ExitCode;

use pas_devserver::{Config, DevServer};
use serde_json::Value;

use crate::table::{Column, parse_lines, render};

const USAGE: &str = "usage: pas-demo | pas-demo run [BASE_URL [CONTROL_URL]] | pas-demo table LANG=FILE...";

/// The story against an in-process pas-devserver (refresh-token rotation on), as a one-column table.
async fn in_process() -> Result<Vec<Value>, String> {
    let server = DevServer::start(Config { rotate_refresh_tokens: true, ..Config::default() })
        .await
        .map_err(|e| format!("pas-devserver did not start: {e}"))?;
    eprintln!("pas-devserver on {} (refresh-token rotation on)", server.base_url());
    let control = format!("{}/__control", server.base_url());
    let mut lines = Vec::new();
    let result = story::run(server.base_url(), &control, |v| lines.push(v.clone())).await;
    server.shutdown();
    result.map_err(|e| e.to_string())?;
    Ok(lines)
}

/// The story against a running pas-devserver, one JSON line per step on stdout.
async fn external(args: &[String]) -> Result<(), String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let base = args.first().cloned().or_else(|| env("PAS_DEVSERVER_URL")).ok_or(USAGE)?;
    let control = args
        .get(1)
        .cloned()
        .or_else(|| env("PAS_DEVSERVER_CONTROL_URL"))
        .unwrap_or_else(|| format!("{}/__control", base.trim_end_matches('/')));
    story::run(&base, &control, |v| println!("{v}")).await.map_err(|e| e.to_string())
}

/// `LANG=FILE` arguments to columns (a file that cannot be read or parsed fails the table).
fn table(args: &[String]) -> Result<bool, String> {
    let mut columns = Vec::new();
    for arg in args {
        let (language, path) = arg.split_once('=').ok_or(USAGE)?;
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let lines = parse_lines(&text).map_err(|e| format!("{language} ({path}): {e}"))?;
        columns.push(Column { language: language.to_owned(), lines });
    }
    let report = render(&columns);
    print!("{}", report.text);
    Ok(report.ok)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None => in_process().await.map(|lines| {
            let report = render(&[Column { language: "Rust".into(), lines }]);
            println!();
            print!("{}", report.text);
            report.ok
        }),
        Some("run") => external(&args[1..]).await.map(|()| true),
        Some("table") => table(&args[1..]),
        Some(_) => Err(USAGE.to_owned()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("pas-demo: {err}");
            ExitCode::FAILURE
        }
    }
}
