//! Response bodies: PingOne error bodies (API.md section 3), OAuth errors, injected faults, and
//! the body that breaks off mid-response to simulate a dropped connection.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

/// A JSON response.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    bytes_response(status, serde_json::to_vec(body).unwrap_or_default())
}

/// A JSON response from already serialised bytes.
pub fn bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// One entry of an error body's `details`.
pub struct Detail {
    pub code: &'static str,
    pub target: Option<String>,
    pub message: String,
    pub inner: Option<Value>,
}

impl Detail {
    pub fn new(code: &'static str, message: impl Into<String>) -> Detail {
        Detail {
            code,
            target: None,
            message: message.into(),
            inner: None,
        }
    }

    pub fn target(mut self, target: &str) -> Detail {
        self.target = Some(target.to_owned());
        self
    }
}

/// A PingOne error: `{"id", "code", "message", "details": [...]}` (details left out when empty).
pub fn api_error(
    id: uuid::Uuid,
    status: StatusCode,
    code: &str,
    message: &str,
    details: Vec<Detail>,
) -> Response {
    let mut body = json!({"id": id.to_string(), "code": code, "message": message});
    if !details.is_empty() {
        let list: Vec<Value> = details
            .into_iter()
            .map(|d| {
                let mut v = json!({"code": d.code, "message": d.message});
                if let Some(t) = d.target {
                    v["target"] = json!(t);
                }
                if let Some(inner) = d.inner {
                    v["innerError"] = inner;
                }
                v
            })
            .collect();
        body["details"] = Value::Array(list);
    }
    json_response(status, &body)
}

/// An OAuth 2 error from the token endpoint.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut resp = json_response(
        status,
        &json!({"error": error, "error_description": description}),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// An injected server fault: 500 and 503 with PingOne-style JSON, 502 and 504 with the HTML a
/// gateway in front of the API would send (a client must not expect JSON on every 5xx).
pub fn fault(id: uuid::Uuid, status: u16) -> Response {
    match status {
        502 | 504 => {
            let (code, text) = if status == 502 {
                (StatusCode::BAD_GATEWAY, "502 Bad Gateway")
            } else {
                (StatusCode::GATEWAY_TIMEOUT, "504 Gateway Time-out")
            };
            let html = format!(
                "<html><head><title>{text}</title></head><body><center><h1>{text}</h1></center></body></html>\n"
            );
            let mut resp = Response::new(Body::from(html));
            *resp.status_mut() = code;
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            resp
        }
        503 => api_error(
            id,
            StatusCode::SERVICE_UNAVAILABLE,
            "UNEXPECTED_ERROR",
            "The service is temporarily unavailable. Try again later.",
            Vec::new(),
        ),
        _ => api_error(
            id,
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNEXPECTED_ERROR",
            "An unexpected error occurred.",
            Vec::new(),
        ),
    }
}

/// A response whose body promises `len` bytes, sends `sent` of them and then fails, so that the
/// server aborts the connection: the client sees a transport error, never a complete response.
pub fn dropped(len: usize, sent: usize) -> Response {
    let body = BrokenBody {
        first: (sent > 0).then(|| Bytes::from(vec![b' '; sent.min(len)])),
        len: len as u64,
    };
    let mut resp = Response::new(Body::new(body));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

struct BrokenBody {
    first: Option<Bytes>,
    len: u64,
}

impl HttpBody for BrokenBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        match self.first.take() {
            Some(bytes) => Poll::Ready(Some(Ok(http_body::Frame::data(bytes)))),
            None => Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "mock PingOne: connection dropped on purpose",
            )))),
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.len)
    }
}
