//! The bench's relation section: both twins related to the PostgreSQL stand-in, `juju
//! integrate` timed until each twin wrote its `.pgpass`, and the `secret-changed` hook a new
//! password brings, read from the unit records.

use super::*;

/// The application name of the database both twins relate to (the PostgreSQL stand-in).
pub(super) const DATABASE: &str = "postgresql";

impl Bench {
    /// Both charms related to the PostgreSQL stand-in: `juju integrate` (then `remove-relation`)
    /// per run, and then, related once, the `secret-changed` hook each runs when the stand-in
    /// rotates the password.
    pub(super) fn relation_section(
        &self,
        juju: &LocalJuju,
        rows: &mut Vec<Row>,
    ) -> anyhow::Result<()> {
        const SECTION: &str = "relation `database` with the PostgreSQL stand-in";
        eprintln!(
            "bench: juju integrate with the database stand-in ({} runs per charm)",
            self.runs
        );
        let integrate = |app: &str| {
            after_warm_up(self.runs, |_| {
                let wall = time(|| juju.integrate(app, DATABASE))?;
                expect_database(juju, app)?;
                juju.remove_relation(app, DATABASE)?;
                Ok(wall)
            })
        };
        rows.push(Row {
            section: SECTION,
            name: "`juju integrate` wall time (both ends' hooks, until .pgpass)".into(),
            rust: Ok(Figure::times(&integrate("rust")?)),
            python: Ok(Figure::times(&integrate("python")?)),
        });

        eprintln!("bench: secret-changed (the stand-in rotates the password)");
        let apps = ["rust", "python"];
        let mut pgpass = Vec::new();
        for app in apps {
            juju.integrate(app, DATABASE)?;
            expect_database(juju, app)?;
            pgpass.push(juju.unit_dir(app)?.join(".pgpass"));
        }
        let rounds = after_warm_up(self.runs, |_| {
            let before = pgpass.iter().map(fs::read).collect::<Result<Vec<_>, _>>()?;
            let task = juju.run(DATABASE, "rotate-password", &json!({}), None)?;
            // Juju keeps action results as strings.
            if task.results.get("rotated") != Some(&json!("2")) {
                bail!(
                    "rotate-password did not rotate both users: {:?}",
                    task.results
                );
            }
            apps.iter()
                .zip(&pgpass)
                .zip(before)
                .map(|((app, path), before)| secret_changed(juju, app, path, &before))
                .collect::<anyhow::Result<Vec<_>>>()
        })?;
        for app in apps {
            juju.remove_relation(app, DATABASE)?;
        }
        let process = |i: usize| {
            Ok(Figure::times(
                &rounds.iter().map(|r| r[i].process).collect::<Vec<_>>(),
            ))
        };
        let spawned = |i: usize| {
            Ok(Figure::counts(
                &rounds
                    .iter()
                    .map(|r| 1 + r[i].tool_calls)
                    .collect::<Vec<_>>(),
            ))
        };
        rows.push(Row {
            section: SECTION,
            name: "hook `secret-changed` (read a secret, rewrite .pgpass): charm process".into(),
            rust: process(0),
            python: process(1),
        });
        rows.push(Row {
            section: SECTION,
            name: "hook `secret-changed`: processes spawned (charm + hook tools)".into(),
            rust: spawned(0),
            python: spawned(1),
        });
        Ok(())
    }
}

/// Fails unless unit `<app>/0` says it uses the stand-in's database (it has written `.pgpass`).
fn expect_database(juju: &LocalJuju, app: &str) -> anyhow::Result<()> {
    let message = juju.workload_message(app)?;
    if !message.starts_with("ready; database snapshot-demo at ") {
        bail!("{app}/0 is not using the database after `juju integrate`: {message:?}");
    }
    Ok(())
}

/// The `secret-changed` hook unit `<app>/0` has just run, from the unit record; fails unless it
/// was the unit's last hook and rewrote `pgpass` (which held `before`) with mode 0600.
fn secret_changed(
    juju: &LocalJuju,
    app: &str,
    pgpass: &Path,
    before: &[u8],
) -> anyhow::Result<HookFigures> {
    use std::os::unix::fs::PermissionsExt;
    let unit = juju.unit_record(app)?;
    let hook = unit
        .last_hook()
        .filter(|hook| hook.name() == "secret-changed")
        .with_context(|| {
            format!(
                "rotate-password ran no secret-changed hook on {app}/0 (last: {:?})",
                unit.last_hook().map(|h| h.name())
            )
        })?;
    let after = fs::read(pgpass)?;
    let mode = fs::metadata(pgpass)?.permissions().mode() & 0o777;
    if after == before || mode != 0o600 {
        bail!(
            "secret-changed on {app}/0 did not rewrite {} with the new password, mode 0600 (mode {mode:o})",
            pgpass.display()
        );
    }
    Ok(HookFigures {
        process: Duration::from_micros(hook.process_micros()),
        tool_calls: hook.tool_calls(),
    })
}

/// A hook's figures from the unit record, for a hook no command of its own started.
struct HookFigures {
    process: Duration,
    tool_calls: u64,
}
