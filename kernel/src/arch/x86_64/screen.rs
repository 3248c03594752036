//! The screen console: everything the serial console prints (kernel log lines, fatal
//! reports, the guest programs' output through `/scheme/debug`) is also drawn on the
//! screen, through the portable grid and glyph drawing of `kestrel-console`.
//!
//! The screen is, in this order of preference:
//! - the linear framebuffer the boot loader reports (multiboot2 tag 8: GRUB's VBE mode
//!   under BIOS, its GOP mode under UEFI), drawn with 7x16 glyphs, 16, 24 or 32 bits per
//!   pixel; the grid jumps a quarter of the screen when it scrolls, so that a full
//!   redraw (the cells whose character changed) is paid once per several lines;
//! - EGA text the loader reports (multiboot2 framebuffer type 2), cells at 0xb8000;
//! - with no framebuffer information (PVH `-kernel`, or a loader that set no mode): VGA
//!   text at 0xb8000, but only when the BIOS data area says a colour text mode (2 or 3) is
//!   set and the VGA miscellaneous output register answers (an absent VGA reads 0xff).
//!   A UEFI-only machine without legacy VGA fails that test, and 0xb8000 is left alone.
//!
//! An indexed-colour framebuffer is not drawn on. Framebuffer memory is written with
//! ordinary stores through the direct map (a framebuffer above the direct map is mapped
//! uncached by `paging::init`); nothing reads it back.
//!
//! Lock order: `SCREEN` is taken only under the serial console's lock (`serial::CONSOLE`),
//! and nothing is taken under it. The fatal paths do not wait for it: if it is held when
//! they print (the fault may have struck while drawing), the screen is given up for good
//! and the report goes to the serial port only.

use core::sync::atomic::{AtomicBool, Ordering};

use kestrel_console::render::{self, Glyphs, PixelFormat};
use kestrel_console::{TextGrid, grid};
use spin::{Mutex, MutexGuard};
use x86_64::instructions::port::Port;

use crate::boot_info::{Framebuffer, FramebufferKind};
use crate::memory::phys_to_virt;

const VGA_TEXT: u64 = 0xb8000;
/// BIOS data area: current video mode, columns, rows minus one.
const BDA_VIDEO_MODE: u64 = 0x449;
const BDA_COLUMNS: u64 = 0x44a;
const BDA_ROWS_MINUS_ONE: u64 = 0x484;
const VGA_MISC_OUTPUT_READ: u16 = 0x3cc;
const VGA_CRTC_INDEX: u16 = 0x3d4;
const VGA_CRTC_DATA: u16 = 0x3d5;
/// CRTC cursor start register; bit 5 turns the cursor off.
const CRTC_CURSOR_START: u8 = 0x0a;

