//! Parameter attributes (Notification, AccessList) and value-change detection (digest §10).
//!
//! Attributes set by the ACS are kept as rules on paths (a partial path covers its subtree; the
//! most specific rule wins). Change detection keeps, per watched parameter, only a 64-bit hash
//! of its name and of its last reported value, so watching a parameter costs 24 bytes whatever
//! its length. The agent walks the data model and feeds each watched parameter to
//! [`Notifications::observe`]; this module never reads the data model itself.

use crate::datamodel::{fnv1a, is_partial, is_under};
use crate::limits::{ATTR_RULES_MAX, NOTIFY_TRACKED_MAX, PATH_MAX_LEN};
use crate::soap::FaultCode;

/// Notification off.
pub const OFF: u8 = 0;
/// Passive: reported in the next Inform.
pub const PASSIVE: u8 = 1;
/// Active: a session is started for the change.
pub const ACTIVE: u8 = 2;

/// How a parameter's notification may be changed (TR-106 `activeNotify` facets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    /// Always active; the ACS cannot change it (SoftwareVersion, ProvisioningCode).
    ForceEnabled,
    /// Active by default; the ACS may turn it off (ConnectionRequestURL).
    ForceDefaultEnabled,
    /// The CPE refuses active notification (ParameterKey).
    CanDeny,
    /// Off by default, freely settable.
    Normal,
}

/// The facet of a parameter.
pub fn facet(name: &str) -> Facet {
    match name {
        "Device.DeviceInfo.SoftwareVersion" | "Device.DeviceInfo.ProvisioningCode" => {
            Facet::ForceEnabled
        }
        "Device.ManagementServer.ConnectionRequestURL" => Facet::ForceDefaultEnabled,
        "Device.ManagementServer.ParameterKey" => Facet::CanDeny,
        _ => Facet::Normal,
    }
}

/// Parameters watched whatever the rules say (their facets make them active by default).
pub const BUILT_IN: [&str; 3] = [
    "Device.DeviceInfo.SoftwareVersion",
    "Device.DeviceInfo.ProvisioningCode",
    "Device.ManagementServer.ConnectionRequestURL",
];

/// An attribute rule set by SetParameterAttributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Parameter name or partial path.
    pub path: heapless::String<PATH_MAX_LEN>,
    /// Notification 0..=2.
    pub notification: u8,
    /// AccessList contains `Subscriber`.
    pub subscriber: bool,
}

/// A watched parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracked {
    /// Hash of the name.
    pub name: u64,
    /// Hash of the last reported (or baseline) value.
    pub value: u64,
    /// Changed since it was last reported.
    pub changed: bool,
    /// Part of the Inform under way.
    pub in_flight: bool,
}

/// What an observation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    /// Not watched (notification off).
    NotWatched,
    /// Same value as reported (or first sight: baseline taken).
    Unchanged,
    /// Changed since last reported, with the parameter's notification.
    Changed(u8),
    /// Watched, but the table is full: the parameter is not tracked.
    Untracked,
}

/// One SetParameterAttributesStruct, decoded.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// Name or partial path.
    pub path: &'a str,
    /// Whether `notification` applies.
    pub notification_change: bool,
    /// New notification.
    pub notification: u8,
    /// Whether `subscriber` applies.
    pub access_list_change: bool,
    /// New AccessList contains `Subscriber`.
    pub subscriber: bool,
}

/// Attribute rules and change tracking.
#[derive(Debug, Clone, Default)]
pub struct Notifications {
    rules: heapless::Vec<Rule, ATTR_RULES_MAX>,
    tracked: heapless::Vec<Tracked, NOTIFY_TRACKED_MAX>,
}

impl Notifications {
    /// No rules, nothing tracked.
    pub const fn new() -> Self {
        Notifications {
            rules: heapless::Vec::new(),
            tracked: heapless::Vec::new(),
        }
    }

    /// The rules, oldest first.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The tracked parameters.
    pub fn tracked(&self) -> &[Tracked] {
        &self.tracked
    }

    /// Puts back state read from a snapshot (entries beyond capacity are dropped).
    pub fn restore(
        &mut self,
        rules: impl Iterator<Item = Rule>,
        tracked: impl Iterator<Item = Tracked>,
    ) {
        self.rules.clear();
        self.tracked.clear();
        for r in rules {
            let _ = self.rules.push(r);
        }
        for t in tracked {
            let _ = self.tracked.push(Tracked {
                in_flight: false,
                ..t
            });
        }
    }

    /// The most specific rule for `name`.
    fn rule_for(&self, name: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .filter(|r| is_under(name, &r.path))
            .max_by_key(|r| r.path.len())
    }

    /// The effective Notification and whether AccessList holds `Subscriber`.
    pub fn effective(&self, name: &str) -> (u8, bool) {
        let rule = self.rule_for(name);
        let subscriber = rule.is_some_and(|r| r.subscriber);
        let notification = match (facet(name), rule) {
            (Facet::ForceEnabled, _) => ACTIVE,
            (_, Some(r)) => r.notification,
            (Facet::ForceDefaultEnabled, None) => ACTIVE,
            _ => OFF,
        };
        (notification, subscriber)
    }

