//! The `secret-*` hook tools as [`Subprocess`] runs them, with Juju's grammar
//! (`jujuc/secret-*.go`).
//!
//! Content never goes on a command line, where `/proc` and process listings would show it:
//! `secret-add` and `secret-set` get it through `--file`, a JSON map (which Juju's
//! `secrets.ReadSecretData` reads) in a temporary file created for the call alone, readable by
//! its owner only (mode 0600, created exclusively so nothing else can have placed it) and
//! deleted when the call returns, whatever happens. ops does the same with a `key#file=path`
//! argument per key in a temporary directory. What `secret-get` prints is read here without
//! quoting it in any error.

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{SecretContent, SecretInfo, SecretOptions, SecretOwner, SecretRead, parse_info};
use crate::tools::{Subprocess, ToolError, ToolErrorKind, bad_output};

/// A private temporary file holding secret content, deleted on drop.
struct ContentFile {
    path: PathBuf,
}

impl ContentFile {
    /// Writes `content` as a JSON map into a new file of `dir` that only its owner can read.
    fn create_in(dir: &Path, content: &SecretContent) -> io::Result<ContentFile> {
        let mut attempt = 0;
        let (file, path) = loop {
            let path = dir.join(format!(".juju-secret-{:016x}.json", random_u64()));
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            match options.open(&path) {
                Ok(file) => break (file, path),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        };
        // From here on, the guard deletes the file whatever happens.
        let guard = ContentFile { path };
        write_json(file, content)?;
        Ok(guard)
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ContentFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn write_json(mut file: File, content: &SecretContent) -> io::Result<()> {
    // A map of strings always serialises.
    let json = serde_json::to_vec(content.expose()).map_err(io::Error::other)?;
    file.write_all(&json)?;
    file.sync_all()
}

/// 64 unpredictable bits: the standard library's per-process random SipHash keys.
fn random_u64() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    hasher.finish()
}

/// Runs `argv` with the content in a private file (`--file <path>` appended).
fn run_with_content(
    tools: &Subprocess,
    mut argv: Vec<String>,
    content: &SecretContent,
) -> Result<String, ToolError> {
    let file = ContentFile::create_in(&std::env::temp_dir(), content).map_err(|e| ToolError {
        argv: argv.clone(),
        kind: ToolErrorKind::Spawn {
            reason: format!("cannot write the secret content to a private temporary file: {e}"),
        },
    })?;
    argv.push("--file".to_owned());
    argv.push(file.path().display().to_string());
    let out = tools.run(&argv);
    drop(file);
    out
}

/// `tool` and its first arguments `args`, then `--label=…`, `--description=…`, `--expire=…`,
/// `--rotate=…`: each in one argument, so a value starting with `-` is not read as a flag.
fn with_options(
    tool: &str,
    args: &[&str],
    options: &SecretOptions,
) -> Result<Vec<String>, ToolError> {
    let mut argv = line(tool, args);
    if let Some(label) = &options.label {
        argv.push(format!("--label={label}"));
    }
    if let Some(description) = &options.description {
        argv.push(format!("--description={description}"));
    }
    if let Some(expire) = &options.expire {
        let arg = expire.to_arg().map_err(|reason| ToolError {
            argv: vec![tool.to_owned()],
            kind: ToolErrorKind::BadOutput { reason },
        })?;
        argv.push(format!("--expire={arg}"));
    }
    if let Some(rotate) = options.rotate {
        argv.push(format!("--rotate={rotate}"));
    }
    Ok(argv)
}

/// `tool` followed by `args`.
fn line(tool: &str, args: &[&str]) -> Vec<String> {
    std::iter::once(tool)
        .chain(args.iter().copied())
        .map(str::to_owned)
        .collect()
}

/// `tool [<ID>] [--label=L]`: a secret named by URI, label, or both.
fn named(tool: &str, id: Option<&str>, label: Option<&str>) -> Vec<String> {
    let mut argv = line(tool, &[]);
    argv.extend(id.map(str::to_owned));
    argv.extend(label.map(|label| format!("--label={label}")));
    argv
}

/// `secret-add --owner=<owner> [options] --file <content>`; prints the new URI.
pub(crate) fn secret_add(
    tools: &Subprocess,
    owner: SecretOwner,
    content: &SecretContent,
    options: &SecretOptions,
) -> Result<String, ToolError> {
    let argv = with_options("secret-add", &[&format!("--owner={owner}")], options)?;
    let out = run_with_content(tools, argv.clone(), content)?;
    let uri = out.trim();
    if uri.is_empty() {
        return Err(bad_output(&argv, "it printed no secret URI".to_owned()));
    }
    Ok(uri.to_owned())
}

/// `secret-get <ID> [--label=L] [--peek|--refresh] --format=json` (or `--label=L` alone).
pub(crate) fn secret_get(
    tools: &Subprocess,
    id: Option<&str>,
    label: Option<&str>,
    read: SecretRead,
) -> Result<SecretContent, ToolError> {
    let mut argv = named("secret-get", id, label);
    match read {
        SecretRead::Tracked => {}
        SecretRead::Peek => argv.push("--peek".to_owned()),
        SecretRead::Refresh => argv.push("--refresh".to_owned()),
    }
    argv.push("--format=json".to_owned());
    let out = tools.run(&argv)?;
    // The output is the secret: nothing of it goes into an error.
    let bad = |reason: &str| bad_output(&argv, format!("{reason} (not shown)"));
    match serde_json::from_str::<Value>(&out) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k, s)),
                _ => Err(bad(&format!("the value of key {k:?} is not a string"))),
            })
            .collect(),
        Ok(Value::Null) => Ok(SecretContent::new()),
        Ok(_) => Err(bad("expected a map of keys to strings")),
        Err(_) => Err(bad("the output is not JSON")),
    }
}

