//! A hook's `open-port` and `close-port` requests with the uniter's checks
//! (`context/ports.go` `portRangeChangeRecorder`), and the controller's merge of them into the
//! unit's opened ranges when the hook commits (`state/machine_ports_ops.go`
//! `openClosePortRangesOperation`), with Juju's messages.

use super::{Grouped, PortRange, grouped_to_strings, sort};
use crate::gofmt::go_quote;

/// A hook's pending requests (`portRangeChangeRecorder`): the unit's committed ranges, and the
/// opens and closes recorded since the hook started.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    pub unit: String,
    pub opened: Grouped,
    pub pending_open: Grouped,
    pub pending_close: Grouped,
}

/// Why a range conflicts: `port range conflicts with 10-20/tcp (unit "u/0")`, plus ` requested
/// earlier` against a pending range; or the range is already there (a no-op).
enum Conflict {
    Exists,
    With(String),
}

impl Recorder {
    pub fn new(unit: &str, opened: Grouped) -> Recorder {
        Recorder {
            unit: unit.to_owned(),
            opened,
            ..Recorder::default()
        }
    }

    /// `checkForConflict` against this unit's own ranges (the only unit on its machine).
    fn check(
        endpoint: &str,
        range: &PortRange,
        unit: &str,
        ranges: &Grouped,
        pending: bool,
    ) -> Option<Conflict> {
        for (existing_endpoint, existing) in ranges {
            for other in existing {
                if !range.conflicts_with(other) {
                    continue;
                }
                if range == other {
                    if endpoint != existing_endpoint {
                        continue;
                    }
                    return Some(Conflict::Exists);
                }
                let earlier = if pending { " requested earlier" } else { "" };
                return Some(Conflict::With(format!(
                    "port range conflicts with {other} (unit {}){earlier}",
                    go_quote(unit)
                )));
            }
        }
        None
    }

    /// `OpenPortRange`: cancels a pending close of the same range; a conflict with the unit's
    /// pending or opened ranges is an error, an exact repeat a no-op.
    pub fn open(&mut self, endpoint: &str, range: PortRange) -> Result<(), String> {
        if let Some(list) = self.pending_close.get_mut(endpoint)
            && let Some(i) = list.iter().position(|r| *r == range)
        {
            list.remove(i);
        }
        let annotate =
            |e: String| format!("cannot open {range} (unit {}): {e}", go_quote(&self.unit));
        for (ranges, pending) in [(&self.pending_open, true), (&self.opened, false)] {
            match Self::check(endpoint, &range, &self.unit, ranges, pending) {
                Some(Conflict::Exists) => return Ok(()),
                Some(Conflict::With(e)) => return Err(annotate(e)),
                None => {}
            }
        }
        self.pending_open
            .entry(endpoint.to_owned())
            .or_default()
            .push(range);
        Ok(())
    }

    /// `ClosePortRange`: cancels a pending open of the same range; a conflict with a pending
    /// close is an error (an exact repeat a no-op), so is one with an opened range other than
    /// the same one; with nothing opened it is a no-op.
    pub fn close(&mut self, endpoint: &str, range: PortRange) -> Result<(), String> {
        if let Some(list) = self.pending_open.get_mut(endpoint)
            && let Some(i) = list.iter().position(|r| *r == range)
        {
            list.remove(i);
        }
        let annotate =
            |e: String| format!("cannot close {range} (unit {}): {e}", go_quote(&self.unit));
        match Self::check(endpoint, &range, &self.unit, &self.pending_close, true) {
            Some(Conflict::Exists) => return Ok(()),
            Some(Conflict::With(e)) => return Err(annotate(e)),
            None => {}
        }
        if let Some(Conflict::With(e)) =
            Self::check(endpoint, &range, &self.unit, &self.opened, false)
        {
            return Err(annotate(e));
        }
        if self.opened.values().all(Vec::is_empty) {
            return Ok(());
        }
        self.pending_close
            .entry(endpoint.to_owned())
            .or_default()
            .push(range);
        Ok(())
    }

