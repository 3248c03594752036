//! Kernel crash reports with names: the kernel prints the faulting RIP and the kernel text
//! addresses it finds on the stack (`arch::x86_64::exception`); this turns each into
//! `function+offset at file:line`, with the functions inlined at that address, from the
//! kernel ELF's symbol table and debug info (the release profile keeps line tables).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use object::{Object, ObjectSymbol};

/// The kernel's symbols and line tables.
pub struct Symbolizer {
    loader: addr2line::Loader,
    /// Function symbols by address, for the code the line tables do not cover (the
    /// panic path, assembly).
    functions: Vec<(u64, String)>,
    /// The workspace root, stripped from source paths.
    root: String,
}

impl Symbolizer {
    /// Loads `elf`'s symbols and debug info.
    pub fn new(elf: &Path) -> Result<Self, String> {
        let loader = addr2line::Loader::new(elf).map_err(|e| format!("{}: {e}", elf.display()))?;
        let data = std::fs::read(elf).map_err(|e| format!("{}: {e}", elf.display()))?;
        let file = object::File::parse(&*data).map_err(|e| format!("{}: {e}", elf.display()))?;
        let mut functions: Vec<(u64, String)> = file
            .symbols()
            .filter(|s| s.kind() == object::SymbolKind::Text && s.address() != 0)
            .filter_map(|s| Some((s.address(), s.name().ok()?.to_string())))
            .collect();
        functions.sort();
        let root = crate::workspace_root().display().to_string();
        Ok(Self { loader, functions, root })
    }

    /// The function symbol at or below `addr`, and `addr`'s offset in it.
    fn function(&self, addr: u64) -> Option<(Cow<'_, str>, u64)> {
        let i = self.functions.partition_point(|(start, _)| *start <= addr).checked_sub(1)?;
        let (start, name) = &self.functions[i];
        Some((addr2line::demangle_auto(Cow::Borrowed(name.as_str()), None), addr - start))
    }

    /// Whether `addr` is the first byte of a function: a function pointer found on the
    /// stack (a formatting vtable's, say), not a return address, which follows a call.
    pub fn is_function_start(&self, addr: u64) -> bool {
        self.functions.binary_search_by_key(&addr, |(start, _)| *start).is_ok()
    }

    /// `function+0xOFF`, then where `addr` is in the source: the innermost function and
    /// its line, and each function it was inlined into with the line of the inlined call.
    /// `None` if no symbol covers `addr`.
    pub fn describe(&self, addr: u64) -> Option<String> {
        let (name, offset) = self.function(addr)?;
        let mut text = format!("{name}+{offset:#x}");
        let Ok(mut frames) = self.loader.find_frames(addr) else { return Some(text) };
        let mut first = true;
        while let Ok(Some(frame)) = frames.next() {
            let function = frame.function.as_ref().and_then(|f| f.demangle().ok());
            let place = frame.location.as_ref().map_or_else(String::new, |l| {
                format!(" at {}:{}", self.short_path(l.file.unwrap_or("?")), l.line.unwrap_or(0))
            });
            let how = if first { "in" } else { "inlined into" };
            let _ = write!(text, "\n    {how} {}{place}", function.as_deref().unwrap_or("?"));
            first = false;
        }
        Some(text)
    }

    /// A source path as a reader finds it: relative to the workspace, the standard library
    /// from `library/`, a crate from its registry directory's name.
    fn short_path<'a>(&self, path: &'a str) -> &'a str {
        if let Some(rest) = path.strip_prefix(self.root.as_str()) {
            return rest.trim_start_matches('/');
        }
        if let Some(i) = path.find("/library/").filter(|_| path.starts_with("/rustc/")) {
            return &path[i + 1..];
        }
        if let Some(i) = path.find("/index.crates.io-")
            && let Some(j) = path[i + 1..].find('/')
        {
            return &path[i + 1 + j + 1..];
        }
        path
    }
}

