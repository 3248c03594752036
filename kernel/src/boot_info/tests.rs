use super::*;

/// A little physical memory image starting at `base`.
struct Image {
    base: u64,
    bytes: Vec<u8>,
}

impl Image {
    fn new(base: u64, size: usize) -> Self {
        Self { base, bytes: vec![0; size] }
    }
    fn put(&mut self, paddr: u64, data: &[u8]) {
        let at = (paddr - self.base) as usize;
        self.bytes[at..at + data.len()].copy_from_slice(data);
    }
    fn put_u32(&mut self, paddr: u64, v: u32) {
        self.put(paddr, &v.to_le_bytes());
    }
    fn put_u64(&mut self, paddr: u64, v: u64) {
        self.put(paddr, &v.to_le_bytes());
    }
}

impl PhysicalMemory for Image {
    fn read(&self, paddr: u64, buf: &mut [u8]) -> bool {
        let Some(at) = paddr.checked_sub(self.base) else { return false };
        let at = at as usize;
        match self.bytes.get(at..at + buf.len()) {
            Some(src) => {
                buf.copy_from_slice(src);
                true
            }
            None => false,
        }
    }
}

fn pvh_image(cmdline: &[u8], regions: &[(u64, u64, u32)]) -> Image {
    let mut img = Image::new(0x1000, 0x2000);
    img.put_u32(0x1000, PVH_MAGIC);
    img.put_u32(0x1004, 1);
    img.put_u64(0x1000 + 24, 0x1800);
    img.put(0x1800, cmdline);
    img.put_u64(0x1000 + 32, 0xf_5000);
    img.put_u64(0x1000 + 40, 0x1100);
    img.put_u32(0x1000 + 48, regions.len() as u32);
    for (i, &(start, len, kind)) in regions.iter().enumerate() {
        let e = 0x1100 + i as u64 * 24;
        img.put_u64(e, start);
        img.put_u64(e + 8, len);
        img.put_u32(e + 16, kind);
    }
    img
}

#[test]
fn pvh_memory_map_cmdline_and_rsdp() {
    let img = pvh_image(
        b"log=debug test_fault=page\0",
        &[(0, 0x9fc00, 1), (0x100000, 0x7ee0000, 1), (0xfffc0000, 0x40000, 2)],
    );
    let info = parse_pvh(&img, 0x1000).unwrap();
    assert_eq!(info.regions.len(), 3);
    assert_eq!(info.regions[1], MemoryRegion { start: 0x100000, len: 0x7ee0000, kind: RegionKind::Usable });
    assert_eq!(info.regions[2].kind, RegionKind::Reserved);
    assert_eq!(info.cmdline.as_str(), "log=debug test_fault=page");
    assert_eq!(info.rsdp, Some(0xf_5000));
    assert_eq!(info.usable_bytes(), 0x9fc00 + 0x7ee0000);
    assert_eq!(info.highest_usable(), 0x7fe0000);
}

#[test]
fn pvh_rejects_bad_magic_and_version_zero() {
    let mut img = pvh_image(b"\0", &[]);
    img.put_u32(0x1000, 0x1234);
    assert_eq!(parse_pvh(&img, 0x1000).unwrap_err(), BootInfoError::BadPvhMagic(0x1234));
    let mut img = pvh_image(b"\0", &[]);
    img.put_u32(0x1004, 0);
    assert_eq!(parse_pvh(&img, 0x1000).unwrap_err(), BootInfoError::NoMemoryMap);
}

#[test]
fn pvh_pointer_outside_memory_is_an_error_not_a_crash() {
    let mut img = pvh_image(b"\0", &[(0, 4096, 1)]);
    img.put_u64(0x1000 + 40, 0xdead_0000);
    assert_eq!(parse_pvh(&img, 0x1000).unwrap_err(), BootInfoError::Unreadable(0xdead_0000));
}

#[test]
fn cmdline_is_cut_and_sanitised() {
    let mut long = vec![b'a'; MAX_CMDLINE + 40];
    long[3] = b'\n';
    long.push(0);
    let img = pvh_image(&long, &[]);
    let info = parse_pvh(&img, 0x1000).unwrap();
    assert_eq!(info.cmdline.len(), MAX_CMDLINE);
    assert!(info.cmdline_truncated);
    assert_eq!(&info.cmdline[..5], "aaa a");
}

