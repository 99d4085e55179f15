//! A small notes service backed by SQLite: server state (`State<Notes>`), structured output
//! (`Json<T>`), argument constraints, and errors the model can act on (`ToolError`); each
//! note is also a resource (`notes://{id}`, with id completion), and a prompt asks for a
//! summary of one.
//!
//! ```text
//! cargo run -p examples --example notes                    # in-memory database
//! NOTES_DB=notes.sqlite cargo run -p examples --example notes
//! ```

use std::sync::Mutex;

use mcp_runtime::prompt::PromptMessage;
use mcp_runtime::resource::ResourceError;
use mcp_runtime::{Content, Context, Json, Server, State, ToolError, prompt, resource, tool};
use rusqlite::{Connection, OptionalExtension as _, params};
use schemars::JsonSchema;
use serde::Serialize;

/// The notes database. SQLite connections are not `Sync`, so one sits behind a mutex;
/// every query here is short.
pub struct Notes {
    db: Mutex<Connection>,
}

impl Notes {
    /// Opens (or creates) the database at `path`; `:memory:` for a throwaway one.
    pub fn open(path: &str) -> rusqlite::Result<Self> {
        let db = Connection::open(path)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS notes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                tags TEXT NOT NULL DEFAULT ''
            );",
        )?;
        Ok(Self { db: Mutex::new(db) })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, ToolError> {
        let db = self
            .db
            .lock()
            .map_err(|_| ToolError::internal("the database lock is poisoned"))?;
        f(&db).map_err(|e| ToolError::internal(format!("database error: {e}")))
    }
}

/// A note.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Note {
    /// Its id, for `get_note` and `delete_note`.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its text.
    pub body: String,
    /// Its labels.
    pub tags: Vec<String>,
}

/// A page of notes.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NoteList {
    /// The notes, newest first.
    pub notes: Vec<Note>,
    /// How many notes matched in all.
    pub total: usize,
}

