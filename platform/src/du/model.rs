//! `Device.SoftwareModules.` served next to a data-model backend.
//!
//! Responsible for the read-only parameters of TR-181 software-module management built from
//! the [`Inventory`]: the three `…NumberOfEntries`, the one execution environment
//! `ExecEnv.1.{Enable, Status, Name, Type, Vendor, Version}`, every
//! `DeploymentUnit.{i}.{UUID, DUID, Name, Status, Resolved, URL, Description, Vendor,
//! Version, ExecutionUnitList, ExecutionEnvRef}` and the (always empty) `ExecutionUnit.`
//! table: plain packages have no execution units. GetParameterValues and GetParameterNames
//! (partial paths, `NextLevel`) see them; SetParameterValues gets 9008, AddObject and
//! DeleteObject on the tables 9001 (what the built-in store answers for read-only tables).
//!
//! # Shape
//!
//! [`WithSoftwareModules`] is itself a [`DataModel`] that wraps the backend the daemon opened
//! and owns the inventory. The event loop holds it in place of the bare backend, hands it to
//! the agent for every call, and reaches the inventory through
//! [`WithSoftwareModules::modules_mut`] when an operation finishes: one owner, one thread, no
//! lock. Paths under `Device.SoftwareModules.` never reach the backend (an entry a store file
//! has there is hidden), walks of `Device.` or of the whole tree get the subtree appended after
//! the backend's entries (as the agent appends `Device.ManagementServer.`). Without software
//! modules ([`WithSoftwareModules::new`] with `None`) every call goes straight to the backend
//! and the subtree does not exist.

use std::fmt::Write as _;
use std::ops::ControlFlow;

use cwmp_core::datamodel::{self, Applied, DataModel, Node, Param};
use cwmp_core::soap::{FaultCode, ValueType};

use super::inventory::Inventory;

/// The subtree served here.
pub const ROOT: &str = "Device.SoftwareModules.";
/// The one execution environment, as `ExecutionEnvRef` values name it.
pub const EXEC_ENV_REF: &str = "Device.SoftwareModules.ExecEnv.1";
/// The deployment-unit table (`DeploymentUnitRef` is this plus the instance number).
pub const DU_TABLE: &str = "Device.SoftwareModules.DeploymentUnit.";

const EXEC_ENV_TABLE: &str = "Device.SoftwareModules.ExecEnv.";
const EU_TABLE: &str = "Device.SoftwareModules.ExecutionUnit.";

/// `Device.SoftwareModules.DeploymentUnit.N` (no trailing dot, as references are written).
pub fn deployment_unit_ref(instance: u32) -> String {
    format!("{DU_TABLE}{instance}")
}

/// True when `reference` names the one execution environment: `Device.SoftwareModules.
/// ExecEnv.1` or the relative `.SoftwareModules.ExecEnv.1` of the schema's examples, each with
/// or without the trailing dot.
pub fn is_our_exec_env(reference: &str) -> bool {
    let r = reference.strip_suffix('.').unwrap_or(reference);
    r == EXEC_ENV_REF || r == ".SoftwareModules.ExecEnv.1"
}

/// What `ExecEnv.1.` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecEnv {
    /// `Name` (`string(32)`).
    pub name: String,
    /// `Type` (`string(64)`).
    pub kind: String,
    /// `Vendor`: the device's manufacturer.
    pub vendor: String,
    /// `Version`: the firmware version.
    pub version: String,
}

impl ExecEnv {
    /// The package manager of an OpenWrt device made by `vendor`, firmware `version`.
    pub fn openwrt(vendor: &str, version: &str) -> ExecEnv {
        ExecEnv {
            name: "OpenWrt packages".to_owned(),
            kind: "Package Manager".to_owned(),
            vendor: vendor.to_owned(),
            version: version.to_owned(),
        }
    }
}

/// The state `Device.SoftwareModules.` is built from.
#[derive(Debug)]
pub struct SoftwareModules {
    /// The deployment units.
    pub inventory: Inventory,
    /// The execution environment.
    pub exec_env: ExecEnv,
}

