//! Test access to the GenieACS captures in `testdata/vectors/genieacs/` (tests only).

use std::string::String;
use std::vec::Vec;

/// Root of the GenieACS vectors.
pub const GENIEACS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/vectors/genieacs");

/// One recorded exchange.
pub struct Exchange {
    pub kind: String,
    pub request: String,
    pub response: Option<String>,
    pub status: u16,
}

/// Every exchange of one scenario folder, in order.
pub fn exchanges(scenario: &str) -> Vec<Exchange> {
    let path = std::format!("{GENIEACS}/{scenario}/exchanges.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| Exchange {
            kind: e["kind"].as_str().unwrap().into(),
            request: e["request"].as_str().unwrap().into(),
            response: e["response"].as_str().map(String::from),
            status: u16::try_from(e["status"].as_u64().unwrap()).unwrap(),
        })
        .collect()
}

/// Every scenario folder name, sorted.
pub fn scenarios() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(GENIEACS)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("exchanges.json").exists())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    out.sort();
    out
}

/// The raw bytes of a file in a scenario folder.
pub fn file(scenario: &str, name: &str) -> Vec<u8> {
    std::fs::read(std::format!("{GENIEACS}/{scenario}/{name}")).unwrap()
}
