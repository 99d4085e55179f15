//! Form-mode elicitation: the requested schema (from a Rust type, restricted to what the
//! spec allows) and the user's answer.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::context::peer_error::PeerError;
use crate::protocol::methods::ELICITATION_CREATE;

/// The user's answer to an elicitation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Elicited<T> {
    /// The user submitted the form (URL mode: agreed to open the URL).
    Accept(T),
    /// The user explicitly declined.
    Decline,
    /// The user dismissed the request without choosing.
    Cancel,
}

impl<T> Elicited<T> {
    /// The accepted content, if the user accepted.
    pub fn accepted(self) -> Option<T> {
        match self {
            Self::Accept(value) => Some(value),
            _ => None,
        }
    }

    /// The action as the spec spells it: `accept`, `decline` or `cancel`.
    pub fn action(&self) -> &'static str {
        match self {
            Self::Accept(_) => "accept",
            Self::Decline => "decline",
            Self::Cancel => "cancel",
        }
    }
}

/// A schema an elicitation may request: a flat object whose properties are strings
/// (optionally with a `format` of `email`, `uri`, `date` or `date-time`, length bounds,
/// single-select `enum` / titled `oneOf` / legacy `enumNames`), numbers, integers, booleans,
/// or multi-select arrays of enumerated strings; each may have a `default` (SEP-1034,
/// SEP-1330).
#[derive(Debug, Clone, PartialEq)]
pub struct ElicitSchema(Map<String, Value>);

impl ElicitSchema {
    /// The schema of `T` (`#[derive(JsonSchema)]`), checked against the restrictions.
    pub fn of<T: JsonSchema>() -> Result<Self, PeerError> {
        let mut schema = crate::tool::schema::generator().into_root_schema_for::<T>();
        crate::tool::schema::make_client_safe(&mut schema);
        let Value::Object(mut map) = schema.to_value() else {
            return Err(PeerError::InvalidSchema(
                "the type's schema is not an object".into(),
            ));
        };
        map.remove("$schema");
        map.remove("title");
        map.remove("description");
        map.remove("additionalProperties");
        for property in map
            .get_mut("properties")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flat_map(|p| p.values_mut())
        {
            titled_variants(property);
            // schemars' `int32`/`double` formats are not the string formats elicitation allows.
            if let Some(map) = property.as_object_mut() {
                if matches!(
                    map.get("type").and_then(Value::as_str),
                    Some("integer" | "number")
                ) {
                    map.remove("format");
                }
            }
        }
        Self::new(Value::Object(map))
    }

    /// A hand-written schema, checked against the restrictions.
    pub fn new(schema: Value) -> Result<Self, PeerError> {
        let bad = |why: String| Err(PeerError::InvalidSchema(why));
        let Value::Object(map) = schema else {
            return bad("the requested schema must be a JSON object".into());
        };
        if map.get("type").and_then(Value::as_str) != Some("object") {
            return bad("the requested schema must have \"type\": \"object\"".into());
        }
        let properties = match map.get("properties") {
            Some(Value::Object(properties)) => properties,
            None => return bad("the requested schema has no `properties`".into()),
            Some(_) => return bad("`properties` must be an object".into()),
        };
        for (name, property) in properties {
            check_property(property).map_err(|why| {
                PeerError::InvalidSchema(format!(
                    "property `{name}`: {why} (elicitation schemas are flat objects of strings, numbers, integers, booleans and enums)"
                ))
            })?;
        }
        if let Some(required) = map.get("required") {
            let names = required
                .as_array()
                .filter(|r| r.iter().all(Value::is_string));
            let Some(names) = names else {
                return bad("`required` must be an array of property names".into());
            };
            if let Some(unknown) = names
                .iter()
                .filter_map(Value::as_str)
                .find(|n| !properties.contains_key(*n))
            {
                return bad(format!(
                    "`required` names `{unknown}`, which is no property"
                ));
            }
        }
        Ok(Self(map))
    }

