//! cwmpd's configuration: the UCI file `/etc/config/cwmp` read into a typed [`Config`].
pub mod uci;
