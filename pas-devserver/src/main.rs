//! `pas-devserver` binary: parse flags, start, print the ready line, serve until killed.

use std::io::Write;
use std::process::ExitCode;

use pas_devserver::{DevServer, Parsed, USAGE, parse_args};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(Parsed::Run(c)) => *c,
        Ok(Parsed::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("pas-devserver: {e}");
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server = match DevServer::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pas-devserver: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "{}", server.ready_line()).and_then(|()| out.flush()).is_err() {
            eprintln!("pas-devserver: cannot write the ready line");
        }
    }
    eprintln!("pas-devserver listening on {}", server.base_url());
    shutdown_signal().await;
    eprintln!("pas-devserver: stopping");
    server.shutdown();
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
