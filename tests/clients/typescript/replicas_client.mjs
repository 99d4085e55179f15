// Drives three replicas behind nginx round-robin (tests/tests/replicas.rs) with the official
// TypeScript SDK: every request of the session may land on any replica.
//
// Usage: node replicas_client.mjs URL (nginx's). Checks, in order: the handshake and
// tools/list; a call with progress; a list change made by a call (on whichever replica it
// lands) reaching the SDK's GET stream (held by whichever replica that landed on); a call
// whose connection breaks mid-way, resumed by the SDK with Last-Event-ID (through nginx, so
// on any replica) with every frame once and in order; DELETE. Exits non-zero on a mismatch.

import assert from 'node:assert/strict';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

const url = new URL(process.argv[2] ?? assert.fail('usage: node replicas_client.mjs URL'));
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** Cuts the first `slow_count` call's SSE body after `afterFrames` progress events. */
const cut = { afterFrames: 2, dropped: false };
const requests = [];

async function wiredFetch(input, init = {}) {
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const request = { method: init.method ?? 'GET', lastEventId: headers.get('last-event-id'), body };
    requests.push(request);
    const response = await fetch(input, init);
    request.status = response.status;
    if (cut.armed && !cut.dropped && body?.params?.name === 'slow_count') {
        return dropAfter(response);
    }
    return response;
}

function dropAfter(response) {
    const upstream = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const encoder = new TextEncoder();
    let buffer = '';
    let frames = 0;
    const body = new ReadableStream({
        async pull(controller) {
            for (;;) {
                const end = buffer.indexOf('\n\n');
                if (end >= 0) {
                    const event = buffer.slice(0, end + 2);
                    buffer = buffer.slice(end + 2);
                    controller.enqueue(encoder.encode(event));
                    if (event.includes('notifications/progress') && ++frames === cut.afterFrames) {
                        cut.dropped = true;
                        await upstream.cancel();
                        controller.error(new TypeError('simulated network failure'));
                    }
                    return;
                }
                const { value, done } = await upstream.read();
                if (done) {
                    controller.close();
                    return;
                }
                buffer += value.replaceAll('\r\n', '\n');
            }
        }
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

const transport = new StreamableHTTPClientTransport(url, { fetch: wiredFetch });
const client = new Client({ name: 'replicas-test', version: '1.0.0' });
const listChanges = [];
client.setNotificationHandler(ToolListChangedNotificationSchema, n => listChanges.push(n));
await client.connect(transport);
assert.equal(transport.protocolVersion, '2025-11-25');

// Round-robin: these land on every replica, each serving the session.
for (let i = 0; i < 4; i++) {
    const { tools } = await client.listTools();
    assert.ok(tools.some(t => t.name === 'slow_count'), `slow_count in ${tools.map(t => t.name)}`);
}
console.log('ok: handshake and tools/list on every replica');

const frames = [];
const counted = await client.callTool(
    { name: 'slow_count', arguments: { steps: 4, delay_ms: 50 } },
    CallToolResultSchema,
    { onprogress: p => frames.push(p.progress) }
);
assert.equal(counted.content[0].text, 'counted to 4');
assert.deepEqual(frames, [1, 2, 3, 4]);
console.log('ok: progress');

// The SDK opened its GET stream after the handshake; give it time to be attached.
await sleep(300);
const getStreams = requests.filter(r => r.method === 'GET' && !r.lastEventId && r.status === 200);
assert.ok(getStreams.length >= 1, `the SDK holds a GET stream: ${JSON.stringify(requests.map(r => [r.method, r.status]))}`);
const changed = await client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
assert.ok(!changed.isError, JSON.stringify(changed));
for (let i = 0; i < 100 && listChanges.length === 0; i++) await sleep(50);
assert.equal(listChanges.length, 1, 'the list change reached the GET stream');
console.log('ok: list change on the GET stream');

cut.armed = true;
const resumedFrames = [];
const resumed = await client.callTool(
    { name: 'slow_count', arguments: { steps: 6, delay_ms: 150 } },
    CallToolResultSchema,
    { onprogress: p => resumedFrames.push(p.progress) }
);
assert.ok(cut.dropped, 'the connection was cut');
assert.equal(resumed.content[0].text, 'counted to 6');
assert.deepEqual(resumedFrames, [1, 2, 3, 4, 5, 6], 'every frame once, in order, across the resumption');
const resumptions = requests.filter(r => r.method === 'GET' && r.lastEventId);
assert.ok(resumptions.length >= 1, 'the SDK resumed with Last-Event-ID');
console.log(`ok: resumed after a dropped connection (${resumptions.length} GET with Last-Event-ID)`);

await transport.terminateSession();
const deleted = requests.filter(r => r.method === 'DELETE');
assert.equal(deleted.at(-1)?.status, 200, 'DELETE ends the session');
await client.close();
console.log('ok: DELETE');
