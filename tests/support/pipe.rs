//! A reader that stops early, as `| head -1` does.

/// Runs pingscope with `args`, reads its first line of output and closes the pipe, as `| head -1`
/// would; returns that line and how the process ended (status, standard error).
pub fn first_line_then_close(args: &[&str]) -> (String, std::process::Output) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pingscope"))
        .args(args)
        .env("PINGSCOPE_KEYRING", "none")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pingscope");
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut first);
    }
    let out = child.wait_with_output().expect("wait for pingscope");
    (first, out)
}
