//! A call's arguments, taken one parameter at a time so an error can name the argument.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::Constraints;

/// The `arguments` object of a `tools/call`.
///
/// `#[tool]` takes each parameter out of it by name; hand-written tools read it directly.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Arguments(Map<String, Value>, Source);

/// Where the values come from, which decides how a string is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Source {
    /// JSON values (`tools/call`): each must have its parameter's JSON type.
    #[default]
    Json,
    /// Text (URI template variables, prompt arguments): a string that does not fit the
    /// parameter's type is read as the JSON number or boolean it spells.
    Text,
}

/// Why a call's arguments were rejected. Becomes a tool result with `isError: true`, so the
/// model reads what was wrong and can correct its call (SEP-1303).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgumentError {
    /// A required argument is absent.
    #[error("missing required argument `{0}`")]
    Missing(String),
    /// An argument has the wrong type or value.
    #[error("invalid value for argument `{name}`: {reason}")]
    Invalid {
        /// The argument.
        name: String,
        /// What was wrong with it.
        reason: String,
    },
    /// An argument breaks one of its constraints (`min`, `max_length`, `pattern`, ...).
    #[error("argument `{name}` {rule}")]
    Constraint {
        /// The argument.
        name: String,
        /// The rule it breaks, e.g. "must be at least 1, got 0".
        rule: String,
    },
    /// The call passed arguments the tool does not take.
    #[error("unknown argument{} {}; this tool takes {}", if .unknown.len() > 1 { "s" } else { "" }, list(.unknown), if .expected.is_empty() { "no arguments".to_owned() } else { list(.expected) })]
    Unknown {
        /// The names that are not parameters.
        unknown: Vec<String>,
        /// The parameters the tool has.
        expected: Vec<String>,
    },
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Arguments {
    /// Wraps an arguments object.
    pub fn new(map: Map<String, Value>) -> Self {
        Self(map, Source::Json)
    }

    /// Arguments whose values are text (URI template variables, prompt arguments): a
    /// parameter of type `u32` accepts `"42"`.
    pub fn from_text(map: Map<String, Value>) -> Self {
        Self(map, Source::Text)
    }

    /// The raw value of one argument.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Whether no argument is left.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The whole arguments object.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// Takes a required argument (`null` counts as a value and must deserialize).
    pub fn take_required<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, ArgumentError> {
        self.take_required_with(name, &Constraints::default())
    }

    /// Takes an optional argument: absent or `null` is `None`.
    pub fn take_optional<T: DeserializeOwned>(
        &mut self,
        name: &str,
    ) -> Result<Option<T>, ArgumentError> {
        self.take_optional_with(name, &Constraints::default())
    }

    /// Takes an argument that has a default: absent or `null` gives `default()`.
    pub fn take_or_else<T: DeserializeOwned>(
        &mut self,
        name: &str,
        default: impl FnOnce() -> T,
    ) -> Result<T, ArgumentError> {
        self.take_or_else_with(name, &Constraints::default(), default)
    }

    /// [`take_required`](Self::take_required), checking `constraints` first.
    #[doc(hidden)] // what `#[tool]` expands to; `Constraints` is not public API
    pub fn take_required_with<T: DeserializeOwned>(
        &mut self,
        name: &str,
        constraints: &Constraints,
    ) -> Result<T, ArgumentError> {
        match self.0.remove(name) {
            Some(value) => decode(name, value, constraints, self.1),
            None => Err(ArgumentError::Missing(name.to_owned())),
        }
    }

    /// [`take_optional`](Self::take_optional), checking `constraints` on a present value.
    #[doc(hidden)] // what `#[tool]` expands to; `Constraints` is not public API
    pub fn take_optional_with<T: DeserializeOwned>(
        &mut self,
        name: &str,
        constraints: &Constraints,
    ) -> Result<Option<T>, ArgumentError> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => decode(name, value, constraints, self.1).map(Some),
        }
    }

    /// [`take_or_else`](Self::take_or_else), checking `constraints` on a present value.
    #[doc(hidden)] // what `#[tool]` expands to; `Constraints` is not public API
    pub fn take_or_else_with<T: DeserializeOwned>(
        &mut self,
        name: &str,
        constraints: &Constraints,
        default: impl FnOnce() -> T,
    ) -> Result<T, ArgumentError> {
        Ok(self
            .take_optional_with(name, constraints)?
            .unwrap_or_else(default))
    }

    /// Checks that every argument was taken: anything left is not a parameter of the tool.
    pub fn finish(self, expected: &[&str]) -> Result<(), ArgumentError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let mut unknown: Vec<String> = self.0.into_iter().map(|(k, _)| k).collect();
        unknown.sort();
        Err(ArgumentError::Unknown {
            unknown,
            expected: expected.iter().map(|s| (*s).to_owned()).collect(),
        })
    }
}

