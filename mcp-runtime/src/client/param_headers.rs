//! 2026-07-28 over HTTP: tool arguments marked `x-mcp-header` in the input schema travel
//! in `Mcp-Param-{Name}` headers too, and names that are not header-safe travel
//! Base64-encoded (`=?base64?…?=`), as the Streamable HTTP transport requires of clients.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};

/// The `x-mcp-header` parameters of one tool: each argument path and its header's name.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HeaderParams(Vec<(Vec<String>, String)>);

/// The largest integer JavaScript represents exactly (2^53 − 1).
const SAFE_INTEGER: i64 = (1 << 53) - 1;

impl HeaderParams {
    /// Reads the annotations of `input_schema`; `Err` says why the tool must be rejected.
    pub(crate) fn parse(input_schema: &Value) -> Result<Self, String> {
        let mut found = Vec::new();
        collect(input_schema, &mut Vec::new(), &mut found)?;
        let total = count_annotations(input_schema);
        if total != found.len() {
            return Err(
                "an `x-mcp-header` annotation is not reachable through `properties` alone"
                    .to_owned(),
            );
        }
        let mut seen: Vec<String> = Vec::new();
        for (_, name) in &found {
            let lower = name.to_ascii_lowercase();
            if seen.contains(&lower) {
                return Err(format!("`x-mcp-header` `{name}` appears twice"));
            }
            seen.push(lower);
        }
        Ok(Self(found))
    }

    /// The `Mcp-Param-*` headers for these arguments (absent arguments send none).
    pub(crate) fn headers(&self, arguments: &Map<String, Value>) -> Vec<(String, String)> {
        let mut headers = Vec::new();
        for (path, name) in &self.0 {
            let mut value = None;
            let mut current = arguments;
            for (i, key) in path.iter().enumerate() {
                match current.get(key) {
                    Some(Value::Object(inner)) if i + 1 < path.len() => current = inner,
                    Some(leaf) if i + 1 == path.len() => value = Some(leaf),
                    _ => break,
                }
            }
            let text = match value {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(b)) => b.to_string(),
                Some(Value::Number(n)) => match n.as_i64() {
                    Some(i) if i.abs() <= SAFE_INTEGER => i.to_string(),
                    // Not a header value the server accepts; it will say so.
                    _ => continue,
                },
                _ => continue,
            };
            headers.push((format!("Mcp-Param-{name}"), encode(&text)));
        }
        headers
    }
}

fn collect(
    schema: &Value,
    path: &mut Vec<String>,
    found: &mut Vec<(Vec<String>, String)>,
) -> Result<(), String> {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Ok(());
    };
    for (key, property) in properties {
        path.push(key.clone());
        if let Some(name) = property.get("x-mcp-header") {
            let name = name
                .as_str()
                .filter(|n| is_token(n))
                .ok_or_else(|| format!("`x-mcp-header` of `{key}` is not a header name: {name}"))?;
            let primitive = matches!(
                property.get("type").and_then(Value::as_str),
                Some("string" | "integer" | "boolean")
            );
            if !primitive {
                return Err(format!(
                    "`x-mcp-header` `{name}` is on `{key}`, which is not a string, integer or boolean"
                ));
            }
            found.push((path.clone(), name.to_owned()));
        }
        collect(property, path, found)?;
        path.pop();
    }
    Ok(())
}

fn count_annotations(value: &Value) -> usize {
    match value {
        Value::Object(map) => {
            usize::from(map.contains_key("x-mcp-header"))
                + map.values().map(count_annotations).sum::<usize>()
        }
        Value::Array(items) => items.iter().map(count_annotations).sum(),
        _ => 0,
    }
}

/// RFC 9110 `token` (`1*tchar`).
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A header value: as-is when it is safe plain ASCII, else Base64 in the sentinel form.
pub(crate) fn encode(value: &str) -> String {
    let safe = value
        .bytes()
        .all(|b| b == b'\t' || (0x20..=0x7e).contains(&b))
        && value.trim() == value
        && !(value.starts_with("=?base64?") && value.ends_with("?="));
    if safe {
        value.to_owned()
    } else {
        format!("=?base64?{}?=", BASE64.encode(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encodes_as_the_spec_examples_show() {
        assert_eq!(encode("us-west1"), "us-west1");
        assert_eq!(encode("Hello, 世界"), "=?base64?SGVsbG8sIOS4lueVjA==?=");
        assert_eq!(encode(" padded "), "=?base64?IHBhZGRlZCA=?=");
        assert_eq!(encode("line1\nline2"), "=?base64?bGluZTEKbGluZTI=?=");
        assert_eq!(
            encode("=?base64?literal?="),
            "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="
        );
    }

    #[test]
    fn mirrors_annotated_arguments_at_their_paths() {
        let schema = json!({
            "type": "object",
            "properties": {
                "region": {"type": "string", "x-mcp-header": "Region"},
                "limits": {"type": "object", "properties": {
                    "max": {"type": "integer", "x-mcp-header": "Max"}
                }},
                "dry": {"type": "boolean", "x-mcp-header": "Dry"},
                "query": {"type": "string"}
            }
        });
        let params = HeaderParams::parse(&schema).expect("valid");
        let arguments = json!({"region": "eu", "limits": {"max": 5}, "query": "q"});
        let mut headers = params.headers(arguments.as_object().expect("object"));
        headers.sort();
        assert_eq!(
            headers,
            vec![
                ("Mcp-Param-Max".to_owned(), "5".to_owned()),
                ("Mcp-Param-Region".to_owned(), "eu".to_owned()),
            ],
            "absent `dry` sends no header"
        );
    }

    #[test]
    fn rejects_invalid_annotations() {
        let cases = [
            json!({"properties": {"x": {"type": "number", "x-mcp-header": "X"}}}),
            json!({"properties": {"x": {"type": "string", "x-mcp-header": ""}}}),
            json!({"properties": {"x": {"type": "string", "x-mcp-header": "a b"}}}),
            json!({"properties": {
                "x": {"type": "string", "x-mcp-header": "Same"},
                "y": {"type": "string", "x-mcp-header": "same"}
            }}),
            json!({"properties": {"x": {"type": "array", "items": {"type": "string", "x-mcp-header": "X"}}}}),
            json!({"oneOf": [{"properties": {"x": {"type": "string", "x-mcp-header": "X"}}}]}),
        ];
        for schema in cases {
            assert!(HeaderParams::parse(&schema).is_err(), "accepted {schema}");
        }
    }
}
