//! Changing a model's applications: relations made and removed ([`Juju::integrate`],
//! [`Juju::remove_relation`]), units added and removed ([`Juju::add_unit`],
//! [`Juju::remove_unit`]) and applications removed ([`Juju::remove_application`]), each the
//! `juju` command jubilant runs for it. None of them waits: the model changes after the command
//! returns, so [`Juju::wait`] for the state a test needs (e.g. [`crate::is_related`],
//! [`crate::unit_count`]).

use crate::{Error, Juju};

/// Options for [`Juju::add_unit`] (jubilant's `add_unit` keyword arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddUnitOptions {
    /// How many units to add (default 1; `--num-units` is passed when it is not 1).
    pub num_units: u32,
    /// `--attach-storage`: existing storage to attach to the new unit (`data/0`), joined with
    /// commas. Not available on Kubernetes models.
    pub attach_storage: Vec<String>,
    /// `--to`: where to place the units (a machine `3`, a container `lxd:25`), joined with
    /// commas.
    pub to: Vec<String>,
}

impl Default for AddUnitOptions {
    fn default() -> Self {
        AddUnitOptions {
            num_units: 1,
            attach_storage: Vec::new(),
            to: Vec::new(),
        }
    }
}

/// Options for [`Juju::remove_unit`] and [`Juju::remove_application`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoveOptions {
    /// `--destroy-storage`: also destroy the storage attached to the units.
    pub destroy_storage: bool,
    /// `--force`: remove even when a unit is in error, ignoring operational errors.
    pub force: bool,
}

impl RemoveOptions {
    fn push_flags(&self, args: &mut Vec<String>) {
        if self.destroy_storage {
            args.push("--destroy-storage".into());
        }
        if self.force {
            args.push("--force".into());
        }
    }
}

/// Options for [`Juju::remove_relation`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoveRelationOptions {
    /// `--force`: remove the relation ignoring operational errors (e.g. a failing
    /// `relation-broken` hook).
    pub force: bool,
}

impl Juju {
    /// `juju integrate APP1 APP2`: relates two applications, each `app` or `app:endpoint` (the
    /// endpoint is needed only when more than one pair of endpoints could relate; see
    /// `juju integrate --help` for cross-model names). The order does not matter. The relation
    /// exists when this returns; its hooks run afterwards, so wait for what they do:
    ///
    /// ```no_run
    /// # extern crate juju_client as juju;
    /// use juju::{Juju, all_active, is_related};
    ///
    /// let juju = Juju::from_env();
    /// juju.integrate("my-charm:database", "postgresql")?;
    /// juju.wait(
    ///     |s| is_related(s, "my-charm:database", "postgresql") && all_active(s, &[]),
    ///     &Default::default(),
    /// )?;
    /// # Ok::<(), juju::Error>(())
    /// ```
    pub fn integrate(&self, app1: impl AsRef<str>, app2: impl AsRef<str>) -> Result<(), Error> {
        self.cli(["integrate", app1.as_ref(), app2.as_ref()])?;
        Ok(())
    }

    /// `juju remove-relation APP1 APP2 [--force]`: the opposite of [`Juju::integrate`], with
    /// the same names. The units then run `relation-departed` and `relation-broken`; wait for
    /// `!is_related(…)`.
    pub fn remove_relation(
        &self,
        app1: impl AsRef<str>,
        app2: impl AsRef<str>,
        options: &RemoveRelationOptions,
    ) -> Result<(), Error> {
        let mut args = vec!["remove-relation", app1.as_ref(), app2.as_ref()];
        if options.force {
            args.push("--force");
        }
        self.cli(args)?;
        Ok(())
    }

    /// `juju add-unit APP [--num-units N] [--attach-storage S,…] [--to T,…]`.
    ///
    /// ```no_run
    /// # extern crate juju_client as juju;
    /// use juju::{AddUnitOptions, Juju, all_active, unit_count};
    ///
    /// let juju = Juju::from_env();
    /// juju.add_unit("db", &AddUnitOptions { num_units: 2, ..Default::default() })?;
    /// juju.wait(|s| unit_count(s, "db") == 3 && all_active(s, &["db"]), &Default::default())?;
    /// # Ok::<(), juju::Error>(())
    /// ```
    pub fn add_unit(&self, app: impl AsRef<str>, options: &AddUnitOptions) -> Result<(), Error> {
        let mut args = vec!["add-unit".to_owned(), app.as_ref().to_owned()];
        if !options.attach_storage.is_empty() {
            args.push("--attach-storage".into());
            args.push(options.attach_storage.join(","));
        }
        if options.num_units != 1 {
            args.push("--num-units".into());
            args.push(options.num_units.to_string());
        }
        if !options.to.is_empty() {
            args.push("--to".into());
            args.push(options.to.join(","));
        }
        self.cli(&args)?;
        Ok(())
    }

    /// `juju remove-unit --no-prompt UNIT… [--destroy-storage] [--force]`, e.g.
    /// `remove_unit(["db/1", "db/2"], &Default::default())`.
    pub fn remove_unit<S: AsRef<str>>(
        &self,
        units: impl IntoIterator<Item = S>,
        options: &RemoveOptions,
    ) -> Result<(), Error> {
        let mut args = vec!["remove-unit".to_owned(), "--no-prompt".to_owned()];
        args.extend(units.into_iter().map(|u| u.as_ref().to_owned()));
        options.push_flags(&mut args);
        self.cli(&args)?;
        Ok(())
    }

    /// `juju remove-application --no-prompt APP [--destroy-storage] [--force]`. The application
    /// leaves `status` once its units are gone; wait for `!s.applications.contains_key(app)`.
    pub fn remove_application(
        &self,
        app: impl AsRef<str>,
        options: &RemoveOptions,
    ) -> Result<(), Error> {
        let mut args = vec![
            "remove-application".to_owned(),
            "--no-prompt".to_owned(),
            app.as_ref().to_owned(),
        ];
        options.push_flags(&mut args);
        self.cli(&args)?;
        Ok(())
    }
}