    /// The schema as JSON, as sent in `requestedSchema`.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.0
    }

    /// Checks accepted content against the schema: an object with every required property,
    /// each of the type declared.
    pub(crate) fn check_content(&self, content: &Value) -> Result<(), String> {
        let Value::Object(content) = content else {
            return Err("`content` must be an object".into());
        };
        let properties = self.0.get("properties").and_then(Value::as_object);
        for name in self
            .0
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !content.contains_key(name) {
                return Err(format!("required field `{name}` is missing"));
            }
        }
        for (name, value) in content {
            let Some(property) = properties.and_then(|p| p.get(name)) else {
                continue;
            };
            let declared = property.get("type").and_then(Value::as_str).unwrap_or("");
            let fits = match declared {
                "string" => value.is_string(),
                "number" => value.is_number(),
                "integer" => value.is_i64() || value.is_u64(),
                "boolean" => value.is_boolean(),
                "array" => value
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string)),
                _ => true,
            };
            if !fits {
                return Err(format!("field `{name}` must be of type {declared}"));
            }
        }
        Ok(())
    }
}

/// schemars writes a documented unit variant as `{"const": …, "description": …}`; SEP-1330
/// titles it.
fn titled_variants(property: &mut Value) {
    let Some(variants) = property.get_mut("oneOf").and_then(Value::as_array_mut) else {
        return;
    };
    for variant in variants.iter_mut().filter_map(Value::as_object_mut) {
        variant.remove("type");
        if !variant.contains_key("title") {
            let title = variant
                .remove("description")
                .or_else(|| variant.get("const").cloned())
                .unwrap_or(Value::Null);
            variant.insert("title".into(), title);
        }
    }
    if let Some(map) = property.as_object_mut() {
        map.insert("type".into(), "string".into());
    }
}

const STRING_FORMATS: &[&str] = &["email", "uri", "date", "date-time"];

fn check_property(property: &Value) -> Result<(), String> {
    let Value::Object(map) = property else {
        return Err("must be a schema object".into());
    };
    let kind = map
        .get("type")
        .and_then(Value::as_str)
        .ok_or("has no single `type`")?;
    match kind {
        "string" => {
            if let Some(format) = map.get("format") {
                if !format.as_str().is_some_and(|f| STRING_FORMATS.contains(&f)) {
                    return Err(format!(
                        "string format {format} is not one of {}",
                        STRING_FORMATS.join(", ")
                    ));
                }
            }
            if let Some(variants) = map.get("oneOf") {
                let titled = variants.as_array().is_some_and(|v| {
                    v.iter().all(|v| {
                        v.get("const").is_some_and(Value::is_string)
                            && v.get("title").is_some_and(Value::is_string)
                    })
                });
                if !titled {
                    return Err("`oneOf` must list `{const, title}` string options".into());
                }
            }
            if let Some(values) = map.get("enum") {
                if !values
                    .as_array()
                    .is_some_and(|v| v.iter().all(Value::is_string))
                {
                    return Err("`enum` must list strings".into());
                }
            }
            Ok(())
        }
        "number" | "integer" | "boolean" => Ok(()),
        "array" => {
            let items = map.get("items").ok_or("an array needs `items`")?;
            let plain = items.get("type").and_then(Value::as_str) == Some("string")
                && items.get("enum").is_some_and(Value::is_array);
            let titled = items
                .get("anyOf")
                .and_then(Value::as_array)
                .is_some_and(|v| {
                    v.iter()
                        .all(|v| v.get("const").is_some() && v.get("title").is_some())
                });
            if plain || titled {
                Ok(())
            } else {
                Err("an array must be a multi-select: `items` with a string `enum` or `anyOf` of `{const, title}`".into())
            }
        }
        other => Err(format!("type `{other}` is not allowed (no nested objects)")),
    }
}

