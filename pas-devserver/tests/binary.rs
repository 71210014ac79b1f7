//! The binary prints exactly one machine-readable ready line and serves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: a panic is a failed test

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn binary_prints_ready_line_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pas-devserver"))
        .args(["--port", "0", "--seed", "7", "--rotate-refresh-tokens"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
    let json = line.strip_prefix(pas_devserver::READY_PREFIX).unwrap();
    let info: Value = serde_json::from_str(json).unwrap();
    let base = info["base_url"].as_str().unwrap();
    assert!(base.starts_with("http://127.0.0.1:"));
    assert_eq!(info["control_url"], format!("{base}/__control"));
    assert_eq!(info["issuer"], base);
    assert_eq!(info["pid"].as_u64(), child.id().map(u64::from));

    let http = reqwest::Client::new();
    let d: Value =
        http.get(format!("{base}/.well-known/openid-configuration")).send().await.unwrap().json().await.unwrap();
    assert_eq!(d["issuer"], base);
    let r: Value = http.get(format!("{base}/__control/rotation")).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["enabled"], true);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn binary_rejects_bad_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_pas-devserver")).arg("--no-such-flag").output().await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing on stdout when not ready");
}
