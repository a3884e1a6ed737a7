//! A small argument parser for Juju's command grammar: flags anywhere, `--flag value` or
//! `--flag=value`, short aliases, and `--` ending the flags.

use crate::error::{Fail, usage};
use crate::gofmt::go_quote;

/// Parsed arguments: positionals in order, and flag values (a flag given several times keeps all).
#[derive(Debug, Default, Clone)]
pub struct Args {
    pub positional: Vec<String>,
    flags: Vec<(String, String)>,
}

/// How a command's flags are spelled: `(names, takes_value)`; the longest name is the one to
/// look values up by.
pub type FlagSpec = &'static [(&'static [&'static str], bool)];

impl Args {
    /// Parses `args` against `spec`; an unknown flag is a usage error (exit 2), as in Juju.
    pub fn parse(args: &[String], spec: FlagSpec) -> Result<Args, Fail> {
        let mut out = Args::default();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if arg == "--" {
                out.positional.extend(iter.by_ref().cloned());
                break;
            }
            if !arg.starts_with('-') || arg == "-" || arg.parse::<f64>().is_ok() {
                out.positional.push(arg.clone());
                continue;
            }
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (arg.as_str(), None),
            };
            let bare = name.trim_start_matches('-');
            let Some((names, takes_value)) = spec.iter().find(|(names, _)| names.contains(&bare))
            else {
                return Err(usage(format!("flag provided but not defined: {name}")));
            };
            let value = if *takes_value {
                match inline {
                    Some(v) => v,
                    None => iter
                        .next()
                        .cloned()
                        .ok_or_else(|| usage(format!("flag needs an argument: {name}")))?,
                }
            } else {
                inline.unwrap_or_else(|| "true".to_owned())
            };
            let canonical = names.iter().max_by_key(|n| n.len()).unwrap_or(&bare);
            out.flags.push(((*canonical).to_owned(), value));
        }
        Ok(out)
    }

    /// The last value of a flag.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated flag, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.flags
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether a boolean flag was given, and not set false (`=false`, `=False`, `=0`, … as Go's
    /// `strconv.ParseBool` reads them: Python `ops` passes `--application=False`).
    pub fn has(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| !matches!(v, "0" | "f" | "F" | "false" | "False" | "FALSE"))
    }

    /// An integer flag's value as gnuflag's `IntVar` reads it; `None` when it is not given.
    pub fn int(&self, name: &str) -> Result<Option<i64>, Fail> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => text.parse::<i64>().map(Some).map_err(|_| {
                usage(format!(
                    "invalid value {q} for flag --{name}: strconv.ParseInt: parsing {q}: invalid syntax",
                    q = go_quote(text)
                ))
            }),
        }
    }
}