/// Reads an `ElicitResult` (`{action, content?}`); `content` is checked and read as `T`.
pub(crate) fn read_answer<T: DeserializeOwned>(
    answer: Value,
    schema: Option<&ElicitSchema>,
) -> Result<Elicited<T>, PeerError> {
    let invalid = |detail: String| PeerError::InvalidAnswer {
        method: ELICITATION_CREATE,
        detail,
    };
    let Value::Object(mut answer) = answer else {
        return Err(invalid("an ElicitResult must be an object".into()));
    };
    match answer.get("action").and_then(Value::as_str) {
        Some("accept") => {
            let content = answer
                .remove("content")
                .unwrap_or(Value::Object(Map::new()));
            if let Some(schema) = schema {
                schema.check_content(&content).map_err(invalid)?;
            }
            serde_json::from_value(content)
                .map(Elicited::Accept)
                .map_err(|e| invalid(e.to_string()))
        }
        Some("decline") => Ok(Elicited::Decline),
        Some("cancel") => Ok(Elicited::Cancel),
        Some(other) => Err(invalid(format!(
            "unknown action {other:?}; expected accept, decline or cancel"
        ))),
        None => Err(invalid("`action` is missing".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Status {
        /// Up and running
        Active,
        /// Stopped
        Inactive,
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Form {
        /// Your name.
        #[serde(default = "john")]
        name: String,
        age: Option<u32>,
        status: Status,
        verified: bool,
    }

    fn john() -> String {
        "John Doe".into()
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Nested {
        inner: Form,
    }

    #[test]
    fn a_flat_type_becomes_a_restricted_schema() {
        let schema = ElicitSchema::of::<Form>().expect("allowed");
        let json = Value::Object(schema.as_json().clone());
        assert_eq!(json["type"], "object");
        assert_eq!(json["properties"]["name"]["default"], "John Doe");
        assert_eq!(json["properties"]["age"]["type"], "integer");
        assert_eq!(json["properties"]["status"]["oneOf"][0]["const"], "active");
        assert_eq!(
            json["properties"]["status"]["oneOf"][0]["title"],
            "Up and running"
        );
        assert_eq!(json["required"], json!(["status", "verified"]));
        assert!(json.get("$schema").is_none());
    }

    #[test]
    fn nested_objects_are_refused_with_the_property_named() {
        let error = ElicitSchema::of::<Nested>().expect_err("nested");
        assert!(
            matches!(&error, PeerError::InvalidSchema(why) if why.contains("`inner`")),
            "{error}"
        );
    }

    #[test]
    fn hand_written_schemas_are_checked() {
        let ok = json!({"type": "object", "properties": {
            "e": {"type": "string", "format": "email"},
            "m": {"type": "array", "items": {"anyOf": [{"const": "a", "title": "A"}]}},
            "l": {"type": "string", "enum": ["x"], "enumNames": ["X"]}
        }, "required": ["e"]});
        assert!(ElicitSchema::new(ok).is_ok());
        for bad in [
            json!({"type": "array"}),
            json!({"type": "object", "properties": {"a": {"type": "string", "format": "ipv4"}}}),
            json!({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "number"}}}}),
            json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]}),
        ] {
            assert!(ElicitSchema::new(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn answers_are_checked_and_read() {
        let schema = ElicitSchema::of::<Form>().expect("allowed");
        let good = json!({"action": "accept", "content": {"status": "active", "verified": true}});
        let read: Elicited<Map<String, Value>> = read_answer(good, Some(&schema)).expect("valid");
        assert_eq!(read.action(), "accept");
        let wrong = json!({"action": "accept", "content": {"status": "active", "verified": "yes"}});
        assert!(read_answer::<Value>(wrong, Some(&schema)).is_err());
        let missing = json!({"action": "accept", "content": {"status": "active"}});
        assert!(read_answer::<Value>(missing, Some(&schema)).is_err());
        assert_eq!(
            read_answer::<Value>(json!({"action": "decline"}), None),
            Ok(Elicited::Decline)
        );
        assert!(read_answer::<Value>(json!(12345), None).is_err());
        assert!(read_answer::<Value>(json!({"action": "maybe"}), None).is_err());
    }
}
