// A minimal MCP Apps host for the browser test (tests/tests/apps_browser.rs), bundled with
// esbuild and loaded by a page served next to the MCP endpoint. It connects to the server
// with the official TypeScript SDK, finds the tool's view (`_meta.ui.resourceUri`), reads it
// (`text/html;profile=mcp-app`), renders it in a sandboxed iframe and connects the
// ext-apps host bridge (`AppBridge`), which forwards the view's `tools/call` to the server.
// The view reports what it shows with `ui/update-model-context`; the page then sets its
// title to `done:` and base64 of its JSON (or `error: <why>`), which the test reads.
import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const TOOL = "stream_data_analysis";

function finish(title, detail) {
  document.getElementById("log").textContent += `${title}\n${detail ?? ""}\n`;
  document.title = title;
}

async function main() {
  const client = new Client({ name: "browser-host", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", location.href)));
  const ui = client.getServerCapabilities()?.extensions?.["io.modelcontextprotocol/ui"];
  if (!ui) throw new Error("the server does not declare io.modelcontextprotocol/ui");

  const { tools } = await client.listTools();
  const tool = tools.find((t) => t.name === TOOL);
  const uri = tool?._meta?.ui?.resourceUri;
  if (!uri) throw new Error(`${TOOL} names no view: ${JSON.stringify(tool)}`);
  const { contents } = await client.readResource({ uri });
  const view = contents[0];
  if (view.mimeType !== "text/html;profile=mcp-app") {
    throw new Error(`the view's MIME type is ${view.mimeType}`);
  }

  const iframe = document.createElement("iframe");
  iframe.setAttribute("sandbox", "allow-scripts");
  iframe.style.width = "640px";
  iframe.style.height = "320px";
  document.getElementById("view").appendChild(iframe);

  const bridge = new AppBridge(
    client,
    { name: "browser-host", version: "1.0.0" },
    { serverTools: {}, logging: {} },
  );
  bridge.oninitialized = () => {
    bridge.sendToolInput({ arguments: { dataset: "sales", chunk_size: 125 } });
  };
  bridge.onupdatemodelcontext = async (params) => {
    finish(`done:${btoa(JSON.stringify(params.structuredContent))}`);
    return {};
  };
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  iframe.srcdoc = view.text;
}

main().catch((error) => finish(`error: ${error.message}`, error.stack));
