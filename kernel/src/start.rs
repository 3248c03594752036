//! Kernel start-up after the boot stub: bring up the console, descriptor tables, memory,
//! interrupts and clocks in dependency order, print the banner, then hand over to what
//! runs next.

use log::{error, info, warn};

use crate::arch::boot::BootProtocol;
use crate::arch::qemu::{self, ExitCode};
use crate::arch::screen::{self, Found};
use crate::arch::{clock, gdt, interrupts, pic, serial, syscall, wait_for_interrupt};
use crate::boot_info::{self, BootInfo, PhysicalMemory};
use crate::cmdline::{KernelOptions, TestFault};
use crate::context::cred::Credentials;
use crate::context::{Process, Thread, process, scheduler};
use crate::memory::{frame, heap, paging, phys_to_virt};
use crate::scheme::{self, Caller, FileDescriptor, FileTable};
use crate::time::calendar::DateTime;
use kestrel_abi::syscall::O_RDWR;

/// Timer interrupts awaited at boot to prove the timer works.
const TIMER_PROOF_TICKS: u64 = 5;

/// The physical memory the boot page tables map at `PHYS_OFFSET`.
const BOOT_MAPPED_END: u64 = 4 << 30;

/// Physical memory as the boot page tables map it: the first 4 GiB at `PHYS_OFFSET`.
struct BootMappedMemory;

impl PhysicalMemory for BootMappedMemory {
    fn read(&self, paddr: u64, buf: &mut [u8]) -> bool {
        let Some(end) = paddr.checked_add(buf.len() as u64) else { return false };
        if end > BOOT_MAPPED_END {
            return false;
        }
        // SAFETY: the range lies in the first 4 GiB, which the boot stub maps at
        // PHYS_OFFSET; the loader's structures there are not concurrently written.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(paddr) as *const u8, buf.as_mut_ptr(), buf.len()) };
        true
    }
}

fn fatal(what: core::fmt::Arguments<'_>) -> ! {
    error!("fatal: {what}");
    qemu::exit(ExitCode::Failure)
}

fn read_boot_info(protocol: u32, paddr: u32) -> (BootProtocol, BootInfo) {
    let Some(protocol) = BootProtocol::from_raw(protocol) else {
        fatal(format_args!("entered by an unknown boot protocol (no PVH entry, no multiboot2 magic)"))
    };
    let parsed = match protocol {
        BootProtocol::Pvh => boot_info::parse_pvh(&BootMappedMemory, u64::from(paddr)),
        BootProtocol::Multiboot2 => boot_info::parse_multiboot2(&BootMappedMemory, u64::from(paddr)),
    };
    match parsed {
        Ok(info) => (protocol, info),
        Err(e) => fatal(format_args!("unusable {protocol:?} boot information at {paddr:#x}: {e:?}")),
    }
}

/// Entered from the boot stub on the boot stack with interrupts disabled.
pub fn start(protocol: u32, info_paddr: u32) -> ! {
    serial::init();
    crate::logger::init(log::LevelFilter::Info);
    gdt::init();
    interrupts::init();

    let (protocol, info) = read_boot_info(protocol, info_paddr);
    // The screen starts now if the boot page tables reach it (so that it shows the boot
    // option warnings and a fatal error of the memory set-up), else once the kernel's
    // page tables map the framebuffer.
    let fb = info.framebuffer.as_ref();
    let early_screen = fb.is_none_or(|fb| fb.addr + fb.len() <= BOOT_MAPPED_END).then(|| screen::init(fb));
    let options = KernelOptions::parse(&info.cmdline, |unknown| warn!("ignoring unknown boot option {:?}", unknown.0));
    log::set_max_level(options.log_level);
    if info.cmdline_truncated || info.regions_dropped > 0 {
        warn!("boot information cut to fit: {} regions dropped", info.regions_dropped);
    }
    for r in &info.regions {
        log::debug!("memory {:#014x}..{:#014x} {:?}", r.start, r.end(), r.kind);
    }

    let free = frame::init(&info).unwrap_or_else(|e| fatal(format_args!("frame allocator: {e:?}")));
    let direct_map = paging::init(&info).unwrap_or_else(|e| fatal(format_args!("page tables: {e:?}")));
    let screen = early_screen.unwrap_or_else(|| screen::init(fb));
    let usable = info.usable_bytes();
    let heap_size = heap::init(usable).unwrap_or_else(|| fatal(format_args!("no memory for the kernel heap")));

    pic::init();
    let source = clock::init().unwrap_or_else(|| fatal(format_args!("TSC calibration against the PIT failed")));
    let rtc = clock::read_rtc();
    let ticks_before = interrupts::timer_ticks();
    while interrupts::timer_ticks() < ticks_before + TIMER_PROOF_TICKS {
        wait_for_interrupt();
    }

    let boot_ms = clock::monotonic_ns() / 1_000_000;
    let mib = |bytes: u64| bytes >> 20;
    info!("{} (x86_64) booted via {:?}, command line {:?}", crate::VERSION, protocol, info.cmdline.as_str());
    info!(
        "memory: {} MiB usable in {} regions, {} MiB free after the kernel, heap {} MiB, direct map {} MiB",
        mib(usable),
        info.regions.len(),
        mib(frame::free_frames() * 4096),
        mib(heap_size),
        mib(direct_map),
    );
    match screen {
        Found::Framebuffer { width, height, bpp, cols, rows } => {
            info!("screen: {width}x{height} framebuffer at {bpp} bits per pixel, {cols}x{rows} text")
        }
        Found::Text { cols, rows } => info!("screen: VGA text, {cols}x{rows}"),
        Found::Unsupported(kind, bpp) => warn!("screen: none ({kind:?} framebuffer at {bpp} bits per pixel not drawn)"),
        Found::None => info!("screen: none (no framebuffer, no VGA text mode)"),
    }
    let ghz = source.scale.freq_hz() / 1_000_000;
    info!(
        "clock: TSC at {}.{:03} GHz calibrated against the PIT (invariant: {}), timer PIT at {} Hz",
        ghz / 1000,
        ghz % 1000,
        if source.invariant { "yes" } else { "no" },
        pic::TIMER_HZ
    );
    match rtc {
        Some(now) => info!("realtime: {now} from the CMOS RTC"),
        None => warn!("realtime: CMOS RTC unreadable, clock starts at {}", DateTime::from_unix_seconds(0)),
    }
    info!("boot time: {boot_ms} ms since CPU reset ({} frames were free at allocator start)", free);

    if let Some(fault) = options.test_fault {
        inject_fault(fault);
    }
    start_userspace(&info)
}

