//! Just enough `multipart/form-data` for Bulk API 2.0's one-request job: a `job` part (JSON)
//! and a `content` part (CSV).

/// One part of a multipart body.
#[derive(Debug)]
pub(super) struct Part {
    pub(super) name: String,
    pub(super) data: Vec<u8>,
}

/// The `boundary` parameter of a `multipart/form-data` content type.
pub(super) fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Skips one line break (CRLF or LF).
fn skip_line_break(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\r\n")
        .or_else(|| body.strip_prefix(b"\n"))
        .unwrap_or(body)
}

/// The `name` of a part from its headers.
fn part_name(headers: &str) -> Option<String> {
    let disposition = headers
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-disposition"))?
        .1;
    disposition
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("name"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
}

/// Splits a multipart body into its named parts. An error says what is wrong.
pub(super) fn parse(boundary: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let start = find(body, delimiter)
        .ok_or_else(|| format!("the body has no part delimited by the boundary {boundary}"))?;
    let mut rest = &body[start + delimiter.len()..];
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = skip_line_break(rest);
        let (head_end, gap) = match (find(rest, b"\r\n\r\n"), find(rest, b"\n\n")) {
            (Some(a), Some(b)) if b < a => (b, 2),
            (Some(a), _) => (a, 4),
            (None, Some(b)) => (b, 2),
            (None, None) => return Err("a part has no blank line after its headers".into()),
        };
        let headers = String::from_utf8_lossy(&rest[..head_end]).into_owned();
        let content = &rest[head_end + gap..];
        let end = find(content, delimiter)
            .ok_or_else(|| "the body does not end with the closing boundary".to_string())?;
        let mut data = &content[..end];
        data = data
            .strip_suffix(b"\r\n")
            .or_else(|| data.strip_suffix(b"\n"))
            .unwrap_or(data);
        let name = part_name(&headers)
            .ok_or_else(|| "a part has no Content-Disposition name".to_string())?;
        parts.push(Part {
            name,
            data: data.to_vec(),
        });
        rest = &content[end + delimiter.len()..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_and_content_parts_are_split_out() {
        let content_type = "multipart/form-data; boundary=BOUNDARY";
        let body = b"--BOUNDARY\r\nContent-Type: application/json\r\nContent-Disposition: form-data; name=\"job\"\r\n\r\n{\"object\":\"Account\"}\r\n--BOUNDARY\r\nContent-Type: text/csv\r\nContent-Disposition: form-data; name=\"content\"; filename=\"content\"\r\n\r\nName\nA\n\r\n--BOUNDARY--\r\n";
        let boundary = boundary(content_type).unwrap();
        let parts = parse(&boundary, body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "job");
        assert_eq!(parts[0].data, b"{\"object\":\"Account\"}");
        assert_eq!(parts[1].name, "content");
        assert_eq!(parts[1].data, b"Name\nA\n");
    }

    #[test]
    fn a_body_without_the_boundary_is_refused() {
        assert!(parse("B", b"nothing here").is_err());
        assert_eq!(boundary("application/json"), None);
    }
}