/// One node of the subtree, in walk order.
enum Item<'a> {
    Object(&'a str),
    Param(&'a str, &'a str, ValueType),
}

impl SoftwareModules {
    /// Visits every object and parameter of the subtree in report order: the subtree object,
    /// its counters, then each table with its instances and their parameters.
    fn walk(&self, f: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>) -> ControlFlow<()> {
        use ValueType::{Boolean, String as Str, UnsignedInt};
        let inv = &self.inventory;
        let units = inv.units();
        f(Item::Object(ROOT))?;
        let count = units.len().to_string();
        for (leaf, value) in [
            ("ExecEnvNumberOfEntries", "1"),
            ("DeploymentUnitNumberOfEntries", count.as_str()),
            ("ExecutionUnitNumberOfEntries", "0"),
        ] {
            f(Item::Param(&format!("{ROOT}{leaf}"), value, UnsignedInt))?;
        }
        f(Item::Object(EXEC_ENV_TABLE))?;
        let ee = format!("{EXEC_ENV_REF}.");
        f(Item::Object(&ee))?;
        let e = &self.exec_env;
        for (leaf, value, ty) in [
            ("Enable", "true", Boolean),
            ("Status", "Up", Str),
            ("Name", e.name.as_str(), Str),
            ("Type", e.kind.as_str(), Str),
            ("Vendor", e.vendor.as_str(), Str),
            ("Version", e.version.as_str(), Str),
        ] {
            f(Item::Param(&format!("{ee}{leaf}"), value, ty))?;
        }
        f(Item::Object(DU_TABLE))?;
        let mut name = String::with_capacity(96);
        for u in units {
            name.clear();
            // Writing into a String cannot fail.
            let _ = write!(name, "{DU_TABLE}{}.", u.instance);
            f(Item::Object(&name))?;
            let base = name.len();
            let uuid = u.uuid.to_string();
            for (leaf, value, ty) in [
                ("UUID", uuid.as_str(), Str),
                ("DUID", u.name.as_str(), Str),
                ("Name", u.name.as_str(), Str),
                ("Status", inv.status(u.instance), Str),
                ("Resolved", "true", Boolean),
                ("URL", u.url.as_str(), Str),
                ("Description", u.description.as_str(), Str),
                ("Vendor", u.vendor.as_str(), Str),
                ("Version", u.version.as_str(), Str),
                ("ExecutionUnitList", "", Str),
                ("ExecutionEnvRef", EXEC_ENV_REF, Str),
            ] {
                name.truncate(base);
                name.push_str(leaf);
                f(Item::Param(&name, value, ty))?;
            }
        }
        f(Item::Object(EU_TABLE))
    }

    /// Whether `path` names an object of the subtree, a parameter of it, or nothing.
    fn lookup(&self, path: &str) -> Option<bool> {
        let mut found = None;
        let _ = self.walk(&mut |item| {
            let (name, is_object) = match item {
                Item::Object(n) => (n, true),
                Item::Param(n, _, _) => (n, false),
            };
            if name == path {
                found = Some(is_object);
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        found
    }

    fn get(
        &self,
        path: &str,
        visit: &mut dyn FnMut(&Param<'_>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.walk(&mut |item| match item {
            Item::Param(name, value, value_type) if datamodel::is_under(name, path) => {
                visit(&Param {
                    name,
                    value,
                    value_type,
                    writable: false,
                })
            }
            _ => ControlFlow::Continue(()),
        })
    }

    fn names(
        &self,
        path: &str,
        next_level: bool,
        visit: &mut dyn FnMut(&Node<'_>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.walk(&mut |item| {
            let name = match item {
                Item::Object(n) | Item::Param(n, _, _) => n,
            };
            let wanted = if next_level {
                datamodel::child_of(path, name) == Some(name)
            } else {
                name == path || datamodel::is_under(name, path)
            };
            if wanted {
                visit(&Node {
                    name,
                    writable: false,
                })
            } else {
                ControlFlow::Continue(())
            }
        })
    }
}

/// True when `path` lies inside the subtree (the backend is not asked about it).
fn owns(path: &str) -> bool {
    path.starts_with(ROOT) || path == "Device.SoftwareModules"
}

/// True when a walk of `path` includes the subtree (the whole tree or `Device.`).
fn covers(path: &str) -> bool {
    path.is_empty() || path == "Device."
}

/// A data-model backend with `Device.SoftwareModules.` beside it; see the module documentation.
pub struct WithSoftwareModules<'d> {
    inner: &'d mut dyn DataModel,
    modules: Option<SoftwareModules>,
}

