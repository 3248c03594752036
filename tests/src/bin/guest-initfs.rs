//! `guest-initfs`: builds the standard guest image (`target/initfs.img`: init, the Rust
//! guest programs, the C tests and the manifest) and prints its path.

fn main() {
    println!("{}", integration::initfs::build_guest_initfs().display());
}
