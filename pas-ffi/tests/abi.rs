//! Rust-side checks of the ABI: the number tables equal the core's, every export sits behind the
//! boundary, the header declares exactly the constants of the code, and blocking calls made from
//! inside a runtime return `would_deadlock` instead of deadlocking or panicking.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ffi::CStr;
use std::ptr;

use pas::*;
use pas_core::ErrorCode;
use pas_core::session::ExpiredCause;

fn header() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../include/pas.h")).unwrap()
}

/// `#define NAME VALUE` pairs of the header whose name starts with `prefix`.
fn defines(prefix: &str) -> Vec<(String, u32)> {
    header()
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|l| l.split_once(' '))
        .filter(|(name, _)| name.starts_with(prefix))
        .map(|(name, v)| (name.to_owned(), v.trim().parse().unwrap()))
        .collect()
}

#[test]
fn status_constants_in_the_header_are_exactly_the_core_codes() {
    let mut from_core: Vec<(String, u32)> = ErrorCode::ALL
        .iter()
        .map(|c| (format!("PAS_STATUS_{}", c.as_str().to_ascii_uppercase()), c.number()))
        .collect();
    from_core.push(("PAS_STATUS_OK".into(), 0));
    from_core.sort();
    let mut in_header = defines("PAS_STATUS_");
    in_header.sort();
    assert_eq!(in_header, from_core);
    for code in ErrorCode::ALL {
        // SAFETY: the name is a static NUL-terminated string.
        let name = unsafe { CStr::from_ptr(pas_status_name(code.number())) }.to_str().unwrap();
        assert_eq!(name, code.as_str());
    }
    // SAFETY: as above.
    unsafe {
        assert_eq!(CStr::from_ptr(pas_status_name(0)).to_str().unwrap(), "ok");
        assert_eq!(CStr::from_ptr(pas_status_name(99_999)).to_str().unwrap(), "unknown");
    }
}

#[test]
fn cause_constants_in_the_header_are_exactly_the_core_causes() {
    let mut from_core: Vec<(String, u32)> = ExpiredCause::ALL
        .iter()
        .map(|c| (format!("PAS_CAUSE_{}", c.as_str().to_ascii_uppercase()), c.number()))
        .collect();
    from_core.push(("PAS_CAUSE_NONE".into(), 0));
    from_core.sort();
    let mut in_header = defines("PAS_CAUSE_");
    in_header.sort();
    assert_eq!(in_header, from_core);
    for cause in ExpiredCause::ALL {
        // SAFETY: static string.
        let name = unsafe { CStr::from_ptr(pas_cause_name(cause.number())) }.to_str().unwrap();
        assert_eq!(name, cause.as_str());
    }
}

#[test]
fn version_constants_match_cargo() {
    assert_eq!(PAS_VERSION_MAJOR.to_string(), env!("CARGO_PKG_VERSION_MAJOR"));
    assert_eq!(PAS_VERSION_MINOR.to_string(), env!("CARGO_PKG_VERSION_MINOR"));
    assert_eq!(PAS_VERSION_PATCH.to_string(), env!("CARGO_PKG_VERSION_PATCH"));
    // SAFETY: plain calls.
    unsafe {
        assert_eq!(pas_abi_version(), PAS_ABI_VERSION);
        let v = CStr::from_ptr(pas_version()).to_str().unwrap();
        assert!(v.starts_with(&format!("pas/{}", env!("CARGO_PKG_VERSION"))), "{v}");
    }
}

#[test]
fn every_export_runs_inside_the_boundary() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        files.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
    }
    let sources: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let missing = test_boundary_is_everywhere(&sources);
    assert!(missing.is_empty(), "exports outside the boundary: {missing:?}");
    // And every extern "C" function is a `pub unsafe extern "C" fn pas_*` with #[unsafe(no_mangle)].
    let all: String = files.iter().map(|(_, t)| t.as_str()).collect();
    let exports = all.matches("pub unsafe extern \"C\" fn pas_").count();
    let no_mangle = all.lines().filter(|l| l.trim() == "#[unsafe(no_mangle)]").count();
    assert_eq!(exports, no_mangle);
    assert!(exports > 80, "{exports}");
}

#[test]
fn panics_become_a_status_and_an_error_object() {
    let mut err = ptr::null_mut();
    // SAFETY: valid out-pointer.
    let status = unsafe { pas_testing_panic(&mut err) };
    assert_eq!(status, PAS_STATUS_PANIC);
    // SAFETY: err is a live error object.
    unsafe {
        assert_eq!(pas_error_code(err), PAS_STATUS_PANIC);
        assert_eq!(CStr::from_ptr(pas_error_name(err)).to_str().unwrap(), "panic");
        pas_error_free(err);
    }
}

#[test]
fn blocking_calls_inside_a_runtime_return_would_deadlock() {
    let mut pas = ptr::null_mut();
    let mut cipher = ptr::null_mut();
    let mut validator = ptr::null_mut();
    let key = pas_core::TokenCipher::generate_key();
    // SAFETY: valid pointers throughout; handles freed at the end.
    unsafe {
        assert_eq!(pas_testing_pas_new(&mut pas), PAS_STATUS_OK);
        assert_eq!(pas_cipher_new(key.as_ptr().cast(), key.len(), &mut cipher, ptr::null_mut()), PAS_STATUS_OK);
        assert_eq!(pas_testing_validator_new(pas, cipher, &mut validator), PAS_STATUS_OK);
    }
    let host = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let v = validator as usize;
    let c = cipher as usize;
    let status = host.block_on(async move {
        let validator = v as *const pas_session_validator;
        let cipher = c as *const pas_cipher;
        let mut ct = pas_bytes { data: ptr::null_mut(), len: 0 };
        // SAFETY: live handles.
        unsafe {
            assert_eq!(pas_cipher_encrypt(cipher, c"rt".as_ptr(), 2, &mut ct, ptr::null_mut()), PAS_STATUS_OK);
            let mut out = pas_liveness_result {
                outcome: 0,
                cause: ptr::null(),
                http_status: 0,
                retry_after_ms: 0,
                rotated_ciphertext: pas_bytes { data: ptr::null_mut(), len: 0 },
            };
            let mut err = ptr::null_mut();
            let s = pas_session_validator_liveness_refresh(validator, ct.data.cast(), ct.len, &mut out, &mut err);
            assert_eq!(CStr::from_ptr(pas_error_name(err)).to_str().unwrap(), "would_deadlock");
            pas_error_free(err);
            pas_bytes_free(&mut ct);
            s
        }
    });
    assert_eq!(status, PAS_STATUS_WOULD_DEADLOCK);
    // SAFETY: handles from above, freed once, outside any runtime.
    unsafe {
        pas_session_validator_free(validator);
        pas_cipher_free(cipher);
        pas_testing_pas_free(pas);
    }
}
