//! Constraints on an argument (`#[arg(min = 1, max_length = 80, pattern = "...")]`): they
//! appear in the input schema and are enforced before the tool runs, so a violating call
//! gets an error result naming the argument and the rule.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

/// The constraints of one argument.
#[derive(Debug, Clone, Copy, Default)]
pub struct Constraints {
    /// Smallest allowed number (`minimum`).
    pub min: Option<f64>,
    /// Largest allowed number (`maximum`).
    pub max: Option<f64>,
    /// Fewest characters of a string, or items of an array (`minLength` / `minItems`).
    pub min_length: Option<usize>,
    /// Most characters of a string, or items of an array (`maxLength` / `maxItems`).
    pub max_length: Option<usize>,
    /// A regular expression strings must match (`pattern`), searched like JSON Schema does.
    pub pattern: Option<&'static Pattern>,
}

/// A `pattern` constraint: the expression, compiled on first use.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Result<Regex, String>>,
}

impl Pattern {
    /// A pattern (usable in a `static`).
    pub const fn new(source: &'static str) -> Self {
        Self {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The expression as written.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// The compiled expression, or why it does not compile.
    pub fn regex(&self) -> Result<&Regex, &str> {
        self.compiled
            .get_or_init(|| Regex::new(self.source).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }
}

impl Constraints {
    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        self.min.is_none()
            && self.max.is_none()
            && self.min_length.is_none()
            && self.max_length.is_none()
            && self.pattern.is_none()
    }

    /// Adds the constraints to a property's schema, with the keywords its type calls for.
    pub(crate) fn annotate(&self, schema: &mut Map<String, Value>) {
        let is_array = schema.get("type").and_then(Value::as_str) == Some("array");
        let number = |n: f64| {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                Value::from(n as i64)
            } else {
                Value::from(n)
            }
        };
        if let Some(min) = self.min {
            schema.insert("minimum".into(), number(min));
        }
        if let Some(max) = self.max {
            schema.insert("maximum".into(), number(max));
        }
        let (min_key, max_key) = if is_array {
            ("minItems", "maxItems")
        } else {
            ("minLength", "maxLength")
        };
        if let Some(n) = self.min_length {
            schema.insert(min_key.into(), n.into());
        }
        if let Some(n) = self.max_length {
            schema.insert(max_key.into(), n.into());
        }
        if let Some(pattern) = self.pattern {
            schema.insert("pattern".into(), pattern.source().into());
        }
    }

    /// The first rule `value` breaks, described for the model.
    pub(crate) fn violation(&self, value: &Value) -> Option<String> {
        if let Some(n) = value.as_f64() {
            if let Some(min) = self.min.filter(|&min| n < min) {
                return Some(format!("must be at least {min}, got {value}"));
            }
            if let Some(max) = self.max.filter(|&max| n > max) {
                return Some(format!("must be at most {max}, got {value}"));
            }
        }
        let (length, unit) = match value {
            Value::String(s) => (s.chars().count(), "characters"),
            Value::Array(items) => (items.len(), "items"),
            _ => return None,
        };
        if let Some(min) = self.min_length.filter(|&min| length < min) {
            return Some(format!("must have at least {min} {unit}, got {length}"));
        }
        if let Some(max) = self.max_length.filter(|&max| length > max) {
            return Some(format!("must have at most {max} {unit}, got {length}"));
        }
        if let (Some(pattern), Value::String(s)) = (self.pattern, value) {
            match pattern.regex() {
                Ok(regex) if !regex.is_match(s) => {
                    return Some(format!(
                        "must match the pattern `{}`, got {value}",
                        pattern.source()
                    ));
                }
                Ok(_) => {}
                Err(why) => {
                    return Some(format!(
                        "cannot be checked: invalid pattern `{}`: {why}",
                        pattern.source()
                    ));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static CODE: Pattern = Pattern::new("^[A-Z]{3}$");

    #[test]
    fn violations_name_the_rule() {
        let c = Constraints {
            min: Some(1.0),
            max: Some(10.0),
            ..Constraints::default()
        };
        assert_eq!(
            c.violation(&json!(0)),
            Some("must be at least 1, got 0".into())
        );
        assert_eq!(
            c.violation(&json!(10.5)),
            Some("must be at most 10, got 10.5".into())
        );
        assert_eq!(c.violation(&json!(5)), None);
        let c = Constraints {
            min_length: Some(2),
            max_length: Some(3),
            pattern: Some(&CODE),
            ..Constraints::default()
        };
        assert_eq!(
            c.violation(&json!("é")),
            Some("must have at least 2 characters, got 1".into())
        );
        assert_eq!(
            c.violation(&json!(["a", "b", "c", "d"])),
            Some("must have at most 3 items, got 4".into())
        );
        assert_eq!(
            c.violation(&json!("abc")),
            Some("must match the pattern `^[A-Z]{3}$`, got \"abc\"".into())
        );
        assert_eq!(c.violation(&json!("ABC")), None);
    }

    #[test]
    fn schema_keywords_follow_the_type() {
        let c = Constraints {
            min_length: Some(1),
            max: Some(3.0),
            ..Constraints::default()
        };
        let mut array = json!({"type": "array"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        c.annotate(&mut array);
        assert_eq!(
            Value::Object(array),
            json!({"type": "array", "maximum": 3, "minItems": 1})
        );
        let mut string = json!({"type": "string"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        c.annotate(&mut string);
        assert_eq!(string["minLength"], 1);
    }
}
