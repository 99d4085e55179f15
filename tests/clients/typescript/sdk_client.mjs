// Drives a server with the official TypeScript SDK (`@modelcontextprotocol/sdk`, pinned in
// tests/clients/package.json): `Client` over `StreamableHTTPClientTransport`, handshake era.
//
// Usage: node sdk_client.mjs URL. The server must serve the `progress` example's
// `stream_data_analysis` and the `count_steps` and `tally` tools of
// tests/tests/typescript_sdk.rs. Every check throws on the first mismatch, so the process
// exits non-zero; on success it prints one `ok:` line per check.
//
// How the SDK resumes (dist/esm/client/streamableHttp.js): it remembers the `id` of every SSE
// event and reports it through `onresumptiontoken`. When a POST stream on which it saw an id
// breaks (or ends) before the response, it waits for the server's `retry` delay and sends
// `GET` with `Last-Event-ID: <last id>`. A request sent with `{resumptionToken}` does not POST
// at all: it opens that same GET, and rewrites the id of the response it receives to the new
// request's id.

import assert from 'node:assert/strict';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
    StreamableHTTPClientTransport,
    StreamableHTTPError
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
    CallToolResultSchema,
    ProgressNotificationSchema,
    ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

const url = new URL(process.argv[2] ?? assert.fail('usage: node sdk_client.mjs URL'));

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** Every HTTP request the SDK makes, and a way to cut one POST stream mid-way. */
class Wire {
    constructor() {
        /** `{method, session, lastEventId, body, status}` of each request, in order. */
        this.requests = [];
        /** `{key, afterFrames, dropped}`: the `tools/call` of `count_steps` with this key loses its
         * connection right after `afterFrames` progress events. */
        this.cut = undefined;
        this.fetch = this.fetch.bind(this);
    }

    async fetch(input, init = {}) {
        const headers = new Headers(init.headers);
        const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
        const request = {
            method: init.method ?? 'GET',
            session: headers.get('mcp-session-id'),
            lastEventId: headers.get('last-event-id'),
            body
        };
        this.requests.push(request);
        const response = await fetch(input, init);
        request.status = response.status;
        const cut = this.cut;
        if (cut && !cut.dropped && body?.method === 'tools/call' && body.params?.arguments?.key === cut.key) {
            return this.dropAfter(response, cut);
        }
        return response;
    }

