//! cwmpd: the TR-069 CPE agent binary.

fn main() -> std::process::ExitCode {
    eprintln!("cwmpd: the daemon is not built yet; see README.md (\"What is not built yet\")");
    std::process::ExitCode::FAILURE
}
