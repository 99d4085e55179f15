//! Tools: `tools/list` and `tools/call` in both eras, the `tools` capability, and changes
//! of the tool list at run time (announced to every session and subscription).

use std::any::Any;
use std::sync::Arc;

use arc_swap::ArcSwap;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

pub(crate) use super::tool_set::CacheHints;
use super::tool_set::ToolSet;
use futures_util::future::BoxFuture;

use super::{EraFacts, Eras, Feature, Handled, Method, Request, now, tasks};
use crate::context::{CallOrigin, CallSetup};
use crate::protocol::RpcError;
use crate::protocol::methods::{TOOLS_CALL, TOOLS_LIST};
use crate::protocol::types::CallToolParams;
use crate::request::RequestMeta;
use crate::server::bus::Change;
use crate::server::call::CallStream;
use crate::server::envelope;
use crate::server::peer::{PeerLink, Rounds, rounds};
use crate::server::store::SessionRef;
use crate::tool::{Arguments, ToolDef};

/// The tools feature: the current tool set, replaced whole on every change.
pub(crate) struct Tools {
    set: ArcSwap<ToolSet>,
    page_size: usize,
    hints: CacheHints,
}

impl Tools {
    pub(crate) fn new(tools: Vec<ToolDef>, page_size: usize, hints: CacheHints) -> Self {
        Self {
            set: ArcSwap::from_pointee(ToolSet::new(tools, page_size, hints)),
            page_size,
            hints,
        }
    }

    /// How many tools are served.
    pub(crate) fn len(&self) -> usize {
        self.set.load().len()
    }

    /// The tools served.
    pub(crate) fn defs(&self) -> Vec<ToolDef> {
        self.set.load().tools().to_vec()
    }

    /// Whether a tool by this name is served.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.set.load().get(name).is_some()
    }

    /// Applies `change` to the tool list; the caller announces it.
    pub(crate) fn update(&self, change: impl FnOnce(&mut Vec<ToolDef>)) -> Change {
        let mut tools = self.set.load().tools().to_vec();
        change(&mut tools);
        self.set
            .store(Arc::new(ToolSet::new(tools, self.page_size, self.hints)));
        Change::ToolsListChanged
    }

    fn list(&self, request: &Request<'_>) -> Handled {
        let cursor = match super::listing::cursor(request) {
            Ok(cursor) => cursor,
            Err(invalid) => return invalid,
        };
        let set = self.set.load();
        match set.page(cursor.as_deref(), request.is_stateless()) {
            Some(page) => request.reply_raw(page),
            None => Handled::error(RpcError::invalid_params(format!(
                "invalid cursor {:?}: pass a nextCursor from an earlier tools/list",
                cursor.unwrap_or_default()
            ))),
        }
    }

    fn call<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled> {
        Box::pin(async move {
            let session = match &request.era {
                EraFacts::Handshake(Some(session)) => Some(session),
                _ => None,
            };
            // A call cancelled while it waits for a slot stops waiting (the client ignores
            // whatever answers a cancelled request).
            let permit = tokio::select! {
                admitted = request.engine.call_permit(session) => match admitted {
                    Ok(permit) => permit,
                    Err(refusal) => return Handled::Refused(refusal),
                },
                () = request.cancel.cancelled() => {
                    return Handled::error(RpcError::invalid_request(
                        "the call was cancelled while it waited for a slot",
                    ));
                }
            };
            match self.start_call(request, permit) {
                Ok(Started::Stream(stream)) => Handled::Stream(stream),
                Ok(Started::Task(task)) => task.await,
                Err(refused) => refused,
            }
        })
    }

    fn start_call(
        &self,
        request: Request<'_>,
        permit: crate::server::admission::CallPermit,
    ) -> Result<Started, Handled> {
        let Request {
            engine,
            id,
            params,
            era,
            cancel,
            meta,
            ..
        } = request;
        let set = self.set.load();
        let params_raw = params;
        let (params, origin, declared, mirrored) = match era {
            EraFacts::Handshake(session) => {
                let params: CallToolParams = super::parse_params(params)?;
                let declared = Declared::Session(session.clone());
                let peer = match session {
                    Some(_) => PeerLink::Session {
                        timeout: engine.config.peer.answer_timeout,
                    },
                    None => PeerLink::None,
                };
                let origin = CallOrigin {
                    log_level: session.as_ref().map(|s| s.log_level()),
                    cancel,
                    session: session.map(|s| s.for_call()),
                    stateless: false,
                    client_info: None,
                    peer,
                };
                (params, origin, declared, None)
            }
            EraFacts::Stateless { envelope, mirrored } => {
                let params = match envelope.call {
                    Some(params) => params,
                    None => super::parse_params(params)?,
                };
                let origin = CallOrigin {
                    session: None,
                    log_level: envelope.log_level,
                    cancel,
                    stateless: true,
                    client_info: envelope.client_info,
                    // Set once the tool and its arguments are known (they bind the state).
                    peer: PeerLink::None,
                };
                (
                    params,
                    origin,
                    Declared::Raw(envelope.client_capabilities),
                    mirrored,
                )
            }
        };
        let (tool, header_params) = set
            .get(&params.name)
            .ok_or_else(|| RpcError::invalid_params(format!("unknown tool `{}`", params.name)))?;
        if let Some(mirrored) = mirrored {
            envelope::check_param_headers(header_params, params.arguments.as_ref(), mirrored)?;
        }
        declared.check(tool)?;
        // Auth: the token must grant every scope the tool requires (403 otherwise).
        let identity = meta.as_deref().and_then(RequestMeta::identity);
        // Inline, not in a `let`: a `format_args!` kept in a variable needs Rust 1.89 (MSRV).
        let refused = super::scopes::check(
            identity,
            &format_args!("tool `{}`", tool.name),
            &tool.required_scopes,
        );
        if let Some(refusal) = refused {
            return Err(Handled::Refused(refusal));
        }
        let traceparent = params.meta.as_ref().and_then(|m| m.traceparent.as_deref());
        crate::observe::record_call(&params.name, traceparent);
        let mut origin = origin;
        let mut task_mode = false;
        // The last use of `declared`: its capabilities move into the rounds, uncopied.
        if let Declared::Raw(capabilities) = declared {
            task_mode = tasks::task_mode(tool, &capabilities)?;
            let principal = meta.as_deref().and_then(RequestMeta::credential);
            let binding = || {
                rounds::binding(
                    TOOLS_CALL,
                    &params.name,
                    params.arguments.as_ref(),
                    principal,
                )
            };
            let rounds = Rounds::read(
                params_raw,
                capabilities,
                binding,
                &engine.config.peer.sealing,
            )?;
            origin.peer = PeerLink::Rounds(Box::new(rounds));
        }
        let arguments = Arguments::new(params.arguments.unwrap_or_default());
        let setup = CallSetup {
            request_id: id,
            progress_token: params.meta.and_then(|m| m.progress_token),
            tool: params.name,
            origin,
            states: engine.states().clone(),
            meta,
            server: engine.me(),
        };
        if task_mode {
            let id = setup.request_id.clone();
            let limit = tool.timeout.unwrap_or(engine.config.call_timeout);
            let run = tool.call(arguments);
            let name = tool.name.clone();
            // A task holds its place among the running calls, and times out, like a call.
            let guarded: crate::tool::ToolFuture = Box::pin(async move {
                let _permit = permit;
                match tokio::time::timeout(limit, run).await {
                    Ok(result) => result,
                    Err(_) => crate::tool::CallToolResult::error(format!(
                        "tool `{name}` did not finish within {limit:?} and was stopped"
                    )),
                }
            });
            return Ok(Started::Task(engine.tasks().start(id, guarded, setup)));
        }
        Ok(Started::Stream(CallStream::start(
            tool,
            arguments,
            setup,
            engine.config.call_timeout,
            permit,
        )))
    }
}

