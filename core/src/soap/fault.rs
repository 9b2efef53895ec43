//! CWMP fault codes (digest §9): the CPE's 9xxx codes and the ACS's 8xxx codes.

use core::fmt;

/// A CWMP fault code, as carried in `cwmp:Fault/FaultCode` or a `FaultStruct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FaultCode(pub u32);

impl FaultCode {
    /// 0: success, in TransferComplete and DU results.
    pub const NONE: FaultCode = FaultCode(0);
    /// 8000: ACS method not supported.
    pub const ACS_METHOD_NOT_SUPPORTED: FaultCode = FaultCode(8000);
    /// 8001: ACS request denied.
    pub const ACS_REQUEST_DENIED: FaultCode = FaultCode(8001);
    /// 8002: ACS internal error.
    pub const ACS_INTERNAL_ERROR: FaultCode = FaultCode(8002);
    /// 8003: ACS invalid arguments.
    pub const ACS_INVALID_ARGUMENTS: FaultCode = FaultCode(8003);
    /// 8004: ACS resources exceeded.
    pub const ACS_RESOURCES_EXCEEDED: FaultCode = FaultCode(8004);
    /// 8005: retry request (re-send the identical request).
    pub const ACS_RETRY_REQUEST: FaultCode = FaultCode(8005);
    /// 8006: ACS version incompatible with CPE.
    pub const ACS_VERSION_INCOMPATIBLE: FaultCode = FaultCode(8006);
    /// 9000: method not supported.
    pub const METHOD_NOT_SUPPORTED: FaultCode = FaultCode(9000);
    /// 9001: request denied (no reason specified).
    pub const REQUEST_DENIED: FaultCode = FaultCode(9001);
    /// 9002: internal error.
    pub const INTERNAL_ERROR: FaultCode = FaultCode(9002);
    /// 9003: invalid arguments.
    pub const INVALID_ARGUMENTS: FaultCode = FaultCode(9003);
    /// 9004: resources exceeded.
    pub const RESOURCES_EXCEEDED: FaultCode = FaultCode(9004);
    /// 9005: invalid parameter name.
    pub const INVALID_PARAMETER_NAME: FaultCode = FaultCode(9005);
    /// 9006: invalid parameter type.
    pub const INVALID_PARAMETER_TYPE: FaultCode = FaultCode(9006);
    /// 9007: invalid parameter value.
    pub const INVALID_PARAMETER_VALUE: FaultCode = FaultCode(9007);
    /// 9008: attempt to set a non-writable parameter.
    pub const NON_WRITABLE_PARAMETER: FaultCode = FaultCode(9008);
    /// 9009: notification request rejected.
    pub const NOTIFICATION_REJECTED: FaultCode = FaultCode(9009);
    /// 9010: file transfer failure.
    pub const TRANSFER_FAILURE: FaultCode = FaultCode(9010);
    /// 9011: upload failure.
    pub const UPLOAD_FAILURE: FaultCode = FaultCode(9011);
    /// 9012: file transfer server authentication failure.
    pub const TRANSFER_AUTH_FAILURE: FaultCode = FaultCode(9012);
    /// 9013: unsupported protocol for file transfer.
    pub const UNSUPPORTED_PROTOCOL: FaultCode = FaultCode(9013);
    /// 9014: unable to join multicast group.
    pub const MULTICAST_JOIN_FAILURE: FaultCode = FaultCode(9014);
    /// 9015: unable to contact file server.
    pub const CONTACT_SERVER_FAILURE: FaultCode = FaultCode(9015);
    /// 9016: unable to access file.
    pub const ACCESS_FILE_FAILURE: FaultCode = FaultCode(9016);
    /// 9017: unable to complete download.
    pub const DOWNLOAD_INCOMPLETE: FaultCode = FaultCode(9017);
    /// 9018: file corrupted.
    pub const FILE_CORRUPTED: FaultCode = FaultCode(9018);
    /// 9019: file authentication failure.
    pub const FILE_AUTH_FAILURE: FaultCode = FaultCode(9019);
    /// 9020: unable to complete download within the time windows.
    pub const WINDOW_MISSED: FaultCode = FaultCode(9020);
    /// 9021: cancelation not permitted in current transfer state.
    pub const CANCEL_NOT_PERMITTED: FaultCode = FaultCode(9021);
    /// 9022: invalid UUID format (ChangeDUState).
    pub const INVALID_UUID: FaultCode = FaultCode(9022);
    /// 9023: unknown execution environment.
    pub const UNKNOWN_EXEC_ENV: FaultCode = FaultCode(9023);
    /// 9024: disabled execution environment.
    pub const DISABLED_EXEC_ENV: FaultCode = FaultCode(9024);
    /// 9025: deployment unit to execution environment mismatch.
    pub const DU_EXEC_ENV_MISMATCH: FaultCode = FaultCode(9025);
    /// 9026: duplicate deployment unit.
    pub const DUPLICATE_DU: FaultCode = FaultCode(9026);
    /// 9027: system resources exceeded.
    pub const SYSTEM_RESOURCES_EXCEEDED: FaultCode = FaultCode(9027);
    /// 9028: unknown deployment unit.
    pub const UNKNOWN_DU: FaultCode = FaultCode(9028);
    /// 9029: invalid deployment unit state.
    pub const INVALID_DU_STATE: FaultCode = FaultCode(9029);
    /// 9030: deployment unit update refused: downgrade not permitted.
    pub const DU_DOWNGRADE: FaultCode = FaultCode(9030);
    /// 9031: deployment unit update refused: version not specified.
    pub const DU_VERSION_NOT_SPECIFIED: FaultCode = FaultCode(9031);
    /// 9032: deployment unit update refused: version already exists.
    pub const DU_VERSION_EXISTS: FaultCode = FaultCode(9032);