/// `secret-set <ID> [options] [--file <content>]`: without content, the metadata only.
pub(crate) fn secret_set(
    tools: &Subprocess,
    id: &str,
    content: Option<&SecretContent>,
    options: &SecretOptions,
) -> Result<(), ToolError> {
    let argv = with_options("secret-set", &[id], options)?;
    match content {
        Some(content) => run_with_content(tools, argv, content).map(drop),
        None => tools.run(&argv).map(drop),
    }
}

/// `secret-grant <ID> -r <relation> [--unit=U]` (`secret-revoke` has the same grammar).
pub(crate) fn secret_grant_or_revoke(
    tools: &Subprocess,
    tool: &str,
    id: &str,
    relation_id: u32,
    unit: Option<&str>,
) -> Result<(), ToolError> {
    let mut argv = line(tool, &[id, "-r", &relation_id.to_string()]);
    argv.extend(unit.map(|u| format!("--unit={u}")));
    tools.run(&argv).map(drop)
}

/// `secret-remove <ID> [--revision=N]`.
pub(crate) fn secret_remove(
    tools: &Subprocess,
    id: &str,
    revision: Option<u32>,
) -> Result<(), ToolError> {
    let mut argv = line("secret-remove", &[id]);
    argv.extend(revision.map(|r| format!("--revision={r}")));
    tools.run(&argv).map(drop)
}

/// `secret-ids --format=json`: the ids (bare, as Juju prints them) of the secrets this unit
/// owns, and its application's when it is the leader.
pub(crate) fn secret_ids(tools: &Subprocess) -> Result<Vec<String>, ToolError> {
    tools.run_string_list(&line("secret-ids", &["--format=json"]))
}

/// `secret-info-get <ID> --format=json`, or `--label=L`.
pub(crate) fn secret_info_get(
    tools: &Subprocess,
    id: Option<&str>,
    label: Option<&str>,
) -> Result<SecretInfo, ToolError> {
    let mut argv = named("secret-info-get", id, label);
    argv.push("--format=json".to_owned());
    let value = tools.run_json(&argv)?;
    parse_info(&value).map_err(|reason| bad_output(&argv, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_file_is_private_and_goes_away() {
        let dir = std::env::temp_dir();
        let content = SecretContent::from_pairs([("password", "p\"w\n☃")]);
        let file = ContentFile::create_in(&dir, &content).unwrap();
        let path = file.path().to_path_buf();
        let text = std::fs::read_to_string(&path).unwrap();
        let back: std::collections::BTreeMap<String, String> = serde_json::from_str(&text).unwrap();
        assert_eq!(&back, content.expose());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        drop(file);
        assert!(!path.exists());
        assert_ne!(random_u64(), random_u64());
    }
}
