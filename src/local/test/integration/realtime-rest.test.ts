// The broadcast REST API: credentials, validation errors in Realtime's shapes, the single-message
// endpoint behind httpSend, and what reaches subscribers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPreflightAllowed } from '../../../../tests/support/cors.ts';
import { clientDecode } from '../support/realtime-frames.ts';
import { keys, mintJwt, sleep, startInboxHarness, waitFor, type RealtimeHarness } from '../support/realtime-harness.ts';
import { RawClient } from '../support/realtime-raw-client.ts';

const BATCH = '/realtime/v1/api/broadcast';
const QUIET_MS = 400;

describe('realtime REST broadcast API', () => {
  let harness: RealtimeHarness;
  let closeAll: () => Promise<void>;
  let alice: string;
  let aliceJwt: string;
  const raws: RawClient[] = [];

  beforeAll(async () => {
    ({ harness, alice, close: closeAll } = await startInboxHarness());
    aliceJwt = await mintJwt(alice);
  });
  afterAll(async () => {
    await Promise.all(raws.map((r) => r.close()));
    await closeAll?.();
  });

  const ok = { messages: [{ topic: 'rest-room', event: 'e', payload: {} }] };

  it('answers 401 {message: "Unauthorized"} for missing or bad credentials', async () => {
    const cases: Record<string, string>[] = [
      {},
      { apikey: 'sb_secret_wrong' },
      { authorization: 'Bearer not-a-jwt', apikey: keys.publishable },
      { authorization: `Bearer ${aliceJwt}`, apikey: 'sb_publishable_wrong' },
      { authorization: 'Basic dXNlcjpwYXNz', apikey: keys.secret },
      { authorization: `Bearer ${await mintJwt(alice, { ttlSeconds: -10 })}`, apikey: keys.publishable },
    ];
    for (const headers of cases) {
      const res = await harness.post(BATCH, ok, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(await res.json()).toEqual({ message: 'Unauthorized' });
    }
    const single = await harness.post('/realtime/v1/api/broadcast/rest-room/events/e', {}, {});
    expect(single.status).toBe(401);
  });

  it('accepts the apikey as a query parameter, as realtime-js sends it', async () => {
    const res = await harness.post(`${BATCH}?apikey=${keys.secret}&vsn=2.0.0`, ok);
    expect(res.status).toBe(202);
  });

  it("answers 422 with Realtime's changeset error shapes", async () => {
    const cases: [unknown, unknown][] = [
      [{}, { messages: ["can't be blank"] }],
      [{ messages: [] }, { messages: ["can't be blank"] }],
      [{ messages: 'nope' }, { messages: ['is invalid'] }],
      [{ messages: [1, 2] }, { messages: ['is invalid'] }],
      [
        { messages: [{ topic: 't', event: 'e', payload: {} }, { topic: '', payload: [1] }, { topic: 't', event: 7, payload: {}, private: 'maybe' }] },
        { messages: [{}, { topic: ["can't be blank"], event: ["can't be blank"], payload: ['is invalid'] }, { event: ['is invalid'], private: ['is invalid'] }] },
      ],
    ];
    for (const [body, errors] of cases) {
      const res = await harness.post(BATCH, body, { apikey: keys.secret });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(await res.json()).toEqual({ errors });
    }
    const notJson = await harness.post(BATCH, '{"messages": [', { apikey: keys.secret });
    expect(notJson.status).toBe(400);
  });

  it('rejects unknown paths, wrong methods and unsupported media types, and answers CORS preflights', async () => {
    expect((await fetch(`${harness.url}${BATCH}`, { headers: { apikey: keys.secret } })).status).toBe(405);
    expect((await harness.post('/realtime/v1/api/nope', ok, { apikey: keys.secret })).status).toBe(404);
    const plain = await fetch(`${harness.url}/realtime/v1/api/broadcast/t/events/e`, {
      method: 'POST',
      headers: { apikey: keys.secret, 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(plain.status).toBe(415);
    expect(await plain.json()).toEqual({ error: 'Unsupported Media Type. Use application/json or application/octet-stream' });

    await expectPreflightAllowed(`${harness.url}${BATCH}`, 'apikey, authorization, content-type');
  });

  it('delivers batch messages in order to their own topics', async () => {
    const client = await harness.client();
    const a = await client.join('batch-a');
    const b = await client.join('batch-b');
    const res = await harness.post(
      BATCH,
      {
        messages: [
          { topic: 'batch-a', event: 'n', payload: { i: 1 } },
          { topic: 'batch-b', event: 'n', payload: { i: 2 } },
          { topic: 'batch-a', event: 'n', payload: { i: 3 }, id: 'custom-id' },
          { topic: 'batch-a', event: 'n', payload: { i: 4 }, private: true },
        ],
      },
      { apikey: keys.secret },
    );
    expect(res.status).toBe(202);
    await waitFor(() => a.received.length === 2 && b.received.length === 1, 'the batch');
    await sleep(QUIET_MS);
    expect(a.received).toEqual([
      { event: 'n', payload: { i: 1 }, meta: undefined },
      { event: 'n', payload: { i: 3 }, meta: { id: 'custom-id' } },
    ]);
    expect(b.received.map((r) => r.payload)).toEqual([{ i: 2 }]);
  });

  it('lets a user broadcast publicly over REST but skips their private messages without a write policy', async () => {
    const watcher = await harness.client({ token: await mintJwt(alice) });
    const lobby = await watcher.join('lobby-rest');
    const own = await watcher.join(`user-realtime:${alice}`, { private: true });
    const res = await harness.post(
      BATCH,
      {
        messages: [
          { topic: `user-realtime:${alice}`, event: 'forged', payload: {}, private: true },
          { topic: 'lobby-rest', event: 'hello', payload: { from: 'alice' } },
        ],
      },
      { apikey: keys.publishable, authorization: `Bearer ${aliceJwt}` },
    );
    expect(res.status).toBe(202);
    await waitFor(() => lobby.received.length === 1, 'the public message');
    await sleep(QUIET_MS);
    expect(own.received).toEqual([]);
    expect(harness.logs).toContainEqual(expect.objectContaining({ event: 'realtime_rest_broadcast', sent: 1, skipped: 1, sub: alice }));
  });

  it('serves httpSend: JSON payloads as text frames, binary payloads as kind 4 (vsn 2 only)', async () => {
    const client = await harness.client();
    const joined = await client.join('http-send');
    expect(await joined.channel.httpSend('json-event', { hello: 'world' })).toEqual({ success: true });
    await waitFor(() => joined.received.length === 1, 'the httpSend message');
    expect(joined.received[0]).toMatchObject({ event: 'json-event', payload: { hello: 'world' } });

    const v2 = await RawClient.connect(harness.url, { apikey: keys.publishable, vsn: '2.0.0' });
    const v1 = await RawClient.connect(harness.url, { apikey: keys.publishable, vsn: '1.0.0' });
    raws.push(v2, v1);
    v2.send(['1', '1', 'realtime:http-send', 'phx_join', {}]);
    v1.send({ topic: 'realtime:http-send', event: 'phx_join', payload: {}, ref: '1', join_ref: '1' });
    await v2.next((f) => f[1] === '1');
    await v1.next((f) => f.ref === '1');

    const bytes = await fetch(`${harness.url}/realtime/v1/api/broadcast/http-send/events/bin`, {
      method: 'POST',
      headers: { apikey: keys.secret, 'content-type': 'application/octet-stream' },
      body: new Uint8Array([1, 2, 3, 250]),
    });
    expect(bytes.status).toBe(202);
    const frame = await v2.nextBinary();
    const decoded = clientDecode(frame);
    expect(decoded.payload.event).toBe('bin');
    expect([...new Uint8Array(decoded.payload.payload as ArrayBuffer)]).toEqual([1, 2, 3, 250]);
    await sleep(QUIET_MS);
    expect(v1.texts().filter((f: any) => f.event === 'broadcast')).toEqual([]);
  });
});
