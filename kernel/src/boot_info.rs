//! Boot information: the physical memory map, the command line, the ACPI root pointer and
//! the framebuffer, decoded from either the Xen PVH start info (QEMU `-kernel`) or the multiboot2
//! information (GRUB).
//!
//! The parsers only read through [`PhysicalMemory`], so they are safe code and run on the
//! host against byte images in the tests. Everything is copied into a fixed-size
//! [`BootInfo`] before the frame allocator may reuse the memory that held it.

use arrayvec::{ArrayString, ArrayVec};

/// Most memory map entries kept; firmware maps rarely have more than a few dozen.
pub const MAX_REGIONS: usize = 128;
/// Most boot modules kept.
pub const MAX_MODULES: usize = 8;
/// Longest command line kept; the rest is dropped (and reported).
pub const MAX_CMDLINE: usize = 512;
/// The largest framebuffer kept (a bigger one is a loader's mistake).
pub const MAX_FRAMEBUFFER_BYTES: u64 = 256 << 20;
/// Physical addresses end here (x86_64's architectural limit of 52 bits).
const PHYS_ADDR_LIMIT: u64 = 1 << 52;

const PVH_MAGIC: u32 = 0x336e_c578;
const MB2_TAG_END: u32 = 0;
const MB2_TAG_CMDLINE: u32 = 1;
const MB2_TAG_MODULE: u32 = 3;
const MB2_TAG_MMAP: u32 = 6;
const MB2_TAG_FRAMEBUFFER: u32 = 8;
const MB2_TAG_ACPI_OLD: u32 = 14;
const MB2_TAG_ACPI_NEW: u32 = 15;
/// Bytes of an RSDP tag header before the RSDP copy itself.
const MB2_TAG_HEADER: u64 = 8;

/// Read access to physical memory, as the boot code sees it.
pub trait PhysicalMemory {
    /// Fills `buf` from physical address `paddr`; `false` if the range is not readable.
    fn read(&self, paddr: u64, buf: &mut [u8]) -> bool;
}

/// What a memory map entry says about its range (the E820 types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionKind {
    /// Free RAM.
    Usable,
    /// ACPI tables, reclaimable once they are parsed.
    AcpiReclaimable,
    /// ACPI non-volatile storage.
    AcpiNvs,
    /// Defective RAM.
    Bad,
    /// Anything else.
    Reserved,
}

impl RegionKind {
    fn from_e820(kind: u32) -> Self {
        match kind {
            1 => Self::Usable,
            3 => Self::AcpiReclaimable,
            4 => Self::AcpiNvs,
            5 => Self::Bad,
            _ => Self::Reserved,
        }
    }
}

/// One range of physical memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryRegion {
    /// First byte.
    pub start: u64,
    /// Length in bytes.
    pub len: u64,
    /// What the firmware says the range is.
    pub kind: RegionKind,
}

impl MemoryRegion {
    /// One past the last byte, saturating.
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }
}

/// One colour channel of a direct-colour framebuffer pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColorField {
    /// Bit position of the channel's least significant bit in the pixel.
    pub position: u8,
    /// Bits in the channel.
    pub size: u8,
}

/// How a framebuffer's memory is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FramebufferKind {
    /// Palette indices (multiboot2 type 0); `colors` palette entries follow in the tag.
    Indexed { colors: u16 },
    /// Direct colour (type 1) with each channel's place in the pixel.
    Rgb { red: ColorField, green: ColorField, blue: ColorField },
    /// EGA text cells (type 2): `width` x `height` characters of 2 bytes.
    EgaText,
}

/// The display the boot loader set up (multiboot2 tag 8: GRUB's VBE or GOP mode, or text).
/// A kept one spans at most [`MAX_FRAMEBUFFER_BYTES`] and ends below 2^52.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framebuffer {
    /// Physical address of the first pixel (or cell); may lie above 4 GiB.
    pub addr: u64,
    /// Bytes from one pixel row (or text row) to the next.
    pub pitch: u32,
    /// Pixels (or characters) per row.
    pub width: u32,
    /// Rows of pixels (or characters).
    pub height: u32,
    /// Bits per pixel (16 per cell for text).
    pub bpp: u8,
    /// The pixel format.
    pub kind: FramebufferKind,
}

impl Framebuffer {
    /// Bytes the framebuffer spans from `addr`.
    pub fn len(&self) -> u64 {
        u64::from(self.pitch) * u64::from(self.height)
    }

    /// Whether the framebuffer spans no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why boot information could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootInfoError {
    /// A pointer in the structure led to unreadable memory.
    Unreadable(u64),
    /// The PVH magic number was wrong.
    BadPvhMagic(u32),
    /// PVH start info version 0 has no memory map.
    NoMemoryMap,
    /// A multiboot2 tag had an impossible size.
    BadTag { offset: u64, size: u32 },
}

