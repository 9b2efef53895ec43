//! Between the agent's DU types (`cwmp_core::agent::du`) and this module's: an operation as
//! [`plan`](super::plan) takes it, and an outcome or an autonomous change as the agent takes
//! it.
//!
//! Responsible for the field mapping only. Every string fits the agent's bounded fields by
//! construction (checked at compile time below), so nothing is cut.

use cwmp_core::agent::du::{DuState, OpKind, OpResult, Operation};
use cwmp_core::limits::{DU_FAULT_STRING_MAX, DU_REF_MAX, DU_UUID_LEN, DU_VERSION_MAX};
use cwmp_core::soap::FaultCode;
use cwmp_core::time::DateTime;

use super::limits::{FAULT_STRING_MAX, VERSION_MAX};
use super::model::{DU_TABLE, deployment_unit_ref};
use super::plan::{Kind, Outcome, Request, State};
use super::sync::Change;

// What `fill` relies on: a version, a FaultString, a DeploymentUnitRef (the table path and at
// most ten digits) and a UUID's text fit the agent's fields.
const _: () = assert!(VERSION_MAX <= DU_VERSION_MAX);
const _: () = assert!(FAULT_STRING_MAX <= DU_FAULT_STRING_MAX);
const _: () = assert!(DU_TABLE.len() + 10 <= DU_REF_MAX);
const _: () = assert!(DU_UUID_LEN == 36);

/// Copies `s` into a bounded string; it fits by construction (see the assertions above).
fn fill<const N: usize>(dst: &mut heapless::String<N>, s: &str) {
    if dst.push_str(s).is_err() {
        log::error!("DU result field longer than {N} bytes: {s:?}");
    }
}

/// The agent's operation kind as the planner's.
pub fn kind_of(k: OpKind) -> Kind {
    match k {
        OpKind::Install => Kind::Install,
        OpKind::Update => Kind::Update,
        OpKind::Uninstall => Kind::Uninstall,
    }
}

/// The planner's kind as the agent's `OperationPerformed`.
pub fn op_kind(k: Kind) -> OpKind {
    match k {
        Kind::Install => OpKind::Install,
        Kind::Update => OpKind::Update,
        Kind::Uninstall => OpKind::Uninstall,
    }
}

/// The operation the agent holds, as [`plan`](super::plan::plan) takes it.
pub fn request_of(op: &Operation) -> Request<'_> {
    Request {
        kind: kind_of(op.kind),
        url: &op.url,
        uuid: &op.uuid,
        version: &op.version,
        username: &op.username,
        password: &op.password,
        execution_env_ref: &op.execution_env_ref,
    }
}

/// The `OpResultStruct` of an outcome, started at `start` and completed at `complete`.
pub fn op_result(o: &Outcome, start: DateTime, complete: DateTime) -> OpResult {
    let state = match o.state {
        State::Installed => DuState::Installed,
        State::Uninstalled => DuState::Uninstalled,
        State::Failed => DuState::Failed,
    };
    let fault = o.failure.as_ref().map_or(FaultCode::NONE, |f| f.fault);
    let mut r = OpResult::new(state, fault, start, complete);
    r.resolved = o.resolved;
    if let Some(uuid) = o.uuid {
        fill(&mut r.uuid, &uuid.to_string());
    }
    if let Some(n) = o.instance {
        fill(&mut r.deployment_unit_ref, &deployment_unit_ref(n));
    }
    fill(&mut r.version, &o.version);
    if let Some(f) = &o.failure {
        fill(&mut r.fault_string, &f.message);
    }
    r
}

/// The `AutonOpResultStruct` of a change found by a sync: when it happened is not known, so
/// both times are the Unknown Time.
pub fn autonomous_result(c: &Change) -> (OpKind, OpResult) {
    let state = match c.kind {
        Kind::Uninstall => DuState::Uninstalled,
        Kind::Install | Kind::Update => DuState::Installed,
    };
    let mut r = OpResult::new(state, FaultCode::NONE, DateTime::UNKNOWN, DateTime::UNKNOWN);
    fill(&mut r.uuid, &c.unit.uuid.to_string());
    fill(
        &mut r.deployment_unit_ref,
        &deployment_unit_ref(c.unit.instance),
    );
    fill(&mut r.version, &c.unit.version);
    (op_kind(c.kind), r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::du::inventory::DeploymentUnit;
    use crate::du::script::Failure;
    use crate::du::uuid::Uuid;

    #[test]
    fn outcome_fields_reach_the_result() {
        let o = Outcome {
            uuid: Some(Uuid::for_deployment_unit("tcpdump", "")),
            instance: Some(4_000_000_000),
            version: "v".repeat(VERSION_MAX),
            state: State::Installed,
            resolved: false,
            failure: Some(Failure::new(FaultCode(9030), &"x".repeat(500))),
        };
        let r = op_result(&o, DateTime::UNKNOWN, DateTime::UNKNOWN);
        assert_eq!(r.uuid.as_str(), o.uuid.unwrap().to_string());
        assert_eq!(
            r.deployment_unit_ref.as_str(),
            "Device.SoftwareModules.DeploymentUnit.4000000000"
        );
        assert_eq!(r.version.len(), VERSION_MAX);
        assert_eq!(r.current_state, DuState::Installed);
        assert!(!r.resolved);
        assert_eq!(r.fault, FaultCode(9030));
        assert_eq!(r.fault_string.len(), FAULT_STRING_MAX);
    }

    #[test]
    fn a_success_has_no_fault_and_a_failure_without_unit_no_reference() {
        let ok = Outcome {
            uuid: None,
            instance: None,
            version: String::new(),
            state: State::Failed,
            resolved: false,
            failure: None,
        };
        let r = op_result(&ok, DateTime::UNKNOWN, DateTime::UNKNOWN);
        assert_eq!(r.fault, FaultCode::NONE);
        assert!(r.deployment_unit_ref.is_empty() && r.uuid.is_empty());
        assert_eq!(r.current_state, DuState::Failed);
    }

    #[test]
    fn autonomous_changes_report_the_state_after_them() {
        let unit = DeploymentUnit {
            instance: 3,
            uuid: Uuid::for_deployment_unit("a", ""),
            name: "a".into(),
            version: "2".into(),
            vendor: String::new(),
            description: String::new(),
            url: String::new(),
        };
        let (kind, r) = autonomous_result(&Change {
            kind: Kind::Uninstall,
            unit: unit.clone(),
        });
        assert_eq!(
            (kind, r.current_state),
            (OpKind::Uninstall, DuState::Uninstalled)
        );
        assert_eq!(
            r.deployment_unit_ref.as_str(),
            "Device.SoftwareModules.DeploymentUnit.3"
        );
        let (kind, r) = autonomous_result(&Change {
            kind: Kind::Update,
            unit,
        });
        assert_eq!(
            (kind, r.current_state),
            (OpKind::Update, DuState::Installed)
        );
        assert_eq!(r.start, DateTime::UNKNOWN);
    }
}
