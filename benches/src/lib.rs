//! cwmp-bench: benchmarks and the test harness shared by benchmarks and end-to-end tests.
