//! Arbitrary bytes as what the software-module helper prints: the `install`/`update` parser
//! and the `list` parser. Whatever they accept keeps the TR-181 field rules.
#![no_main]

use cwmp_platform::du::inventory::{check_name, check_version};
use cwmp_platform::du::limits::{DESCRIPTION_MAX, LIST_MAX, VENDOR_MAX};
use cwmp_platform::du::script::{parse_list, parse_package};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = parse_package(data) {
        assert!(check_name(&p.name).is_ok() && check_version(&p.version).is_ok());
        assert!(p.vendor.len() <= VENDOR_MAX && p.description.len() <= DESCRIPTION_MAX);
        assert!(!p.description.chars().any(char::is_control));
    }
    if let Ok(list) = parse_list(data) {
        assert!(list.len() <= LIST_MAX);
        for (i, l) in list.iter().enumerate() {
            assert!(check_name(&l.name).is_ok() && check_version(&l.version).is_ok());
            assert!(l.vendor.len() <= VENDOR_MAX);
            assert!(list[..i].iter().all(|o| o.name != l.name), "names are unique");
        }
    }
});
