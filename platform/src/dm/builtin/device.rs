//! Where the built-in `Device.DeviceInfo.` values come from: the daemon's configuration,
//! OpenWrt's `/etc/openwrt_release` and the kernel's `/proc/uptime`.
//!
//! Responsible for the [`DeviceInfo`] record, for reading the `DISTRIB_*` assignments of an
//! `openwrt_release` file (bounded, shell quoting) and for reading the uptime. Not responsible
//! for UCI (the daemon fills [`DeviceInfo`] from `/etc/config/cwmp` first) nor for exposing the
//! values (`builtin`).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::dm::limits::RELEASE_FILE_MAX_LEN;

/// The identity of the device as `Device.DeviceInfo.` reports it (all read-only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInfo {
    /// `Manufacturer`.
    pub manufacturer: String,
    /// `ManufacturerOUI` (six hex digits).
    pub manufacturer_oui: String,
    /// `ProductClass`.
    pub product_class: String,
    /// `SerialNumber`.
    pub serial_number: String,
    /// `HardwareVersion`.
    pub hardware_version: String,
    /// `SoftwareVersion`.
    pub software_version: String,
    /// `ModelName`.
    pub model_name: String,
    /// `Description`.
    pub description: String,
}

impl DeviceInfo {
    /// Fills the fields still empty from an `openwrt_release` file: `Manufacturer` from
    /// `DISTRIB_ID`, `SoftwareVersion` from [`OpenWrtRelease::software_version`],
    /// `HardwareVersion` from `DISTRIB_TARGET` and `Description` from `DISTRIB_DESCRIPTION`.
    /// Values set from UCI before stay as they are.
    pub fn fill_from_release(&mut self, release: &OpenWrtRelease) {
        let fill = |field: &mut String, value: Option<&str>| {
            if field.is_empty()
                && let Some(v) = value
            {
                *field = v.to_string();
            }
        };
        fill(&mut self.manufacturer, release.id.as_deref());
        fill(&mut self.software_version, release.software_version());
        fill(&mut self.hardware_version, release.target.as_deref());
        fill(&mut self.description, release.description.as_deref());
    }
}

/// The `DISTRIB_*` assignments of an `/etc/openwrt_release` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenWrtRelease {
    /// `DISTRIB_ID` (`OpenWrt`).
    pub id: Option<String>,
    /// `DISTRIB_RELEASE` (`23.05.0`, or `SNAPSHOT`).
    pub release: Option<String>,
    /// `DISTRIB_REVISION` (`r23497-6637af95aa`).
    pub revision: Option<String>,
    /// `DISTRIB_TARGET` (`ath79/generic`).
    pub target: Option<String>,
    /// `DISTRIB_ARCH` (`mips_24kc`).
    pub arch: Option<String>,
    /// `DISTRIB_DESCRIPTION` (`OpenWrt 23.05.0 r23497-6637af95aa`).
    pub description: Option<String>,
}

impl OpenWrtRelease {
    /// Reads and parses the file at `path` (at most [`RELEASE_FILE_MAX_LEN`] bytes; a longer
    /// file is an error rather than a silently truncated read).
    pub fn read(path: &Path) -> io::Result<OpenWrtRelease> {
        let mut text = String::new();
        File::open(path)?
            .take(RELEASE_FILE_MAX_LEN + 1)
            .read_to_string(&mut text)?;
        if text.len() as u64 > RELEASE_FILE_MAX_LEN {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: longer than {RELEASE_FILE_MAX_LEN} bytes",
                    path.display()
                ),
            ));
        }
        Ok(OpenWrtRelease::parse(&text))
    }

    /// Parses `KEY='value'`, `KEY="value"` and `KEY=value` lines; other lines are ignored.
    pub fn parse(text: &str) -> OpenWrtRelease {
        let mut r = OpenWrtRelease::default();
        for line in text.lines() {
            let line = line.trim();
            let Some((key, raw)) = line.split_once('=') else {
                continue;
            };
            let slot = match key.trim() {
                "DISTRIB_ID" => &mut r.id,
                "DISTRIB_RELEASE" => &mut r.release,
                "DISTRIB_REVISION" => &mut r.revision,
                "DISTRIB_TARGET" => &mut r.target,
                "DISTRIB_ARCH" => &mut r.arch,
                "DISTRIB_DESCRIPTION" => &mut r.description,
                _ => continue,
            };
            let value = unquote(raw.trim());
            if !value.is_empty() {
                *slot = Some(value);
            }
        }
        r
    }

    /// The software version to report: `DISTRIB_RELEASE`, except for snapshot builds (whose
    /// release is the word `SNAPSHOT`), which are told apart by `DISTRIB_REVISION`.
    pub fn software_version(&self) -> Option<&str> {
        match self.release.as_deref() {
            Some(rel) if !rel.eq_ignore_ascii_case("snapshot") => Some(rel),
            _ => self.revision.as_deref().or(self.release.as_deref()),
        }
    }
}

