//! JSON Schema generation: the one place where the schema dialect is decided.
//!
//! Schemas follow JSON Schema 2020-12 (MCP's default dialect) and are made *client-safe*,
//! because several popular clients reject what generators emit by default:
//! - subschemas are inlined; a `$ref` (into the root's `$defs`) remains only where a type
//!   is recursive;
//! - an optional value is simply not `required`: no `"type": ["string", "null"]` and no
//!   `anyOf` with a `null` branch;
//! - `title` noise and the non-standard integer/float `format`s are dropped; integer types
//!   get their range as `minimum`/`maximum` instead;
//! - the root is `{"type": "object", "properties": …, "additionalProperties": false}`.
//!
//! A tool that needs an exact schema passes it raw to [`ToolDef::new`](super::ToolDef::new),
//! which serves it verbatim.

use schemars::transform::{RecursiveTransform, Transform};
use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Map, Value};

use super::Constraints;

/// The generator settings every tool schema is derived with.
pub fn settings() -> SchemaSettings {
    SchemaSettings::draft2020_12().with(|s| {
        s.meta_schema = None;
        s.inline_subschemas = true;
    })
}

/// A fresh generator with `settings()`.
pub fn generator() -> SchemaGenerator {
    settings().into_generator()
}

/// Applies the client-safe rules above to a generated schema, recursively.
pub fn make_client_safe(schema: &mut Schema) {
    RecursiveTransform(|s: &mut Schema| {
        let Some(map) = s.as_object_mut() else { return };
        map.remove("title");
        drop_null_type(map);
        drop_null_branch(map);
        integer_range(map);
    })
    .transform(schema);
}

/// `"type": ["string", "null"]` → `"type": "string"` (and no `null` in its `enum`).
fn drop_null_type(map: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = map.get_mut("type") else {
        return;
    };
    let before = types.len();
    types.retain(|t| t != "null");
    if types.len() == before {
        return;
    }
    if types.len() == 1 {
        let only = types.remove(0);
        map.insert("type".into(), only);
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
}

/// `{"anyOf": [X, {"type": "null"}], …}` → `X` with the other keywords kept.
fn drop_null_branch(map: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = map.get_mut("anyOf") else {
        return;
    };
    let is_null = |b: &Value| b.get("type").and_then(Value::as_str) == Some("null");
    if !branches.iter().any(is_null) {
        return;
    }
    branches.retain(|b| !is_null(b));
    if branches.len() != 1 {
        return;
    }
    let Some(Value::Array(mut branches)) = map.remove("anyOf") else {
        return;
    };
    if let Some(Value::Object(inner)) = branches.pop() {
        for (key, value) in inner {
            map.entry(key).or_insert(value);
        }
    }
}

/// Integer `format`s (`uint8`, `int32`, …) become explicit ranges; float formats go.
fn integer_range(map: &mut Map<String, Value>) {
    let Some(format) = map.get("format").and_then(Value::as_str) else {
        return;
    };
    // 64-bit bounds are left out: beyond JavaScript's safe integers they only add noise.
    let (min, max): (Option<Value>, Option<Value>) = match format {
        "int8" => (Some(i8::MIN.into()), Some(i8::MAX.into())),
        "int16" => (Some(i16::MIN.into()), Some(i16::MAX.into())),
        "int32" => (Some(i32::MIN.into()), Some(i32::MAX.into())),
        "uint8" => (Some(0.into()), Some(u8::MAX.into())),
        "uint16" => (Some(0.into()), Some(u16::MAX.into())),
        "uint32" => (Some(0.into()), Some(u32::MAX.into())),
        "uint64" | "uint" => (Some(0.into()), None),
        "int64" | "int" | "float" | "double" => (None, None),
        _ => return,
    };
    map.remove("format");
    if let Some(min) = min {
        map.entry("minimum").or_insert(min);
    }
    if let Some(max) = max {
        map.entry("maximum").or_insert(max);
    }
}

/// One parameter of a tool, as `#[tool]` describes it to [`InputSchema::param`].
#[derive(Debug, Clone, Default)]
pub struct ParamSpec<'a> {
    /// The argument's name.
    pub name: &'a str,
    /// Its description.
    pub description: Option<&'a str>,
    /// Whether calls must pass it.
    pub required: bool,
    /// Its default, for the schema's `default` keyword.
    pub default: Option<Value>,
    /// Example values, for the schema's `examples` keyword.
    pub examples: Vec<Value>,
    /// The `x-mcp-header` name mirroring it into an `Mcp-Param-*` header (2026-07-28).
    pub header: Option<&'a str>,
    /// Its constraints (also enforced on every call).
    pub constraints: Constraints,
}