#[test]
fn too_many_regions_are_counted_not_overflowed() {
    let regions: Vec<_> = (0..MAX_REGIONS as u64 + 5).map(|i| (i * 0x1000, 0x1000, 1)).collect();
    let mut img = Image::new(0x1000, 0x4000);
    img.put_u32(0x1000, PVH_MAGIC);
    img.put_u32(0x1004, 1);
    img.put_u64(0x1000 + 40, 0x1100);
    img.put_u32(0x1000 + 48, regions.len() as u32);
    for (i, &(s, l, k)) in regions.iter().enumerate() {
        let e = 0x1100 + i as u64 * 24;
        img.put_u64(e, s);
        img.put_u64(e + 8, l);
        img.put_u32(e + 16, k);
    }
    let info = parse_pvh(&img, 0x1000).unwrap();
    assert_eq!(info.regions.len(), MAX_REGIONS);
    assert_eq!(info.regions_dropped, 5);
}

/// Builds a multiboot2 information structure at 0x8000 from (type, payload) tags.
fn mb2_image(tags: &[(u32, Vec<u8>)]) -> Image {
    let mut img = Image::new(0x8000, 0x2000);
    let mut at = 0x8008u64;
    for (kind, payload) in tags {
        img.put_u32(at, *kind);
        img.put_u32(at + 4, 8 + payload.len() as u32);
        img.put(at + 8, payload);
        at += (8 + payload.len() as u64).next_multiple_of(8);
    }
    img.put_u32(at, 0);
    img.put_u32(at + 4, 8);
    img.put_u32(0x8000, (at + 8 - 0x8000) as u32);
    img
}

fn mmap_payload(entries: &[(u64, u64, u32)]) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&24u32.to_le_bytes());
    p.extend_from_slice(&0u32.to_le_bytes());
    for &(s, l, k) in entries {
        p.extend_from_slice(&s.to_le_bytes());
        p.extend_from_slice(&l.to_le_bytes());
        p.extend_from_slice(&k.to_le_bytes());
        p.extend_from_slice(&0u32.to_le_bytes());
    }
    p
}

#[test]
fn multiboot2_tags() {
    let img = mb2_image(&[
        (MB2_TAG_CMDLINE, b"log=trace\0".to_vec()),
        (42, vec![1, 2, 3]),
        (MB2_TAG_MMAP, mmap_payload(&[(0, 0x9f000, 1), (0x100000, 0x1000000, 1), (0x1100000, 0x1000, 3)])),
        (MB2_TAG_ACPI_OLD, vec![0; 20]),
    ]);
    let info = parse_multiboot2(&img, 0x8000).unwrap();
    assert_eq!(info.cmdline.as_str(), "log=trace");
    assert_eq!(info.regions.len(), 3);
    assert_eq!(info.regions[2].kind, RegionKind::AcpiReclaimable);
    assert!(info.rsdp.is_some());
}

#[test]
fn modules_from_both_protocols() {
    let mut img = pvh_image(b"\0", &[]);
    img.put_u32(0x1000 + 12, 1);
    img.put_u64(0x1000 + 16, 0x1a00);
    img.put_u64(0x1a00, 0x80_0000);
    img.put_u64(0x1a08, 0x1234);
    let info = parse_pvh(&img, 0x1000).unwrap();
    assert_eq!(info.modules.as_slice(), &[(0x80_0000, 0x1234)]);

    let mut payload = Vec::new();
    payload.extend_from_slice(&0x90_0000u32.to_le_bytes());
    payload.extend_from_slice(&0x90_2000u32.to_le_bytes());
    payload.extend_from_slice(b"initfs\0");
    let img = mb2_image(&[(MB2_TAG_MODULE, payload)]);
    let info = parse_multiboot2(&img, 0x8000).unwrap();
    assert_eq!(info.modules.as_slice(), &[(0x90_0000, 0x2000)]);
}

#[test]
fn multiboot2_prefers_the_new_rsdp() {
    let img = mb2_image(&[(MB2_TAG_ACPI_NEW, vec![0; 36]), (MB2_TAG_ACPI_OLD, vec![0; 20])]);
    let info = parse_multiboot2(&img, 0x8000).unwrap();
    assert_eq!(info.rsdp, Some(0x8008 + MB2_TAG_HEADER));
}

#[test]
fn multiboot2_bad_tag_size() {
    let mut img = mb2_image(&[(MB2_TAG_CMDLINE, b"x\0".to_vec())]);
    img.put_u32(0x800c, 4);
    assert_eq!(parse_multiboot2(&img, 0x8000).unwrap_err(), BootInfoError::BadTag { offset: 8, size: 4 });
}

