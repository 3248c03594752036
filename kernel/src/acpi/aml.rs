//! Just enough AML to find a sleep state's `SLP_TYPa`/`SLP_TYPb` values: the DSDT's
//! `Name (_S5_, Package () { a, b, ... })`.
//!
//! No interpreter: the decoder looks for the name preceded by `NameOp` (possibly with
//! the root prefix `\`), then decodes `PackageOp`, `PkgLength`, `NumElements` and the
//! leading integer constants (`ZeroOp`, `OneOp`, `BytePrefix`, `WordPrefix`,
//! `DWordPrefix`, `QWordPrefix`), every read checked against the package's and the
//! table's end (ACPI 6.5, 20.2.3 and 20.2.5.4). An `_S5_` that is a method, or whose
//! elements are not constants, is not understood.

/// The two sleep type values of a sleep state, for PM1a and PM1b.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SleepType {
    /// SLP_TYPa (PM1a_CNT bits 10-12).
    pub a: u8,
    /// SLP_TYPb (PM1b_CNT bits 10-12).
    pub b: u8,
}

/// Why the sleep type could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmlError {
    /// No `Name (_Sx_, ...)` in the AML.
    NotFound,
    /// The name is not followed by a package.
    NotAPackage,
    /// The package runs past the end of the table.
    Truncated,
    /// The package has no elements.
    Empty,
    /// An element is not an integer constant (its opcode).
    NotAnInteger(u8),
    /// A sleep type value that does not fit the 3-bit field.
    OutOfRange(u64),
}

const NAME_OP: u8 = 0x08;
const ROOT_PREFIX: u8 = b'\\';
const PACKAGE_OP: u8 = 0x12;
const ZERO_OP: u8 = 0x00;
const ONE_OP: u8 = 0x01;
const ONES_OP: u8 = 0xff;
const BYTE_PREFIX: u8 = 0x0a;
const WORD_PREFIX: u8 = 0x0b;
const DWORD_PREFIX: u8 = 0x0c;
const QWORD_PREFIX: u8 = 0x0e;

/// Largest sleep type value (a 3-bit field).
const MAX_SLEEP_TYPE: u64 = 7;

/// Decodes a `PkgLength` at `bytes[0..]`: (the length it encodes, bytes it took).
fn pkg_length(bytes: &[u8]) -> Option<(usize, usize)> {
    let lead = *bytes.first()?;
    let follow = usize::from(lead >> 6);
    if follow == 0 {
        return Some((usize::from(lead & 0x3f), 1));
    }
    let mut len = usize::from(lead & 0x0f);
    for i in 0..follow {
        len |= usize::from(*bytes.get(1 + i)?) << (4 + 8 * i);
    }
    Some((len, 1 + follow))
}

/// Decodes an integer constant at `bytes[0..]`: (value, bytes it took).
fn integer(bytes: &[u8]) -> Result<(u64, usize), AmlError> {
    let op = *bytes.first().ok_or(AmlError::Truncated)?;
    let width = match op {
        ZERO_OP => return Ok((0, 1)),
        ONE_OP => return Ok((1, 1)),
        ONES_OP => return Ok((u64::MAX, 1)),
        BYTE_PREFIX => 1,
        WORD_PREFIX => 2,
        DWORD_PREFIX => 4,
        QWORD_PREFIX => 8,
        other => return Err(AmlError::NotAnInteger(other)),
    };
    let data = bytes.get(1..1 + width).ok_or(AmlError::Truncated)?;
    let value = data.iter().rev().fold(0u64, |v, &b| v << 8 | u64::from(b));
    Ok((value, 1 + width))
}

fn sleep_value(v: u64) -> Result<u8, AmlError> {
    if v > MAX_SLEEP_TYPE { Err(AmlError::OutOfRange(v)) } else { Ok(v as u8) }
}

/// Decodes the package that starts at `bytes[0]` (the `PackageOp`); `bytes` ends where
/// the table does.
pub fn decode_sleep_package(bytes: &[u8]) -> Result<SleepType, AmlError> {
    if bytes.first() != Some(&PACKAGE_OP) {
        return Err(AmlError::NotAPackage);
    }
    let (len, len_bytes) = pkg_length(&bytes[1..]).ok_or(AmlError::Truncated)?;
    // PkgLength counts itself and what follows it, not the PackageOp.
    let end = 1 + len;
    if end > bytes.len() || len < len_bytes + 1 {
        return Err(AmlError::Truncated);
    }
    let package = &bytes[..end];
    let count = usize::from(package[1 + len_bytes]);
    let mut at = 2 + len_bytes;
    let mut values = [0u64; 2];
    let mut decoded = 0;
    while decoded < count.min(2) && at < package.len() {
        let (value, used) = integer(&package[at..])?;
        values[decoded] = value;
        decoded += 1;
        at += used;
    }
    match decoded {
        0 => Err(AmlError::Empty),
        // One integer holds both (ACPICA's reading of old firmware): a in the low byte,
        // b in the next.
        1 => Ok(SleepType { a: sleep_value(values[0] & 0xff)?, b: sleep_value(values[0] >> 8 & 0xff)? }),
        _ => Ok(SleepType { a: sleep_value(values[0])?, b: sleep_value(values[1])? }),
    }
}

/// Finds `Name (_Sx_, Package ...)` for sleep state `state` (5: soft off) in the AML
/// `aml` (a DSDT's or SSDT's body) and decodes its sleep types.
pub fn find_sleep_type(aml: &[u8], state: u8) -> Result<SleepType, AmlError> {
    let name = [b'_', b'S', b'0' + state.min(9), b'_'];
    let mut first_error = None;
    let mut at = 0;
    while let Some(found) = aml.get(at..).and_then(|rest| rest.windows(4).position(|w| w == name)) {
        let p = at + found;
        at = p + 1;
        let named = match p {
            0 => false,
            _ if aml[p - 1] == NAME_OP => true,
            1 => false,
            _ => aml[p - 1] == ROOT_PREFIX && aml[p - 2] == NAME_OP,
        };
        if !named {
            continue;
        }
        match decode_sleep_package(&aml[p + 4..]) {
            Ok(sleep) => return Ok(sleep),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(AmlError::NotFound))
}
