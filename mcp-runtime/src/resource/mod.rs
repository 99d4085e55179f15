//! Resources: data a server exposes by URI (`resources/list`, `resources/read`), and
//! resource templates, URIs with variables (`resources/templates/list`). `#[resource]`
//! defines either from an `async fn`.

mod contents;
mod def;
mod error;
pub(crate) mod registry;
mod template;

pub use contents::{Blob, IntoResourceResult, ReadResourceResult, ResourceContents};
pub use def::{Annotations, ResourceDef, ResourceFuture, ResourceInfo, ResourceTemplateDef};
pub use error::ResourceError;
pub use registry::{resource_templates, resources};
pub use template::{UriTemplate, UriTemplateError};
