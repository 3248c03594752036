//! The ACPI table directory: the RSDP (from the boot loader or found by scanning the BIOS
//! areas), the RSDT or XSDT it points to, and the system description tables they list.
//!
//! Everything is read through [`PhysicalMemory`] and copied: a table is checked (length
//! within [`MAX_TABLE_LEN`], checksum zero) before anything in it is believed, and every
//! field read afterwards is bounded by the table's own length, so a bad table is an error,
//! never a panic.

use alloc::vec::Vec;
use core::fmt;

use crate::boot_info::PhysicalMemory;

/// Bytes of the common header of every system description table.
pub const SDT_HEADER_LEN: usize = 36;
/// Longest table accepted (real DSDTs reach a few hundred KiB).
pub const MAX_TABLE_LEN: u32 = 16 << 20;
/// Most entries of the RSDT or XSDT looked at.
pub const MAX_ROOT_ENTRIES: usize = 256;

const RSDP_SIGNATURE: &[u8; 8] = b"RSD PTR ";
const RSDP_V1_LEN: usize = 20;
const RSDP_V2_LEN: usize = 36;
/// The BIOS data area word holding the EBDA's real-mode segment.
const EBDA_POINTER: u64 = 0x40e;
/// The part of the EBDA the RSDP may be in.
const EBDA_SCAN_LEN: u64 = 1024;
/// The BIOS read-only area the RSDP may be in.
const BIOS_AREA: core::ops::Range<u64> = 0xe_0000..0x10_0000;

/// A table's four-character signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u8; 4]);