    /// True for the codes whose SOAP `faultcode` is `Client` (the requester is at fault).
    pub const fn is_client(self) -> bool {
        matches!(self.0, 9003 | 9005..=9008 | 8003)
    }

    /// The standard fault string for the code (digest §9.2/9.3).
    pub const fn description(self) -> &'static str {
        match self.0 {
            0 => "",
            8000 => "Method not supported",
            8001 => "Request denied",
            8002 => "Internal error",
            8003 => "Invalid arguments",
            8004 => "Resources exceeded",
            8005 => "Retry request",
            8006 => "ACS version incompatible with CPE",
            9000 => "Method not supported",
            9001 => "Request denied",
            9002 => "Internal error",
            9003 => "Invalid arguments",
            9004 => "Resources exceeded",
            9005 => "Invalid parameter name",
            9006 => "Invalid parameter type",
            9007 => "Invalid parameter value",
            9008 => "Attempt to set a non-writable parameter",
            9009 => "Notification request rejected",
            9010 => "Download failure",
            9011 => "Upload failure",
            9012 => "File transfer server authentication failure",
            9013 => "Unsupported protocol for file transfer",
            9014 => "Download failure: unable to join multicast group",
            9015 => "Download failure: unable to contact file server",
            9016 => "Download failure: unable to access file",
            9017 => "Download failure: unable to complete download",
            9018 => "Download failure: file corrupted",
            9019 => "Download failure: file authentication failure",
            9020 => "Download failure: unable to complete download within specified time windows",
            9021 => "Cancelation of file transfer not permitted in current transfer state",
            9022 => "Invalid UUID format",
            9023 => "Unknown Execution Environment",
            9024 => "Disabled Execution Environment",
            9025 => "Deployment Unit to Execution Environment mismatch",
            9026 => "Duplicate Deployment Unit",
            9027 => "System resources exceeded",
            9028 => "Unknown Deployment Unit",
            9029 => "Invalid Deployment Unit state",
            9030 => "Invalid Deployment Unit Update: downgrade not permitted",
            9031 => "Invalid Deployment Unit Update: version not specified",
            9032 => "Invalid Deployment Unit Update: version already exists",
            8800..=8899 | 9800..=9899 => "Vendor fault",
            _ => "Fault",
        }
    }
}

impl fmt::Display for FaultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_codes_match_digest_table() {
        for code in [9003, 9005, 9006, 9007, 9008] {
            assert!(FaultCode(code).is_client(), "{code}");
        }
        for code in [9000, 9001, 9002, 9004, 9009, 9010, 9021, 9032] {
            assert!(!FaultCode(code).is_client(), "{code}");
        }
    }

    #[test]
    fn every_standard_code_has_a_description() {
        for code in (8000..=8006).chain(9000..=9032) {
            let d = FaultCode(code).description();
            assert!(!d.is_empty() && d != "Fault", "{code}");
        }
    }
}