impl std::fmt::Debug for WithSoftwareModules<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithSoftwareModules")
            .field("modules", &self.modules)
            .finish_non_exhaustive()
    }
}

impl<'d> WithSoftwareModules<'d> {
    /// `inner`, with the subtree when `modules` is given.
    pub fn new(inner: &'d mut dyn DataModel, modules: Option<SoftwareModules>) -> Self {
        WithSoftwareModules { inner, modules }
    }

    /// The software-module state, when served.
    pub fn modules(&self) -> Option<&SoftwareModules> {
        self.modules.as_ref()
    }

    /// The software-module state, to change after an operation.
    pub fn modules_mut(&mut self) -> Option<&mut SoftwareModules> {
        self.modules.as_mut()
    }

    /// The wrapped backend.
    pub fn inner(&mut self) -> &mut dyn DataModel {
        self.inner
    }

    /// The state if `path` is inside the subtree and the subtree is served.
    fn owned(&self, path: &str) -> Option<&SoftwareModules> {
        self.modules.as_ref().filter(|_| owns(path))
    }

    /// 9008 for a parameter of the subtree, 9005 for anything else in it.
    fn refuse_set(m: &SoftwareModules, name: &str) -> FaultCode {
        match m.lookup(name) {
            Some(false) => FaultCode::NON_WRITABLE_PARAMETER,
            _ => FaultCode::INVALID_PARAMETER_NAME,
        }
    }
}