impl Signature {
    /// The Fixed ACPI Description Table.
    pub const FADT: Self = Self(*b"FACP");
    /// The Multiple APIC Description Table.
    pub const MADT: Self = Self(*b"APIC");
    /// The Differentiated System Description Table (AML).
    pub const DSDT: Self = Self(*b"DSDT");
    /// The Root System Description Table (32-bit entries).
    pub const RSDT: Self = Self(*b"RSDT");
    /// The Extended System Description Table (64-bit entries).
    pub const XSDT: Self = Self(*b"XSDT");
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in &self.0 {
            let c = if b.is_ascii_graphic() { b as char } else { '?' };
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Why ACPI information could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcpiError {
    /// No valid RSDP: not from the loader, not in the EBDA, not in the BIOS area.
    NoRsdp,
    /// A pointer led to unreadable memory.
    Unreadable(u64),
    /// A structure's bytes do not sum to zero.
    BadChecksum { signature: Signature, paddr: u64 },
    /// A table was not the one its pointer promised.
    WrongSignature { expected: Signature, found: Signature, paddr: u64 },
    /// A table's length is shorter than its header or longer than [`MAX_TABLE_LEN`].
    BadLength { signature: Signature, paddr: u64, len: u32 },
    /// The root table does not list this table.
    NotFound(Signature),
    /// A table lacks a field the kernel needs (or has it in an impossible form).
    Malformed(Signature, &'static str),
    /// The kernel heap could not hold the table.
    OutOfMemory,
}

/// Where the table directory starts, copied out of the RSDP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rsdp {
    /// Where the RSDP was found (for GRUB, a copy inside the multiboot2 information).
    pub paddr: u64,
    /// 0 for ACPI 1.0, 2 and up for ACPI 2.0 and later.
    pub revision: u8,
    /// The firmware vendor.
    pub oem_id: [u8; 6],
    /// Physical address of the RSDT.
    pub rsdt: u32,
    /// Physical address of the XSDT (ACPI 2.0 and later, when set).
    pub xsdt: Option<u64>,
}

fn checksum_ok(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |sum, &b| sum.wrapping_add(b)) == 0
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn le_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// Decodes and checks the RSDP at `paddr`.
pub fn read_rsdp(mem: &impl PhysicalMemory, paddr: u64) -> Result<Rsdp, AcpiError> {
    let signature = Signature(*b"RSDP");
    let mut bytes = [0u8; RSDP_V2_LEN];
    if !mem.read(paddr, &mut bytes[..RSDP_V1_LEN]) {
        return Err(AcpiError::Unreadable(paddr));
    }
    if &bytes[..8] != RSDP_SIGNATURE {
        let mut found = [0; 4];
        found.copy_from_slice(&bytes[..4]);
        return Err(AcpiError::WrongSignature { expected: signature, found: Signature(found), paddr });
    }
    if !checksum_ok(&bytes[..RSDP_V1_LEN]) {
        return Err(AcpiError::BadChecksum { signature, paddr });
    }
    let mut oem_id = [0; 6];
    oem_id.copy_from_slice(&bytes[9..15]);
    let revision = bytes[15];
    let rsdt = le_u32(&bytes, 16).unwrap_or(0);
    let mut xsdt = None;
    if revision >= 2 {
        // The extended part: its own length and checksum over all 36 bytes.
        if !mem.read(paddr + RSDP_V1_LEN as u64, &mut bytes[RSDP_V1_LEN..]) {
            return Err(AcpiError::Unreadable(paddr + RSDP_V1_LEN as u64));
        }
        let len = le_u32(&bytes, 20).unwrap_or(0);
        if (len as usize) < RSDP_V2_LEN {
            return Err(AcpiError::BadLength { signature, paddr, len });
        }
        if !checksum_ok(&bytes) {
            return Err(AcpiError::BadChecksum { signature, paddr });
        }
        xsdt = le_u64(&bytes, 24).filter(|&a| a != 0);
    }
    Ok(Rsdp { paddr, revision, oem_id, rsdt, xsdt })
}

/// The first valid RSDP on a 16-byte boundary in `range`.
fn scan_for_rsdp(mem: &impl PhysicalMemory, range: core::ops::Range<u64>) -> Option<Rsdp> {
    let mut paddr = range.start.next_multiple_of(16);
    while paddr + RSDP_V1_LEN as u64 <= range.end {
        let mut signature = [0u8; 8];
        if mem.read(paddr, &mut signature)
            && &signature == RSDP_SIGNATURE
            && let Ok(rsdp) = read_rsdp(mem, paddr)
        {
            return Some(rsdp);
        }
        paddr += 16;
    }
    None
}

/// Finds the RSDP: the boot loader's pointer if it leads to a valid one, else a scan of
/// the first KiB of the EBDA and of the BIOS area 0xE0000-0xFFFFF (the ACPI spec's
/// places on a BIOS machine).
pub fn find_rsdp(mem: &impl PhysicalMemory, from_loader: Option<u64>) -> Result<Rsdp, AcpiError> {
    if let Some(rsdp) = from_loader.and_then(|paddr| read_rsdp(mem, paddr).ok()) {
        return Ok(rsdp);
    }
    let mut segment = [0u8; 2];
    if mem.read(EBDA_POINTER, &mut segment) {
        let ebda = u64::from(u16::from_le_bytes(segment)) << 4;
        if ebda != 0
            && let Some(rsdp) = scan_for_rsdp(mem, ebda..ebda + EBDA_SCAN_LEN)
        {
            return Ok(rsdp);
        }
    }
    scan_for_rsdp(mem, BIOS_AREA).ok_or(AcpiError::NoRsdp)
}

/// A whole system description table, copied and checked: at least a header long, its
/// length field equal to its size, its checksum zero (kept so by private fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    paddr: u64,
    bytes: Vec<u8>,
}

impl Table {
    /// Where it is.
    pub fn paddr(&self) -> u64 {
        self.paddr
    }

    /// All of it, header included.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The table's signature.
    pub fn signature(&self) -> Signature {
        let mut s = [0; 4];
        s.copy_from_slice(&self.bytes[..4]);
        Signature(s)
    }

    /// The header's revision byte.
    pub fn revision(&self) -> u8 {
        self.bytes[8]
    }

