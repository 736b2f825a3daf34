// Presence and client broadcasts on the members-only chat:<chat_id> topics, with the real
// supabase-js client against the local Realtime server, authorized by the project's policies.
import { randomUUID } from 'node:crypto';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, type TestDb } from '../../../../tests/support/db.ts';
import type { ChannelPolicy } from '../../realtime/index.ts';
import { createInboxDb, mintJwt, sleep, startRealtimeHarness, waitFor, type RealtimeHarness, type TestClient } from '../support/realtime-harness.ts';
import { RawClient } from '../support/realtime-raw-client.ts';
import { keys } from '../support/realtime-harness.ts';

// How long to keep listening before concluding that something was (correctly) not delivered.
const QUIET_MS = 400;

type PresenceLog = { joins: { key: string; metas: unknown[] }[]; leaves: { key: string; metas: unknown[] }[]; syncs: number };

/** A private presence channel that records joins, leaves and syncs, subscribed. */
async function joinPresence(client: TestClient, topic: string, key: string) {
  const channel: RealtimeChannel = client.supabase.channel(topic, { config: { private: true, presence: { key } } });
  const log: PresenceLog = { joins: [], leaves: [], syncs: 0 };
  const received: { event: string; payload: unknown }[] = [];
  channel
    .on('presence', { event: 'sync' }, () => log.syncs++)
    .on('presence', { event: 'join' }, ({ key, newPresences }) => log.joins.push({ key, metas: newPresences }))
    .on('presence', { event: 'leave' }, ({ key, leftPresences }) => log.leaves.push({ key, metas: leftPresences }))
    .on('broadcast', { event: '*' }, (m) => received.push({ event: m.event, payload: m.payload }));
  const status = await new Promise<{ status: string; err?: Error }>((resolve) => channel.subscribe((status, err) => resolve({ status, err })));
  return { channel, log, received, status };
}