    /** The same response, whose body fails like a broken connection after `cut.afterFrames`
     * progress events (the real connection is closed too, so the server sees it go). */
    dropAfter(response, cut) {
        assert.equal(response.headers.get('content-type'), 'text/event-stream', 'a call with progress streams');
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

    /** The GETs resuming SSE stream `stream` of a session (`Last-Event-ID: <stream>-<seq>`). */
    resumptions(session, stream) {
        return this.requests.filter(
            r => r.method === 'GET' && r.session === session && r.lastEventId?.split('-')[0] === stream
        );
    }
}

/** A connected client; `errors` collects what the SDK reports through `onerror`. */
async function connect(wire, options = {}) {
    const transport = new StreamableHTTPClientTransport(url, { fetch: wire.fetch, ...options });
    const client = new Client({ name: 'typescript-sdk-test', version: '1.0.0' });
    const errors = [];
    client.onerror = error => errors.push(String(error?.message ?? error));
    await client.connect(transport);
    return { client, transport, errors };
}

/** The `tally` of a `count_steps` key: `{starts, steps, finished, dropped}`. */
async function tally(client, key) {
    const result = await client.callTool({ name: 'tally', arguments: { key } });
    assert.ok(!result.isError, JSON.stringify(result));
    return result.structuredContent;
}

async function until(what, check, limitMs = 5000) {
    const start = Date.now();
    for (;;) {
        if (await check()) return;
        if (Date.now() - start > limitMs) assert.fail(`timed out after ${limitMs} ms waiting until ${what}`);
        await sleep(20);
    }
}

/** Progress values 1..=n. */
const upTo = n => Array.from({ length: n }, (_, i) => i + 1);

async function handshake(wire) {
    const session = await connect(wire);
    const { client, transport } = session;
    assert.equal(transport.protocolVersion, '2025-11-25', 'the SDK negotiates its latest revision');
    assert.match(transport.sessionId ?? '', /^[\x21-\x7e]{16,}$/, 'the server assigned a session id');
    assert.equal(client.getServerVersion()?.name, 'typescript-sdk');
    assert.ok(client.getServerCapabilities()?.tools, 'the server offers tools');

    const { tools } = await client.listTools();
    const analysis = tools.find(t => t.name === 'stream_data_analysis');
    assert.ok(analysis, `stream_data_analysis in ${tools.map(t => t.name)}`);
    assert.deepEqual(analysis.inputSchema.required, ['dataset']);
    assert.equal(analysis.inputSchema.properties.chunk_size.default, 100);
    assert.equal(analysis.inputSchema.properties.dataset.description, 'Name of the dataset to analyze.');
    assert.equal(analysis.annotations?.readOnlyHint, true);
    assert.deepEqual(tools.map(t => t.name).sort(), ['count_steps', 'stream_data_analysis', 'tally', 'touch_hello']);
    console.log(`ok: connected (protocol ${transport.protocolVersion}), ${tools.length} tools listed with their schemas`);
    return session;
}

async function progress({ client }) {
    const frames = [];
    const result = await client.callTool(
        { name: 'stream_data_analysis', arguments: { dataset: 'sales', chunk_size: 250 } },
        CallToolResultSchema,
        { onprogress: p => frames.push(p) }
    );
    // Taken before anything else runs: every frame must have arrived before the response.
    const seen = [...frames];
    assert.ok(!result.isError, JSON.stringify(result));
    assert.equal(result.content[0].text, 'Analysis of sales complete: 1000 items in chunks of 250');
    assert.deepEqual(
        seen,
        [250, 500, 750, 1000].map(done => ({
            progress: done,
            total: 1000,
            message: `Processed ${done}/1000 items (${done / 10}%)`
        })),
        'every frame, in order, before the result'
    );
    console.log(`ok: progress, ${seen.length} frames in order before the result`);
}

async function cancel({ client, transport }, wire) {
    const key = 'cancel';
    const steps = 200;
    const delay = 50;
    const abort = new AbortController();
    const frames = [];
    const tokens = [];
    const call = client.callTool({ name: 'count_steps', arguments: { key, steps, delay_ms: delay } }, CallToolResultSchema, {
        signal: abort.signal,
        onprogress: p => {
            frames.push(p.progress);
            if (frames.length === 3) abort.abort('the user changed their mind');
        },
        onresumptiontoken: token => tokens.push(token)
    });
    await assert.rejects(call, /the user changed their mind/, 'the SDK rejects the aborted call');
    const sent = wire.requests.find(r => r.body?.method === 'notifications/cancelled');
    assert.ok(sent, 'the SDK sent notifications/cancelled');
    assert.equal(typeof sent.body.params.requestId, 'number');

    // The tool runs on the server: it must have been stopped there, not just forgotten here.
    await until('the server drops the cancelled tool', async () => (await tally(client, key)).dropped);
    const stopped = await tally(client, key);
    await sleep(8 * delay);
    const later = await tally(client, key);
    assert.deepEqual(later, stopped, 'the tool takes no step after it was dropped');
    assert.equal(stopped.finished, false);
    assert.ok(stopped.steps >= 3 && stopped.steps < steps / 2, `stopped soon after the cancel: ${JSON.stringify(stopped)}`);

    // The call's stream ends without a response. Having seen event ids on it, the SDK resumes
    // it (GET with Last-Event-ID) every `retry` (200 ms here) for as long as it gets a stream:
    // the server must refuse, so the SDK gives up after its retries instead of polling for ever.
    const stream = tokens[0].split('-')[0];
    const polls = () => wire.resumptions(transport.sessionId, stream);
    await until('the SDK tries to resume the stream of the cancelled call', () => polls().length > 0);
    await sleep(1000); // 5 retry intervals
    assert.ok(
        polls().length <= 2 && polls().every(r => r.status === 404),
        `the cancelled call's stream cannot be resumed, and the SDK stops trying: ${JSON.stringify(polls())}`
    );
    console.log(
        `ok: cancel, the tool stopped on the server after ${stopped.steps} of ${steps} steps; ${polls().length} attempts to resume its stream got 404`
    );
}

async function resumeAfterDrop({ client, transport, errors }, wire) {
    const key = 'resume-auto';
    const steps = 8;
    const since = wire.requests.length;
    const errorsBefore = errors.length;
    wire.cut = { key, afterFrames: 3, dropped: false };
    const tokens = [];
    const frames = [];
    let tokenAtDrop;
    const result = await client.callTool(
        { name: 'count_steps', arguments: { key, steps, delay_ms: 120 } },
        CallToolResultSchema,
        {
            onprogress: p => {
                frames.push(p.progress);
                if (frames.length === 3) tokenAtDrop = tokens.at(-1);
            },
            onresumptiontoken: token => tokens.push(token)
        }
    );
    const seen = [...frames];
    assert.ok(wire.cut.dropped, 'the connection was cut');
    assert.ok(
        errors.some(e => e.includes('SSE stream disconnected') && e.includes('simulated network failure')),
        `the SDK saw the connection break: ${errors}`
    );
    assert.equal(result.content[0].text, `counted ${steps} steps for ${key}`);
    assert.deepEqual(seen, upTo(steps), 'every frame exactly once, in order, then the result');

    const stream = tokenAtDrop.split('-')[0];
    const resumptions = wire.resumptions(transport.sessionId, stream);
    assert.deepEqual(
        resumptions.map(r => [r.lastEventId, r.status]),
        [[tokenAtDrop, 200]],
        'one resumption, after the last event it had'
    );
    const posts = wire.requests.slice(since).filter(r => r.body?.method === 'tools/call');
    assert.equal(posts.length, 1, 'the call was not sent again');
    assert.ok(tokens.every(t => t.split('-')[0] === stream), `every event id names the call's stream: ${tokens}`);
    assert.ok(tokens.indexOf(tokenAtDrop) < tokens.length - 1, 'more events arrived after the drop');
    const strays = errors.slice(errorsBefore).filter(e => e.includes('unknown'));
    assert.deepEqual(strays, [], 'no message arrived twice (the SDK reports a second response as unknown)');
    const run = await tally(client, key);
    assert.deepEqual(run, { starts: 1, steps, finished: true, dropped: false }, 'one run, uninterrupted');
    console.log(
        `ok: resume after a dropped connection, GET Last-Event-ID ${tokenAtDrop} brought frames ${seen.slice(3)} and the result`
    );
}

async function resumeWithToken(wire) {
    const key = 'resume-token';
    const steps = 8;
    const first = await connect(wire);
    const arguments_ = { key, steps, delay_ms: 120 };
    const tokens = [];
    const frames = [];
    let tokenAtDrop;
    const abandoned = first.client.request({ method: 'tools/call', params: { name: 'count_steps', arguments: arguments_ } }, CallToolResultSchema, {
        onprogress: p => {
            frames.push(p.progress);
            if (frames.length === 3) {
                tokenAtDrop = tokens.at(-1);
                // The application goes away mid-call: every connection of this client closes.
                void first.client.close();
            }
        },
        onresumptiontoken: token => tokens.push(token)
    });
    await assert.rejects(abandoned, /Connection closed/);
    const { progressToken } = wire.requests.find(r => r.body?.params?.arguments?.key === key).body.params._meta;
    assert.ok(tokenAtDrop, 'a resumption token before the drop');

    // A new client in the same session picks the call up where the first one left off.
    const since = wire.requests.length;
    const second = await connect(wire, { sessionId: first.transport.sessionId });
    second.transport.setProtocolVersion(first.transport.protocolVersion);
    const resumed = [];
    second.client.setNotificationHandler(ProgressNotificationSchema, n => resumed.push(n.params));
    // (SDK 1.32.2 does not pass `onresumptiontoken` on to a stream resumed this way.)
    const result = await second.client.request(
        { method: 'tools/call', params: { name: 'count_steps', arguments: arguments_ } },
        CallToolResultSchema,
        { resumptionToken: tokenAtDrop }
    );
    const seen = [...resumed];
    assert.equal(result.content[0].text, `counted ${steps} steps for ${key}`);
    assert.ok(
        seen.every(p => p.progressToken === progressToken),
        `the frames of the original request: ${JSON.stringify(seen)}`
    );
    assert.deepEqual([...frames.slice(0, 3), ...seen.map(p => p.progress)], upTo(steps), 'nothing lost, nothing twice');
    const requests = wire.requests.slice(since);
    assert.deepEqual(
        requests.map(r => [r.method, r.lastEventId, r.status]),
        [['GET', tokenAtDrop, 200]],
        'the resumed request is one GET with Last-Event-ID'
    );
    const run = await tally(second.client, key);
    assert.deepEqual(run, { starts: 1, steps, finished: true, dropped: false }, 'one run, uninterrupted');
    console.log(`ok: resume with resumptionToken ${tokenAtDrop} in a new client, frames ${seen.map(p => p.progress)} and the result`);
    return second;
}

async function terminate(session, wire) {
    const { client, transport } = session;
    const sessionId = transport.sessionId;
    const protocolVersion = transport.protocolVersion;
    assert.ok(sessionId);
    await transport.terminateSession();
    assert.equal(transport.sessionId, undefined, 'the SDK forgets the session');
    assert.ok(
        wire.requests.some(r => r.method === 'DELETE' && r.session === sessionId && r.status === 200),
        'terminateSession sent DELETE, and the server ended the session'
    );
    // This client no longer names a session: the server wants one.
    await assert.rejects(client.listTools(), e => e instanceof StreamableHTTPError && e.code === 400);

    // A client that still holds the old id finds it gone.
    const stale = await connect(wire, { sessionId });
    stale.transport.setProtocolVersion(protocolVersion);
    await assert.rejects(
        stale.client.listTools(),
        e => e instanceof StreamableHTTPError && e.code === 404 && /not found/.test(e.message),
        'a request in the ended session is 404'
    );
    await assert.rejects(stale.transport.terminateSession(), e => e instanceof StreamableHTTPError && e.code === 404);
    await client.close();
    await stale.client.close();
    console.log('ok: terminateSession ended the session; requests in it now fail with 404');
}

async function surface({ client }) {
    const capabilities = client.getServerCapabilities() ?? {};
    assert.ok(capabilities.resources && capabilities.prompts && capabilities.completions, JSON.stringify(capabilities));
    const { resources } = await client.listResources();
    assert.deepEqual(resources.map(r => r.uri), ['greetings://hello', 'greetings://bytes']);
    const text = await client.readResource({ uri: 'greetings://hello' });
    assert.deepEqual(text.contents, [{ uri: 'greetings://hello', mimeType: 'text/plain', text: 'Hello!' }]);
    const blob = await client.readResource({ uri: 'greetings://bytes' });
    assert.equal(blob.contents[0].blob, 'AQID');
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map(t => t.uriTemplate), ['greetings://{language}']);
    const french = await client.readResource({ uri: 'greetings://fr' });
    assert.equal(french.contents[0].text, 'Bonjour !');
    await assert.rejects(client.readResource({ uri: 'nowhere://x' }), e => e.code === -32602);

