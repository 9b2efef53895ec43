//! Arbitrary bytes as a built-in data-model store file: the bounded JSON reader, the store-file
//! parser, the tree it builds (walks, AddObject/DeleteObject with undo), and the writer, whose
//! output must read back to the same file.
#![no_main]

use std::ops::ControlFlow;

use cwmp_platform::dm::builtin::file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut store) = file::read(data, 1 << 20) else {
        return;
    };
    let mut first = Vec::new();
    file::write(&store, &mut first).expect("writing into a Vec cannot fail");
    let again = match file::read(&first[..], 1 << 24) {
        Ok(s) => s,
        Err(e) => panic!(
            "a written store file does not read back: {e}\n{}",
            String::from_utf8_lossy(&first)
        ),
    };
    let mut second = Vec::new();
    file::write(&again, &mut second).expect("writing into a Vec cannot fail");
    assert_eq!(
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second),
        "write, read, write is not stable"
    );

    // Walks over everything, and the same names found one by one.
    let mut names = Vec::new();
    store
        .names("", false, &mut |n, _| {
            names.push(n.to_string());
            ControlFlow::Continue(())
        })
        .expect("the root always exists");
    for n in names.iter().take(64) {
        store
            .names(n, true, &mut |_, _| ControlFlow::Continue(()))
            .ok();
        store
            .get(n, &mut |_, _, _| ControlFlow::Continue(()))
            .expect("a listed name exists");
    }

    // Add to and delete from every table; undo half of it.
    let mut tables = Vec::new();
    store.for_each_counter(&mut |path, _| {
        tables.push(path.to_string());
        ControlFlow::Continue(())
    });
    for (k, t) in tables.iter().take(16).enumerate() {
        if let Ok((n, undo)) = store.add_instance(t) {
            if k % 2 == 0 {
                store.revert(undo);
            } else {
                store.settle(undo);
                if let Ok(undo) = store.delete_instance(&format!("{t}{n}.")) {
                    store.revert(undo);
                }
            }
        }
    }
    let mut third = Vec::new();
    file::write(&store, &mut third).expect("writing into a Vec cannot fail");
    file::read(&third[..], 1 << 24).expect("a changed store still reads back");
});
