// The official TypeScript SDK's legacy HTTP+SSE transport (`SSEClientTransport`, protocol
// 2024-11-05) against our `{path}/sse` endpoint: list the tools, a call with progress, and an
// elicitation answered by a request handler.
//
// Usage: node sse_client.mjs SSE_URL. The server must serve the conformance fixture's
// `test_tool_with_progress` and `test_elicitation`. Throws (exit non-zero) on the first
// mismatch; prints one `ok:` line on success.

import assert from 'node:assert/strict';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const url = new URL(process.argv[2] ?? assert.fail('usage: node sse_client.mjs SSE_URL'));
const asked = [];

const client = new Client({ name: 'sse-client', version: '1.0.0' }, { capabilities: { elicitation: {} } });
client.setRequestHandler(ElicitRequestSchema, async request => {
    asked.push(request.params.message);
    return { action: 'accept', content: { username: 'grace', email: 'grace@example.com' } };
});

await client.connect(new SSEClientTransport(url));

const { tools } = await client.listTools();
const names = tools.map(t => t.name);
assert.ok(names.includes('test_tool_with_progress') && names.includes('test_elicitation'), names.join());

const updates = [];
const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
    onprogress: p => updates.push(p)
});
assert.ok(!result.isError, JSON.stringify(result));
assert.equal(result.content[0].text, 'Progress test completed');
// The SDK handles a response at once and notifications a microtask later, so a last update
// that arrives in the same chunk as the response is dropped by the SDK itself: the earlier
// ones (50 ms apart) must all be there, in order.
assert.ok(updates.length >= 2, JSON.stringify(updates));
assert.deepEqual(updates.map(u => u.progress), [0, 50, 100].slice(0, updates.length));

const elicited = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } });
assert.ok(!elicited.isError, JSON.stringify(elicited));
assert.match(elicited.content[0].text, /grace@example\.com/);
assert.deepEqual(asked, ['Who are you?']);

await client.close();
console.log(`ok: typescript legacy sse, ${names.length} tools, ${updates.length} progress updates, elicitation answered`);
