//! The final step of `make test`: one table, vector file by language, failing when any language
//! failed a row, skipped a file, or computed anything that differs from Rust.

use std::path::Path;

use serde_json::Value;

use crate::run::{read_json, vector_files};

pub const LANGUAGES: [&str; 5] = ["rust", "c", "go", "python", "node"];

pub fn print_table(vectors_dir: &Path, results_dir: &Path) -> Result<(), String> {
    let files: Vec<String> = vector_files(vectors_dir)?
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let reports: Vec<Option<Value>> =
        LANGUAGES.iter().map(|lang| read_json(&results_dir.join(format!("{lang}.json"))).ok()).collect();
    let rust = reports[0].clone().unwrap_or(Value::Null);
    let mut problems = Vec::new();
    println!("\nconformance: vector file by language (passed/rows; every row compared with Rust)\n");
    println!("| {:<14} | {}", "file", LANGUAGES.map(|l| format!("{l:<12}")).join(" | "));
    println!(
        "|{}|",
        ["-".repeat(16)].into_iter().chain(LANGUAGES.map(|_| "-".repeat(14))).collect::<Vec<_>>().join("|")
    );
    for file in &files {
        let rows = read_json(&vectors_dir.join(file))?["cases"].as_array().map_or(0, Vec::len);
        let mut cells = Vec::new();
        for (lang, report) in LANGUAGES.iter().zip(&reports) {
            let entry = report.as_ref().map(|r| &r["files"][file.as_str()]).filter(|e| !e.is_null());
            let Some(entry) = entry else {
                problems.push(format!("{lang}: {file} did not run"));
                cells.push("MISSING".to_owned());
                continue;
            };
            let (passed, failed) = (entry["passed"].as_u64().unwrap_or(0), entry["failed"].as_u64().unwrap_or(0));
            let differing: Vec<&String> = entry["rows"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(id, actual)| rust["files"][file.as_str()]["rows"].get(id.as_str()) != Some(actual))
                .map(|(id, _)| id)
                .collect();
            let seen = entry["rows"].as_object().map_or(0, serde_json::Map::len);
            let mut cell = format!("{passed}/{rows}");
            if failed > 0 || seen != rows || passed as usize != rows {
                problems.push(format!("{lang}: {file}: {failed} failed, {seen} of {rows} rows reported"));
                cell.push_str(" FAIL");
            }
            if !differing.is_empty() {
                let first: Vec<&str> = differing.iter().take(3).map(|s| s.as_str()).collect();
                problems.push(format!(
                    "{lang}: {file}: differs from Rust on {} rows ({})",
                    differing.len(),
                    first.join(", ")
                ));
                cell.push_str(" DIFF");
            }
            cells.push(cell);
        }
        println!("| {file:<14} | {}", cells.iter().map(|c| format!("{c:<12}")).collect::<Vec<_>>().join(" | "));
    }
    if files.is_empty() {
        problems.push("no vector files".into());
    }
    if problems.is_empty() {
        println!(
            "\nconformance: all {} languages agree with Rust on every row of {} files",
            LANGUAGES.len(),
            files.len()
        );
        Ok(())
    } else {
        Err(format!("conformance failed:\n  {}", problems.join("\n  ")))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::json;

    /// A vector folder with one two-row file, and a results folder where every language computed
    /// `actual` for row `b` (row `a` is always `1`).
    fn fixture(name: &str, actual_b: impl Fn(&str) -> Option<Value>) -> (std::path::PathBuf, std::path::PathBuf) {
        let root = std::env::temp_dir().join(format!("pas-table-{name}-{}", std::process::id()));
        let (vectors, results) = (root.join("vectors"), root.join("results"));
        std::fs::create_dir_all(&vectors).unwrap();
        std::fs::create_dir_all(&results).unwrap();
        let file = json!({"schema": "pas-vectors/1", "file": "pkce", "cases": [{"id": "a"}, {"id": "b"}]});
        std::fs::write(vectors.join("pkce.json"), file.to_string()).unwrap();
        for lang in LANGUAGES {
            let Some(b) = actual_b(lang) else { continue };
            let report = json!({"language": lang, "files": {"pkce.json": {"passed": 2, "failed": 0,
                                                                          "rows": {"a": 1, "b": b}}}});
            std::fs::write(results.join(format!("{lang}.json")), report.to_string()).unwrap();
        }
        (vectors, results)
    }

    #[test]
    fn all_languages_agreeing_pass() {
        let (vectors, results) = fixture("agree", |_| Some(json!(2)));
        assert!(print_table(&vectors, &results).is_ok());
    }

    #[test]
    fn a_language_that_differs_from_rust_fails_even_when_its_runner_passed() {
        let (vectors, results) = fixture("differ", |lang| Some(json!(if lang == "node" { 3 } else { 2 })));
        let err = print_table(&vectors, &results).unwrap_err();
        assert!(err.contains("node: pkce.json: differs from Rust on 1 rows (b)"), "{err}");
    }

    #[test]
    fn a_language_that_did_not_run_is_an_empty_cell_and_fails() {
        let (vectors, results) = fixture("missing", |lang| (lang != "go").then(|| json!(2)));
        let err = print_table(&vectors, &results).unwrap_err();
        assert!(err.contains("go: pkce.json did not run"), "{err}");
    }
}
