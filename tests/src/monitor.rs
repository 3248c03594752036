//! QEMU's monitor, for a look at a machine that hung: before a timed-out run is killed,
//! `hang_state` asks the monitor (on a Unix socket of the run's own) for the CPU's
//! registers a few times and for the words at the stack pointer, so that `qemu-run` can
//! say where the kernel was (see `symbolize::hang_report`).

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
    fn stack_dump_words() {
        let dump = "ffff800000123f00: 0xffffffff80201111 0x0000000000000000
ffff800000123f10: 0xffffffff80202222 0x0000000000000005
";
        assert_eq!(stack_words(dump), [0xffff_ffff_8020_1111, 0, 0xffff_ffff_8020_2222, 5]);
    }
}