/// The addresses of the last kernel report (`!!! KERNEL EXCEPTION` or `!!! KERNEL PANIC`)
/// in `serial`: its `RIP=` and the stack trace's entries, in order, without repeats.
pub fn report_addresses(serial: &str) -> Vec<u64> {
    let Some(start) = serial.rfind("!!! KERNEL ") else { return Vec::new() };
    let mut addresses = Vec::new();
    for line in serial[start..].lines() {
        let word = match line.split_once("RIP=") {
            Some((_, rest)) => rest.split_whitespace().next(),
            None => line.split_whitespace().next().filter(|w| line.starts_with("      ") && w.starts_with("0x")),
        };
        if let Some(value) = word.and_then(|w| u64::from_str_radix(w.trim_start_matches("0x"), 16).ok())
            && !addresses.contains(&value)
        {
            addresses.push(value);
        }
    }
    addresses
}

/// The last kernel report of `serial` with names, one block per address, or `None` if
/// there is no report.
pub fn annotate(serial: &str, symbols: &Symbolizer) -> Option<String> {
    let addresses = report_addresses(serial);
    if addresses.is_empty() {
        return None;
    }
    let mut out = String::from("kernel report, symbolized (stack words that are function pointers left out):\n");
    for (i, addr) in addresses.into_iter().enumerate() {
        // The first address is the faulting RIP (or, for a panic, the first stack word).
        if i > 0 && symbols.is_function_start(addr) {
            continue;
        }
        let what = symbols.describe(addr).unwrap_or_else(|| "(no symbol)".to_string());
        let _ = writeln!(out, "  {addr:#018x} {}", what.replace('\n', "\n                     "));
    }
    Some(out)
}

/// What a hung machine was doing (from `monitor::hang_state`): each sampled RIP with its
/// name, then the kernel text addresses among the words at the stack pointer (the return
/// addresses of the calls it is in, and some stale ones), named.
pub fn hang_report(state: &str, symbols: &Symbolizer) -> String {
    let mut out = String::from("qemu-run: where the CPU was when the run timed out:\n");
    for rip in crate::monitor::samples(state, "RIP") {
        let name = symbols.describe(rip).unwrap_or_else(|| String::from("(not kernel text: user mode or idle)"));
        let _ = writeln!(out, "  RIP {rip:#018x} {name}");
    }
    // Words that fall in a function (past the last one, in read-only data, are not code).
    let in_code = |word: u64| {
        symbols.describe(word).and_then(|name| {
            let offset = name.lines().next()?.rsplit_once("+0x")?.1;
            (u64::from_str_radix(offset, 16).ok()? < 0x4000).then_some(name)
        })
    };
    let text: Vec<u64> = crate::monitor::stack_words(state).into_iter().filter(|&w| in_code(w).is_some()).collect();
    if !text.is_empty() {
        out.push_str("  kernel text on the stack (innermost first):\n");
        for word in text {
            let name = symbols.describe(word).unwrap_or_default();
            let first = name.lines().next().unwrap_or("");
            let _ = writeln!(out, "    {word:#018x} {first}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::report_addresses;

    #[test]
    fn finds_the_rip_and_the_trace_of_the_last_report() {
        let serial = "boot\n!!! KERNEL PANIC: old\n      0xffffffff80000001\n\
            !!! KERNEL EXCEPTION: page fault (#PF, vector 14)\n    error code 0x2\n\
            \x20   RIP=0xffffffff80201234 CS=0x0008 RFLAGS=0x00000046\n\
            \x20   RSP=0xffffffff80400000 SS=0x0010 CR3=0x1000\n\
            \x20   RAX=0x0000000000000001 RBX=0x0000000000000002\n\
            \x20   stack trace (kernel text addresses on the stack, newest first):\n\
            \x20     0xffffffff80201234 (faulting instruction)\n\
            \x20     0xffffffff80205678\n";
        assert_eq!(report_addresses(serial), [0xffffffff80201234, 0xffffffff80205678]);
        assert!(report_addresses("no report here").is_empty());
    }
}