/// Everything the kernel keeps from the boot loader.
#[derive(Clone, Debug, Default)]
pub struct BootInfo {
    /// The physical memory map as given (unsorted, possibly overlapping).
    pub regions: ArrayVec<MemoryRegion, MAX_REGIONS>,
    /// Entries dropped because `regions` was full.
    pub regions_dropped: usize,
    /// The kernel command line.
    pub cmdline: ArrayString<MAX_CMDLINE>,
    /// Whether the command line was cut to fit.
    pub cmdline_truncated: bool,
    /// Physical address of the ACPI RSDP, if the loader gave one.
    pub rsdp: Option<u64>,
    /// Boot modules (start, length): the first one is the initfs image.
    pub modules: ArrayVec<(u64, u64), MAX_MODULES>,
    /// The framebuffer the loader set up, if it said so (PVH never does).
    pub framebuffer: Option<Framebuffer>,
}

impl BootInfo {
    /// Total bytes of usable RAM.
    pub fn usable_bytes(&self) -> u64 {
        self.regions.iter().filter(|r| r.kind == RegionKind::Usable).map(|r| r.len).sum()
    }

    /// One past the highest usable byte.
    pub fn highest_usable(&self) -> u64 {
        self.regions.iter().filter(|r| r.kind == RegionKind::Usable).map(MemoryRegion::end).max().unwrap_or(0)
    }

    fn push_region(&mut self, start: u64, len: u64, kind: u32) {
        if len == 0 {
            return;
        }
        let region = MemoryRegion { start, len, kind: RegionKind::from_e820(kind) };
        if self.regions.try_push(region).is_err() {
            self.regions_dropped += 1;
        }
    }

    fn set_cmdline(&mut self, bytes: &[u8]) {
        let text = bytes.split(|&b| b == 0).next().unwrap_or(&[]);
        for &b in text {
            // Keep printable ASCII only: the command line is echoed to the console.
            let c = if (0x20..0x7f).contains(&b) { b as char } else { ' ' };
            if self.cmdline.try_push(c).is_err() {
                self.cmdline_truncated = true;
                break;
            }
        }
    }
}

fn read_u32(mem: &impl PhysicalMemory, paddr: u64) -> Result<u32, BootInfoError> {
    let mut buf = [0; 4];
    if mem.read(paddr, &mut buf) { Ok(u32::from_le_bytes(buf)) } else { Err(BootInfoError::Unreadable(paddr)) }
}

fn read_u8(mem: &impl PhysicalMemory, paddr: u64) -> Result<u8, BootInfoError> {
    let mut buf = [0; 1];
    if mem.read(paddr, &mut buf) { Ok(buf[0]) } else { Err(BootInfoError::Unreadable(paddr)) }
}

fn read_u64(mem: &impl PhysicalMemory, paddr: u64) -> Result<u64, BootInfoError> {
    let mut buf = [0; 8];
    if mem.read(paddr, &mut buf) { Ok(u64::from_le_bytes(buf)) } else { Err(BootInfoError::Unreadable(paddr)) }
}

/// Reads a NUL-terminated string of at most `MAX_CMDLINE` bytes.
fn read_cstr(mem: &impl PhysicalMemory, paddr: u64, info: &mut BootInfo) -> Result<(), BootInfoError> {
    let mut buf = [0u8; MAX_CMDLINE + 1];
    // Read byte by byte up to the NUL: the string may end right before unreadable memory.
    let mut len = 0;
    while len < buf.len() {
        let mut byte = [0u8];
        if !mem.read(paddr + len as u64, &mut byte) {
            return Err(BootInfoError::Unreadable(paddr + len as u64));
        }
        if byte[0] == 0 {
            break;
        }
        buf[len] = byte[0];
        len += 1;
    }
    info.set_cmdline(&buf[..len]);
    Ok(())
}

/// Decodes a Xen PVH `hvm_start_info` at `paddr`.
pub fn parse_pvh(mem: &impl PhysicalMemory, paddr: u64) -> Result<BootInfo, BootInfoError> {
    let magic = read_u32(mem, paddr)?;
    if magic != PVH_MAGIC {
        return Err(BootInfoError::BadPvhMagic(magic));
    }
    let version = read_u32(mem, paddr + 4)?;
    if version < 1 {
        return Err(BootInfoError::NoMemoryMap);
    }
    let mut info = BootInfo::default();
    let cmdline = read_u64(mem, paddr + 24)?;
    let rsdp = read_u64(mem, paddr + 32)?;
    let nr_modules = read_u32(mem, paddr + 12)?;
    let modlist = read_u64(mem, paddr + 16)?;
    for i in 0..u64::from(nr_modules).min(MAX_MODULES as u64) {
        let entry = modlist + i * 32;
        let _ = info.modules.try_push((read_u64(mem, entry)?, read_u64(mem, entry + 8)?));
    }
    let memmap = read_u64(mem, paddr + 40)?;
    let entries = read_u32(mem, paddr + 48)?;
    if cmdline != 0 {
        read_cstr(mem, cmdline, &mut info)?;
    }
    info.rsdp = (rsdp != 0).then_some(rsdp);
    for i in 0..u64::from(entries) {
        let entry = memmap + i * 24;
        info.push_region(read_u64(mem, entry)?, read_u64(mem, entry + 8)?, read_u32(mem, entry + 16)?);
    }
    Ok(info)
}

