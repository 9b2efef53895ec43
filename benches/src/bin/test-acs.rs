//! The scripted test ACS as a program, for trying cwmpd by hand without a GenieACS.
//!
//! `cargo run -p cwmp-bench --bin test-acs -- [--port N] [--get PATH]...` listens on
//! 127.0.0.1:N (default 7547) and prints one line per finished session: the device, the events
//! of its Inform, what the CPE asked and what it answered. Each `--get PATH` queues one
//! GetParameterValues of PATH for every session; the answers are printed.

use std::time::Duration;

use cwmp_bench::acs::{Acs, AcsOptions, Message, Task};

fn main() {
    let mut port: u16 = 7547;
    let mut gets: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--port", Some(v)) => match v.parse() {
                Ok(p) => port = p,
                Err(_) => fail(&format!("--port: {v:?} is not a port")),
            },
            ("--get", Some(v)) => gets.push(v),
            _ => fail(&format!("unexpected argument {a:?}")),
        }
    }
    let acs = match Acs::try_start(AcsOptions {
        port,
        ..AcsOptions::default()
    }) {
        Ok(a) => a,
        Err(e) => fail(&format!("cannot listen on 127.0.0.1:{port}: {e}")),
    };
    println!("test ACS at {} (Ctrl-C stops it)", acs.url());
    let queue = |acs: &Acs| {
        for g in &gets {
            acs.push(Task::get_parameter_values(&[g.as_str()]));
        }
    };
    queue(&acs);
    let mut shown = 0;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let sessions = acs.sessions();
        for s in sessions.iter().skip(shown).filter(|s| s.ended.is_some()) {
            let device = s
                .inform
                .as_ref()
                .map(|i| i.device_id.acs_id())
                .unwrap_or_else(|| "?".into());
            println!(
                "session {}: {device} events {:?} -> {:?}",
                s.index,
                s.event_codes(),
                s.outcome
            );
            for r in &s.cpe_requests {
                println!("  CPE asked: {}", r.name());
            }
            for t in &s.tasks {
                match &t.reply {
                    Some(m @ Message::GetParameterValuesResponse { .. }) => {
                        for v in m.values() {
                            println!("  {} = {:?}", v.name, v.value);
                        }
                    }
                    Some(m) => println!("  {} -> {}", t.method, m.name()),
                    None => println!("  {} -> no answer", t.method),
                }
            }
            shown = s.index + 1;
            queue(&acs);
        }
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("test-acs: {msg}");
    std::process::exit(2);
}
