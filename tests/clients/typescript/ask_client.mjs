// The official TypeScript SDK (`@modelcontextprotocol/sdk`) answers a server's questions
// (elicitation, sampling, roots) from its request handlers, in the handshake era: the server
// sends each request on the call's SSE stream and the SDK POSTs the answer back.
//
// Usage: node ask_client.mjs URL. The server must serve the conformance fixture's
// `test_elicitation`, `test_sampling` and `test_input_required_result_multiple_inputs`.
// Throws (exit non-zero) on the first mismatch; prints one `ok:` line on success.

import assert from 'node:assert/strict';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
    CreateMessageRequestSchema,
    ElicitRequestSchema,
    ListRootsRequestSchema
} from '@modelcontextprotocol/sdk/types.js';

const url = new URL(process.argv[2] ?? assert.fail('usage: node ask_client.mjs URL'));
const asked = [];

const client = new Client(
    { name: 'ask-client', version: '1.0.0' },
    { capabilities: { elicitation: {}, sampling: {}, roots: { listChanged: true } } }
);
client.setRequestHandler(ElicitRequestSchema, async request => {
    asked.push(`elicit:${request.params.message}`);
    const properties = request.params.requestedSchema.properties;
    if ('username' in properties) {
        return { action: 'accept', content: { username: 'grace', email: 'grace@example.com' } };
    }
    return { action: 'accept', content: { name: 'Grace' } };
});
client.setRequestHandler(CreateMessageRequestSchema, async request => {
    const prompt = request.params.messages[0].content.text;
    asked.push(`sample:${prompt}`);
    return {
        role: 'assistant',
        content: { type: 'text', text: `echo of ${prompt}` },
        model: 'test-model',
        stopReason: 'endTurn'
    };
});
client.setRequestHandler(ListRootsRequestSchema, async () => {
    asked.push('roots');
    return { roots: [{ uri: 'file:///home', name: 'home' }, { uri: 'file:///work' }] };
});

await client.connect(new StreamableHTTPClientTransport(url));

const elicited = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } });
assert.ok(!elicited.isError, JSON.stringify(elicited));
assert.match(elicited.content[0].text, /action=accept/);
assert.match(elicited.content[0].text, /grace@example\.com/);

const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'Say hi' } });
assert.ok(!sampled.isError, JSON.stringify(sampled));
assert.equal(sampled.content[0].text, 'LLM response: echo of Say hi');

const together = await client.callTool({ name: 'test_input_required_result_multiple_inputs', arguments: {} });
assert.ok(!together.isError, JSON.stringify(together));
assert.equal(together.content[0].text, 'echo of Generate a greeting Grace (2 roots)');

assert.deepEqual(asked.slice(0, 2), ['elicit:Who are you?', 'sample:Say hi']);
assert.equal(asked.length, 5, JSON.stringify(asked));
await client.close();
console.log(`ok: handshake era answered ${asked.length} questions: ${JSON.stringify(asked)}`);