impl DataModel for WithSoftwareModules<'_> {
    fn get(
        &mut self,
        path: &str,
        visit: &mut dyn FnMut(&Param<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        if let Some(m) = self.owned(path) {
            let mut found = false;
            let _ = m.get(path, &mut |p| {
                found = true;
                visit(p)
            });
            // An object without parameters (the empty ExecutionUnit table) is still a path.
            if found || m.lookup(path) == Some(true) {
                return Ok(());
            }
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        let Some(m) = self.modules.as_ref() else {
            return self.inner.get(path, visit);
        };
        let mut stopped = false;
        self.inner.get(path, &mut |p| {
            if owns(p.name) {
                return ControlFlow::Continue(());
            }
            let flow = visit(p);
            stopped = flow.is_break();
            flow
        })?;
        if !stopped && covers(path) {
            let _ = m.get(path, visit);
        }
        Ok(())
    }

    fn names(
        &mut self,
        path: &str,
        next_level: bool,
        visit: &mut dyn FnMut(&Node<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        if let Some(m) = self.owned(path) {
            match m.lookup(path) {
                None => return Err(FaultCode::INVALID_PARAMETER_NAME),
                Some(false) if next_level => return Err(FaultCode::INVALID_ARGUMENTS),
                Some(_) => {}
            }
            let _ = m.names(path, next_level, visit);
            return Ok(());
        }
        let Some(m) = self.modules.as_ref() else {
            return self.inner.names(path, next_level, visit);
        };
        let mut stopped = false;
        self.inner.names(path, next_level, &mut |n| {
            if owns(n.name) {
                return ControlFlow::Continue(());
            }
            let flow = visit(n);
            stopped = flow.is_break();
            flow
        })?;
        if !stopped && covers(path) {
            let _ = m.names(path, next_level, visit);
        }
        Ok(())
    }

    fn check(&mut self, name: &str, value: &str, value_type: ValueType) -> Result<(), FaultCode> {
        match self.owned(name) {
            Some(m) => Err(Self::refuse_set(m, name)),
            None => self.inner.check(name, value, value_type),
        }
    }

    fn begin(&mut self) -> Result<(), FaultCode> {
        self.inner.begin()
    }

    fn stage(&mut self, name: &str, value: &str, value_type: ValueType) -> Result<(), FaultCode> {
        match self.owned(name) {
            Some(m) => Err(Self::refuse_set(m, name)),
            None => self.inner.stage(name, value, value_type),
        }
    }

    fn commit(&mut self) -> Result<Applied, FaultCode> {
        self.inner.commit()
    }

    fn abort(&mut self) {
        self.inner.abort();
    }

    fn add_object(&mut self, path: &str) -> Result<(u32, Applied), FaultCode> {
        match self.owned(path) {
            Some(_) if [EXEC_ENV_TABLE, DU_TABLE, EU_TABLE].contains(&path) => {
                Err(FaultCode::REQUEST_DENIED)
            }
            Some(_) => Err(FaultCode::INVALID_PARAMETER_NAME),
            None => self.inner.add_object(path),
        }
    }

    fn delete_object(&mut self, path: &str) -> Result<Applied, FaultCode> {
        match self.owned(path) {
            Some(m) => {
                let is_instance =
                    m.lookup(path) == Some(true) && datamodel::instance_number(path).is_some();
                Err(if is_instance {
                    FaultCode::REQUEST_DENIED
                } else {
                    FaultCode::INVALID_PARAMETER_NAME
                })
            }
            None => self.inner.delete_object(path),
        }
    }
}

/// The value of one parameter of the subtree (for tests and diagnostics).
pub fn value_of(m: &SoftwareModules, name: &str) -> Option<String> {
    let mut out = None;
    let _ = m.get(name, &mut |p| {
        out = Some(p.value.to_owned());
        ControlFlow::Break(())
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::du::inventory::{Activity, DeploymentUnit};
    use crate::du::uuid::Uuid;

    /// A stand-in backend with two parameters, one of them under the subtree (as a store file
    /// could have it), and SetParameterValues recorded.
    #[derive(Default)]
    struct Backend {
        staged: Vec<String>,
    }

    const BACKEND: [(&str, &str); 3] = [
        ("Device.DeviceInfo.Manufacturer", "ACME"),
        ("Device.SoftwareModules.Stale", "from a seed"),
        ("Device.Time.NTPServer1", "pool.ntp.org"),
    ];

    impl DataModel for Backend {
        fn get(
            &mut self,
            path: &str,
            visit: &mut dyn FnMut(&Param<'_>) -> ControlFlow<()>,
        ) -> Result<(), FaultCode> {
            let mut found = false;
            for (name, value) in BACKEND {
                if datamodel::is_under(name, path) {
                    found = true;
                    if visit(&Param {
                        name,
                        value,
                        value_type: ValueType::String,
                        writable: true,
                    })
                    .is_break()
                    {
                        break;
                    }
                }
            }
            if found || covers(path) {
                Ok(())
            } else {
                Err(FaultCode::INVALID_PARAMETER_NAME)
            }
        }

        fn names(
            &mut self,
            path: &str,
            next_level: bool,
            visit: &mut dyn FnMut(&Node<'_>) -> ControlFlow<()>,
        ) -> Result<(), FaultCode> {
            let mut seen: Vec<&str> = Vec::new();
            for (name, _) in BACKEND {
                let n = if next_level {
                    datamodel::child_of(path, name)
                } else {
                    datamodel::is_under(name, path).then_some(name)
                };
                if let Some(n) = n
                    && !seen.contains(&n)
                {
                    seen.push(n);
                    let _ = visit(&Node {
                        name: n,
                        writable: false,
                    });
                }
            }
            Ok(())
        }

        fn check(&mut self, _: &str, _: &str, _: ValueType) -> Result<(), FaultCode> {
            Ok(())
        }

        fn begin(&mut self) -> Result<(), FaultCode> {
            Ok(())
        }

        fn stage(&mut self, name: &str, _: &str, _: ValueType) -> Result<(), FaultCode> {
            self.staged.push(name.to_owned());
            Ok(())
        }

        fn commit(&mut self) -> Result<Applied, FaultCode> {
            Ok(Applied::Now)
        }

        fn abort(&mut self) {}

        fn add_object(&mut self, _: &str) -> Result<(u32, Applied), FaultCode> {
            Ok((7, Applied::Now))
        }

        fn delete_object(&mut self, _: &str) -> Result<Applied, FaultCode> {
            Ok(Applied::Now)
        }
    }

    fn modules() -> SoftwareModules {
        let mut inventory = Inventory::new("/nonexistent/du.json");
        for name in ["tcpdump", "luci-app-x"] {
            inventory
                .insert(DeploymentUnit {
                    instance: 0,
                    uuid: Uuid::for_deployment_unit(name, "openwrt.org"),
                    name: name.to_owned(),
                    version: "1.0-1".to_owned(),
                    vendor: "openwrt.org".to_owned(),
                    description: String::new(),
                    url: format!("http://f/{name}.ipk"),
                })
                .unwrap();
        }
        inventory.remove(1);
        SoftwareModules {
            inventory,
            exec_env: ExecEnv::openwrt("ACME", "23.05.3"),
        }
    }

    fn values(dm: &mut dyn DataModel, path: &str) -> Result<Vec<(String, String)>, FaultCode> {
        let mut out = Vec::new();
        dm.get(path, &mut |p| {
            out.push((p.name.to_owned(), p.value.to_owned()));
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    fn names(dm: &mut dyn DataModel, path: &str, next: bool) -> Result<Vec<String>, FaultCode> {
        let mut out = Vec::new();
        dm.names(path, next, &mut |n| {
            assert!(!n.writable, "{}", n.name);
            out.push(n.name.to_owned());
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    #[test]
    fn the_subtree_has_the_tr181_parameters_of_each_unit() {
        let mut b = Backend::default();
        let mut dm = WithSoftwareModules::new(&mut b, Some(modules()));
        let v = values(&mut dm, "Device.SoftwareModules.DeploymentUnit.2.").unwrap();
        let got: Vec<(&str, &str)> = v
            .iter()
            .map(|(n, v)| {
                (
                    &n["Device.SoftwareModules.DeploymentUnit.2.".len()..],
                    v.as_str(),
                )
            })
            .collect();
        let uuid = Uuid::for_deployment_unit("luci-app-x", "openwrt.org").to_string();
        assert_eq!(
            got,
            [
                ("UUID", uuid.as_str()),
                ("DUID", "luci-app-x"),
                ("Name", "luci-app-x"),
                ("Status", "Installed"),
                ("Resolved", "true"),
                ("URL", "http://f/luci-app-x.ipk"),
                ("Description", ""),
                ("Vendor", "openwrt.org"),
                ("Version", "1.0-1"),
                ("ExecutionUnitList", ""),
                ("ExecutionEnvRef", "Device.SoftwareModules.ExecEnv.1"),
            ]
        );
        let counts = values(&mut dm, "Device.SoftwareModules.").unwrap();
        assert_eq!(
            counts[..3]
                .iter()
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>(),
            ["1", "1", "0"]
        );
        assert_eq!(
            values(&mut dm, "Device.SoftwareModules.ExecEnv.1.Type").unwrap(),
            [(
                "Device.SoftwareModules.ExecEnv.1.Type".to_owned(),
                "Package Manager".to_owned()
            )]
        );
        assert_eq!(
            values(&mut dm, "Device.SoftwareModules.ExecutionUnit.").unwrap(),
            []
        );
    }

    #[test]
    fn types_follow_tr181() {
        let mut b = Backend::default();
        let mut dm = WithSoftwareModules::new(&mut b, Some(modules()));
        let mut types = Vec::new();
        dm.get("Device.SoftwareModules.", &mut |p| {
            types.push((
                p.name.rsplit('.').next().unwrap_or("").to_owned(),
                p.value_type,
            ));
            ControlFlow::Continue(())
        })
        .unwrap();
        for (leaf, ty) in types {
            let want = match leaf.as_str() {
                "ExecEnvNumberOfEntries"
                | "DeploymentUnitNumberOfEntries"
                | "ExecutionUnitNumberOfEntries" => ValueType::UnsignedInt,
                "Enable" | "Resolved" => ValueType::Boolean,
                _ => ValueType::String,
            };
            assert_eq!(ty, want, "{leaf}");
        }
    }

    #[test]
    fn unknown_paths_in_the_subtree_are_9005() {
        let mut b = Backend::default();
        let mut dm = WithSoftwareModules::new(&mut b, Some(modules()));
        for bad in [
            "Device.SoftwareModules",
            "Device.SoftwareModules.Stale",
            "Device.SoftwareModules.DeploymentUnit.1.",
            "Device.SoftwareModules.DeploymentUnit.2",
            "Device.SoftwareModules.ExecEnvNumberOfEntries.",
            "Device.SoftwareModules.ExecEnv.2.Name",
        ] {
            assert_eq!(
                values(&mut dm, bad),
                Err(FaultCode::INVALID_PARAMETER_NAME),
                "{bad}"
            );
            assert_eq!(
                names(&mut dm, bad, false),
                Err(FaultCode::INVALID_PARAMETER_NAME),
                "{bad}"
            );
        }
    }

    #[test]
    fn whole_tree_walks_append_the_subtree_and_hide_store_entries() {
        let mut b = Backend::default();
        let mut dm = WithSoftwareModules::new(&mut b, Some(modules()));
        let all = values(&mut dm, "Device.").unwrap();
        let names_only: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            &names_only[..2],
            ["Device.DeviceInfo.Manufacturer", "Device.Time.NTPServer1"]
        );
        assert!(!names_only.contains(&"Device.SoftwareModules.Stale"));
        assert_eq!(
            names_only[2],
            "Device.SoftwareModules.ExecEnvNumberOfEntries"
        );
        assert_eq!(values(&mut dm, "").unwrap(), all);
        assert_eq!(
            values(&mut dm, "Device.Time.").unwrap().len(),
            1,
            "other subtrees alone"
        );
    }

    #[test]
    fn names_next_level_and_full() {
        let mut b = Backend::default();
        let mut dm = WithSoftwareModules::new(&mut b, Some(modules()));
        assert_eq!(
            names(&mut dm, "Device.", true).unwrap(),
            [
                "Device.DeviceInfo.",
                "Device.Time.",
                "Device.SoftwareModules."
            ]
        );
        assert_eq!(names(&mut dm, "", true).unwrap(), ["Device."]);
        assert_eq!(
            names(&mut dm, "Device.SoftwareModules.", true).unwrap(),
            [
                "Device.SoftwareModules.ExecEnvNumberOfEntries",
                "Device.SoftwareModules.DeploymentUnitNumberOfEntries",
                "Device.SoftwareModules.ExecutionUnitNumberOfEntries",
                "Device.SoftwareModules.ExecEnv.",
                "Device.SoftwareModules.DeploymentUnit.",
                "Device.SoftwareModules.ExecutionUnit.",
            ]
        );
        assert_eq!(
            names(&mut dm, "Device.SoftwareModules.DeploymentUnit.", true).unwrap(),
            ["Device.SoftwareModules.DeploymentUnit.2."]
        );
        let full = names(&mut dm, "Device.SoftwareModules.DeploymentUnit.", false).unwrap();
        assert_eq!(full[0], "Device.SoftwareModules.DeploymentUnit.");
        assert_eq!(full[1], "Device.SoftwareModules.DeploymentUnit.2.");
        assert_eq!(full.len(), 2 + 11);
        let everything = names(&mut dm, "Device.", false).unwrap();
        assert!(everything.contains(&"Device.SoftwareModules.ExecutionUnit.".to_owned()));
        assert!(!everything.iter().any(|n| n.ends_with("Stale")));
        assert_eq!(
            names(&mut dm, "Device.SoftwareModules.ExecEnv.1.Name", false).unwrap(),
            ["Device.SoftwareModules.ExecEnv.1.Name"]
        );
        assert_eq!(
            names(&mut dm, "Device.SoftwareModules.ExecEnv.1.Name", true),
            Err(FaultCode::INVALID_ARGUMENTS)
        );
    }

    #[test]
    fn nothing_in_the_subtree_can_be_changed() {
        let mut b = Backend::default();
        let mut dm = WithSoftwareModules::new(&mut b, Some(modules()));
        let name = "Device.SoftwareModules.ExecEnv.1.Enable";
        assert_eq!(
            dm.check(name, "false", ValueType::Boolean),
            Err(FaultCode::NON_WRITABLE_PARAMETER)
        );
        assert_eq!(
            dm.stage(name, "false", ValueType::Boolean),
            Err(FaultCode::NON_WRITABLE_PARAMETER)
        );
        assert_eq!(
            dm.check("Device.SoftwareModules.Nope", "x", ValueType::String),
            Err(FaultCode::INVALID_PARAMETER_NAME)
        );
        for table in [DU_TABLE, EXEC_ENV_TABLE, EU_TABLE] {
            assert_eq!(
                dm.add_object(table),
                Err(FaultCode::REQUEST_DENIED),
                "{table}"
            );
        }
        assert_eq!(
            dm.add_object("Device.SoftwareModules.Nope."),
            Err(FaultCode::INVALID_PARAMETER_NAME)
        );
        assert_eq!(
            dm.delete_object("Device.SoftwareModules.DeploymentUnit.2."),
            Err(FaultCode::REQUEST_DENIED)
        );
        assert_eq!(
            dm.delete_object("Device.SoftwareModules.DeploymentUnit.1."),
            Err(FaultCode::INVALID_PARAMETER_NAME)
        );
        // Everything else still reaches the backend.
        assert_eq!(
            dm.add_object("Device.NAT.PortMapping."),
            Ok((7, Applied::Now))
        );
        dm.stage("Device.Time.NTPServer1", "x", ValueType::String)
            .unwrap();
        drop(dm);
        assert_eq!(b.staged, ["Device.Time.NTPServer1"]);
    }

    #[test]
    fn without_software_modules_the_subtree_is_the_backends() {
        let mut b = Backend::default();
        let mut dm = WithSoftwareModules::new(&mut b, None);
        assert_eq!(
            values(&mut dm, "Device.SoftwareModules.").unwrap(),
            [(
                "Device.SoftwareModules.Stale".to_owned(),
                "from a seed".to_owned()
            )]
        );
        assert!(
            !names(&mut dm, "Device.", true)
                .unwrap()
                .contains(&"Device.SoftwareModules.ExecEnv.".to_owned())
        );
    }

    #[test]
    fn a_running_operation_shows_in_status() {
        let mut m = modules();
        m.inventory.set_activity(Some((2, Activity::Updating)));
        assert_eq!(
            value_of(&m, "Device.SoftwareModules.DeploymentUnit.2.Status").as_deref(),
            Some("Updating")
        );
    }

    #[test]
    fn execution_environment_references() {
        for ok in [
            "Device.SoftwareModules.ExecEnv.1",
            "Device.SoftwareModules.ExecEnv.1.",
            ".SoftwareModules.ExecEnv.1.",
        ] {
            assert!(is_our_exec_env(ok), "{ok}");
        }
        for bad in [
            "Device.SoftwareModules.ExecEnv.2",
            "Device.SoftwareModules.ExecEnv.",
            "ExecEnv.1",
        ] {
            assert!(!is_our_exec_env(bad), "{bad}");
        }
        assert_eq!(
            deployment_unit_ref(3),
            "Device.SoftwareModules.DeploymentUnit.3"
        );
    }
}
