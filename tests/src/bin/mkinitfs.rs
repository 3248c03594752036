//! `mkinitfs OUT.img [--manifest TEXT | --manifest-file PATH] FILE...`
//!
//! Packs each FILE under its base name into an initfs image (the format of
//! `kestrel_abi::initfs`), plus the test manifest as the file `tests` when one is given:
//! TEXT (where the two characters `\n` also end a line) or the contents of PATH. Prints
//! the output path.
//!
//! The image is written here rather than by `kestrel_abi::initfs::build`, which needs the
//! abi's `std` feature: cargo would unify that feature into the kernel's and the guest
//! programs' builds of the abi (same target, same invocation) and link `std`'s panic
//! handler into them. Every image is checked with the abi's own parser before it is saved.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kestrel_abi::initfs::{self, MAGIC, MANIFEST};

/// Bytes of the image header and of one entry (see `kestrel_abi::initfs`).
const HEADER: usize = 16;
const ENTRY: usize = 24;
/// File data starts on page boundaries, so the kernel can map it directly.
const ALIGN: usize = 4096;

/// Lays out `files` as an initfs image: header, entries, names, then page-aligned data.
fn pack(files: &[(&str, &[u8])]) -> Result<Vec<u8>, String> {
    let too_big = || "the image would exceed the format's 32-bit fields".to_string();
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&u32::try_from(files.len()).map_err(|_| too_big())?.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    let mut name_at = HEADER + files.len() * ENTRY;
    let names_len: usize = files.iter().map(|(n, _)| n.len()).sum();
    let mut data_at = (name_at + names_len).next_multiple_of(ALIGN);
    for (name, data) in files {
        out.extend_from_slice(&u32::try_from(name_at).map_err(|_| too_big())?.to_le_bytes());
        out.extend_from_slice(&u32::try_from(name.len()).map_err(|_| too_big())?.to_le_bytes());
        out.extend_from_slice(&(data_at as u64).to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        name_at += name.len();
        data_at = (data_at + data.len()).next_multiple_of(ALIGN);
    }
    for (name, _) in files {
        out.extend_from_slice(name.as_bytes());
    }
    for (_, data) in files {
        out.resize(out.len().next_multiple_of(ALIGN), 0);
        out.extend_from_slice(data);
    }
    Ok(out)
}

const USAGE: &str = "usage: mkinitfs OUT.img [--manifest TEXT | --manifest-file PATH] FILE...";

/// What to pack.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    out: PathBuf,
    manifest: Option<Manifest>,
    files: Vec<PathBuf>,
}

#[derive(Debug, PartialEq, Eq)]
enum Manifest {
    Text(String),
    File(PathBuf),
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Plan, String> {
    let mut args = args.into_iter();
    let mut out = None;
    let mut manifest = None;
    let mut files = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--manifest" | "--manifest-file" => {
                let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                if manifest.is_some() {
                    return Err("only one manifest may be given".into());
                }
                manifest = Some(if arg == "--manifest" {
                    Manifest::Text(value.replace("\\n", "\n"))
                } else {
                    Manifest::File(value.into())
                });
            }
            "-h" | "--help" => return Err(String::new()),
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
            _ if out.is_none() => out = Some(PathBuf::from(arg)),
            _ => files.push(PathBuf::from(arg)),
        }
    }
    let out = out.ok_or("no output path given")?;
    Ok(Plan { out, manifest, files })
}

/// The name a file is packed under.
fn base_name(path: &Path) -> Result<String, String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("{}: no usable file name", path.display()))
}