describe('realtime presence and client broadcasts on conversation topics', () => {
  let harness: RealtimeHarness;
  let db: TestDb;
  let alice: string, bob: string, eve: string;
  let chat: string;

  beforeAll(async () => {
    const inboxDb = await createInboxDb();
    db = inboxDb.db;
    [alice, bob, eve] = [await addUser(db), await addUser(db), await addUser(db)];
    chat = randomUUID();
    await db.query('insert into public.conversations (id, user_id) values ($1, $2)', [chat, alice]);
    await db.query(`insert into public.conversations_participants (conversation_id, user_id, role) values ($1, $2, 'owner'), ($1, $3, 'member')`, [chat, alice, bob]);
    harness = await startRealtimeHarness({ policy: inboxDb.policy });
  });
  afterAll(async () => {
    await harness?.close();
    await db?.close();
  });

  const topic = () => `chat:${chat}`;

  it('sends presence_state after join and presence_diff joins and leaves to members, the tracker included', async () => {
    const a = await harness.client({ token: await mintJwt(alice) });
    const b = await harness.client({ token: await mintJwt(bob) });
    const pa = await joinPresence(a, topic(), alice);
    expect(pa.status.status).toBe('SUBSCRIBED');
    expect(await pa.channel.track({ online_at: 1 })).toBe('ok');
    await waitFor(() => pa.log.joins.length === 1, 'alice sees her own join');
    expect(pa.log.joins[0]).toMatchObject({ key: alice, metas: [{ online_at: 1, presence_ref: expect.any(String) }] });

    const pb = await joinPresence(b, topic(), bob);
    expect(pb.status.status).toBe('SUBSCRIBED');
    // The state sent after join already holds alice.
    await waitFor(() => pb.log.syncs > 0 && Object.keys(pb.channel.presenceState()).includes(alice), 'bob gets the state');
    expect(pb.channel.presenceState()[alice]).toMatchObject([{ online_at: 1 }]);

    expect(await pb.channel.track({ online_at: 2 })).toBe('ok');
    await waitFor(() => pa.log.joins.some((j) => j.key === bob), 'alice sees bob join');

    // Updating a track: the old meta leaves, the new one joins, one meta per channel remains.
    expect(await pb.channel.track({ online_at: 3 })).toBe('ok');
    await waitFor(() => (pa.channel.presenceState()[bob] as unknown as { online_at: number }[] | undefined)?.[0]?.online_at === 3, 'the update');
    expect(pa.channel.presenceState()[bob]).toHaveLength(1);

    expect(await pb.channel.untrack()).toBe('ok');
    await waitFor(() => !(bob in pa.channel.presenceState()), 'bob untracked');

    expect(await pb.channel.track({ online_at: 4 })).toBe('ok');
    await waitFor(() => bob in pa.channel.presenceState(), 'bob back');
    // Leaving the channel (and closing the socket) untracks, as the channel process exiting does.
    await b.supabase.removeChannel(pb.channel);
    await waitFor(() => !(bob in pa.channel.presenceState()), 'bob left');
    await a.close();
  });

  it('closing the socket is a leave for everyone else', async () => {
    const a = await harness.client({ token: await mintJwt(alice) });
    const b = await harness.client({ token: await mintJwt(bob) });
    const pa = await joinPresence(a, topic(), alice);
    const pb = await joinPresence(b, topic(), bob);
    expect(await pb.channel.track({ here: true })).toBe('ok');
    await waitFor(() => bob in pa.channel.presenceState(), 'bob tracked');
    await b.supabase.realtime.disconnect();
    await waitFor(() => !(bob in pa.channel.presenceState()), 'bob gone with his socket');
    await a.close();
  });

  it('user eve must not see presence of a conversation she is not in: the join is refused', async () => {
    const e = await harness.client({ token: await mintJwt(eve) });
    const pe = await joinPresence(e, topic(), eve);
    expect(pe.status.status).toBe('CHANNEL_ERROR');
    expect(pe.status.err?.message).toBe(`Unauthorized: You do not have permissions to read from this Channel topic: ${topic()}`);
    await e.supabase.removeChannel(pe.channel);
  });

  it('delivers a member binary (kind 3) broadcast to other members, honouring self and ack', async () => {
    const a = await harness.client({ token: await mintJwt(alice) });
    const b = await harness.client({ token: await mintJwt(bob) });
    const ja = await a.join(topic(), { private: true, self: true, ack: true });
    const jb = await b.join(topic(), { private: true });
    expect([ja.first.status, jb.first.status]).toEqual(['SUBSCRIBED', 'SUBSCRIBED']);
    expect(await ja.channel.send({ type: 'broadcast', event: 'typing', payload: { user_id: alice } })).toBe('ok');
    await waitFor(() => jb.received.length === 1 && ja.received.length === 1, 'the typing event, to bob and (self) to alice');
    expect(jb.received[0]).toMatchObject({ event: 'typing', payload: { user_id: alice } });
    await a.close();
    await b.close();
  });

  it('user eve must not type into a conversation she is not in: no join, and a push without one goes nowhere', async () => {
    const member = await harness.client({ token: await mintJwt(bob) });
    const jb = await member.join(topic(), { private: true });
    expect(jb.first.status).toBe('SUBSCRIBED');
    const raw = await RawClient.connect(harness.url, { apikey: keys.publishable, vsn: '2.0.0' });
    raw.send(['1', '1', `realtime:${topic()}`, 'phx_join', { config: { private: true }, access_token: await mintJwt(eve) }]);
    expect((await raw.next<unknown[]>((f) => f[1] === '1'))[4]).toMatchObject({ status: 'error' });
    raw.send(['1', '2', `realtime:${topic()}`, 'broadcast', { type: 'broadcast', event: 'typing', payload: { user_id: eve } }]);
    expect((await raw.next<unknown[]>((f) => f[1] === '2'))[4]).toMatchObject({ status: 'error', response: { reason: 'unmatched topic' } });
    await sleep(QUIET_MS);
    expect(jb.received).toEqual([]);
    raw.ws.close();
    await member.close();
  });

  it('drops, silently, a broadcast the INSERT policy refuses on a topic the sender may read', async () => {
    // Her own inbox: a SELECT policy and deliberately no INSERT one.
    const inbox = `user-realtime:${alice}`;
    const tab1 = await harness.client({ token: await mintJwt(alice) });
    const tab2 = await harness.client({ token: await mintJwt(alice) });
    const j1 = await tab1.join(inbox, { private: true, self: true });
    const j2 = await tab2.join(inbox, { private: true });
    expect([j1.first.status, j2.first.status]).toEqual(['SUBSCRIBED', 'SUBSCRIBED']);
    for (let i = 0; i < 2; i++) expect(await j1.channel.send({ type: 'broadcast', event: 'message-insert', payload: { forged: i } })).toBe('ok');
    await sleep(QUIET_MS);
    expect([j1.received, j2.received]).toEqual([[], []]);
    expect(j1.statuses.map((s) => s.status)).toEqual(['SUBSCRIBED']);
    expect(harness.logs.filter((l) => l.event === 'realtime_broadcast_denied' && l.topic === inbox)).toHaveLength(2);
    await tab1.close();
    await tab2.close();
  });

  it('after leaving the conversation her pushes and tracks are refused and a new join is refused', async () => {
    const carol = await addUser(db);
    await db.query(`insert into public.conversations_participants (conversation_id, user_id) values ($1, $2)`, [chat, carol]);
    const c = await harness.client({ token: await mintJwt(carol) });
    const first = await joinPresence(c, topic(), carol);
    expect(first.status.status).toBe('SUBSCRIBED');
    await db.query('delete from public.conversations_participants where conversation_id = $1 and user_id = $2', [chat, carol]);
    // Her write policy is evaluated on her first push, after she left: dropped.
    const watcher = await harness.client({ token: await mintJwt(alice) });
    const jw = await watcher.join(topic(), { private: true });
    await first.channel.send({ type: 'broadcast', event: 'typing', payload: { user_id: carol } });
    expect(await first.channel.track({ sneaky: true })).toBe('error');
    await sleep(QUIET_MS);
    expect(jw.received).toEqual([]);
    expect(harness.logs).toContainEqual(expect.objectContaining({ event: 'realtime_broadcast_denied', sub: carol }));
    expect(harness.logs).toContainEqual(expect.objectContaining({ event: 'realtime_presence_denied', sub: carol }));

    await c.supabase.removeChannel(first.channel);
    const again = await joinPresence(c, topic(), carol);
    expect(again.status.status).toBe('CHANNEL_ERROR');
    await c.supabase.removeChannel(again.channel);
    await watcher.close();
  });

  it('costs a typing announcement 1 ingress + 1 per other member on the topic; presence counts apart', async () => {
    const members = await Promise.all([alice, bob, alice].map(async (id) => harness.client({ token: await mintJwt(id) })));
    const joined = await Promise.all(members.map((c) => c.join(topic(), { private: true })));
    expect(joined.map((j) => j.first.status)).toEqual(['SUBSCRIBED', 'SUBSCRIBED', 'SUBSCRIBED']);
    const before = harness.server.stats().eventsCounted;
    await joined[0].channel.send({ type: 'broadcast', event: 'typing', payload: { user_id: alice } });
    await waitFor(() => joined[1].received.length === 1 && joined[2].received.length === 1, 'both deliveries');
    expect(harness.server.stats().eventsCounted - before).toBe(3);
    // Hosted counts presence against its own presence events/s (default 1000), not the messages quota.
    const watcherClient = await harness.client({ token: await mintJwt(bob) });
    const watcher = await joinPresence(watcherClient, topic(), bob);
    const tracked = harness.server.stats().eventsCounted;
    expect(await watcher.channel.track({ here: true })).toBe('ok');
    expect(harness.server.stats().eventsCounted).toBe(tracked);
    await Promise.all([...members, watcherClient].map((c) => c.close()));
  });

  it('a refreshed token after leaving ends the open channel, and its presence leaves', async () => {
    const dave = await addUser(db);
    await db.query(`insert into public.conversations_participants (conversation_id, user_id) values ($1, $2)`, [chat, dave]);
    const d = await harness.client({ token: await mintJwt(dave) });
    const a = await harness.client({ token: await mintJwt(alice) });
    const pa = await joinPresence(a, topic(), alice);
    const pd = await joinPresence(d, topic(), dave);
    const system: unknown[] = [];
    pd.channel.on('system', {}, (m) => system.push(m));
    expect(await pd.channel.track({ here: true })).toBe('ok');
    await waitFor(() => dave in pa.channel.presenceState(), 'dave tracked');
    await db.query('delete from public.conversations_participants where conversation_id = $1 and user_id = $2', [chat, dave]);
    await d.setToken(await mintJwt(dave, { ttlSeconds: 120 }));
    await waitFor(() => system.length === 1, 'the system message');
    expect(system[0]).toMatchObject({ status: 'error', message: `You do not have permissions to read from this Channel topic: ${topic()}` });
    await waitFor(() => !(dave in pa.channel.presenceState()), 'dave gone');
    await a.close();
    await d.close();
  });

  it('closes the channel with a system error on the sixth presence event in the window', async () => {
    const a = await harness.client({ token: await mintJwt(alice) });
    const pa = await joinPresence(a, topic(), alice);
    const system: unknown[] = [];
    pa.channel.on('system', {}, (m) => system.push(m));
    for (let i = 1; i <= 5; i++) expect(await pa.channel.track({ n: i })).toBe('ok');
    void pa.channel.track({ n: 6 });
    await waitFor(() => system.length === 1, 'the system message');
    expect(system[0]).toMatchObject({ extension: 'system', status: 'error', message: 'Client presence rate limit exceeded', channel: topic() });
    expect(harness.logs).toContainEqual(expect.objectContaining({ event: 'realtime_channel_closed', why: 'client_presence_rate_limit' }));
    await a.close();
  });
});

