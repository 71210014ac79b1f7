//! The Rust runner: pas-core's answer for every row of every vector file.
//!
//! Every other language's runner does the same through its binding; `table` then compares all of
//! them with this one.

mod session;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use pas_core::testing::{EffectLog, ScriptedPas};
use pas_core::{
    Algorithm, EncryptedRefreshToken, ErrorCode, PasFailure, Profile, TokenCipher, TokenResponse, Verifier,
};
use serde_json::{Value, json};

use crate::vectors::SCHEMA;

/// Reads a JSON file.
pub fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The vector files of `dir`, sorted by name.
pub fn vector_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    Ok(files)
}

fn str_field<'a>(value: &'a Value, key: &str) -> Result<&'a str, String> {
    value.get(key).and_then(Value::as_str).ok_or_else(|| format!("field `{key}` is not a string"))
}

/// Runs every file of `dir`, prints the summary lines, writes `out`; fails on any failed row.
pub fn run_dir(dir: &Path, out: &Path) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let mut files_out = serde_json::Map::new();
    let (mut total, mut failed_total, mut problems) = (0usize, 0usize, Vec::new());
    let paths = vector_files(dir)?;
    for path in &paths {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (rows, passed, failed) = match run_file(&runtime, path) {
            Ok(result) => result,
            Err(message) => {
                problems.push(format!("{name}: {message}"));
                println!("FAIL {name}: {message}");
                (serde_json::Map::new(), 0, 1)
            }
        };
        println!("pas vectors [rust] {name}: {passed} passed, {failed} failed");
        total += passed + failed;
        failed_total += failed;
        files_out.insert(name, json!({ "passed": passed, "failed": failed, "rows": rows }));
    }
    println!(
        "pas vectors [rust]: {total} rows in {} files, {} passed, {failed_total} failed",
        paths.len(),
        total - failed_total
    );
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let report = json!({ "language": "rust", "files": files_out });
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))?;
    if paths.is_empty() {
        return Err(format!("no vector files in {}", dir.display()));
    }
    if failed_total > 0 {
        return Err(format!(
            "{failed_total} rows failed{}",
            problems.iter().map(|p| format!("\n  {p}")).collect::<String>()
        ));
    }
    Ok(())
}

type FileResult = (serde_json::Map<String, Value>, usize, usize);

