//! The pure core of `sync`: parse `charmcraft.yaml` safely, render a section, splice it in place
//! of the old one or remove it (every other byte kept), verify the result, and describe the
//! difference.
//!
//! Top-level keys of a block mapping start at column 0, so a section runs from its `key:` line to
//! the next column-0 line that is neither blank nor a comment; trailing blank and comment lines
//! belong to whatever follows. The result is re-parsed and compared key by key before it is used.

use std::fmt;

use serde_json::{Map, Value, json};

use super::ENDPOINT_SECTIONS;

/// `charmcraft.yaml` files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// Why a `charmcraft.yaml` cannot be synced. The file is never written when this is returned.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SyncError {
    /// Not valid YAML, or over the parser's budgets (alias bombs, deep nesting); carries the
    /// parser's message with line and column.
    Yaml {
        message: String,
    },
    TooLarge {
        bytes: usize,
    },
    /// The document's root is not a mapping.
    RootNotMapping {
        found: String,
    },
    /// A synced section holds something other than a mapping.
    SectionNotMapping {
        section: String,
        line: usize,
        found: String,
    },
    /// The Rust side declares an action name Juju refuses.
    BadActionName {
        name: String,
        reason: String,
    },
    /// An action's schema that Juju would refuse, or the runtime would not enforce as Juju does
    /// (see `ops::params::check_schema`), or a param name that is not kebab-case.
    BadActionSchema {
        name: String,
        reason: String,
    },
    /// A config option that carries more than a type, a default and a description.
    BadConfigOption {
        name: String,
        reason: String,
    },
    /// An endpoint under `requires`, `provides` or `peers` that is not what Juju reads.
    BadEndpoint {
        section: String,
        name: String,
        reason: String,
    },
    /// A key of the charm binary's `--print-schema` output that does not have the shape sync
    /// reads (a charm built against another toolkit version, say).
    BadSchema {
        key: String,
        reason: String,
    },
    /// Hooks the charm handles for storage or containers that `charmcraft.yaml` does not
    /// declare, so Juju would never run them.
    UndeclaredHooks {
        hooks: Vec<UndeclaredHook>,
    },
    /// The spliced text did not parse back to the intended document (a bug guard).
    Unverified {
        reason: String,
    },
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::Yaml { message } => write!(f, "invalid YAML: {message}"),
            SyncError::TooLarge { bytes } => {
                write!(
                    f,
                    "file is {bytes} bytes, over the {MAX_FILE_BYTES}-byte limit for charmcraft.yaml"
                )
            }
            SyncError::RootNotMapping { found } => {
                write!(
                    f,
                    "the document must be a mapping of keys (type, name, actions, …), found {found}"
                )
            }
            SyncError::SectionNotMapping {
                section,
                line,
                found,
            } => write!(
                f,
                "line {line}: `{section}` must be a mapping, found {found}; sync owns this section, so delete it and run `cargo xtask sync`"
            ),
            SyncError::BadActionName { name, reason } => {
                write!(f, "action name {name:?} is invalid: {reason}")
            }
            SyncError::BadActionSchema { name, reason } => {
                write!(f, "action {name:?}: {reason}")
            }
            SyncError::BadConfigOption { name, reason } => {
                write!(f, "config option {name:?}: {reason}")
            }
            SyncError::BadEndpoint {
                section,
                name,
                reason,
            } => write!(f, "endpoint {name:?} under `{section}`: {reason}"),
            SyncError::BadSchema { key, reason } => write!(
                f,
                "the charm binary's --print-schema output has a `{key}` sync cannot read: {reason}; is the charm built against the same toolkit version as this xtask?"
            ),
            SyncError::UndeclaredHooks { hooks } => {
                write!(
                    f,
                    "the charm handles hooks that charmcraft.yaml does not declare, so Juju would never run them:"
                )?;
                for hook in hooks {
                    write!(f, "\n  - {hook}")?;
                }
                Ok(())
            }
            SyncError::Unverified { reason } => {
                write!(
                    f,
                    "the updated file would not parse back as intended ({reason}); nothing was written"
                )
            }
        }
    }
}

impl std::error::Error for SyncError {}

/// A hook the charm handles for a storage or a container `charmcraft.yaml` does not declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndeclaredHook {
    /// The hook (`data-storage-attached`).
    pub hook: String,
    /// The `charmcraft.yaml` section that must declare `name`: `storage` or `containers`.
    pub section: &'static str,
    /// The storage or container name the hook is for (`data`).
    pub name: String,
}

