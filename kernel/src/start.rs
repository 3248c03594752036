//! Kernel start-up after the boot stub: bring up the console, descriptor tables, memory,
//! interrupts and clocks in dependency order, print the banner, then hand over to what
//! runs next.

use alloc::sync::Arc;
use log::{error, info, warn};

use crate::acpi::{self, tables::Rsdp};
use crate::arch::boot::BootProtocol;
use crate::arch::power;
use crate::arch::qemu::ExitCode;
use crate::arch::screen::{self, Found};
use crate::arch::{apic, clock, gdt, interrupts, percpu, pic, sci, serial, smp, syscall, wait_for_interrupt};
use crate::boot_info::{self, BootInfo, PhysicalMemory};
use crate::cmdline::{self, KernelOptions, TestFault, TickSource};
use crate::context::cred::Credentials;
use crate::context::{Process, Thread, kernel_lock, process, scheduler};
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

/// Physical memory through the kernel's direct map (after `paging::init`), which covers
/// RAM, the ACPI regions and the first 4 GiB.
struct DirectMappedMemory;

impl PhysicalMemory for DirectMappedMemory {
    fn read(&self, paddr: u64, buf: &mut [u8]) -> bool {
        let Some(end) = paddr.checked_add(buf.len() as u64) else { return false };
        if end > paging::direct_map_end() {
            return false;
        }
        // SAFETY: the range lies in the direct map; the firmware's tables there are not
        // written by anyone while the kernel boots.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(paddr) as *const u8, buf.as_mut_ptr(), buf.len()) };
        true
    }
}

/// Reads the ACPI tables the RSDP leads to, keeps them, and logs what they describe.
fn read_acpi(rsdp: Option<Rsdp>) {
    let Some(rsdp) = rsdp else {
        warn!("acpi: no RSDP (not from the loader, not in the BIOS areas): one CPU assumed, no ACPI power-off");
        return;
    };
    let found = match acpi::discover(&DirectMappedMemory, rsdp) {
        Ok(found) => acpi::install(found),
        Err(e) => {
            warn!("acpi: RSDP at {:#x} leads to no usable root table: {e:?}", rsdp.paddr);
            return;
        }
    };
    let oem = core::str::from_utf8(&rsdp.oem_id).unwrap_or("?").trim_end();
    match &found.madt {
        Ok(madt) => {
            info!(
                "acpi: {oem} {} (revision {}), {} CPUs ({} enabled), {} I/O APICs, {} interrupt overrides",
                found.root,
                rsdp.revision,
                madt.cpus.len(),
                madt.enabled_cpus(),
                madt.io_apics.len(),
                madt.overrides.len()
            );
            for cpu in &madt.cpus {
                log::debug!("acpi: CPU uid {} APIC id {} enabled {}", cpu.processor_uid, cpu.apic_id, cpu.enabled);
            }
            if madt.malformed || madt.dropped > 0 {
                warn!("acpi: MADT malformed ({}) or cut to fit ({} entries dropped)", madt.malformed, madt.dropped);
            }
        }
        Err(e) => {
            warn!("acpi: {oem} {} (revision {}), no usable MADT ({e:?}): 1 CPU assumed", found.root, rsdp.revision)
        }
    }
    match found.soft_off() {
        Ok(off) => log::debug!("acpi: soft-off {off:?}"),
        Err(why) => warn!("acpi: no soft-off: {why} (FADT {:?}, S5 {:?})", found.fadt.as_ref().err(), found.s5.err()),
    }
}

fn fatal(what: core::fmt::Arguments<'_>) -> ! {
    error!("fatal: {what}");
    power::end_run(ExitCode::Failure)
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
    // GS: the boot CPU's block, before anything that reads it (the GDT records its TSS
    // there). Its APIC id is filled in once the APIC is up.
    percpu::init_this_cpu(0, 0);
    // The boot CPU runs the kernel until it first returns to user mode or idles.
    kernel_lock::acquire();
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
    power::set_end_action(options.end);
    // Before the frame allocator may reuse the loader's memory: GRUB's RSDP is a copy
    // inside the multiboot2 information.
    let rsdp = acpi::tables::find_rsdp(&BootMappedMemory, info.rsdp).ok();
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
    read_acpi(rsdp);

    pic::init();
    let source = clock::init(pm_timer())
        .unwrap_or_else(|| fatal(format_args!("TSC calibration failed against the PIT and the ACPI PM timer")));
    let rtc = clock::read_rtc();
    let apic_rate = start_tick(options.tick);
    // Every I/O APIC entry masked, then the SCI routed to this CPU for the power button.
    sci::init();
    // They wait for the kernel lock, which this CPU gives up once it idles or runs init
    // (and if the run ends before that, they halt).
    start_application_processors();
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
        "clock: TSC at {}.{:03} GHz calibrated against {} (invariant: {})",
        ghz / 1000,
        ghz % 1000,
        match source.reference {
            clock::Reference::Pit => "the PIT",
            clock::Reference::PmTimer { .. } => "the ACPI PM timer",
        },
        if source.invariant { "yes" } else { "no" },
    );
    match apic_rate {
        Some(rate) => info!(
            "timer: local APIC {} at {} Hz (counting {}.{:03} MHz)",
            apic::id(),
            pic::TIMER_HZ,
            rate / 1_000_000,
            rate / 1000 % 1000
        ),
        None => info!("timer: PIT at {} Hz", pic::TIMER_HZ),
    }
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

