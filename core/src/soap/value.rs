//! The `xsi:type` of a parameter value (digest §2.2).

use super::{SOAP_ENC, XSD};

/// The type a `<Value>` carries in its `xsi:type` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ValueType {
    /// `xsd:string` (also the type of a value without `xsi:type`).
    #[default]
    String,
    /// `xsd:int`.
    Int,
    /// `xsd:unsignedInt`.
    UnsignedInt,
    /// `xsd:long`.
    Long,
    /// `xsd:unsignedLong`.
    UnsignedLong,
    /// `xsd:boolean`.
    Boolean,
    /// `xsd:dateTime`.
    DateTime,
    /// `xsd:base64Binary` / `soap-enc:base64`, written as `xsd:base64` by CWMP convention.
    Base64,
    /// `xsd:hexBinary`.
    HexBinary,
    /// `xsd:decimal`.
    Decimal,
    /// A type CWMP does not define (the ACS gets 9006 for it in SetParameterValues).
    Unknown,
}

impl ValueType {
    /// The QName written in `xsi:type`, with the conventional `xsd` prefix.
    pub const fn xsi_type(self) -> &'static str {
        match self {
            ValueType::String | ValueType::Unknown => "xsd:string",
            ValueType::Int => "xsd:int",
            ValueType::UnsignedInt => "xsd:unsignedInt",
            ValueType::Long => "xsd:long",
            ValueType::UnsignedLong => "xsd:unsignedLong",
            ValueType::Boolean => "xsd:boolean",
            ValueType::DateTime => "xsd:dateTime",
            ValueType::Base64 => "xsd:base64",
            ValueType::HexBinary => "xsd:hexBinary",
            ValueType::Decimal => "xsd:decimal",
        }
    }

    /// The TR-106 data type name (`string`, `unsignedInt`...), as data models spell it.
    pub const fn name(self) -> &'static str {
        match self {
            ValueType::String | ValueType::Unknown => "string",
            ValueType::Int => "int",
            ValueType::UnsignedInt => "unsignedInt",
            ValueType::Long => "long",
            ValueType::UnsignedLong => "unsignedLong",
            ValueType::Boolean => "boolean",
            ValueType::DateTime => "dateTime",
            ValueType::Base64 => "base64",
            ValueType::HexBinary => "hexBinary",
            ValueType::Decimal => "decimal",
        }
    }

    /// The type for a TR-106 data type name (the inverse of [`ValueType::name`]).
    pub fn from_name(name: &str) -> Option<ValueType> {
        Some(match name {
            "string" => ValueType::String,
            "int" => ValueType::Int,
            "unsignedInt" => ValueType::UnsignedInt,
            "long" => ValueType::Long,
            "unsignedLong" => ValueType::UnsignedLong,
            "boolean" => ValueType::Boolean,
            "dateTime" => ValueType::DateTime,
            "base64" | "base64Binary" => ValueType::Base64,
            "hexBinary" => ValueType::HexBinary,
            "decimal" => ValueType::Decimal,
            _ => return None,
        })
    }

    /// The type named by a resolved `xsi:type` QName (namespace URI, local name).
    pub fn from_qname(namespace: &str, local: &str) -> ValueType {
        if namespace != XSD && namespace != SOAP_ENC {
            return ValueType::Unknown;
        }
        ValueType::from_name(local).unwrap_or(ValueType::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in [
            ValueType::String,
            ValueType::Int,
            ValueType::UnsignedInt,
            ValueType::Long,
            ValueType::UnsignedLong,
            ValueType::Boolean,
            ValueType::DateTime,
            ValueType::Base64,
            ValueType::HexBinary,
            ValueType::Decimal,
        ] {
            assert_eq!(ValueType::from_name(t.name()), Some(t));
            let local = t.xsi_type().strip_prefix("xsd:").unwrap();
            assert_eq!(ValueType::from_qname(XSD, local), t);
        }
    }

    #[test]
    fn foreign_namespace_is_unknown() {
        assert_eq!(ValueType::from_qname("urn:x", "string"), ValueType::Unknown);
        assert_eq!(ValueType::from_qname(XSD, "float"), ValueType::Unknown);
        assert_eq!(ValueType::from_qname(SOAP_ENC, "base64"), ValueType::Base64);
    }
}
