// Wire-level behaviour: both serializers, heartbeats, join/leave semantics, and hostile frames,
// driven with raw `ws` sockets alongside real supabase-js clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, mintJwt, sleep, startInboxHarness, startRealtimeHarness, waitFor, type RealtimeHarness } from '../support/realtime-harness.ts';
import { clientDecode, clientEncode } from '../support/realtime-frames.ts';
import { RawClient } from '../support/realtime-raw-client.ts';

const QUIET_MS = 400;
let topicCounter = 0;
const freshTopic = () => `room-${process.pid}-${++topicCounter}`;

describe('realtime wire protocol', () => {
  let harness: RealtimeHarness;
  let closeAll: () => Promise<void>;
  let alice: string;
  const raws: RawClient[] = [];

  const raw = async (query: Record<string, string> = { apikey: keys.publishable, vsn: '2.0.0' }) => {
    const client = await RawClient.connect(harness.url, query);
    raws.push(client);
    return client;
  };
  const restBroadcast = (topic: string, event: string, payload: object, isPrivate = false) =>
    harness.post('/realtime/v1/api/broadcast', { messages: [{ topic, event, payload, private: isPrivate }] }, { apikey: keys.secret });

  beforeAll(async () => {
    ({ harness, alice, close: closeAll } = await startInboxHarness());
  });
  afterAll(async () => {
    await Promise.all(raws.map((r) => r.close()));
    await closeAll?.();
  });

  it('speaks vsn 1.0.0 objects when the client asks for no vsn', async () => {
    const topic = freshTopic();
    const v1 = await raw({ apikey: keys.publishable });
    v1.send({ topic: `realtime:${topic}`, event: 'phx_join', payload: { config: { broadcast: { self: true } } }, ref: '1', join_ref: '1' });
    expect(await v1.next((f) => f.ref === '1')).toEqual({
      join_ref: '1',
      ref: '1',
      topic: `realtime:${topic}`,
      event: 'phx_reply',
      payload: { status: 'ok', response: { postgres_changes: [] } },
    });

    v1.send({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '2' });
    expect(await v1.next((f) => f.ref === '2')).toMatchObject({ topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} } });

    v1.send({ topic: `realtime:${topic}`, event: 'broadcast', payload: { type: 'broadcast', event: 'hi', payload: { a: 1 } }, ref: '3', join_ref: '1' });
    expect(await v1.next((f) => f.event === 'broadcast')).toEqual({
      join_ref: null,
      ref: null,
      topic: `realtime:${topic}`,
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'hi', payload: { a: 1 } },
    });
  });

  it('speaks vsn 2.0.0 arrays, answers heartbeats by ref, and sends socket broadcasts as kind 4', async () => {
    const topic = freshTopic();
    const v2 = await raw();
    v2.send([null, '7', 'phoenix', 'heartbeat', {}]);
    expect(await v2.next((f) => f[1] === '7')).toEqual([null, '7', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);

    v2.send(['1', '1', `realtime:${topic}`, 'phx_join', { config: { broadcast: { self: true, ack: true }, private: false } }]);
    expect(await v2.next((f) => f[1] === '1')).toEqual(['1', '1', `realtime:${topic}`, 'phx_reply', { status: 'ok', response: { postgres_changes: [] } }]);

    // Exactly what realtime-js sends for channel.send() over a vsn 2 socket: a kind 3 frame.
    const push = clientEncode({ join_ref: '1', ref: '2', topic: `realtime:${topic}`, event: 'broadcast', payload: { type: 'broadcast', event: 'Ünïcode', payload: { n: 'é' } } });
    expect(Buffer.isBuffer(push) && push[0]).toBe(3);
    v2.send(push);
    expect(await v2.next((f) => f[1] === '2')).toEqual(['1', '2', `realtime:${topic}`, 'phx_reply', { status: 'ok', response: {} }]);
    const frame = await v2.nextBinary();
    expect(frame[0]).toBe(4);
    expect(clientDecode(frame)).toEqual({
      join_ref: null,
      ref: null,
      topic: `realtime:${topic}`,
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'Ünïcode', payload: { n: 'é' } },
    });

    // REST broadcasts arrive as text frames.
    await restBroadcast(topic, 'from-rest', { r: 1 });
    expect(await v2.next((f) => f[3] === 'broadcast')).toEqual([
      null,
      null,
      `realtime:${topic}`,
      'broadcast',
      { type: 'broadcast', event: 'from-rest', payload: { r: 1 } },
    ]);
  });

  it('bridges the serializers: vsn 1 and vsn 2 supabase-js clients and raw sockets hear each other', async () => {
    const topic = freshTopic();
    const modern = await harness.client({ token: await mintJwt(alice) });
    const legacy = await harness.client({ token: await mintJwt(alice), realtime: { vsn: '1.0.0' } });
    const m = await modern.join(topic);
    const l = await legacy.join(topic);
    const v1 = await raw({ apikey: keys.publishable, vsn: '1.0.0' });
    v1.send({ topic: `realtime:${topic}`, event: 'phx_join', payload: {}, ref: '1', join_ref: '1' });
    await v1.next((f) => f.ref === '1' && f.payload.status === 'ok');
    expect([m.first.status, l.first.status]).toEqual(['SUBSCRIBED', 'SUBSCRIBED']);

    expect(await m.channel.send({ type: 'broadcast', event: 'from-v2', payload: { x: 2 } })).toBe('ok');
    expect(await l.channel.send({ type: 'broadcast', event: 'from-v1', payload: { x: 1 } })).toBe('ok');
    await waitFor(() => m.received.length === 1 && l.received.length === 1, 'both clients to hear the other');
    expect(m.received[0]).toMatchObject({ event: 'from-v1', payload: { x: 1 } });
    expect(l.received[0]).toMatchObject({ event: 'from-v2', payload: { x: 2 } });
    // The kind 3 push reached the vsn 1 socket as a text object.
    expect(await v1.next((f) => f.event === 'broadcast' && f.payload.event === 'from-v2')).toMatchObject({
      payload: { type: 'broadcast', event: 'from-v2', payload: { x: 2 } },
    });

    // A vsn 1 supabase-js client on a private inbox.
    const inbox = await legacy.join(`user-realtime:${alice}`, { private: true });
    expect(inbox.first.status).toBe('SUBSCRIBED');
    await restBroadcast(`user-realtime:${alice}`, 'message-insert', { id: 1 }, true);
    await waitFor(() => inbox.received.length === 1, 'the inbox broadcast on vsn 1');
  });

  it('keeps supabase-js heartbeats answered on both serializers', async () => {
    for (const vsn of ['2.0.0', '1.0.0'] as const) {
      const beats: string[] = [];
      const client = await harness.client({
        token: await mintJwt(alice),
        realtime: { vsn, heartbeatIntervalMs: 100, heartbeatCallback: (status: string) => beats.push(status) },
      });
      const joined = await client.join(freshTopic());
      expect(joined.first.status).toBe('SUBSCRIBED');
      await waitFor(() => beats.filter((b) => b === 'ok').length >= 3, `three answered heartbeats on ${vsn}`);
      expect(beats).not.toContain('timeout');
      expect(joined.statuses.map((s) => s.status)).toEqual(['SUBSCRIBED']);
      await client.close();
    }
  });

  it('replaces a subscription when the same topic is joined again, and stops delivering after phx_leave', async () => {
    const topic = freshTopic();
    const v2 = await raw();
    v2.send(['1', '1', `realtime:${topic}`, 'phx_join', {}]);
    await v2.next((f) => f[1] === '1');
    v2.send(['3', '3', `realtime:${topic}`, 'phx_join', {}]);
    await v2.next((f) => f[1] === '3');

    await restBroadcast(topic, 'once', {});
    await v2.next((f) => f[3] === 'broadcast');
    await sleep(QUIET_MS);
    expect(v2.texts().filter((f: any) => f[3] === 'broadcast')).toHaveLength(1);

    // A leave carrying the replaced join's ref must not end the current one.
    v2.send(['1', '4', `realtime:${topic}`, 'phx_leave', {}]);
    await v2.next((f) => f[1] === '4');
    await restBroadcast(topic, 'twice', {});
    await v2.next((f) => f[3] === 'broadcast' && f[4].event === 'twice');

    v2.send(['3', '5', `realtime:${topic}`, 'phx_leave', {}]);
    expect(await v2.next((f) => f[1] === '5')).toEqual(['3', '5', `realtime:${topic}`, 'phx_reply', { status: 'ok', response: {} }]);
    await restBroadcast(topic, 'after-leave', {});
    await sleep(QUIET_MS);
    expect(v2.texts().filter((f: any) => f[3] === 'broadcast' && f[4].event === 'after-leave')).toEqual([]);

    // Leaving a topic never joined is fine too.
    v2.send(['9', '6', 'realtime:never-joined', 'phx_leave', {}]);
    expect((await v2.next<unknown[]>((f) => f[1] === '6'))[4]).toMatchObject({ status: 'ok' });
  });

  it('refuses postgres_changes joins and answers pushes it does not support', async () => {
    const client = await harness.client();
    const channel = client.supabase
      .channel(freshTopic())
      .on('postgres_changes', { event: '*', schema: 'public', table: 'messages' }, () => {});
    const status = await new Promise<{ status: string; err?: Error }>((resolve) => channel.subscribe((s, err) => resolve({ status: s, err })));
    expect(status.status).toBe('CHANNEL_ERROR');
    expect(status.err?.message).toMatch(/^PostgresChangesNotSupported: .*postgres_changes/);
    await client.supabase.removeChannel(channel);

    const topic = freshTopic();
    const v2 = await raw();
    v2.send(['1', '1', `realtime:${topic}`, 'phx_join', {}]);
    await v2.next((f) => f[1] === '1');
    v2.send(['1', '2', `realtime:${topic}`, 'made_up_event', {}]);
    expect(await v2.next((f) => f[1] === '2')).toEqual(['1', '2', `realtime:${topic}`, 'phx_reply', { status: 'error', response: { reason: 'Unexpected message from client of type `made_up_event`' } }]);
    v2.send(['1', '3', 'realtime:not-joined', 'broadcast', { type: 'broadcast', event: 'x', payload: {} }]);
    expect((await v2.next<unknown[]>((f) => f[1] === '3'))[4]).toMatchObject({ status: 'error', response: { reason: 'unmatched topic' } });
    v2.send(['1', '4', `realtime:${topic}`, 'presence', { type: 'presence', event: 'dance', payload: {} }]);
    expect((await v2.next<unknown[]>((f) => f[1] === '4'))[4]).toEqual({ status: 'error', response: {} });
    v2.send(['1', '5', 'no-prefix', 'phx_join', {}]);
    expect((await v2.next<unknown[]>((f) => f[1] === '5'))[4]).toMatchObject({ status: 'error', response: { reason: 'unmatched topic' } });
    v2.send(['1', '6', 'realtime:', 'phx_join', {}]);
    expect((await v2.next<unknown[]>((f) => f[1] === '6'))[4]).toMatchObject({ status: 'error', response: { reason: 'TopicNameRequired: You must provide a topic name' } });
  });

  it('closes only the offending connection on malformed or garbage frames', async () => {
    const topic = freshTopic();
    const bystander = await harness.client({ token: await mintJwt(alice) });
    const b = await bystander.join(topic);
    expect(b.first.status).toBe('SUBSCRIBED');

    const offenders: [string, Record<string, string>, unknown][] = [
      ['not JSON', { apikey: keys.publishable, vsn: '2.0.0' }, '{oops'],
      ['an object on vsn 2', { apikey: keys.publishable, vsn: '2.0.0' }, { topic: 'x', event: 'y' }],
      ['a short array', { apikey: keys.publishable, vsn: '2.0.0' }, ['1', '1', 'realtime:x']],
      ['a non-string event', { apikey: keys.publishable, vsn: '2.0.0' }, ['1', '1', 'realtime:x', 42, {}]],
      ['garbage bytes', { apikey: keys.publishable, vsn: '2.0.0' }, Buffer.from([0xff, 0x00, 0x13, 0x37])],
      ['a truncated kind 3', { apikey: keys.publishable, vsn: '2.0.0' }, Buffer.from([3, 200, 200, 200, 200, 0, 1, 0x41])],
      ['kind 3 with a non-JSON payload', { apikey: keys.publishable, vsn: '2.0.0' }, Buffer.concat([Buffer.from([3, 0, 0, 1, 1, 0, 1]), Buffer.from('xe{not json')])],
      ['binary on vsn 1', { apikey: keys.publishable, vsn: '1.0.0' }, Buffer.from([4, 0, 0, 0, 1])],
      ['an array on vsn 1', { apikey: keys.publishable }, [null, '1', 'phoenix', 'heartbeat', {}]],
    ];
    for (const [what, query, frame] of offenders) {
      const offender = await raw(query);
      offender.send(frame);
      const closed = await offender.waitClosed();
      expect(closed.code, what).toBe(1007);
      expect(closed.reason, what).toMatch(/^malformed frame/);
    }

    expect((await restBroadcast(topic, 'still-served', {})).status).toBe(202);
    await waitFor(() => b.received.length === 1, 'the bystander to keep receiving');
    expect(b.statuses.map((s) => s.status)).toEqual(['SUBSCRIBED']);
  });

  it('cuts off a socket that stops reading instead of buffering for it without bound', async () => {
    const slow = await raw();
    const fast = await raw();
    for (const c of [slow, fast]) c.send(['1', '1', 'realtime:firehose', 'phx_join', {}]);
    await slow.next((f) => f[1] === '1');
    await fast.next((f) => f[1] === '1');
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();

    const chunk = { blob: 'x'.repeat(200 * 1024) };
    // 30 × 200 KiB stays under the 8 MB body hosted accepts.
    const messages = Array.from({ length: 30 }, () => ({ topic: 'firehose', event: 'bulk', payload: chunk }));
    for (let i = 0; i < 10 && !harness.logs.some((l) => l.event === 'realtime_slow_consumer'); i++) {
      expect((await harness.post('/realtime/v1/api/broadcast', { messages }, { apikey: keys.secret })).status).toBe(202);
      await sleep(50);
    }
    await waitFor(() => harness.logs.some((l) => l.event === 'realtime_slow_consumer'), 'the slow socket to be cut off');
    await waitFor(() => fast.received.length >= 30, 'the reading socket to get its messages', 10_000);
    expect(fast.closed).toBeUndefined();
  });
});