fn run_file(runtime: &tokio::runtime::Runtime, path: &Path) -> Result<FileResult, String> {
    let file = read_json(path)?;
    let schema = str_field(&file, "schema")?;
    if schema != SCHEMA {
        return Err(format!("unknown schema `{schema}` (this runner reads {SCHEMA})"));
    }
    let kind = str_field(&file, "file")?;
    if !["pkce", "cipher", "jwt", "session", "liveness", "errors"].contains(&kind) {
        return Err(format!("unknown vector file kind `{kind}`"));
    }
    let cases = file.get("cases").and_then(Value::as_array).ok_or("`cases` is not an array")?;
    let verifiers = JwtVerifiers::new(&file);
    let mut rows = serde_json::Map::new();
    let (mut passed, mut failed) = (0, 0);
    for case in cases {
        let id = str_field(case, "id")?;
        let actual = match kind {
            "pkce" => pkce(case),
            "cipher" => cipher(case),
            "jwt" => verifiers.verify(case),
            "session" => runtime.block_on(session::run_case(case)),
            "liveness" => runtime.block_on(liveness(case)),
            _ => errors(case, cases),
        }
        .unwrap_or_else(|message| json!({ "runner_error": message }));
        let expect = case.get("expect").cloned().unwrap_or(Value::Null);
        if actual == expect {
            passed += 1;
        } else {
            failed += 1;
            println!(
                "FAIL {} {id}: expected {expect} got {actual}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
        }
        rows.insert(id.to_owned(), actual);
    }
    Ok((rows, passed, failed))
}

fn code_of(err: &pas_core::Error) -> Value {
    json!(err.code().as_str())
}

fn pkce(case: &Value) -> Result<Value, String> {
    Ok(match pas_core::pkce::code_challenge(str_field(case, "verifier")?) {
        Ok(challenge) => json!({ "challenge": challenge, "error": null }),
        Err(err) => json!({ "challenge": null, "error": code_of(&err) }),
    })
}

/// A key ring from a `keys` array (first is primary).
pub fn key_ring(keys: &Value) -> Result<Result<TokenCipher, pas_core::Error>, String> {
    let keys: Vec<&str> = keys.as_array().ok_or("`keys` is not an array")?.iter().filter_map(Value::as_str).collect();
    let (primary, older) = keys.split_first().ok_or("`keys` is empty")?;
    Ok(TokenCipher::from_base64_keys(primary, older))
}

fn cipher(case: &Value) -> Result<Value, String> {
    let ring = match key_ring(&case["keys"])? {
        Ok(ring) => ring,
        Err(err) => return Ok(json!({ "plaintext": null, "error": code_of(&err) })),
    };
    Ok(match ring.decrypt_str(str_field(case, "ciphertext")?) {
        Ok(plain) => json!({ "plaintext": plain.expose(), "error": null }),
        Err(err) => json!({ "plaintext": null, "error": code_of(&err) }),
    })
}

/// The verifiers of a `jwt` file, built once each (a build failure is that row's answer).
struct JwtVerifiers(BTreeMap<String, Result<Verifier, pas_core::Error>>);

impl JwtVerifiers {
    fn new(file: &Value) -> Self {
        let configs = file.get("verifiers").and_then(Value::as_object).cloned().unwrap_or_default();
        Self(configs.into_iter().map(|(name, config)| (name, build_verifier(&config))).collect())
    }

    fn verify(&self, case: &Value) -> Result<Value, String> {
        let name = str_field(case, "verifier")?;
        let verifier = match self.0.get(name).ok_or_else(|| format!("no verifier `{name}`"))? {
            Ok(verifier) => verifier,
            Err(err) => return Ok(json!({ "valid": null, "error": code_of(err) })),
        };
        let now = case.get("now").and_then(Value::as_u64).ok_or("`now` is not a number")?;
        Ok(match verifier.verify_cached_at(str_field(case, "token")?, now) {
            Ok(token) => json!({
                "valid": {
                    "sub": token.subject(),
                    "sv": token.sv(),
                    "client_id": token.client_id(),
                    "jti": token.jwt_id(),
                    "exp": token.expires_at(),
                    "alg": token.algorithm().as_str(),
                    "kid": token.key_id(),
                },
                "error": null,
            }),
            Err(err) => json!({ "valid": null, "error": code_of(&err) }),
        })
    }
}

fn build_verifier(config: &Value) -> Result<Verifier, pas_core::Error> {
    let text = |key: &str| config.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let algorithms: Vec<Algorithm> = config["algorithms"]
        .as_array()
        .map(|names| names.iter().filter_map(|n| n.as_str().and_then(Algorithm::from_name)).collect())
        .unwrap_or_default();
    let profile = if text("profile") == "pas" { Profile::Pas } else { Profile::Rfc9068 };
    Verifier::builder(text("issuer"), text("audience"))
        .algorithms(&algorithms)
        .leeway(Duration::from_secs(config["leeway_s"].as_u64().unwrap_or(60)))
        .profile(profile)
        .jwks_json(&text("jwks"))
        .build()
}

/// Scripts one PAS answer (the same schema in `session` and `liveness` files).
pub fn script_answer(pas: &ScriptedPas, answer: &Value) -> Result<(), String> {
    if let Some(ok) = answer.get("refresh_ok") {
        let response = TokenResponse::new(
            str_field(ok, "access_token")?,
            ok.get("refresh_token").and_then(Value::as_str).map(str::to_owned),
        );
        pas.expect_refresh(ok.get("expect_refresh_token").and_then(Value::as_str), Ok(response));
    } else if let Some(reject) = answer.get("reject") {
        let status = reject["status"].as_u64().and_then(|s| u16::try_from(s).ok()).ok_or("bad reject status")?;
        let oauth_error = reject.get("error").and_then(Value::as_str).map(str::to_owned);
        pas.refresh_fails(PasFailure::Rejected { status, oauth_error });
    } else if let Some(server) = answer.get("server_error") {
        let status = server["status"].as_u64().and_then(|s| u16::try_from(s).ok()).ok_or("bad server status")?;
        let retry_after = server.get("retry_after_s").and_then(Value::as_u64).map(Duration::from_secs);
        pas.refresh_fails(PasFailure::from_status(status, None, retry_after));
    } else if let Some(code) = answer.get("transport").and_then(Value::as_str) {
        let code = ErrorCode::from_name(code).ok_or_else(|| format!("unknown transport code `{code}`"))?;
        pas.refresh_fails(PasFailure::Transport { code, detail: "scripted".into() });
    } else {
        return Err(format!("unknown PAS answer {answer}"));
    }
    Ok(())
}

async fn liveness(case: &Value) -> Result<Value, String> {
    let ring = key_ring(&case["cipher_keys"])?.map_err(|e| format!("key ring: {}", e.code()))?;
    let pas = Arc::new(ScriptedPas::with_log(EffectLog::new()));
    for answer in case["pas"].as_array().ok_or("`pas` is not an array")? {
        script_answer(&pas, answer)?;
    }
    let stored = EncryptedRefreshToken::from_stored(str_field(case, "ciphertext")?);
    let outcome = pas_core::liveness::attempt_liveness_refresh(pas.as_ref(), &ring, &stored).await;
    let keeps = outcome.keeps_session();
    let (kind, cause, status, retry_after, rotated) = match outcome {
        pas_core::liveness::LivenessOutcome::Fresh { rotated_ciphertext } => {
            ("fresh", None, None, None, rotated_ciphertext.is_some())
        }
        pas_core::liveness::LivenessOutcome::Revoked { cause, status } => {
            ("revoked", Some(cause.as_str()), status, None, false)
        }
        pas_core::liveness::LivenessOutcome::Transient { cause, retry_after } => {
            ("transient", Some(cause.as_str()), None, retry_after.map(|d| d.as_secs()), false)
        }
        _ => return Err("unknown liveness outcome".into()),
    };
    Ok(json!({
        "outcome": kind, "cause": cause, "status": status, "retry_after_s": retry_after,
        "rotated": rotated, "keeps_session": keeps, "pas_calls": pas.call_count(),
    }))
}

fn errors(case: &Value, cases: &[Value]) -> Result<Value, String> {
    let id = str_field(case, "id")?;
    if id == "__extra_codes__" {
        let listed: Vec<&str> = cases.iter().filter_map(|c| c["id"].as_str()).collect();
        let extra: Vec<&str> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).filter(|name| !listed.contains(name)).collect();
        return Ok(json!({ "codes": extra }));
    }
    let number = ErrorCode::ALL.iter().find(|c| c.as_str() == id).map(|c| c.number());
    Ok(json!({ "number": number }))
}
