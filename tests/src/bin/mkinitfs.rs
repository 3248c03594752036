//! `mkinitfs OUT.img [--manifest TEXT | --manifest-file PATH] [--tree DIR]... FILE...`
//!
//! Packs each FILE under its base name into an initfs image (the format of
//! `kestrel_abi::initfs`), every file under each DIR under its path relative to DIR
//! (`--tree userspace/rootfs` packs `etc/passwd`), plus the test manifest as the file
//! `tests` when one is given: TEXT (where the two characters `\n` also end a line) or the
//! contents of PATH. Prints the output path.
//!
//! The packing itself is `integration::initfs`; every image is checked with the abi's own
//! parser before it is saved.

use std::path::PathBuf;
use std::process::ExitCode;

use integration::initfs::{image_from_parts, tree_files};

const USAGE: &str = "usage: mkinitfs OUT.img [--manifest TEXT | --manifest-file PATH] [--tree DIR]... FILE...";

/// What to pack.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    out: PathBuf,
    manifest: Option<Manifest>,
    trees: Vec<PathBuf>,
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
    let mut trees = Vec::new();
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
            "--tree" => trees.push(PathBuf::from(args.next().ok_or("--tree needs a directory")?)),
            "-h" | "--help" => return Err(String::new()),
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
            _ if out.is_none() => out = Some(PathBuf::from(arg)),
            _ => files.push(PathBuf::from(arg)),
        }
    }
    let out = out.ok_or("no output path given")?;
    Ok(Plan { out, manifest, trees, files })
}

/// Reads every input and builds the image.
fn build(plan: &Plan) -> Result<Vec<u8>, String> {
    let manifest = match &plan.manifest {
        None => None,
        Some(Manifest::Text(text)) => Some(text.clone().into_bytes()),
        Some(Manifest::File(path)) => Some(std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?),
    };
    let mut named = Vec::new();
    for tree in &plan.trees {
        named.extend(tree_files(tree)?);
    }
    image_from_parts(&plan.files, &named, manifest)
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
    use integration::initfs::{ALIGN, pack};
    use kestrel_abi::initfs::{self, MANIFEST};

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
        let plan = parse_args(args(&["out.img", "a/init", "--manifest", "t_a\\nt_b", "b/t_a", "--tree", "r"])).unwrap();
        assert_eq!(plan.out, PathBuf::from("out.img"));
        assert_eq!(plan.files, [PathBuf::from("a/init"), PathBuf::from("b/t_a")]);
        assert_eq!(plan.trees, [PathBuf::from("r")]);
        assert!(parse_args(args(&["out", "--tree"])).is_err());
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
            trees: vec![],
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
        let missing = Plan { out: dir.join("o"), manifest: None, trees: vec![], files: vec![dir.join("nope")] };
        assert!(build(&missing).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn packs_trees_under_their_relative_paths() {
        let dir = std::env::temp_dir().join(format!("mkinitfs-tree-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("root/etc/skel")).unwrap();
        std::fs::write(dir.join("root/etc/passwd"), b"root:x:0:0::/root:/bin/sh\n").unwrap();
        std::fs::write(dir.join("root/etc/skel/profile"), b"").unwrap();
        std::fs::write(dir.join("init"), b"\x7fELF init").unwrap();
        std::fs::write(dir.join("etc"), b"a program called etc").unwrap();
        let plan =
            Plan { out: dir.join("o"), manifest: None, trees: vec![dir.join("root")], files: vec![dir.join("init")] };
        let image = build(&plan).unwrap();
        let parsed = initfs::Image::parse(&image).unwrap();
        assert_eq!(parsed.find("etc/passwd").unwrap().data, b"root:x:0:0::/root:/bin/sh\n");
        assert_eq!(parsed.find("etc/skel/profile").unwrap().data, b"");
        assert!(parsed.is_dir("etc/skel"));
        let clash = Plan { files: vec![dir.join("etc")], ..plan };
        assert!(build(&clash).unwrap_err().contains("both a file and a directory"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