/// Registers the schemes over the initfs module, starts `init`, and becomes the idle
/// thread.
fn start_userspace(info: &BootInfo) -> ! {
    syscall::init();
    let initfs: &'static [u8] = match info.modules.first() {
        // SAFETY: the module's frames are reserved from the allocator and never written,
        // and the direct map covers them, so a shared static slice of them is sound.
        Some(&(start, len)) => unsafe { core::slice::from_raw_parts(phys_to_virt(start) as *const u8, len as usize) },
        None => &[],
    };
    scheme::init(initfs);
    let initfs = scheme::initfs();
    if initfs.file("init").is_none() {
        info!("no init in the boot image ({} initfs files); nothing to run, shutting down", initfs.len());
        qemu::exit(ExitCode::Success);
    }
    info!("initfs: {} files; starting init", initfs.len());

    let kernel = Process::kernel();
    let idle = Thread::adopt_boot(kernel, crate::arch::boot::boot_stack_top());
    scheduler::init(idle);
    let mut files = FileTable::default();
    let debug = {
        let thread = scheduler::current();
        let process = thread.process.clone();
        let mut caller = Caller { thread: &thread, process: &process, frame: None };
        scheme::open("/scheme/debug", O_RDWR, &mut caller).unwrap_or_else(|e| fatal(format_args!("debug scheme: {e}")))
    };
    for fd in 0..3 {
        let _ = files.insert_at(fd, FileDescriptor { description: debug.clone(), cloexec: false });
    }
    drop(debug);
    match process::spawn(None, "/scheme/initfs/init", &[b"init"], &[], files, Credentials::root()) {
        Ok(pid) => log::debug!("init is pid {pid}"),
        Err(e) => fatal(format_args!("cannot start init: errno {e}")),
    }
    scheduler::idle_loop()
}

/// Raises the requested fault on purpose (boot option `test_fault=`).
fn inject_fault(fault: TestFault) {
    warn!("injecting test fault {fault:?}");
    match fault {
        TestFault::Page => {
            // An address in the lower half, which the kernel's tables leave unmapped.
            let ptr = 0x0000_1234_5000 as *mut u64;
            // SAFETY: not safe at all, on purpose: the write faults and the exception
            // report ends the machine, which is what the test checks.
            unsafe { core::ptr::write_volatile(ptr, 0xdead) };
        }
        TestFault::GeneralProtection => {
            let ptr = 0x8000_0000_0000_0000u64 as *const u64;
            // SAFETY: as above: a non-canonical load raises #GP on purpose.
            let _ = unsafe { core::ptr::read_volatile(ptr) };
        }
        TestFault::Divide => {
            // SAFETY: `div` by zero raises #DE on purpose; no memory is touched.
            unsafe {
                core::arch::asm!("xor edx, edx", "xor ecx, ecx", "div ecx", out("eax") _, out("edx") _, out("ecx") _)
            };
        }
        TestFault::Panic => panic!("test panic requested on the command line"),
        TestFault::Hang => hang_for_test(),
    }
}

/// `test_fault=hang`: spins with interrupts off until the host gives up on the machine.
#[inline(never)]
fn hang_for_test() -> ! {
    x86_64::instructions::interrupts::disable();
    loop {
        core::hint::spin_loop();
    }
}
