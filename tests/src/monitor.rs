//! QEMU's monitor, for a look at a machine that hung: before a timed-out run is killed,
//! `hang_state` asks the monitor (on a Unix socket of the run's own) for the CPU's
//! registers a few times and for the words at the stack pointer, so that `qemu-run` can
//! say where the kernel was (see `symbolize::hang_report`). It also takes screenshots
//! (`screendump`), which `Ppm` reads.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A fresh path for a run's monitor socket.
pub fn socket_path() -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("kestrel-monitor-{}-{n}.sock", std::process::id()))
}

/// Sends `command` and returns what the monitor printed until it went quiet.
fn ask(stream: &mut UnixStream, command: &str) -> String {
    let _ = stream.write_all(command.as_bytes());
    let _ = stream.write_all(b"\n");
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let until = Instant::now() + Duration::from_millis(800);
    while Instant::now() < until {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => {
                // The read timed out: the answer is complete once something came.
                if !out.is_empty() {
                    break;
                }
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends one command and returns the answer; `None` if the monitor does not answer.
pub fn command(socket: &Path, command: &str) -> Option<String> {
    let mut stream = UnixStream::connect(socket).ok()?;
    stream.set_read_timeout(Some(Duration::from_millis(200))).ok()?;
    let _ = ask(&mut stream, ""); // the greeting
    Some(ask(&mut stream, command))
}

/// Whether the CPU is halted (`HLT=1` in `info registers`).
pub fn halted(socket: &Path) -> bool {
    command(socket, "info registers").is_some_and(|regs| regs.contains("HLT=1"))
}

/// Writes the screen to `path` as a PPM; `None` if the monitor does not answer or no
/// picture of the announced size was written.
pub fn screendump(socket: &Path, path: &Path) -> Option<Ppm> {
    let _ = std::fs::remove_file(path);
    command(socket, &format!("screendump {}", path.display()))?;
    // The monitor answers once the file is written; allow a slow host a little more.
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(ppm) = std::fs::read(path).ok().and_then(|bytes| Ppm::parse(&bytes)) {
            return Some(ppm);
        }
        if Instant::now() >= until {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A binary PPM (`P6`, 8 bits per channel) picture, as `screendump` writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ppm {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Red, green, blue bytes, row after row.
    pub rgb: Vec<u8>,
}

impl Ppm {
    /// Decodes a `P6` file with a maximum value of 255; `None` if it is not one or is cut
    /// short.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        // Header: "P6", width, height, maximum, each after whitespace, then one
        // whitespace byte before the pixels.
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while bytes.get(at)?.is_ascii_whitespace() {
                at += 1;
            }
            let begin = at;
            while !bytes.get(at)?.is_ascii_whitespace() {
                at += 1;
            }
            fields.push(std::str::from_utf8(&bytes[begin..at]).ok()?);
        }
        at += 1;
        let (width, height) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
        if fields[0] != "P6" || fields[3] != "255" {
            return None;
        }
        let rgb = bytes.get(at..at + width * height * 3)?.to_vec();
        Some(Self { width, height, rgb })
    }

    /// The colour at `x`, `y`.
    pub fn pixel(&self, x: usize, y: usize) -> (u8, u8, u8) {
        let at = (y * self.width + x) * 3;
        (self.rgb[at], self.rgb[at + 1], self.rgb[at + 2])
    }
}

/// Three samples of `info registers`, 100 ms apart, and the 64 words at the last RSP;
/// `None` if the monitor does not answer.
pub fn hang_state(socket: &Path) -> Option<String> {
    let mut stream = UnixStream::connect(socket).ok()?;
    stream.set_read_timeout(Some(Duration::from_millis(200))).ok()?;
    let _ = ask(&mut stream, ""); // the greeting
    let mut out = String::new();
    let mut rsp = None;
    for _ in 0..3 {
        let regs = ask(&mut stream, "info registers");
        rsp = register(&regs, "RSP").or(rsp);
        out.push_str(&regs);
        std::thread::sleep(Duration::from_millis(100));
    }
    if let Some(rsp) = rsp {
        out.push_str(&ask(&mut stream, &format!("x /64gx {rsp:#x}")));
    }
    Some(out)
}

/// The value of register `name` (`RIP`, `RSP`) in `info registers` output.
pub fn register(regs: &str, name: &str) -> Option<u64> {
    let at = regs.find(&format!("{name}="))?;
    let hex = &regs[at + name.len() + 1..];
    let hex: String = hex.chars().take_while(char::is_ascii_hexdigit).collect();
    u64::from_str_radix(&hex, 16).ok()
}

/// Every value of register `name` in the samples.
pub fn samples(state: &str, name: &str) -> Vec<u64> {
    let key = format!("{name}=");
    state
        .match_indices(&key)
        .filter_map(|(at, _)| {
            let hex: String = state[at + key.len()..].chars().take_while(char::is_ascii_hexdigit).collect();
            u64::from_str_radix(&hex, 16).ok()
        })
        .collect()
}

/// The 64-bit words of the `x /64gx` dump (after each "ADDR:").
pub fn stack_words(state: &str) -> Vec<u64> {
    state
        .lines()
        .filter_map(|l| l.split_once(": "))
        .filter(|(addr, _)| addr.trim().starts_with("ffff") || addr.trim().starts_with("0x"))
        .flat_map(|(_, words)| {
            words.split_whitespace().filter_map(|w| u64::from_str_radix(w.trim_start_matches("0x"), 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "RAX=0000000000000001 RBX=0000000000000002
RSI=0 RDI=0 RBP=0 RSP=ffff800000123f00
RIP=ffffffff80201234 RFL=00000046
";

    #[test]
    fn registers_and_samples_are_read() {
        assert_eq!(register(SAMPLE, "RIP"), Some(0xffff_ffff_8020_1234));
        assert_eq!(register(SAMPLE, "RSP"), Some(0xffff_8000_0012_3f00));
        assert_eq!(samples(&format!("{SAMPLE}{SAMPLE}"), "RIP").len(), 2);
    }

    #[test]
    fn ppm_header_and_pixels() {
        let mut file = b"P6\n3 2\n255\n".to_vec();
        file.extend((0..18).map(|i| i as u8));
        let ppm = Ppm::parse(&file).unwrap();
        assert_eq!((ppm.width, ppm.height), (3, 2));
        assert_eq!(ppm.pixel(1, 1), (12, 13, 14));
        assert_eq!(Ppm::parse(&file[..file.len() - 1]), None);
        assert_eq!(Ppm::parse(b"P5\n1 1\n255\n\0"), None);
    }

    #[test]
    fn stack_dump_words() {
        let dump = "ffff800000123f00: 0xffffffff80201111 0x0000000000000000
ffff800000123f10: 0xffffffff80202222 0x0000000000000005
";
        assert_eq!(stack_words(dump), [0xffff_ffff_8020_1111, 0, 0xffff_ffff_8020_2222, 5]);
    }
}
