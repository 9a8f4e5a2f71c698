//! The snapshot reader refuses what the format does not promise: a byte flipped anywhere, data
//! after the end, counts that disagree, overlong lines, files that are not regular files; and
//! every refusal is one line naming the file, without parser positions or debug text.

use std::path::Path;

use super::snapshot::{MAX_LINE, Snapshot};

/// A small snapshot (two users, a group, a gateway), so that every byte of it can be flipped.
fn sample() -> Vec<u8> {
    let s: Snapshot = Snapshot {
        meta: super::snapshot::Meta::default(),
        coverage: super::snapshot::Coverage::complete(),
        users: (0..2)
            .map(|i| {
                serde_json::from_value(serde_json::json!({
                    "id": format!("u{i}"),
                    "username": format!("user{i}"),
                    "enabled": i == 0,
                    "memberships": [{"id": "g1", "type": "DIRECT"}],
                }))
                .expect("user")
            })
            .collect(),
        groups: vec![
            serde_json::from_value(serde_json::json!({"id": "g1", "name": "Admins"}))
                .expect("group"),
        ],
        gateways: vec![
            serde_json::from_value(
                serde_json::json!({"id": "gw", "name": "PF", "type": "PING_FEDERATE"}),
            )
            .expect("gateway"),
        ],
        ..Snapshot::default()
    };
    let mut out = Vec::new();
    s.to_writer(&mut out).expect("write");
    out
}

fn read(bytes: &[u8]) -> Result<Snapshot, String> {
    Snapshot::from_bytes(bytes, Path::new("/tmp/s.json")).map_err(|e| e.to_string())
}

fn assert_one_line(msg: &str) {
    assert!(!msg.contains('\n'), "one line: {msg}");
    assert!(msg.contains("/tmp/s.json"), "names the file: {msg}");
    assert!(
        !msg.contains(" at line 1 column"),
        "no parser position: {msg}"
    );
    assert!(!msg.contains("Counts {"), "no debug text: {msg}");
}

#[test]
fn a_good_file_reads_and_carries_a_checksum() {
    let bytes = sample();
    assert!(read(&bytes).is_ok());
    let text = String::from_utf8(bytes).expect("utf-8");
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.contains("\"crc32\":\""))
    );
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("\"checksum\":\"crc32\""))
    );
}

#[test]
fn every_single_byte_flip_is_refused() {
    let bytes = sample();
    // Every byte of a small file, flipped one bit at a time in turn.
    let mut accepted = Vec::new();
    for i in 0..bytes.len() {
        for bit in [0x01u8, 0x20, 0x80] {
            let mut b = bytes.clone();
            b[i] ^= bit;
            match read(&b) {
                Ok(_) => accepted.push((i, bit)),
                Err(msg) => assert_one_line(&msg),
            }
        }
    }
    assert!(
        accepted.is_empty(),
        "flips accepted: {:?}",
        &accepted[..accepted.len().min(10)]
    );
}

#[test]
fn data_after_the_end_and_disagreeing_counts_are_refused() {
    let bytes = sample();
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    let end = text.lines().last().expect("end").to_owned();
    let header = text.lines().next().expect("header").to_owned();
    let cases = [
        (
            format!("{text}{{\"user\": {{}}}}\n"),
            "data after the end line",
        ),
        (format!("{text}{end}\n"), "data after the end line"),
        (
            text.replacen(
                &header,
                &header.replacen("\"users\":2", "\"users\":3", 1),
                1,
            ),
            "its header counts",
        ),
    ];
    for (bytes, want) in cases {
        let msg = read(bytes.as_bytes()).expect_err(want);
        assert!(msg.contains(want), "want {want:?} in {msg}");
        assert_one_line(&msg);
    }
    // Blank lines after the end are fine.
    assert!(read(format!("{text}\n\n").as_bytes()).is_ok());
}

#[test]
fn files_without_a_checksum_still_read_unless_the_header_promised_one() {
    let text = String::from_utf8(sample()).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    let last = lines.len() - 1;
    let end = lines[last];
    let no_crc = {
        let i = end.find(",\"crc32\"").expect("crc field");
        format!("{}}}}}", &end[..i])
    };
    let header_old = lines[0].replacen(",\"checksum\":\"crc32\"", "", 1);
    let mut old = vec![header_old.as_str()];
    old.extend(&lines[1..last]);
    old.push(&no_crc);
    assert!(
        read((old.join("\n") + "\n").as_bytes()).is_ok(),
        "an older file"
    );
    let mut promised: Vec<&str> = lines[..last].to_vec();
    promised.push(&no_crc);
    let msg = read((promised.join("\n") + "\n").as_bytes()).expect_err("promised");
    assert!(msg.contains("promises a checksum"), "{msg}");
}

#[test]
fn an_overlong_line_stops_the_read_early() {
    let mut bytes = b"{\"format\": \"pingscope-snapshot\", \"x\": \"".to_vec();
    bytes.resize(MAX_LINE + 10, b'a');
    let msg = read(&bytes).expect_err("overlong");
    assert!(msg.contains("longer than"), "{msg}");
    assert_one_line(&msg);
}

#[cfg(unix)]
#[test]
fn only_regular_files_are_read() {
    for path in ["/dev/zero", "/dev/null", "/tmp"] {
        let msg = Snapshot::read(Path::new(path)).expect_err(path).to_string();
        assert!(
            msg.contains("not a regular file") || msg.contains("is a directory"),
            "{msg}"
        );
    }
    // A FIFO with no writer is refused at once instead of blocking forever.
    let dir = tempfile::tempdir().expect("dir");
    let fifo = dir.path().join("f");
    let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("path");
    // SAFETY: mkfifo with a valid NUL-terminated path.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo");
    let msg = Snapshot::read(&fifo).expect_err("fifo").to_string();
    assert!(msg.contains("not a regular file"), "{msg}");
}

#[test]
fn os_errors_are_said_once_without_temporary_names() {
    let msg = Snapshot::read(Path::new("/nonexistent/x.json"))
        .expect_err("missing")
        .to_string();
    assert_eq!(
        msg,
        "cannot read snapshot /nonexistent/x.json: No such file or directory (os error 2)"
    );
    let s = Snapshot::from_bytes(&sample(), Path::new("s")).expect("sample");
    let msg = s
        .write(
            Path::new("/nonexistent_dir/x.json"),
            super::snapshot::Format::Compact,
        )
        .expect_err("no directory")
        .to_string();
    assert!(!msg.contains(".pingscope-snapshot-"), "{msg}");
    assert!(
        msg.starts_with("cannot write snapshot /nonexistent_dir/x.json: "),
        "{msg}"
    );
}
