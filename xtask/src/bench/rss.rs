//! Peak RSS of the charm processes, measured with GNU time as the local Juju's dispatch wrapper.

use super::*;

/// Peak RSS through GNU time as the local Juju's dispatch wrapper
/// (`JUJU_LOCAL_DISPATCH_WRAPPER`): `wait4`'s `ru_maxrss` of the charm process, which includes
/// the hook tools it waited for. (A wrapper in Python would not do: a child forked from a
/// Python process inherits its high-water mark.)
pub(super) struct RssProbe {
    time: Result<PathBuf, String>,
    dir: PathBuf,
}

impl RssProbe {
    pub(super) fn new(sh: &Shell, dir: &Path) -> RssProbe {
        let time = PathBuf::from("/usr/bin/time");
        let gnu = cmd!(sh, "{time} --version")
            .quiet()
            .ignore_status()
            .output()
            .is_ok_and(|o| {
                String::from_utf8_lossy(&o.stdout).contains("GNU")
                    || String::from_utf8_lossy(&o.stderr).contains("GNU")
            });
        RssProbe {
            time: if gnu {
                Ok(time)
            } else {
                Err("needs GNU time at /usr/bin/time (Debian/Ubuntu package `time`)".into())
            },
            dir: dir.join("rss"),
        }
    }

    /// Runs `runs(app, wrapper)` for both charms and reads the peaks.
    pub(super) fn row(
        &self,
        section: &'static str,
        runs: impl Fn(&str, &str) -> anyhow::Result<()>,
    ) -> Row {
        let measure = |app: &str| -> Result<Figure, String> {
            let time = self.time.clone()?;
            fs::create_dir_all(&self.dir).map_err(|e| e.to_string())?;
            let slug: String = section
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let out = self.dir.join(format!("{app}-{slug}.txt"));
            let _ = fs::remove_file(&out);
            let wrapper = format!("{} -a -o {} -f %M", time.display(), out.display());
            runs(app, &wrapper).map_err(|e| format!("{e:#}"))?;
            let kib: Vec<f64> = fs::read_to_string(&out)
                .map_err(|e| e.to_string())?
                .lines()
                .filter_map(|l| l.trim().parse::<f64>().ok())
                .collect();
            if kib.is_empty() {
                return Err("GNU time recorded nothing".into());
            }
            Ok(Figure::new(
                Unit::Bytes,
                kib.iter().map(|k| k * 1024.0).collect(),
            ))
        };
        Row {
            section,
            name: "peak RSS (charm process and its hook tools)".into(),
            rust: measure("rust"),
            python: measure("python"),
        }
    }
}
