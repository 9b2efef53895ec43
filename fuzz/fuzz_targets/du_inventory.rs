//! Arbitrary bytes as the software-module inventory (`du.json`): the bounded reader, then the
//! writer, whose output must read back and write again to the same bytes.
#![no_main]

use cwmp_platform::du::Inventory;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(inv) = Inventory::read(data, 1 << 20, "du.json") else {
        return;
    };
    let mut first = Vec::new();
    inv.write(&mut first).expect("writing into a Vec cannot fail");
    let again = match Inventory::read(&first[..], 1 << 20, "du.json") {
        Ok(i) => i,
        Err(e) => panic!(
            "a written inventory does not read back: {e}\n{}",
            String::from_utf8_lossy(&first)
        ),
    };
    assert_eq!(again.units(), inv.units());
    assert_eq!(again.synced(), inv.synced());
    assert_eq!(again.next_instance(), inv.next_instance());
    let mut second = Vec::new();
    again.write(&mut second).expect("writing into a Vec cannot fail");
    assert_eq!(first, second, "write, read, write is not stable");
});