impl fmt::Display for UndeclaredHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let UndeclaredHook {
            hook,
            section,
            name,
        } = self;
        let (what, example) = match *section {
            "storage" => (
                "storage",
                format!("storage: {{{name}: {{type: filesystem}}}}"),
            ),
            _ => (
                "container",
                format!("containers: {{{name}: {{resource: {name}-image}}}}"),
            ),
        };
        write!(
            f,
            "`{hook}`: charmcraft.yaml declares no {what} named {name:?}; declare it under `{section}:` (e.g. `{example}`), or stop handling `{hook}` in charm/src"
        )
    }
}

/// Parses YAML into JSON values with the parser's default budgets and a size cap.
pub fn parse(text: &str) -> Result<Value, SyncError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(SyncError::TooLarge { bytes: text.len() });
    }
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_saphyr::from_str::<Value>(text).map_err(|e| SyncError::Yaml {
        message: e.to_string(),
    })
}

fn kind(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// Renders `{section: value}` as block YAML, as a charmcraft user would write it.
pub fn render_section(section: &str, value: &Value) -> Result<String, SyncError> {
    if value.as_object().is_some_and(Map::is_empty) {
        return Ok(format!("{section}: {{}}\n"));
    }
    // Long descriptions stay on one line, as written by hand; multi-line ones use `|`.
    let options = serde_saphyr::ser_options! { folded_wrap_chars: usize::MAX / 2 };
    let mut text = serde_saphyr::to_string_with_options(&json!({ section: value }), options)
        .map_err(|e| SyncError::Unverified {
            reason: format!("cannot render `{section}`: {e}"),
        })?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Whether `line` is the column-0 key `key:` (followed by a space, a comment or the end).
fn is_key_line(line: &str, key: &str) -> bool {
    line.strip_prefix(key)
        .and_then(|rest| rest.strip_prefix(':'))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
}

fn is_top_level_entry(line: &str) -> bool {
    let first = line.chars().next();
    first.is_some_and(|c| !c.is_whitespace() && c != '#')
}

/// The line range `[start, end)` of section `key`, if present.
fn section_range(lines: &[&str], key: &str) -> Option<(usize, usize)> {
    let start = lines.iter().position(|l| is_key_line(l, key))?;
    let mut end = start + 1;
    while end < lines.len() && !is_top_level_entry(lines[end]) {
        end += 1;
    }
    // Blank and comment lines right before the next key belong to it.
    while end > start + 1 {
        let line = lines[end - 1].trim_start();
        if line.is_empty() || line.starts_with('#') {
            end -= 1;
        } else {
            break;
        }
    }
    Some((start, end))
}

/// The comment `sync` writes above a section it appends.
const GENERATED: &str =
    "# Generated by `cargo xtask sync` from the Rust types in charm/src: do not edit by hand.";

/// `text` split into lines with their line ends, and the same lines without them.
fn lines(text: &str) -> (Vec<&str>, Vec<&str>) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let stripped = lines
        .iter()
        .map(|l| l.trim_end_matches(['\n', '\r']))
        .collect();
    (lines, stripped)
}

/// Removes section `key` from `text` (nothing when it has none), with the comment lines right
/// above it (they belong to it, as `sync`'s own comment does) and the blank line that set it
/// apart.
pub fn remove(text: &str, key: &str) -> String {
    let (lines, stripped) = lines(text);
    let Some((mut start, end)) = section_range(&stripped, key) else {
        return text.to_owned();
    };
    while start > 0 && stripped[start - 1].trim_start().starts_with('#') {
        start -= 1;
    }
    let blank = |i: usize| stripped[i].trim().is_empty();
    if start > 0 && blank(start - 1) && (end == lines.len() || blank(end)) {
        start -= 1;
    }
    let mut out: String = lines[..start].concat();
    out.push_str(&lines[end..].concat());
    out
}

/// Replaces (or appends) section `key` in `text` with `rendered`.
pub fn splice(text: &str, key: &str, rendered: &str) -> String {
    let (lines, stripped) = lines(text);
    match section_range(&stripped, key) {
        Some((start, end)) => {
            let mut out: String = lines[..start].concat();
            out.push_str(rendered);
            out.push_str(&lines[end..].concat());
            out
        }
        None => {
            let mut out = text.to_owned();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("{GENERATED}\n{rendered}"));
            out
        }
    }
}