/// Reads every input and builds the image.
fn build(plan: &Plan) -> Result<Vec<u8>, String> {
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for path in &plan.files {
        let name = base_name(path)?;
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        entries.push((name, data));
    }
    if let Some(manifest) = &plan.manifest {
        let mut text = match manifest {
            Manifest::Text(text) => text.clone().into_bytes(),
            Manifest::File(path) => std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?,
        };
        if !text.is_empty() && !text.ends_with(b"\n") {
            text.push(b'\n');
        }
        entries.push((MANIFEST.to_owned(), text));
    }
    for (i, (name, _)) in entries.iter().enumerate() {
        if entries[..i].iter().any(|(other, _)| other == name) {
            return Err(format!("two files are named {name:?}"));
        }
    }
    let pairs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    let image = pack(&pairs)?;
    let parsed = initfs::Image::parse(&image).map_err(|e| format!("the packed image does not parse: {e:?}"))?;
    for (name, data) in &pairs {
        if parsed.find(name).map(|f| f.data) != Some(*data) {
            return Err(format!("{name} does not read back from the packed image"));
        }
    }
    Ok(image)
}

fn main() -> ExitCode {
    let plan = match parse_args(std::env::args().skip(1)) {
        Ok(plan) => plan,
        Err(why) => {
            if !why.is_empty() {
                eprintln!("mkinitfs: {why}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let written = build(&plan)
        .and_then(|image| std::fs::write(&plan.out, image).map_err(|e| format!("{}: {e}", plan.out.display())));
    match written {
        Ok(()) => {
            println!("{}", plan.out.display());
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("mkinitfs: {why}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn empty_and_odd_sized_files_round_trip() {
        let files: [(&str, &[u8]); 3] = [("a", b""), ("b", &[7; 4097]), ("c", b"x")];
        let image = pack(&files).unwrap();
        let parsed = initfs::Image::parse(&image).unwrap();
        assert_eq!(parsed.files().map(|f| (f.name, f.data)).collect::<Vec<_>>(), files);
        assert_eq!(initfs::Image::parse(&pack(&[]).unwrap()).unwrap().len(), 0);
    }

    #[test]
    fn arguments_parse() {
        let plan = parse_args(args(&["out.img", "a/init", "--manifest", "t_a\\nt_b", "b/t_a"])).unwrap();
        assert_eq!(plan.out, PathBuf::from("out.img"));
        assert_eq!(plan.files, [PathBuf::from("a/init"), PathBuf::from("b/t_a")]);
        assert_eq!(plan.manifest, Some(Manifest::Text("t_a\nt_b".into())));
        assert!(parse_args(args(&[])).is_err());
        assert!(parse_args(args(&["out", "--manifest"])).is_err());
        assert!(parse_args(args(&["out", "--bogus"])).is_err());
        assert!(parse_args(args(&["out", "--manifest", "a", "--manifest-file", "b"])).is_err());
    }

    #[test]
    fn packs_files_under_base_names_with_the_manifest() {
        let dir = std::env::temp_dir().join(format!("mkinitfs-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("init"), b"\x7fELF init").unwrap();
        std::fs::write(dir.join("sub/t_x"), b"\x7fELF t_x").unwrap();
        let plan = Plan {
            out: dir.join("out.img"),
            manifest: Some(Manifest::Text("t_x timeout=5".into())),
            files: vec![dir.join("init"), dir.join("sub/t_x")],
        };
        let image = build(&plan).unwrap();
        let parsed = initfs::Image::parse(&image).unwrap();
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed.find("init").unwrap().data, b"\x7fELF init");
        assert_eq!(parsed.find("t_x").unwrap().data, b"\x7fELF t_x");
        assert_eq!(parsed.find(MANIFEST).unwrap().data, b"t_x timeout=5\n");

        assert_eq!(parsed.find("t_x").unwrap().data.as_ptr() as usize - image.as_ptr() as usize, 2 * ALIGN);

        let clash = Plan { files: vec![dir.join("init"), dir.join("init")], ..plan };
        assert!(build(&clash).unwrap_err().contains("two files"));
        let missing = Plan { out: dir.join("o"), manifest: None, files: vec![dir.join("nope")] };
        assert!(build(&missing).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
