//! The HTTP surface of a description: the endpoint with its guards, auth and its metadata,
//! the metrics route; as a router to serve or merge.

use std::net::SocketAddr;

use crate::auth::Auth;
use crate::server::{Server, ServerError, ServerHandle};
use crate::transport::http::Endpoint;
use crate::transport::http::{
    BodyBudget, BodyMeter, HostPolicy, HttpLimits, Shutdown, Surface as HttpSurface,
};

/// The user's own routes, served beside the endpoint ([`Server::merge`]).
#[derive(Debug, Clone, Default)]
struct MergedRoutes(Vec<axum::Router>);

impl Server {
    /// Serves `routes` (the user's own) beside the endpoint, on [`serve`](Self::serve)'s
    /// listener: with its header timeout, connection cap and graceful shutdown. Protect
    /// some with [`Auth::require`]; they are not behind the endpoint's Host/Origin guard.
    ///
    /// ```no_run
    /// use axum::{Router, routing::get};
    /// use mcp_runtime::{Auth, Server};
    ///
    /// # async fn run() -> std::io::Result<()> {
    /// let auth = Auth::bearer_tokens(["s3cret"]);
    /// Server::new("guide")
    ///     .merge(Router::new().route("/health", get(|| async { "ok" })))
    ///     .merge(auth.require(Router::new().route("/secure", get(|| async { "hi" }))))
    ///     .serve()
    ///     .await
    /// # }
    /// ```
    pub fn merge(mut self, routes: axum::Router) -> Self {
        (self.attachments.get_or_default::<MergedRoutes>().0).push(routes);
        self
    }

    /// Serves the tools as plain HTTP under `prefix` (e.g. `/tools`), for code that is not
    /// an MCP client: `GET {prefix}` lists them; `POST {prefix}/{name}` with the arguments
    /// as a JSON body answers the `CallToolResult` as JSON; `POST {prefix}/{name}/stream`
    /// answers `application/x-ndjson`, one `{"progress":…,"total":…,"message":…}` line per
    /// update and then `{"result":…}` (or `{"error":{"code":…,"message":…}}`). Calls go
    /// through the same engine as MCP's: argument validation, auth and scopes, limits,
    /// metrics; closing the response cancels the call.
    pub fn rest(mut self, prefix: impl Into<String>) -> Self {
        self.rest = Some(prefix.into());
        self
    }

    /// The MCP endpoint as an [`axum::Router`], to serve or to merge with your own routes.
    ///
    /// # Panics
    /// With the [`ServerError`]'s message if the description has a mistake: two tools with
    /// one name, an invalid tool name or header annotation, a `State<T>` a tool takes that
    /// the server was not given (see [`state`](Self::state)). Caught when the router is
    /// built, never at call time; [`try_router`](Self::try_router) returns it instead.
    pub fn router(self) -> axum::Router {
        self.router_with_handle().0
    }

    /// The MCP endpoint as an [`axum::Router`], or the mistake that keeps the description
    /// from being served.
    ///
    /// ```
    /// use mcp_runtime::{CallToolResult, Server, ServerError, ToolDef};
    ///
    /// let echo = || ToolDef::new("echo", serde_json::json!({"type": "object"}), |_| async {
    ///     CallToolResult::text("hi")
    /// });
    /// let error = Server::new("twice").tool(echo()).tool(echo()).try_router().unwrap_err();
    /// assert!(matches!(error, ServerError::DuplicateTool { .. }));
    /// ```
    pub fn try_router(mut self) -> Result<axum::Router, ServerError> {
        self.check()?;
        Ok(self.router())
    }

    /// The router, and a handle to change the running server (add or remove tools).
    ///
    /// # Panics
    /// Like [`router`](Self::router).
    pub fn router_with_handle(self) -> (axum::Router, ServerHandle) {
        let (router, handle, _endpoint) = self.build(None).unwrap_or_else(|why| panic!("{why}"));
        (router, handle)
    }

