//! serde's messages in JSON words: a model reading "expected usize" or "expected struct
//! Address" learns a Rust type name, not what to send. These say "a non-negative integer",
//! "an object", in the vocabulary of the input schema it was given.

/// `message` (a serde error's text) with Rust type names replaced by JSON descriptions.
pub(crate) fn plain(message: &str) -> String {
    if message.starts_with("data did not match any variant of untagged enum ") {
        return "the value matches none of the forms the schema allows".to_owned();
    }
    // The expectation is last, and never contains the separator (a string value might).
    let Some((head, expected)) = message.rsplit_once(", expected ") else {
        return message.to_owned();
    };
    let head = if let Some(got) = head.strip_prefix("invalid type: ") {
        format!("invalid type: {}", unexpected(got))
    } else if let Some(got) = head.strip_prefix("invalid value: ") {
        format!("invalid value: {}", unexpected(got))
    } else {
        head.to_owned()
    };
    format!("{head}, expected {}", expected_words(expected))
}

/// serde's `Unexpected` descriptions (what the client sent).
fn unexpected(got: &str) -> String {
    let literal = |prefix: &str| {
        got.strip_prefix(prefix)
            .map(|rest| rest.trim_matches('`').to_owned())
    };
    if let Some(value) = literal("integer ") {
        return format!("integer {value}");
    }
    if let Some(value) = literal("floating point ") {
        return format!("number {value}");
    }
    if let Some(value) = literal("boolean ") {
        return format!("boolean {value}");
    }
    match got {
        "map" => "an object".to_owned(),
        "sequence" => "an array".to_owned(),
        "unit value" => "null".to_owned(),
        other => other.to_owned(),
    }
}

/// serde's `Expected` descriptions (what the type accepts), in JSON words.
fn expected_words(expected: &str) -> String {
    let range = |min: i64, max: u64| format!("an integer from {min} to {max}");
    match expected {
        "u8" => range(0, u8::MAX.into()),
        "u16" => range(0, u16::MAX.into()),
        "u32" => range(0, u32::MAX.into()),
        "u64" | "u128" | "usize" => "a non-negative integer".to_owned(),
        "i8" => range(i8::MIN.into(), 127),
        "i16" => range(i16::MIN.into(), 32_767),
        "i32" => range(i32::MIN.into(), 2_147_483_647),
        "i64" | "i128" | "isize" => "an integer".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a borrowed string" | "a string" | "path string" => "a string".to_owned(),
        "a character" | "char" => "a string of one character".to_owned(),
        "a sequence" => "an array".to_owned(),
        "a map" => "an object".to_owned(),
        "string or map" => "a string or an object".to_owned(),
        "unit" | "option" => "null".to_owned(),
        "any valid JSON value" => "any JSON value".to_owned(),
        other => structured(other),
    }
}

/// Derived types: `struct Address` and the like.
fn structured(expected: &str) -> String {
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| expected.starts_with(p));
    if starts(&[
        "struct ",
        "internally tagged enum ",
        "adjacently tagged enum ",
    ]) {
        return "an object".to_owned();
    }
    if starts(&["tuple struct ", "tuple variant "]) {
        return "an array".to_owned();
    }
    if starts(&["unit struct ", "unit variant "]) {
        return "null".to_owned();
    }
    if starts(&["enum "]) {
        return "one of the values the schema lists".to_owned();
    }
    if let Some(size) = expected
        .strip_prefix("a tuple of size ")
        .or_else(|| expected.strip_prefix("an array of length "))
    {
        return format!("an array of {size} items");
    }
    if let Some(ty) = expected.strip_prefix("a nonzero ") {
        return if ty.starts_with('u') {
            "a positive integer".to_owned()
        } else {
            "a non-zero integer".to_owned()
        };
    }
    expected.to_owned()
}

#[cfg(test)]
mod tests {
    use super::plain;
    use serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    /// The plain message of decoding `value` as `T`.
    fn error<T: DeserializeOwned + std::fmt::Debug>(value: Value) -> String {
        plain(
            &serde_json::from_value::<T>(value)
                .expect_err("the value does not fit the type")
                .to_string(),
        )
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Address {
        street: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    enum Mode {
        Fast,
        Slow,
    }

    #[test]
    fn integers_read_as_json_numbers_with_their_range() {
        assert_eq!(
            error::<usize>(json!("x")),
            "invalid type: string \"x\", expected a non-negative integer"
        );
        assert_eq!(
            error::<usize>(json!(-1)),
            "invalid value: integer -1, expected a non-negative integer"
        );
        assert_eq!(
            error::<u8>(json!(300)),
            "invalid value: integer 300, expected an integer from 0 to 255"
        );
        assert_eq!(
            error::<i32>(json!(1.5)),
            "invalid type: number 1.5, expected an integer from -2147483648 to 2147483647"
        );
        assert_eq!(
            error::<i64>(json!(true)),
            "invalid type: boolean true, expected an integer"
        );
        assert_eq!(
            error::<f64>(json!("1")),
            "invalid type: string \"1\", expected a number"
        );
    }

    #[test]
    fn containers_read_as_objects_and_arrays() {
        assert_eq!(
            error::<Vec<u8>>(json!({})),
            "invalid type: an object, expected an array"
        );
        assert_eq!(
            error::<std::collections::HashMap<String, u8>>(json!([])),
            "invalid type: an array, expected an object"
        );
        assert_eq!(
            error::<Address>(json!("main st")),
            "invalid type: string \"main st\", expected an object"
        );
        assert_eq!(
            error::<String>(json!(null)),
            "invalid type: null, expected a string"
        );
        assert_eq!(
            error::<bool>(json!([1])),
            "invalid type: an array, expected a boolean"
        );
        assert_eq!(
            error::<(u8, u8)>(json!([1])),
            "invalid length 1, expected an array of 2 items"
        );
        assert_eq!(
            error::<std::num::NonZeroU32>(json!(0)),
            "invalid value: integer 0, expected a positive integer"
        );
    }

    #[test]
    fn messages_without_type_names_are_kept() {
        assert_eq!(
            error::<Mode>(json!("Medium")),
            "unknown variant `Medium`, expected `Fast` or `Slow`"
        );
        assert_eq!(error::<Address>(json!({})), "missing field `street`");
        // A string value that looks like the separator does not confuse the split.
        assert_eq!(
            error::<u16>(json!("a, expected b")),
            "invalid type: string \"a, expected b\", expected an integer from 0 to 65535"
        );
        assert_eq!(
            error::<char>(json!("ab")),
            "invalid value: string \"ab\", expected a string of one character"
        );
    }
}