describe('realtime payload limits', () => {
  let harness: RealtimeHarness;
  const raws: RawClient[] = [];
  const LIMIT = 1024;

  beforeAll(async () => {
    harness = await startRealtimeHarness({
      maxPayloadBytes: LIMIT,
      // Write checks on 'stuck' never finish, as with a database that hangs.
      policy: { canRead: async () => true, canWrite: (_claims, topic) => (topic === 'stuck' ? new Promise(() => {}) : Promise.resolve(true)) },
    });
  });
  afterAll(async () => {
    await Promise.all(raws.map((r) => r.close()));
    await harness?.close();
  });

  it('answers an oversized broadcast with an error, closes on an oversized frame, and keeps serving others', async () => {
    const bystander = await harness.client();
    const b = await bystander.join('limits');
    const sender = await harness.client();
    const s = await sender.join('limits', { ack: true });
    expect([b.first.status, s.first.status]).toEqual(['SUBSCRIBED', 'SUBSCRIBED']);

    expect(await s.channel.send({ type: 'broadcast', event: 'big', payload: { blob: 'x'.repeat(LIMIT * 2) } })).toBe('error');
    expect(await s.channel.send({ type: 'broadcast', event: 'small', payload: { blob: 'x' } })).toBe('ok');
    await waitFor(() => b.received.length === 1, 'the small broadcast');
    expect(b.received[0].event).toBe('small');

    const huge = await RawClient.connect(harness.url, { apikey: keys.publishable, vsn: '2.0.0' });
    raws.push(huge);
    huge.send(['1', '1', 'realtime:limits', 'phx_join', {}]);
    await huge.next((f) => f[1] === '1');
    huge.send(['1', '2', 'realtime:limits', 'broadcast', { type: 'broadcast', event: 'huge', payload: { blob: 'x'.repeat(64 * 1024) } }]);
    expect((await huge.waitClosed()).code).toBe(1009);

    const rest = await harness.post('/realtime/v1/api/broadcast', { messages: [{ topic: 'limits', event: 'big', payload: { blob: 'x'.repeat(LIMIT * 2) } }] }, { apikey: keys.secret });
    expect(rest.status).toBe(422);
    expect(await rest.json()).toEqual({ errors: { messages: [{ payload: ['Payload size exceeds tenant limit'] }] } });
    const single = await harness.post('/realtime/v1/api/broadcast/limits/events/big', { blob: 'x'.repeat(LIMIT * 2) }, { apikey: keys.secret });
    expect(single.status).toBe(422);
    expect(await single.json()).toEqual({ errors: { payload: ['Payload size exceeds tenant limit'] } });

    expect(await s.channel.send({ type: 'broadcast', event: 'after', payload: {} })).toBe('ok');
    await waitFor(() => b.received.length === 2, 'the bystander to keep receiving');
    expect(b.statuses.map((x) => x.status)).toEqual(['SUBSCRIBED']);
  });

  it('cuts off a client whose frames pile up behind a stalled write check', async () => {
    const bystander = await harness.client();
    const b = await bystander.join('unstuck');
    const flooder = await RawClient.connect(harness.url, { apikey: keys.publishable, vsn: '2.0.0' });
    raws.push(flooder);
    flooder.send(['1', '1', 'realtime:stuck', 'phx_join', { config: { private: true } }]);
    await flooder.next((f) => f[1] === '1' && f[4].status === 'ok');
    for (let i = 0; i < 10_001 && flooder.ws.readyState === flooder.ws.OPEN; i++) {
      flooder.send(['1', String(i + 2), 'realtime:stuck', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    }
    expect(await flooder.waitClosed()).toEqual({ code: 1008, reason: 'too many messages waiting' });

    await harness.post('/realtime/v1/api/broadcast', { messages: [{ topic: 'unstuck', event: 'fine', payload: {} }] }, { apikey: keys.secret });
    await waitFor(() => b.received.length === 1, 'the bystander to keep receiving');
  });
});