describe('a private channel admitted on presence read alone', () => {
  let harness: RealtimeHarness;
  const presenceOnly: ChannelPolicy = {
    canRead: async (_claims, _topic, extension) => extension === 'presence',
    canWrite: async () => true,
  };

  beforeAll(async () => {
    harness = await startRealtimeHarness({ policy: presenceOnly });
  });
  afterAll(() => harness?.close());

  it('joins with presence enabled, sees presence, and receives no broadcasts', async () => {
    const sub = randomUUID();
    const [a, b] = [await harness.client({ token: await mintJwt(sub) }), await harness.client({ token: await mintJwt(sub) })];
    const pa = await joinPresence(a, 'room', 'a');
    const pb = await joinPresence(b, 'room', 'b');
    expect([pa.status.status, pb.status.status]).toEqual(['SUBSCRIBED', 'SUBSCRIBED']);
    expect(await pa.channel.track({})).toBe('ok');
    await waitFor(() => 'a' in pb.channel.presenceState(), 'the diff');
    await pa.channel.send({ type: 'broadcast', event: 'typing', payload: {} });
    await sleep(QUIET_MS);
    expect(pb.received).toEqual([]);

    // Without presence enabled only the broadcast read is probed, and it fails: refused.
    const c = await harness.client({ token: await mintJwt(sub) });
    const { first, channel } = await c.join('room', { private: true });
    expect(first.status).toBe('CHANNEL_ERROR');
    await c.supabase.removeChannel(channel);
  });
});
