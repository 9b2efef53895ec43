//! What goes into an Inform's ParameterList (digest §4.3): the Forced Inform parameters, the
//! changed notified parameters, and the `InformParameter` entries whose event list matches.

use super::events::EventCode;

/// Forced Inform parameters of `Device:2` held by the data model backend.
pub const FORCED_DATA_MODEL: [&str; 4] = [
    "Device.RootDataModelVersion",
    "Device.DeviceInfo.HardwareVersion",
    "Device.DeviceInfo.SoftwareVersion",
    "Device.DeviceInfo.ProvisioningCode",
];

/// True for a Forced Inform parameter (those held by the backend and by the agent).
pub fn is_forced(name: &str) -> bool {
    FORCED_DATA_MODEL.contains(&name) || super::mgmt::FORCED.contains(&name)
}

/// True when `name` matches `pattern`, where a `*` segment stands for any instance number.
pub fn matches_pattern(pattern: &str, name: &str) -> bool {
    let mut p = pattern.split('.');
    let mut n = name.split('.');
    loop {
        match (p.next(), n.next()) {
            (None, None) => return true,
            (Some("*"), Some(seg)) => {
                if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_digit()) {
                    return false;
                }
            }
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// The part of a pattern before its first wildcard segment: where a data-model walk starts.
pub fn pattern_root(pattern: &str) -> &str {
    match pattern.find(".*") {
        Some(i) => &pattern[..i + 1],
        None => pattern,
    }
}

/// True when an `InformParameter.{i}.EventList` selects an Inform carrying `events`: an empty
/// list means every event except `4 VALUE CHANGE`.
pub fn event_list_matches(list: &str, mut events: impl Iterator<Item = EventCode>) -> bool {
    let list = list.trim();
    if list.is_empty() {
        return events.any(|e| e != EventCode::ValueChange);
    }
    events.any(|e| list.split(',').any(|c| c.trim() == e.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forced_parameters_of_device_2() {
        assert!(is_forced("Device.DeviceInfo.SoftwareVersion"));
        assert!(is_forced("Device.ManagementServer.ConnectionRequestURL"));
        assert!(!is_forced("Device.DeviceInfo.UpTime"));
    }

    #[test]
    fn wildcards_match_instance_numbers_only() {
        let p = "Device.IP.Interface.*.IPv4Address.*.IPAddress";
        assert!(matches_pattern(
            p,
            "Device.IP.Interface.1.IPv4Address.12.IPAddress"
        ));
        assert!(!matches_pattern(
            p,
            "Device.IP.Interface.wan.IPv4Address.1.IPAddress"
        ));
        assert!(!matches_pattern(
            p,
            "Device.IP.Interface.1.IPv4Address.1.SubnetMask"
        ));
        assert!(!matches_pattern(
            p,
            "Device.IP.Interface.1.IPv4Address.1.IPAddress.X"
        ));
        assert!(matches_pattern("Device.A", "Device.A"));
        assert_eq!(pattern_root(p), "Device.IP.Interface.");
        assert_eq!(pattern_root("Device.A.B"), "Device.A.B");
    }

    #[test]
    fn empty_event_list_means_all_but_value_change() {
        assert!(event_list_matches("", [EventCode::Periodic].into_iter()));
        assert!(!event_list_matches(
            "",
            [EventCode::ValueChange].into_iter()
        ));
        assert!(event_list_matches(
            "1 BOOT, 2 PERIODIC",
            [EventCode::Periodic].into_iter()
        ));
        assert!(!event_list_matches(
            "1 BOOT",
            [EventCode::Periodic].into_iter()
        ));
    }
}
