//! `docs/ERRORS.md` is generated from the code tables and must match them (run with

#![allow(clippy::unwrap_used)] // a failed assertion is the point of a test
//! `UPDATE_ERRORS=1` to regenerate).

use pas_core::ErrorCode;
use pas_core::session::ExpiredCause;

fn render() -> String {
    let mut out = String::from(
        "# pas error codes\n\n\
         Generated from `pas-core/src/error.rs` and `pas-core/src/session/cause.rs` by\n\
         `UPDATE_ERRORS=1 cargo test -p pas-core --test error_table`; do not edit.\n\n\
         Every failure carries one of these codes. The name is identical in every language; the\n\
         number is the C status (`PAS_STATUS_<NAME>`). Numbers are never reused.\n\n\
         | number | code | class | meaning |\n| --- | --- | --- | --- |\n",
    );
    for code in ErrorCode::ALL {
        out.push_str(&format!(
            "| {} | `{}` | {:?} | {} |\n",
            code.number(),
            code.as_str(),
            code.class(),
            code.summary()
        ));
    }
    out.push_str(
        "\n## Expired causes\n\nWhy a session check ended in Expired (decision D16). The number is the C \
         `out_cause` value; 0 means not expired.\n\n| number | cause |\n| --- | --- |\n",
    );
    for cause in ExpiredCause::ALL {
        out.push_str(&format!("| {} | `{}` |\n", cause.number(), cause.as_str()));
    }
    out
}

#[test]
fn errors_md_is_fresh() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/ERRORS.md");
    let expected = render();
    if std::env::var_os("UPDATE_ERRORS").is_some() {
        std::fs::write(path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/ERRORS.md is stale: run UPDATE_ERRORS=1 cargo test -p pas-core --test error_table"
    );
}
