// The official TypeScript SDK against a server behind OAuth (JWT) auth.
//
// Usage: node auth_client.mjs URL ISSUER GOOD_TOKEN READER_TOKEN WRONG_AUDIENCE_TOKEN.
// GOOD_TOKEN grants `notes:write`, READER_TOKEN does not. The server serves `whoami`,
// `write_note` (scope `notes:write`) and `stream_data_analysis`. Throws on the first mismatch;
// prints one `ok:` line per check.

import assert from 'node:assert/strict';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
    discoverOAuthProtectedResourceMetadata,
    extractWWWAuthenticateParams
} from '@modelcontextprotocol/sdk/client/auth.js';

const [url, issuer, good, reader, wrongAudience] = process.argv.slice(2);
assert.ok(wrongAudience, 'usage: node auth_client.mjs URL ISSUER GOOD READER WRONG_AUDIENCE');

async function connect(token) {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const client = new Client({ name: 'auth-test', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
    return client;
}

const text = result => result.content[0].text;

{
    const client = await connect(good);
    assert.equal(text(await client.callTool({ name: 'whoami', arguments: {} })), 'alice [notes:write]');
    assert.equal(text(await client.callTool({ name: 'write_note', arguments: { text: 'hi' } })), 'wrote hi');
    const frames = [];
    const result = await client.callTool(
        { name: 'stream_data_analysis', arguments: { dataset: 'd', chunk_size: 500 } },
        undefined,
        { onprogress: p => frames.push(p.progress) }
    );
    assert.ok(!result.isError, JSON.stringify(result));
    assert.deepEqual(frames, [500, 1000]);
    await client.close();
    console.log('ok: the right token works, the tool sees its identity, progress streams');
}

{
    const client = await connect(reader);
    await assert.rejects(client.callTool({ name: 'write_note', arguments: { text: 'no' } }), error => {
        assert.equal(error.code, 403, String(error));
        assert.match(String(error), /notes:write/);
        return true;
    });
    await client.close();
    console.log('ok: a token without the tool\'s scope gets 403 naming the scope');
}

for (const [what, token] of [['no token', undefined], ['wrong audience', wrongAudience]]) {
    await assert.rejects(connect(token), error => {
        assert.equal(error.code, 401, String(error));
        return true;
    });
    console.log(`ok: ${what} refused`);
}

{
    const post = token =>
        fetch(url, {
            method: 'POST',
            headers: {
                'content-type': 'application/json',
                accept: 'application/json, text/event-stream',
                ...(token ? { authorization: `Bearer ${token}` } : {})
            },
            body: JSON.stringify({
                jsonrpc: '2.0', id: 1, method: 'initialize',
                params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'ts', version: '0' } }
            })
        });
    const anonymous = await post();
    assert.equal(anonymous.status, 401);
    const { resourceMetadataUrl } = extractWWWAuthenticateParams(anonymous);
    assert.ok(resourceMetadataUrl, 'resource_metadata in WWW-Authenticate');
    const bad = await post(wrongAudience);
    assert.equal(bad.status, 401);
    assert.equal(extractWWWAuthenticateParams(bad).error, 'invalid_token');
    for (const options of [{ resourceMetadataUrl }, undefined]) {
        const metadata = await discoverOAuthProtectedResourceMetadata(new URL(url), options);
        assert.equal(metadata.resource, url);
        assert.deepEqual(metadata.authorization_servers, [issuer]);
        assert.deepEqual(metadata.scopes_supported, ['notes:write']);
    }
    console.log(`ok: discoverOAuthProtectedResourceMetadata reads our metadata (${resourceMetadataUrl})`);
}
