//! The side-by-side table of `make demo`: one row per step of the story, one column per language,
//! built from the JSON lines each demo program printed. It exists so that "every language makes
//! the same decision" is checked by a program, not by eye: a cell that differs from the Rust
//! column, a step missing or extra, or a Rust line that is not the expected story fails the run.

use serde_json::Value;

use crate::outcome::{STEPS, cell, expected};

/// What one language's demo program printed.
pub struct Column {
    /// `Rust`, `C`, `Go`, `Python`, `Node`.
    pub language: String,
    /// Its lines, parsed, in order.
    pub lines: Vec<Value>,
}

/// The printed table and whether the run passed.
pub struct Report {
    /// The table, the differences (if any) and the summary line.
    pub text: String,
    /// No cell differs from Rust, every step is there once, and Rust matches the story.
    pub ok: bool,
}

/// Parses a program's stdout: one JSON object per non-empty line.
pub fn parse_lines(text: &str) -> Result<Vec<Value>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| match serde_json::from_str::<Value>(l) {
            Ok(v) if v.is_object() => Ok(v),
            _ => Err(format!("line {} is not a JSON object: {l}", i + 1)),
        })
        .collect()
}

fn step_of(v: &Value) -> &str {
    v.get("step").and_then(Value::as_str).unwrap_or("")
}

/// Builds the table. The first column is the reference (Rust).
pub fn render(columns: &[Column]) -> Report {
    let story = expected();
    let mut problems: Vec<String> = Vec::new();
    let mut header = vec!["step".to_owned(), "PAS calls".to_owned()];
    header.extend(columns.iter().map(|c| c.language.clone()));
    header.push("same".to_owned());
    let mut rows: Vec<Vec<String>> = vec![header];

    for want in &story {
        let name = step_of(want);
        let found: Vec<Option<&Value>> = columns.iter().map(|c| c.lines.iter().find(|v| step_of(v) == name)).collect();
        let reference = found.first().copied().flatten();
        let calls = reference.and_then(|v| v.get("pas_calls")).map_or_else(|| "-".to_owned(), Value::to_string);
        let mut row = vec![name.to_owned(), calls];
        let mut same = reference.is_some();
        for (column, got) in columns.iter().zip(&found) {
            match got {
                None => {
                    same = false;
                    problems.push(format!("{} printed no `{name}` line", column.language));
                    row.push("(missing)".to_owned());
                }
                Some(v) if Some(*v) != reference => {
                    same = false;
                    let rust = reference.map_or_else(|| "nothing".to_owned(), Value::to_string);
                    problems.push(format!("{} `{name}`: {v} (Rust: {rust})", column.language));
                    row.push(format!("! {}", cell(v)));
                }
                Some(v) => row.push(cell(v)),
            }
        }
        if let Some(v) = reference
            && v != want
        {
            problems.push(format!("Rust `{name}`: {v}, but the story expects {want}"));
        }
        row.push(if same { "yes".to_owned() } else { "NO".to_owned() });
        rows.push(row);
    }
    for column in columns {
        let names: Vec<&str> = column.lines.iter().map(step_of).collect();
        for (i, name) in names.iter().enumerate() {
            if !story.iter().any(|w| step_of(w) == *name) {
                problems.push(format!("{} printed an unknown step `{name}`", column.language));
            } else if names[..i].contains(name) {
                problems.push(format!("{} printed `{name}` twice", column.language));
            }
        }
    }

    let widths: Vec<usize> =
        (0..rows[0].len()).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let mut text = String::from("The story (every program has its own session store and sv cache):\n");
    let name_width = STEPS.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    for (name, what) in STEPS {
        text.push_str(&format!("  {name:<name_width$}  {what}\n"));
    }
    text.push('\n');
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
        if n == 0 {
            text.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
            text.push('\n');
        }
    }
    text.push('\n');
    for p in &problems {
        text.push_str(&format!("DIFFERENCE: {p}\n"));
    }
    let languages: Vec<&str> = columns.iter().map(|c| c.language.as_str()).collect();
    let ok = problems.is_empty() && !columns.is_empty();
    text.push_str(&if ok {
        format!("demo: {} steps in {}: identical decisions, as expected\n", story.len(), languages.join(", "))
    } else {
        format!("demo: FAILED, {} difference(s) across {}\n", problems.len().max(1), languages.join(", "))
    });
    Report { text, ok }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::line;

    fn column(language: &str, lines: Vec<Value>) -> Column {
        Column { language: language.to_owned(), lines }
    }

    #[test]
    fn identical_columns_pass() {
        let r = render(&[column("Rust", expected()), column("C", expected()), column("Go", expected())]);
        assert!(r.ok, "{}", r.text);
        assert!(r.text.contains("authenticated sv 1 (cache)"));
        assert!(!r.text.contains("DIFFERENCE"));
    }

    #[test]
    fn one_differing_cell_fails_and_is_named() {
        let mut c = expected();
        c[2] = line("validate_cached", "authenticated", None, Some(1), Some(true), None, 1);
        let r = render(&[column("Rust", expected()), column("C", c)]);
        assert!(!r.ok);
        assert!(r.text.contains("! authenticated sv 1 (PAS)"), "{}", r.text);
        assert!(r.text.contains("DIFFERENCE: C `validate_cached`"), "{}", r.text);
    }

    #[test]
    fn all_languages_agreeing_on_a_wrong_story_fails() {
        let mut wrong = expected();
        wrong[4] = line("revoked", "expired", Some("pas_unavailable"), None, None, None, 1);
        let r = render(&[column("Rust", wrong.clone()), column("Node", wrong)]);
        assert!(!r.ok);
        assert!(r.text.contains("but the story expects"), "{}", r.text);
    }

    #[test]
    fn missing_extra_and_repeated_steps_fail() {
        let mut short = expected();
        short.pop();
        assert!(!render(&[column("Rust", expected()), column("Python", short)]).ok);
        let mut extra = expected();
        extra.push(line("surprise", "no_cookie", None, None, None, None, 0));
        assert!(!render(&[column("Rust", expected()), column("Python", extra)]).ok);
        let mut twice = expected();
        twice.push(expected()[0].clone());
        assert!(!render(&[column("Rust", expected()), column("Python", twice)]).ok);
        assert!(!render(&[]).ok);
    }

    #[test]
    fn parse_lines_refuses_non_json() {
        assert_eq!(parse_lines("{\"step\":\"a\"}\n\n{\"step\":\"b\"}\n").map(|v| v.len()), Ok(2));
        assert!(parse_lines("{\"step\":\"a\"}\nhello\n").is_err());
        assert!(parse_lines("[1]\n").is_err());
    }
}
