//! The vector files: their common envelope, the list of files, and writing or checking them.

use std::path::Path;

use serde_json::{Value, json};

/// The schema every file declares; runners refuse any other.
pub const SCHEMA: &str = "pas-vectors/1";

const GENERATOR: &str = "cargo run --locked -p pas-conformance -- generate";

/// One vector file before serialization.
pub struct VectorFile {
    pub name: &'static str,
    pub description: &'static str,
    /// Extra top-level members (e.g. the JWT verifiers), written before `cases`.
    pub extra: Vec<(&'static str, Value)>,
    pub cases: Vec<Value>,
}

impl VectorFile {
    pub fn new(name: &'static str, description: &'static str, cases: Vec<Value>) -> Self {
        Self { name, description, extra: Vec::new(), cases }
    }

    fn to_json(&self) -> Value {
        let mut file = serde_json::Map::new();
        file.insert("schema".into(), json!(SCHEMA));
        file.insert("file".into(), json!(self.name));
        file.insert("description".into(), json!(self.description));
        file.insert("generator".into(), json!(GENERATOR));
        for (key, value) in &self.extra {
            file.insert((*key).into(), value.clone());
        }
        file.insert("cases".into(), Value::Array(self.cases.clone()));
        Value::Object(file)
    }

    /// The exact bytes written to disk: pretty JSON and a final newline.
    pub fn render(&self) -> Result<String, String> {
        let mut text = serde_json::to_string_pretty(&self.to_json()).map_err(|e| e.to_string())?;
        text.push('\n');
        Ok(text)
    }
}

/// Every file, built from fixed inputs.
fn all_files() -> Result<Vec<VectorFile>, String> {
    Ok(vec![
        crate::gen_pkce::file()?,
        crate::gen_cipher::file()?,
        crate::gen_jwt::file()?,
        crate::gen_session::file()?,
        crate::gen_liveness::file()?,
        crate::gen_errors::file(),
    ])
}

/// Rewrites every file, then refuses to finish if pas-core disagrees with any expected value
/// (the expected values come from RFCs, Wycheproof and independent crates, not from pas-core).
pub fn generate(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for file in all_files()? {
        let path = dir.join(format!("{}.json", file.name));
        std::fs::write(&path, file.render()?).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {} ({} cases)", path.display(), file.cases.len());
    }
    let scratch = std::env::temp_dir().join(format!("pas-conformance-{}.json", std::process::id()));
    let outcome = crate::run::run_dir(dir, &scratch);
    let _ = std::fs::remove_file(&scratch);
    outcome.map_err(|e| format!("pas-core disagrees with the generated vectors: {e}"))
}

/// Fails when a committed file differs from what `generate` would write, or when an unknown
/// file sits in the folder.
pub fn check(dir: &Path) -> Result<(), String> {
    let files = all_files()?;
    let mut stale = Vec::new();
    for file in &files {
        let path = dir.join(format!("{}.json", file.name));
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != file.render()? {
            stale.push(path.display().to_string());
        }
    }
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let known = files.iter().any(|f| path.file_name() == Some(format!("{}.json", f.name).as_ref()));
        if path.extension().is_some_and(|e| e == "json") && !known {
            stale.push(format!("{} (not written by the generator)", path.display()));
        }
    }
    if stale.is_empty() {
        println!("pas vectors: {} files are up to date", files.len());
        Ok(())
    } else {
        Err(format!("stale vector files (run `{GENERATOR}` and commit the result):\n  {}", stale.join("\n  ")))
    }
}
