//! Wait statuses, encoded as Linux does: exited `(code << 8)`, killed by signal `signo`
//! (plus 0x80 for a core dump, never set here).

/// The status of a child that exited with `code`.
pub const fn exited(code: u8) -> i32 {
    (code as i32) << 8
}

/// The status of a child killed by signal `signo`.
pub const fn signaled(signo: u8) -> i32 {
    (signo & 0x7f) as i32
}

/// `WIFEXITED`.
pub const fn if_exited(status: i32) -> bool {
    status & 0x7f == 0
}

/// `WEXITSTATUS`.
pub const fn exit_status(status: i32) -> u8 {
    ((status >> 8) & 0xff) as u8
}

/// `WIFSIGNALED`.
pub const fn if_signaled(status: i32) -> bool {
    let sig = status & 0x7f;
    sig != 0 && sig != 0x7f
}

/// `WTERMSIG`.
pub const fn term_sig(status: i32) -> u8 {
    (status & 0x7f) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_linux_macros() {
        assert_eq!(exited(3), 0x300);
        assert!(if_exited(exited(3)) && !if_signaled(exited(3)));
        assert_eq!(exit_status(exited(255)), 255);
        assert_eq!(signaled(9), 9);
        assert!(if_signaled(signaled(9)) && !if_exited(signaled(9)));
        assert_eq!(term_sig(signaled(11)), 11);
    }
}