fn decode<T: DeserializeOwned>(
    name: &str,
    value: Value,
    constraints: &Constraints,
    source: Source,
) -> Result<T, ArgumentError> {
    if let (Source::Text, Value::String(text)) = (source, &value) {
        let spelled = serde_json::from_str::<Value>(text)
            .ok()
            .filter(|v| v.is_number() || v.is_boolean());
        if let Some(spelled) = spelled {
            if serde_json::from_value::<T>(value.clone()).is_err() {
                return decode(name, spelled, constraints, Source::Json);
            }
        }
    }
    if !constraints.is_empty() {
        if let Some(rule) = constraints.violation(&value) {
            return Err(ArgumentError::Constraint {
                name: name.to_owned(),
                rule,
            });
        }
    }
    serde_json::from_value(value).map_err(|e| ArgumentError::Invalid {
        name: name.to_owned(),
        reason: super::plain_errors::plain(&e.to_string()),
    })
}

impl From<Map<String, Value>> for Arguments {
    fn from(map: Map<String, Value>) -> Self {
        Self::new(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Arguments {
        match v {
            Value::Object(m) => Arguments::new(m),
            _ => unreachable!("test input is an object"),
        }
    }

    #[test]
    fn errors_name_the_argument_and_the_problem() {
        let mut a = args(json!({"n": "ten", "extra": 1, "more": 2}));
        let e = a
            .take_required::<u32>("n")
            .expect_err("a string is not a u32");
        assert_eq!(
            e.to_string(),
            "invalid value for argument `n`: invalid type: string \"ten\", expected an integer from 0 to 4294967295"
        );
        let e = a.take_required::<String>("name").expect_err("absent");
        assert_eq!(e.to_string(), "missing required argument `name`");
        let e = a.finish(&["n", "name"]).expect_err("extra arguments");
        assert_eq!(
            e.to_string(),
            "unknown arguments `extra`, `more`; this tool takes `n`, `name`"
        );
    }

    #[test]
    fn text_arguments_read_numbers_and_booleans_they_spell() {
        let map = |v: Value| v.as_object().cloned().unwrap_or_default();
        let mut a = Arguments::from_text(map(json!({"n": "42", "s": "42", "b": "true", "x": "x"})));
        assert_eq!(a.take_required::<u32>("n"), Ok(42));
        assert_eq!(a.take_required::<String>("s"), Ok("42".to_owned()));
        assert_eq!(a.take_required::<bool>("b"), Ok(true));
        assert!(a.take_required::<u32>("x").is_err());
        let mut json = Arguments::new(map(json!({"n": "42"})));
        assert!(json.take_required::<u32>("n").is_err());
    }

    #[test]
    fn optional_and_default_arguments() {
        let mut a = args(json!({"o": null}));
        assert_eq!(a.take_optional::<u8>("o"), Ok(None));
        assert_eq!(a.take_or_else::<u8>("d", || 7), Ok(7));
        assert_eq!(a.finish(&[]), Ok(()));
    }
}
