//! From the attribute and the function to a checked model, for all three macros: `attr`
//! reads options through each attribute's table (`options`), `ast` reads the function,
//! `check` holds every check and builds the `model`; `errors` collects what is wrong.

pub mod ast;
pub mod attr;
pub mod check;
pub mod errors;
pub mod model;
pub mod options;
