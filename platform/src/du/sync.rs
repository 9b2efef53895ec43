//! Packages installed, upgraded or removed without the ACS (opkg by hand, LuCI), found by
//! comparing the helper's `list` with the inventory.
//!
//! Responsible for the rule that turns the difference into changes: the **first** sync (an
//! inventory that was never synced: first start, or after its file was lost or corrupt)
//! adopts every listed package as a unit silently — reporting the packages that were there
//! before cwmpd would flood the ACS with what is no news to it; every **later** sync (one per
//! start) reports a listed package the table lacks as an autonomous Install, a unit whose
//! package is gone as an Uninstall, and a new version as an Update. A change is applied to the
//! table only once the agent has taken its report; one it cannot take now (its queue is full)
//! is found again by the next sync. Not responsible for running `list` (`script`) nor for the
//! policy filter (`ManagementServer.DUStateChangeComplPolicy.`, the agent's).

use super::inventory::{DeploymentUnit, Inventory, check_name};
use super::plan::Kind;
use super::script::Listed;
use super::uuid::Uuid;

/// One difference between the package list and the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What happened: `Install`, `Update` or `Uninstall`.
    pub kind: Kind,
    /// The unit as it is after the change (for an Uninstall: as it was). A new unit's
    /// instance number is the one [`apply`] will give it.
    pub unit: DeploymentUnit,
}

/// Adopts `listed` into an inventory that was never synced and marks it synced; how many
/// packages did not fit (they are left out, and reported as installed by a later sync once
/// there is room).
pub fn adopt(inv: &mut Inventory, listed: &[Listed]) -> usize {
    let mut left_out = 0;
    for l in listed {
        if inv.by_name(&l.name).is_some() {
            continue;
        }
        let unit = unit_of(l);
        if inv.by_uuid(&unit.uuid).is_some() || inv.insert(unit).is_err() {
            left_out += 1;
        }
    }
    inv.set_synced();
    left_out
}

/// The changes a later sync reports, in a stable order: removals, upgrades, then new packages
/// (only as many new ones as the table has room for).
pub fn diff(inv: &Inventory, listed: &[Listed]) -> Vec<Change> {
    let mut changes = Vec::new();
    for u in inv.units() {
        match listed.iter().find(|l| l.name == u.name) {
            None => changes.push(Change {
                kind: Kind::Uninstall,
                unit: u.clone(),
            }),
            Some(l) if l.version != u.version => {
                let mut unit = u.clone();
                unit.version.clone_from(&l.version);
                if !l.vendor.is_empty() {
                    unit.vendor.clone_from(&l.vendor);
                }
                changes.push(Change {
                    kind: Kind::Update,
                    unit,
                });
            }
            Some(_) => {}
        }
    }
    // Room is counted without the removals: a removal the agent cannot take now stays.
    let mut room = super::limits::DU_MAX.saturating_sub(inv.units().len());
    let mut next = inv.next_instance();
    for l in listed {
        if inv.by_name(&l.name).is_some() || check_name(&l.name).is_err() {
            continue;
        }
        let mut unit = unit_of(l);
        if inv.by_uuid(&unit.uuid).is_some() {
            continue;
        }
        if room == 0 {
            log::warn!(
                "package {} is not in the deployment-unit table: it is full",
                l.name
            );
            continue;
        }
        room -= 1;
        unit.instance = next;
        next = next.saturating_add(1);
        changes.push(Change {
            kind: Kind::Install,
            unit,
        });
    }
    changes
}

/// Applies a change the agent took to the table.
pub fn apply(inv: &mut Inventory, change: &Change) {
    match change.kind {
        Kind::Install => match inv.insert(change.unit.clone()) {
            Ok(n) if n == change.unit.instance => {}
            Ok(n) => log::warn!(
                "package {} became deployment unit {n}, reported as {}",
                change.unit.name,
                change.unit.instance
            ),
            Err(_) => log::warn!(
                "package {}: the deployment-unit table is full",
                change.unit.name
            ),
        },
        Kind::Update => {
            inv.replace(change.unit.clone());
        }
        Kind::Uninstall => {
            inv.remove(change.unit.instance);
        }
    }
}

fn unit_of(l: &Listed) -> DeploymentUnit {
    DeploymentUnit {
        instance: 0,
        uuid: Uuid::for_deployment_unit(&l.name, &l.vendor),
        name: l.name.clone(),
        version: l.version.clone(),
        vendor: l.vendor.clone(),
        description: String::new(),
        url: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::du::limits::DU_MAX;

    fn listed(pairs: &[(&str, &str)]) -> Vec<Listed> {
        pairs
            .iter()
            .map(|(n, v)| Listed {
                name: (*n).into(),
                version: (*v).into(),
                vendor: String::new(),
            })
            .collect()
    }

    fn inv() -> Inventory {
        Inventory::new("/nonexistent/du.json")
    }

    #[test]
    fn the_first_sync_adopts_everything_silently() {
        let mut i = inv();
        assert_eq!(adopt(&mut i, &listed(&[("a", "1"), ("b", "2")])), 0);
        assert!(i.synced());
        assert_eq!(i.units().len(), 2);
        assert_eq!(i.units()[1].uuid, Uuid::for_deployment_unit("b", ""));
        assert!(diff(&i, &listed(&[("a", "1"), ("b", "2")])).is_empty());
    }

    #[test]
    fn a_first_sync_larger_than_the_table_adopts_what_fits() {
        let mut i = inv();
        let many: Vec<(String, String)> = (0..DU_MAX + 3)
            .map(|k| (format!("p{k}"), "1".to_owned()))
            .collect();
        let pairs: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(adopt(&mut i, &listed(&pairs)), 3);
        assert_eq!(i.units().len(), DU_MAX);
        assert!(
            diff(&i, &listed(&pairs)).is_empty(),
            "no room: nothing to report yet"
        );
    }

    #[test]
    fn later_syncs_report_installs_updates_and_removals() {
        let mut i = inv();
        adopt(&mut i, &listed(&[("a", "1"), ("b", "2"), ("c", "3")]));
        let changes = diff(&i, &listed(&[("a", "1"), ("b", "2.1"), ("d", "4")]));
        let summary: Vec<(Kind, &str, &str, u32)> = changes
            .iter()
            .map(|c| {
                (
                    c.kind,
                    c.unit.name.as_str(),
                    c.unit.version.as_str(),
                    c.unit.instance,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (Kind::Update, "b", "2.1", 2),
                (Kind::Uninstall, "c", "3", 3),
                (Kind::Install, "d", "4", 4),
            ]
        );
        for c in &changes {
            apply(&mut i, c);
        }
        let names: Vec<(&str, &str, u32)> = i
            .units()
            .iter()
            .map(|u| (u.name.as_str(), u.version.as_str(), u.instance))
            .collect();
        assert_eq!(names, [("a", "1", 1), ("b", "2.1", 2), ("d", "4", 4)]);
        assert!(diff(&i, &listed(&[("a", "1"), ("b", "2.1"), ("d", "4")])).is_empty());
    }

    #[test]
    fn a_change_not_applied_is_found_again() {
        let mut i = inv();
        adopt(&mut i, &listed(&[("a", "1")]));
        let now = listed(&[("a", "1"), ("new", "1")]);
        assert_eq!(diff(&i, &now).len(), 1);
        // The agent could not take it: nothing applied, the next sync reports it again.
        assert_eq!(diff(&i, &now)[0].unit.name, "new");
    }
}