impl Feature for Tools {
    fn declare(&self, capabilities: &mut Map<String, Value>) {
        // `listChanged`: the GET stream (handshake era) and `subscriptions/listen`
        // (2026-07-28) deliver `notifications/tools/list_changed`.
        capabilities.insert("tools".into(), json!({"listChanged": true}));
    }

    fn methods(&self) -> &'static [Method] {
        const METHODS: &[Method] = &[
            Method::new(TOOLS_LIST, Eras::Both),
            Method::new(TOOLS_CALL, Eras::Both),
        ];
        METHODS
    }

    fn handle<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Handled> {
        match request.method {
            TOOLS_LIST => now(self.list(&request)),
            _ => self.call(request),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// How a call started: streaming in the request, or (tasks extension) as a task.
enum Started {
    Stream(CallStream),
    Task(BoxFuture<'static, Handled>),
}

/// The capabilities a client declared: a session's (read at `initialize`), or a stateless
/// request's, still raw: most tools require none, so most calls never read them.
enum Declared {
    Session(Option<SessionRef>),
    Raw(Box<RawValue>),
}

impl Declared {
    fn where_(&self) -> &'static str {
        match self {
            Self::Session(_) => "the `capabilities` of `initialize`",
            Self::Raw(_) => "`io.modelcontextprotocol/clientCapabilities` in `params._meta`",
        }
    }

    /// Every capability the tool requires must be declared → else -32021 naming them.
    fn check(&self, tool: &ToolDef) -> Result<(), RpcError> {
        if tool.required_client_capabilities.is_empty() {
            return Ok(());
        }
        let raw_read;
        let none = Map::new();
        let capabilities = match self {
            Self::Session(session) => session
                .as_deref()
                .map_or(&none, |session| session.client_capabilities()),
            Self::Raw(raw) => {
                // The ladder checked it is an object.
                raw_read = serde_json::from_str::<Map<String, Value>>(raw.get())
                    .map_err(RpcError::invalid_params)?;
                &raw_read
            }
        };
        let missing: Vec<&str> = tool
            .required_client_capabilities
            .iter()
            .map(String::as_str)
            .filter(|name| !capabilities.contains_key(*name))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let names = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        Err(RpcError::missing_client_capabilities(
            format!(
                "tool `{}` needs the client capabilit{} {names}; declare {} in {}",
                tool.name,
                if missing.len() == 1 { "y" } else { "ies" },
                if missing.len() == 1 { "it" } else { "them" },
                self.where_()
            ),
            &missing,
        ))
    }
}