/// Decodes a multiboot2 information structure at `paddr`.
pub fn parse_multiboot2(mem: &impl PhysicalMemory, paddr: u64) -> Result<BootInfo, BootInfoError> {
    let total = u64::from(read_u32(mem, paddr)?);
    let end = paddr + total;
    let mut info = BootInfo::default();
    let mut tag = paddr + 8;
    while tag + 8 <= end {
        let kind = read_u32(mem, tag)?;
        let size = read_u32(mem, tag + 4)?;
        if kind == MB2_TAG_END {
            break;
        }
        if size < 8 || tag + u64::from(size) > end {
            return Err(BootInfoError::BadTag { offset: tag - paddr, size });
        }
        match kind {
            MB2_TAG_CMDLINE => read_cstr(mem, tag + 8, &mut info)?,
            MB2_TAG_MODULE => {
                let start = u64::from(read_u32(mem, tag + 8)?);
                let end = u64::from(read_u32(mem, tag + 12)?);
                if end >= start {
                    let _ = info.modules.try_push((start, end - start));
                }
            }
            MB2_TAG_MMAP => {
                let entry_size = u64::from(read_u32(mem, tag + 8)?);
                if entry_size < 24 {
                    return Err(BootInfoError::BadTag { offset: tag - paddr, size });
                }
                let mut entry = tag + 16;
                while entry + entry_size <= tag + u64::from(size) {
                    info.push_region(read_u64(mem, entry)?, read_u64(mem, entry + 8)?, read_u32(mem, entry + 16)?);
                    entry += entry_size;
                }
            }
            // The newer RSDP wins over the ACPI 1.0 one when both are present.
            MB2_TAG_ACPI_NEW => info.rsdp = Some(tag + MB2_TAG_HEADER),
            MB2_TAG_ACPI_OLD if info.rsdp.is_none() => info.rsdp = Some(tag + MB2_TAG_HEADER),
            MB2_TAG_FRAMEBUFFER => info.framebuffer = parse_framebuffer(mem, tag, size)?,
            _ => {}
        }
        tag += u64::from(size).next_multiple_of(8);
    }
    Ok(info)
}

/// Decodes a multiboot2 framebuffer tag of `size` bytes at `tag`, laid out as GRUB writes
/// it (`struct multiboot_tag_framebuffer`): address, pitch, width, height, bpp, type, a
/// 16-bit reserved field, then the colour information from byte 32. A framebuffer kind
/// this kernel does not know, a tag too short for its kind, or a framebuffer too large or
/// beyond physical addresses gives `None`.
fn parse_framebuffer(mem: &impl PhysicalMemory, tag: u64, size: u32) -> Result<Option<Framebuffer>, BootInfoError> {
    const COLOR_INFO: u64 = 32;
    if u64::from(size) < COLOR_INFO {
        return Ok(None);
    }
    let field = |at: u64| -> Result<ColorField, BootInfoError> {
        Ok(ColorField { position: read_u8(mem, tag + at)?, size: read_u8(mem, tag + at + 1)? })
    };
    let kind = match read_u8(mem, tag + 29)? {
        0 if u64::from(size) >= COLOR_INFO + 2 => {
            let mut buf = [0; 2];
            if !mem.read(tag + COLOR_INFO, &mut buf) {
                return Err(BootInfoError::Unreadable(tag + COLOR_INFO));
            }
            FramebufferKind::Indexed { colors: u16::from_le_bytes(buf) }
        }
        1 if u64::from(size) >= COLOR_INFO + 6 => FramebufferKind::Rgb {
            red: field(COLOR_INFO)?,
            green: field(COLOR_INFO + 2)?,
            blue: field(COLOR_INFO + 4)?,
        },
        2 => FramebufferKind::EgaText,
        _ => return Ok(None),
    };
    let fb = Framebuffer {
        addr: read_u64(mem, tag + 8)?,
        pitch: read_u32(mem, tag + 16)?,
        width: read_u32(mem, tag + 20)?,
        height: read_u32(mem, tag + 24)?,
        bpp: read_u8(mem, tag + 28)?,
        kind,
    };
    let fits = fb.len() <= MAX_FRAMEBUFFER_BYTES && fb.addr < PHYS_ADDR_LIMIT - MAX_FRAMEBUFFER_BYTES;
    Ok(fits.then_some(fb))
}

#[cfg(test)]
mod tests;