/// Where the grid is drawn.
// One value, in a static, set up before the heap exists: its size costs nothing.
#[allow(clippy::large_enum_variant)]
enum Target {
    /// No screen.
    None,
    /// A linear framebuffer.
    Pixels { fb: &'static mut [u8], glyphs: Glyphs },
    /// VGA/EGA text cells, `cols` per row.
    Text { cells: &'static mut [u8], cols: usize },
}

/// The screen's text and where it is drawn.
///
/// Lock order (of `SCREEN`): taken only under the serial console's lock; nothing is taken
/// under it.
struct Screen {
    grid: TextGrid,
    target: Target,
}

impl Screen {
    fn flush(&mut self) {
        let Self { grid, target } = self;
        match target {
            Target::None => {}
            Target::Pixels { fb, glyphs } => grid.flush(|col, row, cell| glyphs.draw(fb, col, row, cell)),
            Target::Text { cells, cols } => {
                grid.flush(|col, row, cell| render::draw_vga_text(cells, *cols, col, row, cell))
            }
        }
    }
}

static SCREEN: Mutex<Screen> = Mutex::new(Screen { grid: TextGrid::new(), target: Target::None });
/// Whether there is a screen to draw on (false before `init`, and after a fatal report
/// found the screen's lock held).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// What `init` found, for the boot log.
#[derive(Clone, Copy, Debug)]
pub enum Found {
    /// A linear framebuffer: width, height, bits per pixel, and the grid's columns and rows.
    Framebuffer { width: u32, height: u32, bpp: u8, cols: usize, rows: usize },
    /// Text cells: columns and rows.
    Text { cols: usize, rows: usize },
    /// A framebuffer this console does not draw on.
    Unsupported(FramebufferKind, u8),
    /// No screen.
    None,
}

/// Sets up the screen from the loader's framebuffer, or VGA text if the machine has it.
/// Call once the direct map covers the framebuffer: the boot page tables map the first
/// 4 GiB (and `paging::init` keeps them), `paging::init` maps one beyond.
pub fn init(fb: Option<&Framebuffer>) -> Found {
    let mut screen = SCREEN.lock();
    let (target, found) = match fb {
        Some(fb) => match (fb.kind, pixel_format(fb)) {
            (FramebufferKind::Rgb { .. }, Some(format)) => {
                let glyphs = Glyphs::new(format, fb.pitch as usize, fb.width as usize, fb.height as usize);
                let (cols, rows) = glyphs.grid_size();
                // SAFETY: the loader reports this range as the framebuffer, which no RAM
                // allocation overlaps; `paging::init` mapped it in the direct map, and
                // this module is its only user.
                let fb_mem = unsafe { framebuffer_memory(fb.addr, fb.len()) };
                let found = Found::Framebuffer { width: fb.width, height: fb.height, bpp: fb.bpp, cols, rows };
                (Target::Pixels { fb: fb_mem, glyphs }, found)
            }
            (FramebufferKind::EgaText, _) => text_target(fb.addr, fb.width as usize, fb.height as usize),
            (kind, _) => (Target::None, Found::Unsupported(kind, fb.bpp)),
        },
        None => match legacy_vga_text() {
            Some((cols, rows)) => text_target(VGA_TEXT, cols, rows),
            None => (Target::None, Found::None),
        },
    };
    let (cols, rows, step) = match found {
        Found::Framebuffer { cols, rows, .. } => (cols, rows, rows / 4),
        Found::Text { cols, rows } => (cols, rows, 1),
        _ => (0, 0, 1),
    };
    screen.target = target;
    screen.grid.resize(cols, rows);
    screen.grid.set_scroll_step(step);
    screen.flush();
    ACTIVE.store(rows > 0, Ordering::Release);
    found
}

fn pixel_format(fb: &Framebuffer) -> Option<PixelFormat> {
    match fb.kind {
        FramebufferKind::Rgb { red, green, blue } => {
            PixelFormat::new(fb.bpp, (red.position, red.size), (green.position, green.size), (blue.position, blue.size))
        }
        _ => None,
    }
}

fn text_target(addr: u64, cols: usize, rows: usize) -> (Target, Found) {
    let (cols, rows) = (cols.min(grid::MAX_COLS), rows.min(grid::MAX_CELLS / cols.max(1)));
    // SAFETY: `addr` is the VGA text buffer (0xb8000, which the BIOS or the loader
    // reported in use and which is never RAM the allocator hands out), within the first
    // 4 GiB that the direct map always covers; only this module writes it.
    let cells = unsafe { framebuffer_memory(addr, (cols * rows * 2) as u64) };
    hide_vga_cursor();
    (Target::Text { cells, cols }, Found::Text { cols, rows })
}

/// The framebuffer's bytes through the direct map.
///
/// # Safety
///
/// `addr..addr + len` must be device memory (or reserved memory) that the direct map
/// covers and that nothing else in the kernel references.
unsafe fn framebuffer_memory(addr: u64, len: u64) -> &'static mut [u8] {
    // SAFETY: the caller guarantees the range is mapped and referenced nowhere else;
    // plain stores to a framebuffer are what the display reads, in any order.
    unsafe { core::slice::from_raw_parts_mut(phys_to_virt(addr) as *mut u8, len as usize) }
}

/// The size of the VGA colour text mode the BIOS left set, if there is one.
fn legacy_vga_text() -> Option<(usize, usize)> {
    let read = |paddr: u64| {
        // SAFETY: the BIOS data area lies in the first page of physical memory, which the
        // direct map covers and the frame allocator never hands out; reading it has no
        // side effect (on a machine without a BIOS it holds whatever it holds).
        unsafe { core::ptr::read_volatile(phys_to_virt(paddr) as *const u8) }
    };
    // SAFETY: reading the VGA miscellaneous output register has no side effect; where
    // there is no VGA the ISA bus returns 0xff.
    let misc = unsafe { Port::<u8>::new(VGA_MISC_OUTPUT_READ).read() };
    let mode = read(BDA_VIDEO_MODE);
    let cols = usize::from(read(BDA_COLUMNS)) | usize::from(read(BDA_COLUMNS + 1)) << 8;
    let rows = usize::from(read(BDA_ROWS_MINUS_ONE)) + 1;
    // Bit 0 of the miscellaneous output register: CRTC at 0x3d4 (colour).
    let colour_vga = misc != 0xff && misc & 1 == 1;
    let sane = (40..=132).contains(&cols) && (25..=60).contains(&rows);
    (colour_vga && matches!(mode, 2 | 3) && sane).then_some((cols, rows))
}

fn hide_vga_cursor() {
    // SAFETY: the CRTC index and data ports of a colour VGA, present (legacy_vga_text or
    // the loader said so); setting the cursor-disable bit has no other effect.
    unsafe {
        Port::<u8>::new(VGA_CRTC_INDEX).write(CRTC_CURSOR_START);
        Port::<u8>::new(VGA_CRTC_DATA).write(0x20);
    }
}

/// The screen, locked: text written to [`Self::grid`] is drawn when the guard is dropped.
pub struct ScreenGuard(MutexGuard<'static, Screen>);

impl ScreenGuard {
    /// The text grid.
    pub fn grid(&mut self) -> &mut TextGrid {
        &mut self.0.grid
    }
}

impl Drop for ScreenGuard {
    fn drop(&mut self) {
        self.0.flush();
    }
}

/// The screen, if there is one. Take it under the serial console's lock only.
pub fn lock() -> Option<ScreenGuard> {
    ACTIVE.load(Ordering::Acquire).then(|| ScreenGuard(SCREEN.lock()))
}

/// The screen for a fatal report: none if its lock is held, and then never again (the
/// holder may have faulted while drawing, and will not run again).
pub fn lock_for_fatal_report() -> Option<ScreenGuard> {
    if SCREEN.is_locked() {
        ACTIVE.store(false, Ordering::Release);
        return None;
    }
    lock()
}