/// Starts the tick: the local APIC's timer unless the command line asks for the PIT or
/// the CPU has none; then the PIT's periodic channel stops. Returns the APIC timer's
/// counts per second, or `None` when the PIT stays the tick.
fn start_tick(choice: TickSource) -> Option<u64> {
    if choice != TickSource::Apic || !apic::present() {
        return None;
    }
    apic::init();
    percpu::this().apic_id.store(apic::id(), core::sync::atomic::Ordering::Relaxed);
    match apic::start_timer(pic::TIMER_HZ) {
        Some(rate) => {
            pic::stop_timer();
            Some(rate)
        }
        None => {
            warn!("the local APIC timer did not count: the PIT stays the tick");
            None
        }
    }
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
        power::end_run(ExitCode::Success);
    }
    info!("initfs: {} files; starting init", initfs.len());

    let kernel = KERNEL_PROCESS.call_once(Process::kernel).clone();
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
    // The command line's words after `--` are init's arguments.
    let mut args: alloc::vec::Vec<&[u8]> = alloc::vec![b"init"];
    args.extend(cmdline::init_arguments(&info.cmdline).map(str::as_bytes));
    match process::spawn(None, "/scheme/initfs/init", &args, &[], files, Credentials::root()) {
        Ok(pid) => log::debug!("init is pid {pid}"),
        Err(e) => fatal(format_args!("cannot start init: errno {e}")),
    }
    scheduler::idle_loop()
}

/// The ACPI PM timer, if the FADT names one in I/O space: the TSC's reference where the
/// machine has no PIT.
fn pm_timer() -> Option<clock::Reference> {
    let fadt = acpi::get()?.fadt.as_ref().ok()?;
    let timer = fadt.pm_timer.filter(|t| t.space == acpi::fadt::AddressSpace::SystemIo)?;
    let port = u16::try_from(timer.address).ok()?;
    Some(clock::Reference::PmTimer { port, wide: fadt.flags & acpi::fadt::FLAG_TMR_VAL_EXT != 0 })
}

/// The process the idle threads belong to.
static KERNEL_PROCESS: spin::Once<Arc<Process>> = spin::Once::new();

/// Starts the other CPUs the firmware lists (each then joins the scheduler in
/// [`application_processor`] once this CPU lets go of the kernel lock).
fn start_application_processors() {
    if !apic::timer_in_use() {
        return;
    }
    let Some(madt) = acpi::get().and_then(|a| a.madt.as_ref().ok()) else {
        info!("CPUs: 1 running (no MADT lists others)");
        return;
    };
    let ids: alloc::vec::Vec<u32> = madt.cpus.iter().filter(|cpu| cpu.enabled).map(|cpu| cpu.apic_id).collect();
    let started = smp::start_application_processors(&ids);
    if !started.silent.is_empty() {
        warn!("CPUs with APIC ids {:?} did not start", started.silent);
    }
    if started.beyond_limit > 0 {
        warn!("{} CPUs left unused: this kernel runs at most {}", started.beyond_limit, percpu::MAX_CPUS);
    }
    info!("CPUs: {} running (APIC ids {:?} started)", percpu::online_count(), started.online);
}

/// An application processor, started by [`start_application_processors`]: on its boot
/// stack (`stack_top`), its descriptor tables and APIC set up. Waits for the kernel lock
/// (by then the boot CPU has made the kernel process), becomes this CPU's idle thread,
/// starts its tick and runs whatever the scheduler gives it.
pub fn application_processor(stack_top: u64) -> ! {
    kernel_lock::acquire();
    let kernel = KERNEL_PROCESS.get().expect("the boot CPU made the kernel process first").clone();
    scheduler::init(Thread::adopt_boot(kernel, stack_top));
    apic::start_timer_as_measured();
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