    /// Paths the agent must walk when looking for changes: the built-in watched parameters and
    /// every rule that turns notification on.
    pub fn watched_paths(&self) -> impl Iterator<Item = &str> {
        BUILT_IN.iter().copied().chain(
            self.rules
                .iter()
                .filter(|r| r.notification != OFF)
                .map(|r| r.path.as_str()),
        )
    }

    /// Whether a change may be applied to one parameter (`name`, a full name): 9009 when its
    /// facet forbids it or the value is not supported (lightweight 3..=6).
    pub fn check_parameter(&self, name: &str, c: &Change<'_>) -> Result<(), FaultCode> {
        if !c.notification_change {
            return Ok(());
        }
        if c.notification > ACTIVE {
            return Err(FaultCode::NOTIFICATION_REJECTED);
        }
        match facet(name) {
            Facet::ForceEnabled if c.notification != ACTIVE => {
                Err(FaultCode::NOTIFICATION_REJECTED)
            }
            Facet::CanDeny if c.notification == ACTIVE => Err(FaultCode::NOTIFICATION_REJECTED),
            _ => Ok(()),
        }
    }

    /// Applies one checked change. Rules under a partial path are replaced by the new one.
    /// 9004 when no rule slot is left (nothing is changed then).
    pub fn apply(&mut self, c: &Change<'_>) -> Result<(), FaultCode> {
        let (old_notification, old_subscriber) = match self.rules.iter().find(|r| r.path == c.path)
        {
            Some(r) => (r.notification, r.subscriber),
            None => self.effective(c.path),
        };
        let notification = if c.notification_change {
            c.notification
        } else {
            old_notification
        };
        let subscriber = if c.access_list_change {
            c.subscriber
        } else {
            old_subscriber
        };
        let mut path = heapless::String::new();
        path.push_str(c.path)
            .map_err(|_| FaultCode::INVALID_ARGUMENTS)?;
        let replaced =
            |r: &Rule| r.path == c.path || (is_partial(c.path) && is_under(&r.path, c.path));
        let freed = self.rules.iter().filter(|r| replaced(r)).count();
        if freed == 0 && self.rules.is_full() {
            return Err(FaultCode::RESOURCES_EXCEEDED);
        }
        self.rules.retain(|r| !replaced(r));
        // There is room: a slot was freed or the table was not full.
        let _ = self.rules.push(Rule {
            path,
            notification,
            subscriber,
        });
        Ok(())
    }

    /// Feeds the current value of a watched parameter.
    pub fn observe(&mut self, name: &str, value: &str) -> Observed {
        let (notification, _) = self.effective(name);
        if notification == OFF {
            return Observed::NotWatched;
        }
        let name_hash = fnv1a(name.as_bytes());
        let value_hash = fnv1a(value.as_bytes());
        match self.tracked.iter_mut().find(|t| t.name == name_hash) {
            Some(t) => {
                if t.value != value_hash {
                    t.value = value_hash;
                    t.changed = true;
                }
                if t.changed {
                    Observed::Changed(notification)
                } else {
                    Observed::Unchanged
                }
            }
            None => {
                let baseline = Tracked {
                    name: name_hash,
                    value: value_hash,
                    changed: false,
                    in_flight: false,
                };
                match self.tracked.push(baseline) {
                    Ok(()) => Observed::Unchanged,
                    Err(_) => Observed::Untracked,
                }
            }
        }
    }

    /// Takes the current value as the new baseline without reporting it (a change the ACS made
    /// itself is not notified, digest §10).
    pub fn rebase(&mut self, name: &str, value: &str) {
        let name_hash = fnv1a(name.as_bytes());
        if let Some(t) = self.tracked.iter_mut().find(|t| t.name == name_hash) {
            t.value = fnv1a(value.as_bytes());
            t.changed = false;
        }
    }

    /// True when `name` changed and is to be reported in the Inform under way.
    pub fn is_reported(&self, name: &str) -> bool {
        let h = fnv1a(name.as_bytes());
        self.tracked.iter().any(|t| t.name == h && t.in_flight)
    }

    /// Marks every changed parameter as part of the Inform being built; true if there is one.
    pub fn start_inform(&mut self) -> bool {
        let mut any = false;
        for t in self.tracked.iter_mut() {
            t.in_flight = t.changed;
            any |= t.changed;
        }
        any
    }

    /// The InformResponse arrived: the reported changes are delivered.
    pub fn inform_delivered(&mut self) {
        for t in self.tracked.iter_mut() {
            if t.in_flight {
                t.changed = false;
                t.in_flight = false;
            }
        }
    }

    /// The session failed before the Inform was delivered: the changes stay pending.
    pub fn session_failed(&mut self) {
        for t in self.tracked.iter_mut() {
            t.in_flight = false;
        }
    }

    /// True when a change waits to be reported.
    pub fn has_pending(&self) -> bool {
        self.tracked.iter().any(|t| t.changed)
    }

    /// Forgets everything (factory reset, new ACS).
    pub fn clear(&mut self) {
        self.rules.clear();
        self.tracked.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(path: &str, n: u8) -> Change<'_> {
        Change {
            path,
            notification_change: true,
            notification: n,
            access_list_change: false,
            subscriber: false,
        }
    }

