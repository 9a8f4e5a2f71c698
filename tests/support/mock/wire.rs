//! Small, panic-free parsers for what arrives on the wire: percent-encoding, query strings and
//! form bodies, HTTP Basic credentials, and the few SCIM filters the mock understands.

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`, as in query strings and forms).
/// `None` for a malformed escape or a result that is not UTF-8.
pub fn percent_decode(text: &str, plus_is_space: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex_val(*bytes.get(i + 1)?)?;
                let lo = hex_val(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Encodes a query parameter value (everything but unreserved characters is escaped).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `a=1&b=2` (query string or `application/x-www-form-urlencoded` body) into pairs, in order.
/// `Err(name)` names the first pair that does not decode.
pub fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for part in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let key = percent_decode(k, true).ok_or_else(|| k.to_owned())?;
        let value = percent_decode(v, true).ok_or_else(|| key.clone())?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// Query parameters of one request.
#[derive(Default, Debug)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Result<Query, String> {
        Ok(Query {
            pairs: parse_pairs(raw.unwrap_or(""))?,
        })
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every comma-separated value of every `name` parameter (`include=a,b&include=c`).
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// Standard base64 (with or without padding). `None` when malformed.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return None; // a dangling sextet: not a whole number of bytes
    }
    Some(out)
}

/// `Authorization: Basic base64(id:secret)`, each part form-urlencoded (RFC 6749 section 2.3.1).
/// `Some(Err)` for a Basic header that does not decode.
pub fn basic_credentials(header: Option<&str>) -> Option<Result<(String, String), ()>> {
    let header = header?.trim();
    let (scheme, rest) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64_decode(rest).and_then(|b| String::from_utf8(b).ok());
    Some(
        decoded
            .and_then(|text| {
                let (id, secret) = text.split_once(':')?;
                Some((percent_decode(id, true)?, percent_decode(secret, true)?))
            })
            .ok_or(()),
    )
}

/// `Authorization: Bearer <token>`.
pub fn bearer_token(header: Option<&str>) -> Option<&str> {
    let (scheme, rest) = header?.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim())
        .filter(|t| !t.is_empty())
}

/// `attr eq "value"` (the attribute and `eq` are case-insensitive): the value, if `attr` matches.
pub fn eq_filter<'a>(filter: &'a str, attr: &str) -> Option<&'a str> {
    let filter = filter.trim();
    let (name, rest) = filter.split_once(char::is_whitespace)?;
    if !name.eq_ignore_ascii_case(attr) {
        return None;
    }
    let (op, value) = rest.trim_start().split_once(char::is_whitespace)?;
    if !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    let value = value.trim().strip_prefix('"')?.strip_suffix('"')?;
    (!value.contains('"')).then_some(value)
}

/// `memberOfGroups[id eq "<groupId>"]`: the group id.
pub fn member_of_groups_filter(filter: &str) -> Option<&str> {
    match member_of_groups_typed(filter)? {
        (id, None) => Some(id),
        _ => None,
    }
}

/// `memberOfGroups[id eq "<groupId>"]` or `memberOfGroups[id eq "<groupId>" and type eq "T"]`.
pub fn member_of_groups_typed(filter: &str) -> Option<(&str, Option<&str>)> {
    let filter = filter.trim();
    let prefix = "memberOfGroups[";
    let head = filter.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let inner = filter.get(prefix.len()..)?.strip_suffix(']')?;
    match inner.split_once(" and ") {
        None => Some((eq_filter(inner, "id")?, None)),
        Some((a, b)) => Some((eq_filter(a, "id")?, Some(eq_filter(b, "type")?))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoders() {
        assert_eq!(percent_decode("a%20b+c", true).as_deref(), Some("a b c"));
        assert_eq!(percent_decode("a%2", true), None);
        assert_eq!(percent_decode("%ff", true), None);
        assert_eq!(
            base64_decode("aWQ6c2VjcmV0").as_deref(),
            Some(&b"id:secret"[..])
        );
        assert_eq!(base64_decode("YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(base64_decode("!!"), None);
        assert_eq!(
            member_of_groups_filter("memberOfGroups[id eq \"g1\"]"),
            Some("g1")
        );
        assert_eq!(eq_filter("type  EQ \"DIRECT\"", "type"), Some("DIRECT"));
        assert_eq!(eq_filter("type eq DIRECT", "type"), None);
        assert_eq!(
            percent_decode(&percent_encode("memberOfGroups[id eq \"x\"]"), true).as_deref(),
            Some("memberOfGroups[id eq \"x\"]")
        );
    }
}
