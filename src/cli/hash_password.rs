//! `pandian hash-password`: an Argon2id hash for `[[web.users]]`, from a
//! password read on stdin (never from the command line, where other users
//! could see it in the process list).

use anyhow::Context;
use pandian::web::auth::{MAX_PASSWORD_LEN, hash_password};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;

/// `pandian hash-password` arguments (none: the password comes on stdin).
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    pandian hash-password                      # asks twice, without echo\n  \
    printf '%s' \"$PASSWORD\" | pandian hash-password\n\n\
    Put the output in the config:\n  \
    [[web.users]]\n  name = \"admin\"\n  password_hash = \"$argon2id$v=19$...\"")]
pub struct HashPasswordArgs {}

pub fn run(_: &HashPasswordArgs) -> anyhow::Result<ExitCode> {
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        let first = prompt("Password: ")?;
        let again = prompt("Again: ")?;
        anyhow::ensure!(
            first == again,
            "the two passwords differ; nothing was hashed"
        );
        first
    } else {
        let mut buf = Vec::new();
        stdin
            .lock()
            .take(MAX_PASSWORD_LEN as u64 + 3)
            .read_to_end(&mut buf)
            .context("reading the password from stdin")?;
        // One trailing newline (from echo or a file) is not part of it.
        if buf.ends_with(b"\n") {
            buf.pop();
            if buf.ends_with(b"\r") {
                buf.pop();
            }
        }
        buf
    };
    anyhow::ensure!(
        !password.is_empty(),
        "no password on stdin; e.g. printf '%s' \"$PASSWORD\" | pandian hash-password"
    );
    anyhow::ensure!(
        password.len() <= MAX_PASSWORD_LEN,
        "the password is longer than {MAX_PASSWORD_LEN} bytes"
    );
    let hash = hash_password(&password)?;
    writeln!(std::io::stdout().lock(), "{hash}")?;
    Ok(ExitCode::SUCCESS)
}

/// Read one line from the terminal with echo off.
fn prompt(label: &str) -> anyhow::Result<Vec<u8>> {
    use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    eprint!("{label}");
    let saved = tcgetattr(&stdin).context("reading the terminal settings")?;
    let mut quiet = saved.clone();
    quiet.local_flags.remove(LocalFlags::ECHO);
    tcsetattr(&stdin, SetArg::TCSANOW, &quiet).context("turning echo off")?;
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    let _ = tcsetattr(&stdin, SetArg::TCSANOW, &saved);
    eprintln!();
    read.context("reading the password")?;
    Ok(line.trim_end_matches(['\n', '\r']).as_bytes().to_vec())
}