    #[test]
    fn facets_decide_defaults_and_refusals() {
        let n = Notifications::new();
        assert_eq!(n.effective("Device.DeviceInfo.SoftwareVersion").0, ACTIVE);
        assert_eq!(
            n.effective("Device.ManagementServer.ConnectionRequestURL")
                .0,
            ACTIVE
        );
        assert_eq!(n.effective("Device.DeviceInfo.UpTime").0, OFF);
        assert_eq!(
            n.check_parameter(
                "Device.DeviceInfo.SoftwareVersion",
                &change("Device.DeviceInfo.SoftwareVersion", 0)
            ),
            Err(FaultCode::NOTIFICATION_REJECTED)
        );
        assert_eq!(
            n.check_parameter(
                "Device.ManagementServer.ParameterKey",
                &change("Device.ManagementServer.ParameterKey", 2)
            ),
            Err(FaultCode::NOTIFICATION_REJECTED)
        );
        assert_eq!(
            n.check_parameter("Device.X", &change("Device.X", 3)),
            Err(FaultCode::NOTIFICATION_REJECTED)
        );
        assert_eq!(
            n.check_parameter("Device.X", &change("Device.X", 1)),
            Ok(())
        );
    }

    #[test]
    fn most_specific_rule_wins_and_parent_rule_replaces_children() {
        let mut n = Notifications::new();
        n.apply(&change("Device.WiFi.", PASSIVE)).unwrap();
        n.apply(&change("Device.WiFi.SSID.1.SSID", ACTIVE)).unwrap();
        assert_eq!(n.effective("Device.WiFi.SSID.1.SSID").0, ACTIVE);
        assert_eq!(n.effective("Device.WiFi.SSID.1.Enable").0, PASSIVE);
        n.apply(&change("Device.WiFi.", OFF)).unwrap();
        assert_eq!(n.effective("Device.WiFi.SSID.1.SSID").0, OFF);
        assert_eq!(n.rules().len(), 1);
        // ForceDefaultEnabled can be turned off.
        n.apply(&change("Device.ManagementServer.ConnectionRequestURL", OFF))
            .unwrap();
        assert_eq!(
            n.effective("Device.ManagementServer.ConnectionRequestURL")
                .0,
            OFF
        );
    }

    #[test]
    fn access_list_change_keeps_notification() {
        let mut n = Notifications::new();
        n.apply(&change("Device.A", PASSIVE)).unwrap();
        n.apply(&Change {
            path: "Device.A",
            notification_change: false,
            notification: 0,
            access_list_change: true,
            subscriber: true,
        })
        .unwrap();
        assert_eq!(n.effective("Device.A"), (PASSIVE, true));
    }

    #[test]
    fn rule_table_full_is_9004() {
        let mut n = Notifications::new();
        for i in 0..ATTR_RULES_MAX {
            n.apply(&change(&std::format!("Device.P{i}"), PASSIVE))
                .unwrap();
        }
        assert_eq!(
            n.apply(&change("Device.Other", PASSIVE)),
            Err(FaultCode::RESOURCES_EXCEEDED)
        );
        // Replacing an existing rule still works when full.
        n.apply(&change("Device.P0", ACTIVE)).unwrap();
        assert_eq!(n.effective("Device.P0").0, ACTIVE);
    }

    #[test]
    fn changes_are_detected_against_the_last_report() {
        let mut n = Notifications::new();
        n.apply(&change("Device.A", PASSIVE)).unwrap();
        assert_eq!(n.observe("Device.A", "1"), Observed::Unchanged);
        assert_eq!(n.observe("Device.A", "1"), Observed::Unchanged);
        assert_eq!(n.observe("Device.A", "2"), Observed::Changed(PASSIVE));
        assert_eq!(n.observe("Device.A", "2"), Observed::Changed(PASSIVE));
        assert_eq!(n.observe("Device.B", "x"), Observed::NotWatched);
        assert!(n.start_inform());
        assert!(n.is_reported("Device.A"));
        n.session_failed();
        assert!(n.has_pending());
        n.start_inform();
        n.inform_delivered();
        assert!(!n.has_pending());
        assert_eq!(n.observe("Device.A", "2"), Observed::Unchanged);
    }

    #[test]
    fn acs_made_changes_are_not_notified() {
        let mut n = Notifications::new();
        n.apply(&change("Device.A", ACTIVE)).unwrap();
        n.observe("Device.A", "old");
        n.rebase("Device.A", "new");
        assert_eq!(n.observe("Device.A", "new"), Observed::Unchanged);
    }

    #[test]
    fn tracking_table_full_is_reported_not_lost_silently() {
        let mut n = Notifications::new();
        n.apply(&change("Device.", PASSIVE)).unwrap();
        for i in 0..NOTIFY_TRACKED_MAX {
            assert_eq!(
                n.observe(&std::format!("Device.P{i}"), "v"),
                Observed::Unchanged
            );
        }
        assert_eq!(n.observe("Device.Extra", "v"), Observed::Untracked);
    }
}