/// Builds a tool's input schema one parameter at a time. Used by `#[tool]`.
pub struct InputSchema {
    generator: SchemaGenerator,
    properties: Map<String, Value>,
    required: Vec<Value>,
}

impl Default for InputSchema {
    fn default() -> Self {
        Self::new()
    }
}

impl InputSchema {
    /// An object schema with no properties yet.
    pub fn new() -> Self {
        Self {
            generator: generator(),
            properties: Map::new(),
            required: Vec::new(),
        }
    }

    /// Adds a parameter of type `T` (for `Option<U>`, pass `U` and `required: false`).
    pub fn param<T: JsonSchema + ?Sized>(&mut self, spec: ParamSpec<'_>) -> &mut Self {
        let mut schema = self.generator.subschema_for::<T>();
        make_client_safe(&mut schema);
        let map = schema.ensure_object();
        if let Some(description) = spec.description {
            map.insert("description".into(), description.into());
        }
        if let Some(default) = spec.default {
            map.insert("default".into(), default);
        }
        if !spec.examples.is_empty() {
            map.insert("examples".into(), Value::Array(spec.examples));
        }
        spec.constraints.annotate(map);
        if let Some(header) = spec.header {
            map.insert("x-mcp-header".into(), header.into());
        }
        self.properties
            .insert(spec.name.to_owned(), schema.to_value());
        if spec.required {
            self.required.push(spec.name.into());
        }
        self
    }

    /// The finished schema.
    pub fn finish(mut self) -> Map<String, Value> {
        let mut root = Map::new();
        root.insert("type".into(), "object".into());
        root.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            root.insert("required".into(), Value::Array(self.required));
        }
        root.insert("additionalProperties".into(), false.into());
        let mut defs = self.generator.take_definitions(true);
        if !defs.is_empty() {
            for def in defs.values_mut() {
                if let Ok(mut schema) = Schema::try_from(std::mem::take(def)) {
                    make_client_safe(&mut schema);
                    *def = schema.to_value();
                }
            }
            root.insert("$defs".into(), Value::Object(defs));
        }
        root
    }
}

/// Whether `T` serializes to a JSON object (then it is `structuredContent` as it is; else
/// it is wrapped as `{"result": …}`, since MCP requires an object there).
#[cfg(test)]
fn is_object_schema<T: JsonSchema + ?Sized>() -> bool {
    let schema = generator().into_root_schema_for::<T>();
    schema.get("type").and_then(Value::as_str) == Some("object")
}

/// The `outputSchema` for structured output of type `T` (wrapped like the value when `T` is
/// not an object).
pub fn output_schema<T: JsonSchema + ?Sized>(
    generator: &mut SchemaGenerator,
) -> Map<String, Value> {
    let mut schema = generator.root_schema_for::<T>();
    make_client_safe(&mut schema);
    schema.remove("$schema");
    let is_object = schema.get("type").and_then(Value::as_str) == Some("object");
    let mut map = match schema.to_value() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if is_object {
        return map;
    }
    let defs = map.remove("$defs");
    let mut root = Map::new();
    root.insert("type".into(), "object".into());
    root.insert("properties".into(), serde_json::json!({ "result": map }));
    root.insert("required".into(), serde_json::json!(["result"]));
    if let Some(defs) = defs {
        root.insert("$defs".into(), defs);
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[allow(dead_code)]
    #[derive(JsonSchema)]
    struct Inner {
        /// A note.
        note: Option<String>,
        size: u8,
        choice: Option<Mode>,
    }

    #[allow(dead_code)]
    #[derive(JsonSchema)]
    enum Mode {
        Fast,
        Slow,
    }

    #[test]
    fn nested_options_lose_their_null_and_integers_get_ranges() {
        let mut input = InputSchema::new();
        input.param::<Inner>(ParamSpec {
            name: "inner",
            required: true,
            ..ParamSpec::default()
        });
        let schema = Value::Object(input.finish());
        let inner = &schema["properties"]["inner"];
        assert_eq!(
            inner["properties"]["note"],
            json!({"type": "string", "description": "A note."})
        );
        assert_eq!(
            inner["properties"]["size"],
            json!({"type": "integer", "minimum": 0, "maximum": 255})
        );
        assert_eq!(
            inner["properties"]["choice"],
            json!({"type": "string", "enum": ["Fast", "Slow"]})
        );
        assert!(!schema.to_string().contains("null"), "{schema}");
        assert!(!schema.to_string().contains("title"), "{schema}");
        assert!(!schema.to_string().contains("$ref"), "{schema}");
    }

    #[test]
    fn non_object_output_is_wrapped() {
        let schema = output_schema::<Vec<u32>>(&mut generator());
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["properties"]["result"]["type"], "array");
        assert!(!is_object_schema::<Vec<u32>>());
        assert!(is_object_schema::<std::collections::HashMap<String, u32>>());
    }
}