    const { prompts } = await client.listPrompts();
    assert.deepEqual(prompts.map(p => p.name), ['greet']);
    assert.deepEqual(prompts[0].arguments.map(a => [a.name, !!a.required]), [['name', true], ['language', false]]);
    const got = await client.getPrompt({ name: 'greet', arguments: { name: 'Ada', language: 'fr' } });
    assert.equal(got.messages[0].content.text, 'Greet Ada in fr.');
    assert.equal(got.messages[1].content.type, 'image');
    await assert.rejects(client.getPrompt({ name: 'greet', arguments: {} }), e => e.code === -32602);

    const byPrompt = await client.complete({
        ref: { type: 'ref/prompt', name: 'greet' },
        argument: { name: 'language', value: 'f' },
    });
    assert.deepEqual(byPrompt.completion.values, ['fr']);
    const byTemplate = await client.complete({
        ref: { type: 'ref/resource', uri: 'greetings://{language}' },
        argument: { name: 'language', value: '' },
    });
    assert.deepEqual(byTemplate.completion, { values: ['de', 'en', 'fr'], total: 3, hasMore: false });

    // A subscription hears of the resource's update on the session's GET stream.
    assert.ok(capabilities.resources.subscribe, JSON.stringify(capabilities));
    const updated = new Promise((resolve) =>
        client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri)));
    await client.subscribeResource({ uri: 'greetings://hello' });
    await client.callTool({ name: 'touch_hello', arguments: {} });
    const uri = await Promise.race([
        updated,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no resources/updated within 10 s')), 10000)),
    ]);
    assert.equal(uri, 'greetings://hello');
    await client.unsubscribeResource({ uri: 'greetings://hello' });
    console.log('ok: resources (text, blob, template, subscription), prompts and completion');
}

const wire = new Wire();
const main = await handshake(wire);
await surface(main);
await progress(main);
await cancel(main, wire);
await resumeAfterDrop(main, wire);
await terminate(main, wire);
const other = await resumeWithToken(wire);
await terminate(other, wire);
console.log('ok: typescript sdk, all checks passed');