    /// The bytes after the header.
    pub fn body(&self) -> &[u8] {
        &self.bytes[SDT_HEADER_LEN..]
    }

    /// The table from the bytes of a table image (the tests' fixtures and the loader).
    pub fn from_bytes(paddr: u64, bytes: Vec<u8>) -> Result<Self, AcpiError> {
        let signature = match bytes.get(..4) {
            Some(s) => Signature([s[0], s[1], s[2], s[3]]),
            None => return Err(AcpiError::BadLength { signature: Signature(*b"????"), paddr, len: 0 }),
        };
        let len = le_u32(&bytes, 4).unwrap_or(0);
        if bytes.len() < SDT_HEADER_LEN || len as usize != bytes.len() {
            return Err(AcpiError::BadLength { signature, paddr, len });
        }
        if !checksum_ok(&bytes) {
            return Err(AcpiError::BadChecksum { signature, paddr });
        }
        Ok(Self { paddr, bytes })
    }
}

/// Reads and checks the table at `paddr`, which must carry `expected`.
pub fn load_table(mem: &impl PhysicalMemory, paddr: u64, expected: Signature) -> Result<Table, AcpiError> {
    let mut header = [0u8; SDT_HEADER_LEN];
    if paddr == 0 || !mem.read(paddr, &mut header) {
        return Err(AcpiError::Unreadable(paddr));
    }
    let found = Signature([header[0], header[1], header[2], header[3]]);
    if found != expected {
        return Err(AcpiError::WrongSignature { expected, found, paddr });
    }
    let len = le_u32(&header, 4).unwrap_or(0);
    if (len as usize) < SDT_HEADER_LEN || len > MAX_TABLE_LEN {
        return Err(AcpiError::BadLength { signature: found, paddr, len });
    }
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(len as usize).map_err(|_| AcpiError::OutOfMemory)?;
    bytes.resize(len as usize, 0);
    if !mem.read(paddr, &mut bytes) {
        return Err(AcpiError::Unreadable(paddr));
    }
    Table::from_bytes(paddr, bytes)
}

/// The root table (XSDT when there is a valid one, else RSDT) and its entry width.
pub struct RootTable {
    table: Table,
    entry_width: usize,
}

impl RootTable {
    /// Loads the XSDT, or the RSDT when there is no XSDT or it is unusable.
    pub fn load(mem: &impl PhysicalMemory, rsdp: &Rsdp) -> Result<Self, AcpiError> {
        let xsdt = rsdp.xsdt.map(|paddr| load_table(mem, paddr, Signature::XSDT));
        match xsdt {
            Some(Ok(table)) => Ok(Self { table, entry_width: 8 }),
            Some(Err(e)) if rsdp.rsdt == 0 => Err(e),
            _ => Ok(Self { table: load_table(mem, u64::from(rsdp.rsdt), Signature::RSDT)?, entry_width: 4 }),
        }
    }

    /// The table itself.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The physical addresses the root table lists (at most [`MAX_ROOT_ENTRIES`]).
    pub fn entries(&self) -> impl Iterator<Item = u64> + '_ {
        self.table.body().chunks_exact(self.entry_width).take(MAX_ROOT_ENTRIES).map(|entry| match entry.len() {
            8 => le_u64(entry, 0).unwrap_or(0),
            _ => u64::from(le_u32(entry, 0).unwrap_or(0)),
        })
    }

    /// Loads the first valid table with `signature` the root table lists.
    pub fn find(&self, mem: &impl PhysicalMemory, signature: Signature) -> Result<Table, AcpiError> {
        let mut first_error = None;
        for paddr in self.entries() {
            let mut found = [0u8; 4];
            if paddr == 0 || !mem.read(paddr, &mut found) || Signature(found) != signature {
                continue;
            }
            match load_table(mem, paddr, signature) {
                Ok(table) => return Ok(table),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or(AcpiError::NotFound(signature)))
    }
}