    /// What `opened-ports` shows: the opened ranges with the pending changes merged
    /// (`mergeWithPendingChanges`: opens added where missing for their endpoint, closes removed
    /// where present for theirs).
    pub fn merged(&self) -> Grouped {
        let mut out = self.opened.clone();
        for (endpoint, ranges) in &self.pending_open {
            for range in ranges {
                let list = out.entry(endpoint.clone()).or_default();
                if !list.contains(range) {
                    list.push(*range);
                }
            }
        }
        for (endpoint, ranges) in &self.pending_close {
            for range in ranges {
                if let Some(list) = out.get_mut(endpoint) {
                    list.retain(|r| r != range);
                    if list.is_empty() {
                        out.remove(endpoint);
                    }
                }
            }
        }
        out
    }

    /// Whether the hook asked for any change.
    pub fn has_changes(&self) -> bool {
        self.pending_open.values().any(|v| !v.is_empty())
            || self.pending_close.values().any(|v| !v.is_empty())
    }

    /// The controller's commit of the pending requests (`openClosePortRangesOperation`): an
    /// endpoint the charm does not bind is refused; opens are added (an endpoint-specific range
    /// already open for every endpoint is dropped); closes remove the range, and closing one
    /// endpoint of a range open for every endpoint leaves it open on each other endpoint of
    /// `bindings`. Returns the unit's new ranges.
    pub fn commit(&self, bindings: &[String]) -> Result<Grouped, String> {
        for (verb, pending) in [("open", &self.pending_open), ("close", &self.pending_close)] {
            for (endpoint, ranges) in pending {
                if !endpoint.is_empty() && !ranges.is_empty() && !bindings.contains(endpoint) {
                    return Err(format!(
                        "cannot open/close ports: {verb} port range: endpoint {} for unit {} not found",
                        go_quote(endpoint),
                        go_quote(&self.unit)
                    ));
                }
            }
        }
        let mut out = self.opened.clone();
        let has = |g: &Grouped, endpoint: &str, range: &PortRange| {
            g.get(endpoint).is_some_and(|l| l.contains(range))
        };
        let opened_anywhere =
            |g: &Grouped, range: &PortRange| g.values().flatten().any(|r| r == range);
        for (endpoint, ranges) in &self.pending_open {
            for range in ranges {
                if opened_anywhere(&out, range)
                    && (has(&out, "", range) || has(&out, endpoint, range))
                {
                    continue;
                }
                if !opened_anywhere(&out, range)
                    && let Some(other) = out.values().flatten().find(|r| range.conflicts_with(r))
                {
                    return Err(format!(
                        "cannot open ports {range}: port ranges {other} ({}) and {range} ({}) conflict",
                        go_quote(&self.unit),
                        go_quote(&self.unit)
                    ));
                }
                out.entry(endpoint.clone()).or_default().push(*range);
            }
        }
        // Endpoint-specific entries also open for every endpoint are redundant.
        let wildcard = out.get("").cloned().unwrap_or_default();
        for (endpoint, ranges) in out.iter_mut() {
            if !endpoint.is_empty() {
                ranges.retain(|r| !wildcard.contains(r));
            }
        }
        for (endpoint, ranges) in &self.pending_close {
            for range in ranges {
                if !opened_anywhere(&out, range) {
                    continue;
                }
                if endpoint.is_empty() {
                    for list in out.values_mut() {
                        list.retain(|r| r != range);
                    }
                    continue;
                }
                if let Some(list) = out.get_mut(endpoint) {
                    list.retain(|r| r != range);
                }
                let was_wildcard = out.get("").is_some_and(|l| l.contains(range));
                if was_wildcard {
                    if let Some(list) = out.get_mut("") {
                        list.retain(|r| r != range);
                    }
                    for binding in bindings.iter().filter(|b| *b != endpoint) {
                        let list = out.entry(binding.clone()).or_default();
                        if !list.contains(range) {
                            list.push(*range);
                        }
                    }
                }
            }
        }
        out.retain(|_, ranges| !ranges.is_empty());
        for ranges in out.values_mut() {
            sort(ranges);
        }
        Ok(out)
    }
}

/// Prepares the commit of a process's port requests (part of Juju's `Flush`): the unit's new
/// ranges, or the controller's refusal, which fails the commit and changes nothing.
pub fn prepare_commit(context: &mut crate::agent::Context) -> Result<(), String> {
    if !context.ports.has_changes() {
        return Ok(());
    }
    let committed = context.ports.commit(&context.bindings)?;
    context.unit.ports = grouped_to_strings(&committed);
    Ok(())
}
