//! Arbitrary bytes as the persisted agent state (`state.json`): reading never panics, and a
//! state that was accepted is written back, read again and written again to the same bytes.
#![no_main]

use cwmp_core::agent::{Agent, AgentConfig, Clock};
use cwmp_core::limits::SNAPSHOT_MAX;
use cwmp_core::time::{Instant, UnixTime};
use libfuzzer_sys::fuzz_target;

fn config() -> AgentConfig {
    let mut cfg = AgentConfig::default();
    let _ = cfg.management_server.url.push_str("http://acs.test:7547/");
    cfg
}

fuzz_target!(|data: &[u8]| {
    let clock = Clock {
        mono: Instant::from_millis(1000),
        wall: Some(UnixTime(1_764_103_248)),
    };
    let (agent, err) = Agent::new(config(), Some(data), clock, [1; 32]);
    if err.is_some() {
        return;
    }
    let mut first = vec![0u8; SNAPSHOT_MAX];
    let n = agent
        .write_snapshot(&mut first)
        .expect("an accepted state fits the snapshot buffer");
    first.truncate(n);
    let (again, err) = Agent::new(config(), Some(&first), clock, [1; 32]);
    assert!(err.is_none(), "a written state reads back: {err:?}");
    let mut second = vec![0u8; SNAPSHOT_MAX];
    let m = again
        .write_snapshot(&mut second)
        .expect("the state fits the snapshot buffer");
    second.truncate(m);
    assert_eq!(
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second),
        "writing is stable"
    );
});
