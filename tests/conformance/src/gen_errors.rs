//! `errors.json`: the stable error-code table itself (name and C status number), so every
//! language's exported table can be checked against it.

use pas_core::ErrorCode;
use serde_json::json;

use crate::vectors::VectorFile;

pub fn file() -> VectorFile {
    let mut cases: Vec<_> = ErrorCode::ALL
        .iter()
        .map(|code| json!({"id": code.as_str(), "note": code.summary(), "expect": {"number": code.number()}}))
        .collect();
    cases.push(json!({"id": "__extra_codes__", "note": "codes the language knows that this file lacks",
                      "expect": {"codes": []}}));
    VectorFile::new("errors", "The stable error codes (docs/ERRORS.md): name and number (the C status)", cases)
}