    /// The router for a server bound to `bound` (`None`: not bound by us), and the endpoint
    /// in it, for our accept loop to call directly.
    pub(super) fn build(
        mut self,
        bound: Option<SocketAddr>,
    ) -> Result<(axum::Router, ServerHandle, Endpoint), String> {
        if let Some(why) = self.settings_error.take() {
            return Err(why);
        }
        self.settings.validate().map_err(|e| e.to_string())?;
        self.check().map_err(|e| e.to_string())?;
        let auth = match self.attachments.take::<Auth>() {
            Some(auth) => Some(auth),
            None => Auth::from_settings(&self.settings).map_err(|e| e.to_string())?,
        };
        if let Some(auth) = &auth {
            auth.check()?;
        }
        let settings = &self.settings;
        let surface_scopes = (self
            .surface
            .resources
            .iter()
            .map(|r| &r.info.required_scopes))
        .chain(
            self.surface
                .templates
                .iter()
                .map(|t| &t.info.required_scopes),
        )
        .chain(self.surface.prompts.iter().map(|p| &p.required_scopes));
        let mut scopes: Vec<String> = (self.tools.iter().map(|t| &t.required_scopes))
            .chain(surface_scopes)
            .flatten()
            .cloned()
            .collect();
        scopes.sort();
        scopes.dedup();
        let surface = HttpSurface {
            path: settings.path.clone(),
            hosts: HostPolicy::new(
                settings.allowed_hosts.as_deref(),
                &settings.allowed_origins,
                bound,
            ),
            auth: auth.map(|a| a.shared()),
            scopes,
            http: self.http_options(),
            rest: self.rest.take(),
            legacy_sse: settings.legacy_sse,
            #[cfg(feature = "metrics")]
            metrics: match &settings.metrics_path {
                Some(path) => Some((path.clone(), crate::observe::install_prometheus()?)),
                None => None,
            },
        };
        #[cfg(not(feature = "metrics"))]
        if settings.metrics_path.is_some() {
            return Err("a metrics path is set (MCP_METRICS_PATH or Server::metrics), but mcp-runtime was built without its `metrics` feature".to_owned());
        }
        let routes = (self.attachments.take::<MergedRoutes>()).unwrap_or_default();
        let engine = self.engine();
        let handle = ServerHandle::new(engine.clone());
        let (mut router, endpoint) = crate::transport::http::router(engine, surface);
        for routes in routes.0 {
            router = router.merge(routes);
        }
        Ok((router, handle, endpoint))
    }

    /// The HTTP limits, from the settings (builder, file, environment), and the body budget
    /// this description (and its clones) share.
    pub(super) fn http_options(&self) -> crate::transport::http::HttpOptions {
        let settings = &self.settings;
        let limits = HttpLimits {
            header_timeout: settings.header_timeout,
            idle_timeout: settings.idle_timeout,
            max_connections: settings.max_connections,
            body_limit: settings.body_limit,
            body_timeout: settings.body_timeout,
            write_timeout: settings.write_timeout,
            body_budget: settings.body_budget,
            body_budget_wait: settings.body_budget_wait,
            drain_timeout: settings.drain_timeout,
        };
        crate::transport::http::HttpOptions {
            limits,
            budget: self.attachments.shared::<BodyBudget>(),
        }
    }
}

impl Server {
    /// Sets every HTTP limit at once.
    pub fn http_limits(mut self, limits: HttpLimits) -> Self {
        let settings = &mut self.settings;
        settings.header_timeout = limits.header_timeout;
        settings.idle_timeout = limits.idle_timeout;
        settings.max_connections = limits.max_connections;
        settings.body_limit = limits.body_limit;
        settings.body_timeout = limits.body_timeout;
        settings.write_timeout = limits.write_timeout;
        settings.body_budget = limits.body_budget;
        settings.body_budget_wait = limits.body_budget_wait;
        settings.drain_timeout = limits.drain_timeout;
        self
    }

    /// Serves on an already bound listener like [`serve_on`](Self::serve_on), but stops when
    /// `stop` resolves instead of on a signal (then drains the same way).
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// # drop(stop);
    /// mcp_runtime::Server::new("until")
    ///     .serve_with_shutdown(listener, async { let _ = stopped.await; })
    ///     .await
    /// # }
    /// ```
    pub async fn serve_with_shutdown(
        self,
        listener: tokio::net::TcpListener,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.serve_listener(listener, Shutdown::when(stop)).await
    }

    /// Reads how much of the body budget is in use. The server and its clones share one
    /// budget (and so one meter), also across the routers built from them.
    pub fn body_meter(&self) -> BodyMeter {
        BodyMeter::new(self.attachments.shared::<BodyBudget>())
    }
}