/// The value of a shell word: `'...'` literally, `"..."` with backslash escapes, a bare word up
/// to a `#` comment.
fn unquote(raw: &str) -> String {
    let mut chars = raw.chars();
    match chars.next() {
        Some('\'') => chars.take_while(|&c| c != '\'').collect(),
        Some('"') => {
            let mut out = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => {
                        if let Some(n) = chars.next() {
                            out.push(n);
                        }
                    }
                    c => out.push(c),
                }
            }
            out
        }
        _ => raw.split('#').next().unwrap_or_default().trim().to_string(),
    }
}

/// Seconds since boot from a `/proc/uptime`-style file (`12345.67 54321.00`), saturating at
/// the `unsignedInt` maximum.
pub fn read_uptime(path: &Path) -> io::Result<u32> {
    let mut text = String::new();
    File::open(path)?.take(128).read_to_string(&mut text)?;
    let first = text.split_whitespace().next().unwrap_or_default();
    let whole = first.split('.').next().unwrap_or_default();
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: not an uptime: {first:?}", path.display()),
        ));
    }
    Ok(whole
        .parse::<u64>()
        .map_or(u32::MAX, |s| u32::try_from(s).unwrap_or(u32::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELEASE: &str = "DISTRIB_ID='OpenWrt'\n\
        DISTRIB_RELEASE='23.05.0'\n\
        DISTRIB_REVISION='r23497-6637af95aa'\n\
        DISTRIB_TARGET='ath79/generic'\n\
        DISTRIB_ARCH='mips_24kc'\n\
        DISTRIB_DESCRIPTION='OpenWrt 23.05.0 r23497-6637af95aa'\n\
        DISTRIB_TAINTS=''\n";

    #[test]
    fn parses_the_release_file_openwrt_writes() {
        let r = OpenWrtRelease::parse(RELEASE);
        assert_eq!(r.id.as_deref(), Some("OpenWrt"));
        assert_eq!(r.software_version(), Some("23.05.0"));
        assert_eq!(r.target.as_deref(), Some("ath79/generic"));
        assert_eq!(r.arch.as_deref(), Some("mips_24kc"));
        assert_eq!(
            r.description.as_deref(),
            Some("OpenWrt 23.05.0 r23497-6637af95aa")
        );
    }

    #[test]
    fn snapshots_report_their_revision() {
        let r =
            OpenWrtRelease::parse("DISTRIB_RELEASE='SNAPSHOT'\nDISTRIB_REVISION='r25000-abc'\n");
        assert_eq!(r.software_version(), Some("r25000-abc"));
    }

    #[test]
    fn quoting_forms() {
        let r = OpenWrtRelease::parse(
            "# comment\nDISTRIB_ID=\"Open\\\"Wrt\"\nDISTRIB_TARGET=x86/64 # trailing\nnot a line\n",
        );
        assert_eq!(r.id.as_deref(), Some("Open\"Wrt"));
        assert_eq!(r.target.as_deref(), Some("x86/64"));
    }

    #[test]
    fn fill_keeps_what_uci_set() {
        let mut d = DeviceInfo {
            manufacturer: "ACME".into(),
            ..DeviceInfo::default()
        };
        d.fill_from_release(&OpenWrtRelease::parse(RELEASE));
        assert_eq!(d.manufacturer, "ACME");
        assert_eq!(d.software_version, "23.05.0");
        assert_eq!(d.hardware_version, "ath79/generic");
        assert_eq!(d.description, "OpenWrt 23.05.0 r23497-6637af95aa");
    }

    fn temp_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("cwmp-dev-{}-{name}", std::process::id()));
        std::fs::write(&p, contents).unwrap();
        p
    }

    #[test]
    fn release_file_size_limit() {
        let ok = temp_file("rel-ok", RELEASE.as_bytes());
        assert_eq!(
            OpenWrtRelease::read(&ok).unwrap().release.as_deref(),
            Some("23.05.0")
        );
        let big = temp_file("rel-big", &vec![b'#'; RELEASE_FILE_MAX_LEN as usize + 1]);
        assert_eq!(
            OpenWrtRelease::read(&big).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        std::fs::remove_file(ok).unwrap();
        std::fs::remove_file(big).unwrap();
    }

    #[test]
    fn uptime_is_whole_seconds() {
        let p = temp_file("up", b"4242.97 1000.00\n");
        assert_eq!(read_uptime(&p).unwrap(), 4242);
        std::fs::write(&p, b"99999999999.5 0\n").unwrap();
        assert_eq!(read_uptime(&p).unwrap(), u32::MAX);
        std::fs::write(&p, b"garbage\n").unwrap();
        assert!(read_uptime(&p).is_err());
        std::fs::remove_file(p).unwrap();
    }
}
