//! Command failures with Juju's exit codes: 2 for usage errors, 1 for run errors; both print
//! `ERROR <message>` on stderr.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fail {
    pub code: i32,
    pub message: String,
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A usage error (exit 2).
pub fn usage(message: impl Into<String>) -> Fail {
    Fail {
        code: 2,
        message: message.into(),
    }
}

/// A run error (exit 1).
pub fn run_error(message: impl Into<String>) -> Fail {
    Fail {
        code: 1,
        message: message.into(),
    }
}

impl From<std::io::Error> for Fail {
    fn from(e: std::io::Error) -> Self {
        run_error(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Fail>;
