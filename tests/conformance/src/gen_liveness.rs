//! `liveness.json`: the fail-open periodic refresh (pas-reference §8.2). Only a 4xx or a
//! ciphertext no key opens revokes; PAS 5xx, 408, 429 and network failures keep the session.

use serde_json::{Value, json};

use crate::gen_cipher::{KEY_A, KEY_B, key_b64, seal};
use crate::gen_session::{RT, refresh_ok, reject, server_error, transport};
use crate::vectors::VectorFile;

struct Outcome {
    kind: &'static str,
    cause: Option<&'static str>,
    status: Option<u16>,
    retry_after: Option<u64>,
    rotated: bool,
    pas_calls: u32,
}

fn fresh(rotated: bool) -> Outcome {
    Outcome { kind: "fresh", cause: None, status: None, retry_after: None, rotated, pas_calls: 1 }
}

fn revoked(cause: &'static str, status: Option<u16>, pas_calls: u32) -> Outcome {
    Outcome { kind: "revoked", cause: Some(cause), status, retry_after: None, rotated: false, pas_calls }
}

fn transient(retry_after: Option<u64>) -> Outcome {
    Outcome {
        kind: "transient",
        cause: Some("pas_unavailable"),
        status: None,
        retry_after,
        rotated: false,
        pas_calls: 1,
    }
}

fn row(id: &str, note: &str, ciphertext: &str, pas: Vec<Value>, o: Outcome) -> Value {
    json!({"id": id, "note": note, "cipher_keys": [key_b64(&KEY_A)], "ciphertext": ciphertext, "pas": pas,
           "expect": {"outcome": o.kind, "cause": o.cause, "status": o.status, "retry_after_s": o.retry_after,
                      "rotated": o.rotated, "keeps_session": o.kind != "revoked", "pas_calls": o.pas_calls}})
}

pub fn file() -> Result<VectorFile, String> {
    let ct = seal(&KEY_A, 1, RT)?;
    let foreign = seal(&KEY_B, 2, RT)?;
    let cases = vec![
        row("L-fresh", "", &ct, vec![refresh_ok("3", None)], fresh(false)),
        row(
            "L-fresh-rotated",
            "persist the new ciphertext",
            &ct,
            vec![refresh_ok("3", Some("rt-rotated"))],
            fresh(true),
        ),
        row("L-fresh-same-token", "", &ct, vec![refresh_ok("3", Some(RT))], fresh(false)),
        row(
            "L-fresh-without-sv",
            "liveness does not read sv",
            &ct,
            vec![
                json!({"refresh_ok": {"access_token": "opaque", "refresh_token": null, "expect_refresh_token": null}}),
            ],
            fresh(false),
        ),
        row("L-400-revoked", "", &ct, vec![reject(400)], revoked("pas_rejected", Some(400), 1)),
        row("L-401-revoked", "", &ct, vec![reject(401)], revoked("pas_rejected", Some(401), 1)),
        row("L-403-revoked", "", &ct, vec![reject(403)], revoked("pas_rejected", Some(403), 1)),
        row("L-503-kept", "S-L3: fail open", &ct, vec![server_error(503, Some(7))], transient(Some(7))),
        row("L-500-kept", "", &ct, vec![server_error(500, None)], transient(None)),
        row("L-502-kept", "", &ct, vec![server_error(502, None)], transient(None)),
        row("L-429-kept", "D12", &ct, vec![server_error(429, Some(30))], transient(Some(30))),
        row("L-408-kept", "D12", &ct, vec![server_error(408, None)], transient(None)),
        row("L-timeout-kept", "", &ct, vec![transport("pas_timeout")], transient(None)),
        row("L-transport-kept", "", &ct, vec![transport("pas_transport")], transient(None)),
        row("L-bad-response-kept", "", &ct, vec![transport("pas_bad_response")], transient(None)),
        row("L-undecryptable-revoked", "PAS is never called", &foreign, vec![], revoked("decrypt_failed", None, 0)),
        row("L-garbage-revoked", "", "garbage!", vec![], revoked("decrypt_failed", None, 0)),
    ];
    Ok(VectorFile::new("liveness", "The fail-open periodic liveness refresh (pas-reference §8.2)", cases))
}
