//! `t_msg`: the message queue scheme's kernel side beyond what C programs see: the call
//! encoding (exactly three metadata words, the payload sizes), and the one deliberate
//! difference from Linux: a msgrcv whose buffer cannot be written fails with EFAULT and
//! leaves the message queued (Linux takes the message and loses it). The rules are
//! tested on the host against Linux and by the C conformance tests (`c_msg_*`).

#![no_std]
#![no_main]

use userspace::abi::syscall::CALL_WRITE;
use userspace::abi::sysv::{
    IPC_NOWAIT, IPC_PRIVATE, IPC_RMID, MSG_CALL_CTL, MSG_CALL_GET, MSG_CALL_RCV, MSG_CALL_SND, MSG_SCHEME, msg_word,
};
use userspace::mm::{self, PAGE_SIZE, PROT_READ};
use userspace::{Errno, check_eq, check_ok, fs, println};

userspace::entry!(main);

/// A message as the kernel reads and writes it: the type, then the text.
#[repr(C)]
struct MsgBuf {
    mtype: i64,
    text: [u8; 16],
}

fn snd(fd: usize, id: i32, msg: &MsgBuf, size: u64, flags: i32) -> Result<usize, Errno> {
    let meta = [MSG_CALL_SND, msg_word(id, flags), msg as *const MsgBuf as u64];
    fs::call(fd, &mut size.to_le_bytes(), CALL_WRITE, &meta)
}

fn rcv_at(fd: usize, id: i32, msgp: u64, size: u64, msgtyp: i64, flags: i32) -> Result<usize, Errno> {
    let mut payload = [0u8; 16];
    payload[..8].copy_from_slice(&size.to_le_bytes());
    payload[8..].copy_from_slice(&msgtyp.to_le_bytes());
    fs::call(fd, &mut payload, CALL_WRITE, &[MSG_CALL_RCV, msg_word(id, flags), msgp])
}

fn rmid(fd: usize, id: i32) {
    let _ = fs::call(fd, &mut [], 0, &[MSG_CALL_CTL, msg_word(id, IPC_RMID), 0]);
}

fn calls_take_three_metadata_words(fd: usize) {
    println!("t_msg: every msg call takes exactly three metadata words");
    check_eq!(fs::call(fd, &mut [], 0, &[MSG_CALL_GET, 0]), Err(Errno::EINVAL), "msgget with two words");
    check_eq!(fs::call(fd, &mut [], 0, &[MSG_CALL_GET, 0, 0o600, 0]), Err(Errno::EINVAL), "msgget, four");
    let Some(id) = check_ok!(fs::call(fd, &mut [], 0, &[MSG_CALL_GET, 0, 0o600]), "msgget") else { return };
    let id = id as i32;
    let msg = MsgBuf { mtype: 1, text: *b"sixteen bytes..." };
    let mut size = 16u64.to_le_bytes();
    let word = msg_word(id, IPC_NOWAIT);
    let msgp = &msg as *const MsgBuf as u64;
    check_eq!(fs::call(fd, &mut size, 0, &[MSG_CALL_SND, word]), Err(Errno::EINVAL), "msgsnd, two words");
    check_eq!(fs::call(fd, &mut size, 0, &[MSG_CALL_SND, word, msgp, 0]), Err(Errno::EINVAL), "msgsnd, four");
    check_eq!(fs::call(fd, &mut [0u8; 4], 0, &[MSG_CALL_SND, word, msgp]), Err(Errno::EINVAL), "a short size");
    let mut out = MsgBuf { mtype: 0, text: [0; 16] };
    let outp = &mut out as *mut MsgBuf as u64;
    check_eq!(rcv_at(fd, id, outp, 16, 0, IPC_NOWAIT), Err(Errno::ENOMSG), "none was sent");
    check_eq!(fs::call(fd, &mut [0u8; 8], 0, &[MSG_CALL_RCV, word, msgp]), Err(Errno::EINVAL), "msgrcv, no type");
    check_eq!(fs::call(fd, &mut [], 0, &[MSG_CALL_CTL, msg_word(id, IPC_RMID)]), Err(Errno::EINVAL), "msgctl, two");
    check_eq!(fs::call(fd, &mut [], 0, &[]), Err(Errno::EINVAL), "no words at all");
    check_eq!(snd(fd, id, &msg, 16, IPC_NOWAIT), Ok(0), "three words");
    check_eq!(rcv_at(fd, id, outp, 16, 0, IPC_NOWAIT), Ok(16), "received");
    check_eq!((out.mtype, out.text), (1, msg.text), "the message");
    check_eq!(fs::call(fd, &mut [], 0, &[MSG_CALL_CTL, msg_word(id, IPC_RMID), 0]), Ok(0), "msgctl, three");
}

fn a_bad_buffer_loses_nothing(fd: usize) {
    println!("t_msg: msgrcv into an unwritable buffer is EFAULT and the message stays queued");
    let Some(id) = check_ok!(fs::call(fd, &mut [], 0, &[MSG_CALL_GET, IPC_PRIVATE as u64, 0o600]), "msgget") else {
        return;
    };
    let id = id as i32;
    let msg = MsgBuf { mtype: 7, text: *b"keep me queued.." };
    check_eq!(snd(fd, id, &msg, 16, 0), Ok(0), "send");
    let Some(page) = check_ok!(mm::map_anonymous(PAGE_SIZE, PROT_READ), "a read-only page") else { return };
    check_eq!(rcv_at(fd, id, 0, 16, 0, 0), Err(Errno::EFAULT), "NULL");
    check_eq!(rcv_at(fd, id, page as u64, 16, 0, 0), Err(Errno::EFAULT), "a read-only page");
    check_eq!(rcv_at(fd, id, (page + PAGE_SIZE - 12) as u64, 16, 0, 0), Err(Errno::EFAULT), "ends past the page");
    check_eq!(rcv_at(fd, id, 0xffff_8000_0000_0000, 16, 0, 0), Err(Errno::EFAULT), "a kernel address");
    let mut out = MsgBuf { mtype: 0, text: [0; 16] };
    check_eq!(rcv_at(fd, id, &mut out as *mut MsgBuf as u64, 16, 0, IPC_NOWAIT), Ok(16), "still there");
    check_eq!((out.mtype, out.text), (7, msg.text), "intact");
    // SAFETY: the page is not used again.
    let _ = unsafe { mm::funmap(page, PAGE_SIZE) };
    rmid(fd, id);
}

fn main(_args: &[&str]) -> i32 {
    let Some(fd) = check_ok!(fs::open(MSG_SCHEME, fs::O_RDWR), "open the msg scheme") else {
        return userspace::check::finish();
    };
    calls_take_three_metadata_words(fd);
    a_bad_buffer_loses_nothing(fd);
    let _ = fs::close(fd);
    userspace::check::finish()
}
