//! JSON Schema generation: the one place where the schema dialect is decided.
//!
//! Schemas follow JSON Schema 2020-12 (MCP's default dialect) and are made *client-safe*:
//! subschemas are inlined (a `$ref` remains only where a type is recursive), an optional
//! parameter is simply not `required` (no `"type": ["T", "null"]`), `title` noise is
//! dropped, and the root is `{"type": "object", ..., "additionalProperties": false}`.

use schemars::transform::{RecursiveTransform, Transform};
use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Map, Value};

/// The generator settings every tool schema is derived with.
pub fn settings() -> SchemaSettings {
    SchemaSettings::draft2020_12().with(|s| {
        s.meta_schema = None;
        s.inline_subschemas = true;
    })
}

/// A fresh generator with [`settings`].
pub fn generator() -> SchemaGenerator {
    settings().into_generator()
}

fn drop_titles(schema: &mut Schema) {
    RecursiveTransform(|s: &mut Schema| {
        s.remove("title");
    })
    .transform(schema);
}

/// One parameter of a tool, as `#[tool]` describes it to [`InputSchema::param`].
#[derive(Debug, Clone)]
pub struct ParamSpec<'a> {
    /// The argument's name.
    pub name: &'a str,
    /// Its description.
    pub description: Option<&'a str>,
    /// Whether calls must pass it.
    pub required: bool,
    /// Its default, for the schema's `default` keyword.
    pub default: Option<Value>,
    /// The `x-mcp-header` name mirroring it into an `Mcp-Param-*` header (2026-07-28).
    pub header: Option<&'a str>,
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
        drop_titles(&mut schema);
        if let Some(description) = spec.description {
            schema.insert("description".into(), description.into());
        }
        if let Some(default) = spec.default {
            schema.insert("default".into(), default);
        }
        if let Some(header) = spec.header {
            schema.insert("x-mcp-header".into(), header.into());
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
        let defs = self.generator.take_definitions(true);
        if !defs.is_empty() {
            root.insert("$defs".into(), Value::Object(defs));
        }
        root
    }
}

/// The `outputSchema` for structured output of type `T`.
pub fn output_schema<T: JsonSchema + ?Sized>(
    generator: &mut SchemaGenerator,
) -> Map<String, Value> {
    let mut schema = generator.root_schema_for::<T>();
    drop_titles(&mut schema);
    schema.remove("$schema");
    match schema.to_value() {
        Value::Object(map) => map,
        // `true` (anything goes): still an object at the root, as MCP requires.
        _ => Map::from_iter([("type".to_owned(), Value::from("object"))]),
    }
}
