//! URI templates (RFC 6570 level 1, and `{+var}`): parsed once, matched against the URI of
//! each `resources/read`.

use std::fmt;

use mcp_runtime_uri_template::{self as template_syntax, Part};

/// A parsed URI template, e.g. `notes://{id}` or `file:///{+path}`.
///
/// ```
/// use mcp_runtime::resource::UriTemplate;
///
/// let template = UriTemplate::parse("notes://{folder}/{id}").unwrap();
/// let vars = template.matches("notes://work/42").unwrap();
/// assert_eq!(vars, [("folder".to_owned(), "work".to_owned()), ("id".to_owned(), "42".to_owned())]);
/// assert!(template.matches("notes://work").is_none());
/// assert_eq!(template.expand(&[("folder", "a b"), ("id", "7")]), "notes://a%20b/7");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
}

/// Why a URI template is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid URI template `{template}` at byte {at}: {message}")]
pub struct UriTemplateError {
    template: String,
    at: usize,
    message: String,
}

impl UriTemplate {
    /// Parses a template.
    pub fn parse(template: &str) -> Result<Self, UriTemplateError> {
        let parts = template_syntax::parse(template).map_err(|e| UriTemplateError {
            template: template.to_owned(),
            at: e.at,
            message: e.message,
        })?;
        Ok(Self {
            source: template.to_owned(),
            parts,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the template has variables (else it names one fixed resource).
    pub fn has_variables(&self) -> bool {
        self.variables().next().is_some()
    }

    /// The variables' names, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        template_syntax::variables(&self.parts)
    }

    /// The variables' values if `uri` is an expansion of this template (percent-decoded),
    /// else `None`. A `{var}` value cannot contain `/`, `?`, `#` or other reserved
    /// characters (they would have been percent-encoded); a `{+var}` value can.
    pub fn matches(&self, uri: &str) -> Option<Vec<(String, String)>> {
        let mut values = Vec::new();
        let mut rest = uri;
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Literal(text) => rest = rest.strip_prefix(text.as_str())?,
                Part::Variable { name, reserved } => {
                    // The value ends where the next literal begins (variables are never
                    // adjacent), or at the end of the URI.
                    let end = match self.parts.get(i + 1) {
                        Some(Part::Literal(next)) => rest.find(next.as_str())?,
                        _ => rest.len(),
                    };
                    let raw = &rest[..end];
                    if raw.is_empty() || (!reserved && raw.chars().any(is_reserved)) {
                        return None;
                    }
                    values.push((name.clone(), percent_decode(raw)?));
                    rest = &rest[end..];
                }
            }
        }
        rest.is_empty().then_some(values)
    }

    /// The URI with each variable replaced by its value (percent-encoded as RFC 6570
    /// says: everything but unreserved characters for `{var}`, and also reserved ones kept
    /// for `{+var}`); a variable with no value expands to nothing.
    pub fn expand(&self, values: &[(&str, &str)]) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Variable { name, reserved } => {
                    if let Some((_, value)) = values.iter().find(|(n, _)| n == name) {
                        percent_encode(value, *reserved, &mut out);
                    }
                }
            }
        }
        out
    }
}

impl fmt::Display for UriTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl serde::Serialize for UriTemplate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

/// RFC 3986 `reserved` (gen-delims and sub-delims).
fn is_reserved(c: char) -> bool {
    ":/?#[]@!$&'()*+,;=".contains(c)
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn percent_encode(value: &str, keep_reserved: bool, out: &mut String) {
    for b in value.bytes() {
        if is_unreserved(b) || (keep_reserved && is_reserved(char::from(b))) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// `None` for a malformed escape or escapes that are not UTF-8.
fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(template: &str, uri: &str) -> Option<Vec<(String, String)>> {
        UriTemplate::parse(template).expect("valid").matches(uri)
    }

    fn pairs(list: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            list.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn level_one_variables_match_one_segment() {
        assert_eq!(vars("notes://{id}", "notes://42"), pairs(&[("id", "42")]));
        assert_eq!(
            vars("test://template/{id}/data", "test://template/abc/data"),
            pairs(&[("id", "abc")])
        );
        assert_eq!(vars("notes://{id}", "notes://a/b"), None);
        assert_eq!(vars("notes://{id}", "notes://"), None);
        assert_eq!(vars("notes://{id}", "other://1"), None);
        assert_eq!(vars("notes://{id}/x", "notes://1/x/y"), None);
        assert_eq!(
            vars("notes://{id}", "notes://caf%C3%A9%20au%20lait"),
            pairs(&[("id", "café au lait")])
        );
        assert_eq!(vars("notes://{id}", "notes://bad%zz"), None);
        assert_eq!(vars("fixed://one", "fixed://one"), pairs(&[]));
    }

    #[test]
    fn reserved_variables_span_slashes() {
        assert_eq!(
            vars("file:///{+path}", "file:///etc/hosts"),
            pairs(&[("path", "etc/hosts")])
        );
        assert_eq!(
            vars("repo://{owner}/{+path}.md", "repo://me/docs/a.md"),
            pairs(&[("owner", "me"), ("path", "docs/a")])
        );
    }

    #[test]
    fn expansion_encodes_what_matching_decodes() {
        let template = UriTemplate::parse("x://{a}/{+b}").expect("valid");
        let uri = template.expand(&[("a", "1/2 3"), ("b", "p/q r")]);
        assert_eq!(uri, "x://1%2F2%203/p/q%20r");
        assert_eq!(
            template.matches(&uri),
            pairs(&[("a", "1/2 3"), ("b", "p/q r")])
        );
    }

    #[test]
    fn invalid_templates_say_what_is_wrong() {
        let message = |t: &str| UriTemplate::parse(t).expect_err(t).to_string();
        assert!(message("notes://{id").contains("unclosed `{`"));
        assert!(message("notes://id}").contains("without its `{`"));
        assert!(message("notes://{}").contains("empty variable"));
        assert!(message("notes://{?q}").contains("operator `?`"));
        assert!(message("notes://{a,b}").contains("lists"));
        assert!(message("notes://{a*}").contains("lists"));
        assert!(message("notes://{a-b}").contains("invalid variable name `a-b`"));
        assert!(message("notes://{a}/{a}").contains("appears twice"));
        assert!(message("notes://{a}{b}").contains("follows another variable"));
        assert_eq!(
            message("n://{"),
            "invalid URI template `n://{` at byte 4: unclosed `{`: close the variable with `}`"
        );
    }
}