/// A framebuffer tag's payload (after type and size): address, pitch, width, height, bpp,
/// type, reserved, then `color_info`.
fn framebuffer_payload(
    addr: u64,
    pitch: u32,
    width: u32,
    height: u32,
    bpp: u8,
    kind: u8,
    color_info: &[u8],
) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&addr.to_le_bytes());
    p.extend_from_slice(&pitch.to_le_bytes());
    p.extend_from_slice(&width.to_le_bytes());
    p.extend_from_slice(&height.to_le_bytes());
    p.extend_from_slice(&[bpp, kind, 0, 0]);
    p.extend_from_slice(color_info);
    p
}

#[test]
fn multiboot2_rgb_framebuffer_above_4_gib() {
    let payload = framebuffer_payload(0x8_0000_0000, 4096, 1024, 768, 32, 1, &[16, 8, 8, 8, 0, 8, 0, 0]);
    let img = mb2_image(&[(MB2_TAG_CMDLINE, b"x\0".to_vec()), (MB2_TAG_FRAMEBUFFER, payload)]);
    let info = parse_multiboot2(&img, 0x8000).unwrap();
    let fb = info.framebuffer.expect("a framebuffer");
    assert_eq!((fb.addr, fb.pitch, fb.width, fb.height, fb.bpp), (0x8_0000_0000, 4096, 1024, 768, 32));
    let field = |position, size| ColorField { position, size };
    assert_eq!(fb.kind, FramebufferKind::Rgb { red: field(16, 8), green: field(8, 8), blue: field(0, 8) });
    assert_eq!(fb.len(), 4096 * 768);
    assert_eq!(info.cmdline.as_str(), "x");
}

#[test]
fn multiboot2_rgb565_framebuffer() {
    let payload = framebuffer_payload(0xfd00_0000, 1600, 800, 600, 16, 1, &[11, 5, 5, 6, 0, 5]);
    let info = parse_multiboot2(&mb2_image(&[(MB2_TAG_FRAMEBUFFER, payload)]), 0x8000).unwrap();
    let field = |position, size| ColorField { position, size };
    assert_eq!(
        info.framebuffer.unwrap().kind,
        FramebufferKind::Rgb { red: field(11, 5), green: field(5, 6), blue: field(0, 5) }
    );
}

#[test]
fn multiboot2_ega_text_and_indexed_framebuffers() {
    let payload = framebuffer_payload(0xb8000, 160, 80, 25, 16, 2, &[]);
    let info = parse_multiboot2(&mb2_image(&[(MB2_TAG_FRAMEBUFFER, payload)]), 0x8000).unwrap();
    let fb = info.framebuffer.unwrap();
    assert_eq!((fb.addr, fb.width, fb.height, fb.kind), (0xb8000, 80, 25, FramebufferKind::EgaText));

    let payload = framebuffer_payload(0xa0000, 320, 320, 200, 8, 0, &[16, 0, 0, 0, 0, 0]);
    let info = parse_multiboot2(&mb2_image(&[(MB2_TAG_FRAMEBUFFER, payload)]), 0x8000).unwrap();
    assert_eq!(info.framebuffer.unwrap().kind, FramebufferKind::Indexed { colors: 16 });
}

#[test]
fn multiboot2_framebuffer_of_unknown_kind_or_short_is_ignored() {
    let payload = framebuffer_payload(0xfd00_0000, 4096, 1024, 768, 32, 7, &[0; 8]);
    let info = parse_multiboot2(&mb2_image(&[(MB2_TAG_FRAMEBUFFER, payload)]), 0x8000).unwrap();
    assert_eq!(info.framebuffer, None);
    // An RGB tag without its channel fields.
    let payload = framebuffer_payload(0xfd00_0000, 4096, 1024, 768, 32, 1, &[]);
    let info = parse_multiboot2(&mb2_image(&[(MB2_TAG_FRAMEBUFFER, payload)]), 0x8000).unwrap();
    assert_eq!(info.framebuffer, None);
    // PVH never carries one.
    assert_eq!(parse_pvh(&pvh_image(b"\0", &[]), 0x1000).unwrap().framebuffer, None);
}

#[test]
fn multiboot2_framebuffer_too_large_or_beyond_physical_addresses_is_ignored() {
    let payload = framebuffer_payload(0xfd00_0000, 1 << 20, 1 << 18, 1024, 32, 1, &[16, 8, 8, 8, 0, 8]);
    let info = parse_multiboot2(&mb2_image(&[(MB2_TAG_FRAMEBUFFER, payload)]), 0x8000).unwrap();
    assert_eq!(info.framebuffer, None);
    let payload = framebuffer_payload(u64::MAX - 4095, 4096, 1024, 768, 32, 1, &[16, 8, 8, 8, 0, 8]);
    let info = parse_multiboot2(&mb2_image(&[(MB2_TAG_FRAMEBUFFER, payload)]), 0x8000).unwrap();
    assert_eq!(info.framebuffer, None);
}