fn note(row: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
    let tags: String = row.get(3)?;
    Ok(Note {
        id: row.get(0)?,
        title: row.get(1)?,
        body: row.get(2)?,
        tags: tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// Save a new note.
#[tool]
pub async fn add_note(
    notes: State<Notes>,
    /// A short title.
    #[arg(min_length = 1, max_length = 100)]
    title: String,
    /// The text of the note (Markdown is fine).
    #[arg(max_length = 10000)]
    body: String,
    /// Labels to find the note by later; letters, digits and `-` only.
    #[arg(default, max_length = 10)]
    tags: Vec<String>,
) -> Result<Json<Note>, ToolError> {
    if let Some(bad) = tags
        .iter()
        .find(|t| t.is_empty() || !t.chars().all(|c| c.is_alphanumeric() || c == '-'))
    {
        return Err(ToolError::invalid_input(format!(
            "tag {bad:?} may only use letters, digits and `-`"
        )));
    }
    let joined = tags.join(",");
    let id = notes.with(|db| {
        db.execute(
            "INSERT INTO notes (title, body, tags) VALUES (?1, ?2, ?3)",
            params![title, body, joined],
        )?;
        Ok(db.last_insert_rowid())
    })?;
    Ok(Json(Note {
        id,
        title,
        body,
        tags,
    }))
}

/// List notes, newest first, optionally only those with a tag.
#[tool(read_only)]
pub async fn list_notes(
    notes: State<Notes>,
    /// Only notes with this tag.
    tag: Option<String>,
    /// How many to return.
    #[arg(default = 20, min = 1, max = 100)]
    limit: u32,
) -> Result<Json<NoteList>, ToolError> {
    let all = notes.with(|db| {
        let mut query = db.prepare("SELECT id, title, body, tags FROM notes ORDER BY id DESC")?;
        query
            .query_map([], note)?
            .collect::<rusqlite::Result<Vec<_>>>()
    })?;
    let matching: Vec<Note> = all
        .into_iter()
        .filter(|n| tag.as_ref().is_none_or(|t| n.tags.contains(t)))
        .collect();
    let total = matching.len();
    let notes = matching.into_iter().take(limit as usize).collect();
    Ok(Json(NoteList { notes, total }))
}

/// Read one note.
#[tool(read_only)]
pub async fn get_note(
    notes: State<Notes>,
    /// The note's id.
    #[arg(min = 1)]
    id: i64,
) -> Result<Json<Note>, ToolError> {
    let found = notes.with(|db| {
        db.query_row(
            "SELECT id, title, body, tags FROM notes WHERE id = ?1",
            params![id],
            note,
        )
        .optional()
    })?;
    found.map(Json).ok_or_else(|| {
        ToolError::not_found(format!("no note with id {id}; list_notes shows the ids"))
    })
}

/// Find notes whose title or text contains the words.
#[tool(read_only)]
pub async fn search_notes(
    notes: State<Notes>,
    /// Words to look for (case-insensitive).
    #[arg(min_length = 2, example = "meeting")]
    query: String,
) -> Result<Json<NoteList>, ToolError> {
    let like = format!("%{}%", query.to_lowercase());
    let notes = notes.with(|db| {
        let mut q = db.prepare(
            "SELECT id, title, body, tags FROM notes WHERE lower(title) LIKE ?1 OR lower(body) LIKE ?1 ORDER BY id DESC",
        )?;
        q.query_map(params![like], note)?.collect::<rusqlite::Result<Vec<_>>>()
    })?;
    Ok(Json(NoteList {
        total: notes.len(),
        notes,
    }))
}

/// Replace the text of a note; clients watching the note's resource are told it changed.
#[tool(idempotent)]
pub async fn edit_note(
    notes: State<Notes>,
    ctx: Context,
    /// The note's id.
    #[arg(min = 1)]
    id: i64,
    /// Its new text.
    #[arg(max_length = 10000)]
    body: String,
) -> Result<String, ToolError> {
    let changed = notes.with(|db| {
        db.execute(
            "UPDATE notes SET body = ?1 WHERE id = ?2",
            params![body, id],
        )
    })?;
    if changed == 0 {
        return Err(ToolError::not_found(format!("no note with id {id}")));
    }
    if let Some(server) = ctx.server() {
        server.resource_updated(format!("notes://{id}"));
    }
    Ok(format!("Edited note {id}"))
}

/// Delete a note for good.
#[tool(destructive, idempotent)]
pub async fn delete_note(
    notes: State<Notes>,
    /// The note's id.
    #[arg(min = 1)]
    id: i64,
) -> Result<String, ToolError> {
    let deleted = notes.with(|db| db.execute("DELETE FROM notes WHERE id = ?1", params![id]))?;
    if deleted == 0 {
        return Err(ToolError::not_found(format!("no note with id {id}")));
    }
    Ok(format!("Deleted note {id}"))
}

impl Notes {
    /// The note with this id, if there is one.
    fn find(&self, id: i64) -> Result<Option<Note>, ToolError> {
        self.with(|db| {
            db.query_row(
                "SELECT id, title, body, tags FROM notes WHERE id = ?1",
                params![id],
                note,
            )
            .optional()
        })
    }
}

/// What this server holds, for people and models new to it.
#[resource(uri = "notes://about", mime = "text/plain")]
pub async fn about() -> &'static str {
    "Notes with a title, a body and tags. Read one as notes://{id}."
}

/// A note as Markdown, by id.
#[resource(uri = "notes://{id}", name = "note", mime = "text/markdown")]
pub async fn note_markdown(
    /// The note's id.
    #[arg(min = 1, complete = note_ids)]
    id: i64,
    notes: State<Notes>,
) -> Result<String, ResourceError> {
    match notes
        .find(id)
        .map_err(|e| ResourceError::failed(e.to_string()))?
    {
        Some(note) => Ok(format!("# {}\n\n{}", note.title, note.body)),
        None => Err(ResourceError::not_found(format!("notes://{id}"))),
    }
}

/// The ids of the notes, for completion: those that start with what was typed.
pub async fn note_ids(prefix: String, notes: State<Notes>) -> Vec<String> {
    let ids = notes.with(|db| {
        let mut q = db.prepare("SELECT id FROM notes ORDER BY id")?;
        q.query_map([], |row| row.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()
    });
    ids.unwrap_or_default()
        .into_iter()
        .map(|id| id.to_string())
        .filter(|id| id.starts_with(&prefix))
        .collect()
}

/// Ask for a summary of a note.
#[prompt(title = "Summarize a note")]
pub async fn summarize(
    /// The note's id.
    #[arg(complete = note_ids)]
    id: i64,
    /// How to summarize, e.g. "in one line" (default: briefly).
    style: Option<String>,
    notes: State<Notes>,
) -> Result<Vec<PromptMessage>, ToolError> {
    let note = notes
        .find(id)?
        .ok_or_else(|| ToolError::not_found(format!("no note with id {id}")))?;
    let style = style.unwrap_or_else(|| "briefly".to_owned());
    Ok(vec![
        PromptMessage::user(Content::embedded_text(
            format!("notes://{id}"),
            "text/markdown",
            format!("# {}\n\n{}", note.title, note.body),
        )),
        PromptMessage::user(format!("Summarize the note above {style}.")),
    ])
}

/// The notes server with its database.
pub fn server(notes: Notes) -> Server {
    Server::new("notes")
        .instructions("Notes you can add, list, search, read and delete. Ids come from add_note and list_notes.")
        .state(notes)
        .tool(add_note_tool())
        .tool(list_notes_tool())
        .tool(get_note_tool())
        .tool(search_notes_tool())
        .tool(edit_note_tool())
        .tool(delete_note_tool())
        .resource(about_resource())
        .resource_template(note_markdown_resource())
        .prompt(summarize_prompt())
}

#[allow(dead_code)] // Integration tests include this file as a module.
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let path = std::env::var("NOTES_DB").unwrap_or_else(|_| ":memory:".to_owned());
    let notes = Notes::open(&path)
        .map_err(|e| std::io::Error::other(format!("cannot open {path}: {e}")))?;
    server(notes).serve().await
}
