//! Models: [`Juju::add_model`], [`Juju::destroy_model`], and [`Juju::temp_model`] with its
//! guard [`TempModel`], which destroys the model when dropped.

use std::ops::Deref;

use crate::{Error, Juju};

impl Juju {
    /// `juju add-model --no-switch NAME`.
    pub fn add_model(&self, name: impl AsRef<str>) -> Result<(), Error> {
        self.cli_without_model(["add-model", "--no-switch", name.as_ref()])?;
        Ok(())
    }

    /// `juju destroy-model NAME --no-prompt --destroy-storage --force`.
    pub fn destroy_model(&self, name: impl AsRef<str>) -> Result<(), Error> {
        self.cli_without_model([
            "destroy-model",
            name.as_ref(),
            "--no-prompt",
            "--destroy-storage",
            "--force",
        ])?;
        Ok(())
    }

    /// Creates a uniquely named model (`<prefix>-<pid>-<hex>`) and returns a guard, a client
    /// bound to it, that destroys it when dropped.
    pub fn temp_model(&self, prefix: impl AsRef<str>) -> Result<TempModel, Error> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "{}-{}-{:05x}",
            prefix.as_ref(),
            std::process::id(),
            nanos % 0xfffff
        );
        self.add_model(&name)?;
        Ok(TempModel {
            juju: self.clone().with_model(name),
            keep: false,
        })
    }
}

/// A model that is destroyed when this guard is dropped (unless [`TempModel::keep`] was called).
/// Dereferences to a [`Juju`] bound to the model.
#[derive(Debug)]
pub struct TempModel {
    juju: Juju,
    keep: bool,
}

impl TempModel {
    /// Keep the model after the guard is dropped (for inspection).
    pub fn keep(&mut self) {
        self.keep = true;
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        self.juju.model().unwrap_or_default()
    }
}

impl Deref for TempModel {
    type Target = Juju;
    fn deref(&self) -> &Juju {
        &self.juju
    }
}

impl Drop for TempModel {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        if let Some(model) = self.juju.model()
            && let Err(e) = self.juju.destroy_model(model)
        {
            eprintln!("warning: cannot destroy model {model}: {e}");
        }
    }
}
