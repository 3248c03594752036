//! The IPC schemes' protocol is one file, `abi/src/protocol.rs`, compiled by both sides: the
//! kernel through `kestrel_abi::protocol`, the C library as `crate::platform::kestrel_protocol`
//! (relibc-patch's standalone build includes the file with `#[path]`; its patch ships it to
//! relibc's `src/platform/kestrel_protocol.rs`). These tests check that what the patch ships
//! is that file byte for byte, in the carrier series and in `relibc.patch`, that the
//! standalone build includes it rather than a copy, and that it stays free of dependencies,
//! so that it compiles unchanged inside relibc.

use std::path::PathBuf;

use integration::workspace_root;

/// Where relibc gets the file.
const RELIBC_PATH: &str = "src/platform/kestrel_protocol.rs";

fn protocol_path() -> PathBuf {
    workspace_root().join("abi/src/protocol.rs")
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of the file that `patch` (a `git diff` or `git format-patch` file) creates at
/// `path`, or `None` if it creates none there.
fn created_file(patch: &str, path: &str) -> Option<String> {
    let header = format!("diff --git a/{path} b/{path}");
    let mut lines = patch.lines().skip_while(|l| *l != header);
    lines.next()?;
    let mut lines = lines.skip_while(|l| !l.starts_with("@@ "));
    let hunk = lines.next()?;
    // A new file is one hunk, `@@ -0,0 +1,N @@`.
    let count = hunk.strip_prefix("@@ -0,0 +1,").and_then(|rest| rest.split(' ').next()).expect("a new file's hunk");
    let count: usize = count.parse().expect("the hunk's line count");
    let mut text = String::new();
    for line in lines.by_ref().take(count) {
        let line = line.strip_prefix('+').unwrap_or_else(|| panic!("a new file's line without '+': {line:?}"));
        text.push_str(line);
        text.push('\n');
    }
    if lines.next() == Some("\\ No newline at end of file") {
        text.pop();
    }
    Some(text)
}

#[test]
fn the_carrier_that_ships_the_protocol_ships_abis_file_byte_for_byte() {
    let protocol = read(&protocol_path());
    let series = workspace_root().join("relibc-patch/series");
    let carriers = read(&series.join("series"));
    let shipping: Vec<(&str, String)> = carriers
        .lines()
        .filter(|name| !name.trim().is_empty())
        .filter_map(|name| created_file(&read(&series.join(name)), RELIBC_PATH).map(|text| (name, text)))
        .collect();
    let names: Vec<&str> = shipping.iter().map(|(name, _)| *name).collect();
    // The first carrier that needs it (the scheme descriptors' paths) creates it, once.
    assert_eq!(names, ["0002-kestrel-platform.patch"], "the carriers that create {RELIBC_PATH}");
    assert!(shipping[0].1 == protocol, "0002-kestrel-platform.patch's {RELIBC_PATH} differs from abi/src/protocol.rs");
}

#[test]
fn relibc_patch_ships_abis_file_byte_for_byte() {
    let whole = read(&workspace_root().join("relibc-patch/relibc.patch"));
    let shipped = created_file(&whole, RELIBC_PATH).expect("relibc.patch creates the protocol file");
    assert!(shipped == read(&protocol_path()), "relibc.patch's {RELIBC_PATH} differs from abi/src/protocol.rs");
}

#[test]
fn the_standalone_library_includes_abis_file() {
    let platform = read(&workspace_root().join("relibc-patch/src/platform/mod.rs"));
    let include = "#[path = \"../../../abi/src/protocol.rs\"]";
    let at = platform.find(include).expect("relibc-patch/src/platform/mod.rs includes abi/src/protocol.rs");
    let item = platform[at..].lines().find(|l| l.contains("mod ")).expect("the module the path is for");
    assert_eq!(item.trim(), "pub mod kestrel_protocol;");
    let resolved = workspace_root().join("relibc-patch/src/platform").join("../../../abi/src/protocol.rs");
    assert_eq!(std::fs::canonicalize(resolved).unwrap(), std::fs::canonicalize(protocol_path()).unwrap());
}

#[test]
fn the_protocol_depends_on_nothing_but_core() {
    let protocol = read(&protocol_path());
    for (n, line) in protocol.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for word in ["use ", "crate::", "super::", "self::", "extern crate", "mod ", "macro_rules!"] {
            assert!(
                !code.contains(word),
                "abi/src/protocol.rs:{}: `{word}`: it must compile alone inside relibc",
                n + 1
            );
        }
    }
}

#[test]
fn the_kernels_names_are_the_protocols() {
    use kestrel_abi::{eventfd, mq, protocol, signalfd, sysv, timerfd};
    assert_eq!(sysv::SEM_SCHEME, protocol::SEM_SCHEME);
    assert_eq!(sysv::SEM_CALL_OP, protocol::SEM_CALL_OP);
    assert_eq!(sysv::semop_word(-1, 1 << 32 | 7), protocol::pair(7, -1));
    assert_eq!(sysv::msg_word(5, -2), 0xffff_fffe_0000_0005);
    assert_eq!(protocol::split(sysv::shm_word(-3, 0o1000)), (-3, 0o1000));
    assert_eq!(mq::send_word(32767), 32767 << 32 | protocol::MQ_CALL_SEND);
    assert_eq!(mq::SI_MESGQ, -3);
    assert_eq!(timerfd::call::TIMERFD_SCHEME, "/scheme/timerfd");
    assert_eq!(timerfd::call::TFD_NONBLOCK as usize, kestrel_abi::syscall::O_NONBLOCK);
    assert_eq!(eventfd::EFD_CLOEXEC as usize, kestrel_abi::syscall::O_CLOEXEC);
    assert_eq!(signalfd::SIGNALFD_MASK_SIZE, 8);
    assert_eq!(size_of::<mq::MqThreadNotice>(), 16);
}
