//! The legacy 8259 PIC pair and the 8254 PIT: the periodic timer interrupt, and PIT
//! channel 2 as the reference clock for TSC calibration. While the PIT is the tick
//! (`timer=pit`), the PIC also carries the ACPI SCI (sci.rs); otherwise every line is
//! masked and the I/O APICs (ioapic.rs) carry device interrupts.

use x86_64::instructions::port::Port;

use super::interrupts::IRQ_BASE;

const PIC1_CMD: u16 = 0x20;
const PIC1_DATA: u16 = 0x21;
const PIC2_CMD: u16 = 0xa0;
const PIC2_DATA: u16 = 0xa1;
/// The edge/level control registers (ELCR) of the PC chipsets (PIIX, ICH): one bit per
/// IRQ, 1 for level-triggered; IRQs 0-7, then 8-15.
const ELCR: [u16; 2] = [0x4d0, 0x4d1];
const PIC_EOI: u8 = 0x20;
const PIC_READ_ISR: u8 = 0x0b;

const PIT_CH0: u16 = 0x40;
const PIT_CH2: u16 = 0x42;
const PIT_CMD: u16 = 0x43;
const PIT_GATE: u16 = 0x61;

/// The PIT's input clock.
pub const PIT_HZ: u64 = 1_193_182;
/// Frequency of the periodic timer interrupt.
pub const TIMER_HZ: u64 = 1000;

fn outb(port: u16, value: u8) {
    // SAFETY: only the PIC, ELCR and PIT ports are passed, which this module owns.
    unsafe { Port::<u8>::new(port).write(value) };
}

fn inb(port: u16) -> u8 {
    // SAFETY: as for `outb`.
    unsafe { Port::<u8>::new(port).read() }
}

/// Remaps the PICs to vectors 32..48 and masks every line but the timer (and the
/// cascade), then starts the PIT at [`TIMER_HZ`].
pub fn init() {
    // ICW1: init, ICW4 follows; ICW2: vector base; ICW3: cascade wiring; ICW4: 8086 mode.
    outb(PIC1_CMD, 0x11);
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, IRQ_BASE);
    outb(PIC2_DATA, IRQ_BASE + 8);
    outb(PIC1_DATA, 4);
    outb(PIC2_DATA, 2);
    outb(PIC1_DATA, 1);
    outb(PIC2_DATA, 1);
    outb(PIC1_DATA, !0b101);
    outb(PIC2_DATA, 0xff);

    let divisor = (PIT_HZ / TIMER_HZ) as u16;
    // Channel 0, lobyte/hibyte, mode 2 (rate generator).
    outb(PIT_CMD, 0x34);
    outb(PIT_CH0, divisor as u8);
    outb(PIT_CH0, (divisor >> 8) as u8);
}

/// Masks every PIC line and stops the PIT's periodic channel: the local APIC's timer
/// is the tick. (Channel 0 is left in one-shot mode with its count run out; channel 2
/// stays available to calibrate against.)
pub fn stop_timer() {
    outb(PIC1_DATA, 0xff);
    outb(PIC2_DATA, 0xff);
    // Channel 0, lobyte/hibyte, mode 0 (interrupt on terminal count, once): one last
    // edge on a masked line, then nothing.
    outb(PIT_CMD, 0x30);
    outb(PIT_CH0, 1);
    outb(PIT_CH0, 0);
}

/// The master's and the slave's data port and bit for `irq`.
fn line(irq: u8) -> (u16, u8) {
    if irq < 8 { (PIC1_DATA, 1 << irq) } else { (PIC2_DATA, 1 << (irq - 8)) }
}

/// Lets `irq` (a device line other than the timer and the cascade) through, as a
/// level-triggered line if `level` (set in the ELCR; an edge line's bit is left as the
/// firmware set it). The cascade (IRQ 2) is open since [`init`].
pub fn unmask(irq: u8, level: bool) {
    if !(3..16).contains(&irq) {
        return;
    }
    if level {
        let (port, bit) = (ELCR[usize::from(irq / 8)], 1u8 << (irq % 8));
        outb(port, inb(port) | bit);
    }
    let (port, bit) = line(irq);
    outb(port, inb(port) & !bit);
}

/// Masks `irq` again.
pub fn mask(irq: u8) {
    let (port, bit) = line(irq);
    outb(port, inb(port) | bit);
}

/// Whether `vector` belongs to the PIC pair.
pub fn is_pic_vector(vector: u8) -> bool {
    (IRQ_BASE..IRQ_BASE + 16).contains(&vector)
}

/// Whether `irq` (7 or 15) is a spurious interrupt: not in service. A spurious IRQ 15
/// still needs an EOI to the master for the cascade line.
pub fn is_spurious(irq: u8) -> bool {
    if irq != 7 && irq != 15 {
        return false;
    }
    let (cmd, bit) = if irq == 7 { (PIC1_CMD, 7) } else { (PIC2_CMD, 7) };
    outb(cmd, PIC_READ_ISR);
    let in_service = inb(cmd) & (1 << bit) != 0;
    if !in_service && irq == 15 {
        outb(PIC1_CMD, PIC_EOI);
    }
    !in_service
}

/// Acknowledges `irq`.
pub fn end_of_interrupt(irq: u8) {
    if irq >= 8 {
        outb(PIC2_CMD, PIC_EOI);
    }
    outb(PIC1_CMD, PIC_EOI);
}

/// Polls of the PIT's output before a one-shot counts as never ending: far more than
/// 10 ms takes anywhere (a machine without a PIT, such as QEMU's `pit=off`, never sets
/// it, or sets it at once).
const ONE_SHOT_POLL_LIMIT: u32 = 5_000_000;

/// Runs PIT channel 2 as a one-shot of `ticks` PIT cycles and calls `sample` right
/// before it is started and right after it expires; returns both samples, or `None` if
/// the output never rose (no PIT).
pub fn time_one_shot(ticks: u16, mut sample: impl FnMut() -> u64) -> Option<(u64, u64)> {
    // Gate low (stop), speaker off; mode 0 on channel 2, lobyte/hibyte.
    let gate = inb(PIT_GATE) & !0x03;
    outb(PIT_GATE, gate);
    outb(PIT_CMD, 0xb0);
    outb(PIT_CH2, ticks as u8);
    outb(PIT_CH2, (ticks >> 8) as u8);
    // In mode 0 the output is low from the count's write until the count runs out: high
    // already means no PIT is there.
    if inb(PIT_GATE) & 0x20 != 0 {
        return None;
    }
    let start = sample();
    outb(PIT_GATE, gate | 0x01);
    // OUT2 (bit 5) goes high when the count reaches zero.
    let mut polls = 0;
    while inb(PIT_GATE) & 0x20 == 0 {
        polls += 1;
        if polls == ONE_SHOT_POLL_LIMIT {
            outb(PIT_GATE, gate);
            return None;
        }
        core::hint::spin_loop();
    }
    let end = sample();
    outb(PIT_GATE, gate);
    Some((start, end))
}