/// Whether `section` is to be removed rather than written: an endpoint section (see
/// [`ENDPOINT_SECTIONS`]) for which the charm declares no endpoint.
fn is_removed(section: &str, want: &Value) -> bool {
    ENDPOINT_SECTIONS.contains(&section) && want.as_object().is_none_or(Map::is_empty)
}

/// Brings `sections` of `text` in line with `schema` (the charm's `--print-schema` output): each
/// is written as the schema has it, except an endpoint section the charm declares nothing for,
/// which is removed. A section the schema does not have is left alone (an older charm binary
/// prints no endpoints). Checks the schema first (see `checks`), and the hooks the charm
/// handles against the file. Errors leave nothing to write.
pub fn update_sections(text: &str, schema: &Value, sections: &[&str]) -> Result<String, SyncError> {
    let before = parse(text)?;
    let Value::Object(before) = before else {
        return Err(SyncError::RootNotMapping {
            found: kind(&before),
        });
    };
    // Only the sections the schema has are owned; the others are left as they are.
    for section in sections.iter().filter(|s| schema.get(**s).is_some()) {
        if let Some(value) = before.get(*section)
            && !value.is_object()
            && !value.is_null()
        {
            let line = text
                .lines()
                .position(|l| is_key_line(l, section))
                .map_or(0, |i| i + 1);
            return Err(SyncError::SectionNotMapping {
                section: (*section).to_owned(),
                line,
                found: kind(value),
            });
        }
    }
    if let Some(actions) = schema.get("actions").and_then(Value::as_object) {
        for name in actions.keys() {
            ops::schema::check_action_name(name).map_err(|e| SyncError::BadActionName {
                name: name.clone(),
                reason: e.reason,
            })?;
        }
    }
    super::checks::check_schema(schema)?;
    super::checks::check_hooks(schema, &before)?;
    let mut out = text.to_owned();
    for section in sections {
        let Some(want) = schema.get(*section) else {
            continue;
        };
        if is_removed(section, want) {
            out = remove(&out, section);
        } else {
            let rendered = render_section(section, want)?;
            out = splice(&out, section, &rendered);
        }
    }
    verify(&before, &out, schema, sections)?;
    Ok(out)
}

/// The spliced text must parse, hold the schema's sections, and keep every other key as it was.
fn verify(
    before: &Map<String, Value>,
    out: &str,
    schema: &Value,
    sections: &[&str],
) -> Result<(), SyncError> {
    let after = parse(out).map_err(|e| SyncError::Unverified {
        reason: e.to_string(),
    })?;
    let Value::Object(after) = after else {
        return Err(SyncError::Unverified {
            reason: "root is no longer a mapping".into(),
        });
    };
    for (key, value) in before {
        if sections.contains(&key.as_str()) && schema.get(key).is_some() {
            continue;
        }
        if after.get(key) != Some(value) {
            return Err(SyncError::Unverified {
                reason: format!("`{key}` changed"),
            });
        }
    }
    for section in sections {
        let Some(want) = schema.get(*section) else {
            continue;
        };
        if is_removed(section, want) {
            if after.contains_key(*section) {
                return Err(SyncError::Unverified {
                    reason: format!("`{section}` is still there"),
                });
            }
        } else if after.get(*section) != Some(want) {
            return Err(SyncError::Unverified {
                reason: format!("`{section}` does not read back as generated"),
            });
        }
    }
    Ok(())
}

/// A line diff of `old` → `new`: removed lines (`-`, numbered in the old text) and added lines
/// (`+`, numbered in the new text).
pub fn diff(old: &str, new: &str) -> String {
    // Myers' diff with a deadline: linear memory, and bounded time on any input.
    let diff = similar::TextDiff::configure()
        .timeout(std::time::Duration::from_secs(2))
        .diff_lines(old, new);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let (sign, line) = match change.tag() {
            similar::ChangeTag::Equal => continue,
            similar::ChangeTag::Delete => ('-', change.old_index()),
            similar::ChangeTag::Insert => ('+', change.new_index()),
        };
        let number = line.map_or(0, |i| i + 1);
        let text = change
            .as_str()
            .unwrap_or_default()
            .trim_end_matches(['\n', '\r']);
        out.push_str(&format!("  {sign}{number:>4} | {text}\n"));
    }
    out
}
