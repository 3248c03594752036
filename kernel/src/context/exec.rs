//! The program loader: static ELF64 executables from the initfs, mapped into a fresh
//! address space, with the System V initial stack (argc, argv, envp, auxv).

use alloc::string::String;
use alloc::vec::Vec;

use crate::errno::{E2BIG, ENOEXEC, ENOMEM};
use elf::ElfBytes;
use elf::abi::{EM_X86_64, ET_EXEC, PF_R, PF_W, PF_X, PT_LOAD};
use elf::endian::LittleEndian;

use crate::memory::PAGE_SIZE;
use crate::memory::address_space::{AddressSpace, Placement, Prot, USER_END};

/// Top of the initial user stack (a guard gap lies above it).
pub const USER_STACK_TOP: u64 = USER_END - 0x10_0000;
/// Size of the initial user stack, mapped eagerly.
pub const USER_STACK_SIZE: u64 = 1 << 20;
/// Most bytes of argument and environment strings.
pub const MAX_ARG_BYTES: usize = 64 * 1024;

const AT_NULL: u64 = 0;
const AT_PHDR: u64 = 3;
const AT_PHENT: u64 = 4;
const AT_PHNUM: u64 = 5;
const AT_PAGESZ: u64 = 6;
const AT_ENTRY: u64 = 9;

/// Where a loaded program starts.
pub struct Loaded {
    pub entry: u64,
    pub stack_top: u64,
}

/// The bytes of the initfs program at `path` (`/scheme/initfs/NAME`).
pub fn program_image(path: &str) -> Option<&'static [u8]> {
    let name = path.strip_prefix("/scheme/initfs/")?;
    crate::scheme::initfs().file(name)
}

/// The name a process is shown under: the last path component.
pub fn program_name(path: &str) -> String {
    String::from(path.rsplit('/').next().unwrap_or(path))
}

fn prot_of(flags: u32) -> Prot {
    Prot { read: flags & PF_R != 0, write: flags & PF_W != 0, exec: flags & PF_X != 0 }
}

/// Loads `image` into `space` and builds the initial stack.
pub fn load(
    space: &mut AddressSpace,
    image: &[u8],
    args: &[&[u8]],
    env: &[&[u8]],
) -> Result<Loaded, crate::errno::Errno> {
    let file = ElfBytes::<LittleEndian>::minimal_parse(image).map_err(|_| ENOEXEC)?;
    if file.ehdr.e_machine != EM_X86_64 || file.ehdr.e_type != ET_EXEC {
        return Err(ENOEXEC);
    }
    let segments = file.segments().ok_or(ENOEXEC)?;
    // Pages get the union of the rights of the segments that cover them.
    let mut pages: Vec<(u64, Prot)> = Vec::new();
    let mut phdr_vaddr = 0;
    for ph in segments.iter().filter(|ph| ph.p_type == PT_LOAD) {
        let end = ph.p_vaddr.checked_add(ph.p_memsz).ok_or(ENOEXEC)?;
        let file_end = ph.p_offset.checked_add(ph.p_filesz).ok_or(ENOEXEC)?;
        if ph.p_filesz > ph.p_memsz || end > USER_STACK_TOP - USER_STACK_SIZE || file_end > image.len() as u64 {
            return Err(ENOEXEC);
        }
        if ph.p_offset <= file.ehdr.e_phoff && file.ehdr.e_phoff < file_end {
            phdr_vaddr = ph.p_vaddr + (file.ehdr.e_phoff - ph.p_offset);
        }
        let prot = prot_of(ph.p_flags);
        let mut page = ph.p_vaddr & !(PAGE_SIZE - 1);
        while page < end {
            match pages.iter_mut().find(|(p, _)| *p == page) {
                Some((_, existing)) => {
                    existing.read |= prot.read;
                    existing.write |= prot.write;
                    existing.exec |= prot.exec;
                }
                None => {
                    space.map_anonymous(Placement::FixedNoReplace(page), PAGE_SIZE, Prot::RW)?;
                    pages.push((page, prot));
                }
            }
            page += PAGE_SIZE;
        }
        let data = &image[ph.p_offset as usize..file_end as usize];
        space.write_bytes(ph.p_vaddr, data)?;
    }
    if pages.is_empty() {
        return Err(ENOEXEC);
    }
    let stack_top = build_stack(space, args, env, file.ehdr.e_entry, phdr_vaddr, u64::from(file.ehdr.e_phnum))?;
    for (page, prot) in pages {
        space.protect(page, PAGE_SIZE, prot)?;
    }
    Ok(Loaded { entry: file.ehdr.e_entry, stack_top })
}

/// Maps the stack and writes the strings, then auxv, envp, argv and argc below them.
fn build_stack(
    space: &mut AddressSpace,
    args: &[&[u8]],
    env: &[&[u8]],
    entry: u64,
    phdr: u64,
    phnum: u64,
) -> Result<u64, crate::errno::Errno> {
    let bytes: usize = args.iter().chain(env).map(|s| s.len() + 1).sum();
    if bytes > MAX_ARG_BYTES {
        return Err(E2BIG);
    }
    space.map_anonymous(Placement::FixedNoReplace(USER_STACK_TOP - USER_STACK_SIZE), USER_STACK_SIZE, Prot::RW)?;
    let mut sp = USER_STACK_TOP;
    let mut put_string = |space: &mut AddressSpace, s: &[u8]| -> Result<u64, crate::errno::Errno> {
        sp -= s.len() as u64 + 1;
        space.write_bytes(sp, s)?;
        space.write_bytes(sp + s.len() as u64, &[0])?;
        Ok(sp)
    };
    let mut arg_ptrs = Vec::new();
    arg_ptrs.try_reserve(args.len()).map_err(|_| ENOMEM)?;
    for a in args {
        arg_ptrs.push(put_string(space, a)?);
    }
    let mut env_ptrs = Vec::new();
    env_ptrs.try_reserve(env.len()).map_err(|_| ENOMEM)?;
    for e in env {
        env_ptrs.push(put_string(space, e)?);
    }
    let auxv = [AT_PHDR, phdr, AT_PHENT, 56, AT_PHNUM, phnum, AT_PAGESZ, PAGE_SIZE, AT_ENTRY, entry, AT_NULL, 0];
    let mut words: Vec<u64> = Vec::new();
    words.try_reserve(arg_ptrs.len() + env_ptrs.len() + auxv.len() + 3).map_err(|_| ENOMEM)?;
    words.push(args.len() as u64);
    words.extend_from_slice(&arg_ptrs);
    words.push(0);
    words.extend_from_slice(&env_ptrs);
    words.push(0);
    words.extend_from_slice(&auxv);
    // argc must sit at a 16-byte boundary.
    let total = words.len() as u64 * 8;
    let start = (sp - total) & !15;
    let mut raw = Vec::new();
    raw.try_reserve(total as usize).map_err(|_| ENOMEM)?;
    for w in &words {
        raw.extend_from_slice(&w.to_le_bytes());
    }
    space.write_bytes(start, &raw)?;
    Ok(start)
}
