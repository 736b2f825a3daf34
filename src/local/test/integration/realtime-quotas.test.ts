// Hosted Realtime's quotas, each with the exact answer supabase/realtime gives: events/s (ingress
// and deliveries, 5 s ticks averaged over 12 buckets), the two REST 429s, channel shutdown,
// channels per client, joins per second, concurrent users, the request plug, the join-error
// backoff, and the floods of issue 12 (items 9–11). The rate clock and the backoffs are driven by
// hand, so nothing here depends on timing.
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelPolicy, TenantLimits } from '../../realtime/index.ts';
import { HeldSleep, ManualTicker } from '../support/quota-clock.ts';
import { createInboxDb, keys, startRealtimeHarness, waitFor, type RealtimeHarness } from '../support/realtime-harness.ts';
import { RawClient } from '../support/realtime-raw-client.ts';

const BATCH = '/realtime/v1/api/broadcast';
const open: ChannelPolicy = { canRead: async () => true, canWrite: async () => true };

let harness: RealtimeHarness | undefined;
let closeDb: (() => Promise<void>) | undefined;
const raws: RawClient[] = [];

afterEach(async () => {
  await Promise.all(raws.splice(0).map((r) => r.close()));
  await harness?.close();
  await closeDb?.();
  harness = undefined;
  closeDb = undefined;
});

async function start(limits: Partial<TenantLimits>, opts: { policy?: ChannelPolicy; sleep?: HeldSleep } = {}) {
  const ticker = new ManualTicker();
  harness = await startRealtimeHarness({ policy: opts.policy ?? open, limits, ticker, sleep: opts.sleep?.sleep });
  return { harness, ticker };
}

async function raw(h: RealtimeHarness, apikey = keys.publishable): Promise<RawClient> {
  const client = await RawClient.connect(h.url, { apikey, vsn: '2.0.0' });
  raws.push(client);
  return client;
}

/** Joins `topic` on a vsn 2 socket and waits for the reply. */
async function join(client: RawClient, topic: string, ref: string, config: Record<string, unknown> = {}) {
  client.send([ref, ref, `realtime:${topic}`, 'phx_join', { config }]);
  return client.next<[string, string, string, string, { status: string; response: unknown }]>((f) => f[3] === 'phx_reply' && f[1] === ref);
}

const batch = (h: RealtimeHarness, topic: string, count: number, extra: Record<string, unknown> = {}) =>
  h.post(BATCH, { messages: Array.from({ length: count }, (_, i) => ({ topic, event: 'e', payload: { i }, ...extra })) }, { apikey: keys.secret });

/** A policy over the real database that records how many checks run, and how many at once. */
function counting(policy: ChannelPolicy) {
  const stats = { reads: 0, writes: 0, inFlight: 0, maxInFlight: 0 };
  const track = async <T>(kind: 'reads' | 'writes', run: () => Promise<T>): Promise<T> => {
    stats[kind]++;
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    try {
      return await run();
    } finally {
      stats.inFlight--;
    }
  };
  return {
    stats,
    policy: {
      canRead: (claims, topic) => track('reads', () => policy.canRead(claims, topic)),
      canWrite: (claims, topic) => track('writes', () => policy.canWrite(claims, topic)),
    } satisfies ChannelPolicy,
  };
}

describe('events per second (TENANT_MAX_EVENTS_PER_SECOND)', () => {
  it('refuses a REST batch larger than the budget left, with the real text', async () => {
    const { harness } = await start({ maxEventsPerSecond: 10 });
    const res = await batch(harness, 'room', 11);
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ message: 'Too many messages to broadcast, please reduce the batch size' });
    expect((await batch(harness, 'room', 10)).status).toBe(202);
  });

  it('counts deliveries as well as ingress, averaged since the counter started, and refuses once the average exceeds the limit', async () => {
    const { harness, ticker } = await start({ maxEventsPerSecond: 10 });
    // 60 messages to nobody: 60 events; the first tick after start averages over 2 buckets of 5 s.
    for (let i = 0; i < 6; i++) expect((await batch(harness, 'empty', 10)).status).toBe(202);
    ticker.advance(5000);
    expect(harness.server.stats().eventsPerSecond).toBe(6);
    // 6 + 5 > 10: the batch is too large for what is left; 6 + 4 fits.
    const tooLarge = await batch(harness, 'empty', 5);
    expect(await tooLarge.json()).toEqual({ message: 'Too many messages to broadcast, please reduce the batch size' });
    expect((await batch(harness, 'empty', 4)).status).toBe(202);

    // With one subscriber each message costs two events: 11 batches of 4 push the average over.
    const listener = await raw(harness);
    await join(listener, 'room', '1');
    for (let i = 0; i < 11; i++) expect((await batch(harness, 'room', 4)).status).toBe(202);
    ticker.advance(5000);
    // (0 + 60 + (4 + 88)) events / 3 buckets / 5 s; without deliveries it would be 108 / 15 = 7.2.
    expect(harness.server.stats().eventsPerSecond).toBeCloseTo(152 / 15);
    const refused = await batch(harness, 'room', 1);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ message: 'You have exceeded your rate limit' });
    const single = await harness.post('/realtime/v1/api/broadcast/room/events/e', {}, { apikey: keys.secret });
    expect(single.status).toBe(429);
    expect(await single.json()).toEqual({ message: 'You have exceeded your rate limit' });

    // Quiet buckets bring the 12-bucket average back under the limit.
    ticker.advance(5000);
    expect(harness.server.stats().eventsPerSecond).toBeCloseTo(152 / 20);
    expect((await batch(harness, 'room', 1)).status).toBe(202);
  });

  it('shuts down every channel that receives a delivery while the limit is triggered, with the system message', async () => {
    const { harness, ticker } = await start({ maxEventsPerSecond: 10 });
    const listener = await raw(harness);
    const sender = await raw(harness);
    await join(listener, 'room', '1');
    await join(sender, 'room', '1');
    // Client pushes are counted but never refused: 60 pushes, 60 deliveries.
    for (let i = 0; i < 60; i++) sender.send(['1', String(100 + i), 'realtime:room', 'broadcast', { type: 'broadcast', event: 'e', payload: { i } }]);
    await waitFor(() => listener.texts().filter((f) => (f as unknown[])[3] === 'broadcast').length === 60, 'the 60 broadcasts');
    ticker.advance(5000);
    expect(harness.server.stats().eventsPerSecond).toBe(12);

    sender.send(['1', '200', 'realtime:room', 'broadcast', { type: 'broadcast', event: 'e', payload: { last: true } }]);
    const system = await listener.next((f) => f[3] === 'system');
    expect(system).toEqual(['1', null, 'realtime:room', 'system', { extension: 'system', status: 'error', message: 'Too many messages per second', channel: 'room' }]);
    expect(await listener.next((f) => f[3] === 'phx_close')).toEqual(['1', '1', 'realtime:room', 'phx_close', {}]);
    // The delivery itself went out before the shutdown, as on hosted; the socket stays open.
    expect(listener.texts().some((f) => JSON.stringify(f).includes('"last":true'))).toBe(true);
    expect(listener.closed).toBeUndefined();
    expect(harness.logs).toContainEqual(expect.objectContaining({ event: 'realtime_channel_closed', why: 'too_many_messages' }));
  });
});

describe('channels per client (TENANT_MAX_CHANNELS_PER_CLIENT)', () => {
  it('accepts exactly 100 of 2,000 pipelined joins on one socket (issue 12 item 11)', async () => {
    const { harness } = await start({});
    const client = await raw(harness);
    for (let i = 0; i < 2000; i++) client.send([String(i), String(i), `realtime:room-${i}`, 'phx_join', {}]);
    await waitFor(() => client.texts().filter((f) => (f as unknown[])[3] === 'phx_reply').length === 2000, 'every join answered', 30_000);
    const replies = client.texts().filter((f) => (f as unknown[])[3] === 'phx_reply') as [string, string, string, string, { status: string; response: unknown }][];
    expect(replies.filter((r) => r[4].status === 'ok')).toHaveLength(100);
    expect(replies[100][4]).toEqual({ status: 'error', response: { reason: 'ChannelRateLimitReached: Too many channels' } });
    expect(harness.server.stats().channels).toBe(100);
  }, 60_000);

  it('frees a slot when a channel leaves', async () => {
    const { harness } = await start({ maxChannelsPerClient: 2 });
    const client = await raw(harness);
    expect((await join(client, 'a', '1'))[4].status).toBe('ok');
    expect((await join(client, 'b', '2'))[4].status).toBe('ok');
    expect((await join(client, 'c', '3'))[4]).toEqual({ status: 'error', response: { reason: 'ChannelRateLimitReached: Too many channels' } });
    client.send(['1', '4', 'realtime:a', 'phx_leave', {}]);
    expect((await join(client, 'c', '5'))[4].status).toBe('ok');
  });
});

describe('joins per second (TENANT_MAX_JOINS_PER_SECOND)', () => {
  it('refuses joins once the average reaches the limit, closes the socket (1001), and refuses new sockets with 429', async () => {
    const { harness, ticker } = await start({ maxJoinsPerSecond: 1 });
    const client = await raw(harness);
    for (let i = 0; i < 10; i++) await join(client, `room-${i}`, String(i));
    ticker.advance(5000);
    expect(harness.server.stats().joinsPerSecond).toBe(1);

    const refused = await join(client, 'one-more', '10');
    expect(refused).toEqual(['10', '10', 'realtime:one-more', 'phx_reply', { status: 'error', response: { reason: 'ClientJoinRateLimitReached: Too many joins per second' } }]);
    expect((await client.waitClosed()).code).toBe(1001);

    const upgrade = await RawClient.connect(harness.url, { apikey: keys.publishable, vsn: '2.0.0' }).catch((error) => error);
    expect(upgrade).toMatchObject({ status: 429 });
    expect(JSON.parse(upgrade.body)).toEqual({ error: 'Too many joins per second' });
  });

  it('keeps a flood of 9,000 private joins on one anonymous socket to one policy check per backoff (issue 12 item 10)', async () => {
    const { db, policy } = await createInboxDb();
    closeDb = () => db.close();
    const checks = counting(policy);
    const held = new HeldSleep();
    const { harness } = await start({ channelErrorBackoffMs: 5000 }, { policy: checks.policy, sleep: held });
    const flooder = await raw(harness);
    for (let i = 0; i < 9000; i++) flooder.send([String(i), String(i), `realtime:user-realtime:${i}`, 'phx_join', { config: { private: true } }]);
    flooder.send([null, 'hb', 'phoenix', 'heartbeat', {}]);
    await waitFor(() => held.pending === 1, 'the first refusal to back off');
    expect(held.calls).toEqual([5000]);
    expect(checks.stats.reads).toBe(1);
    // The socket reads nothing while it backs off: no reply yet, not even to the heartbeat.
    expect(flooder.texts()).toEqual([]);
    // Everyone else is served meanwhile.
    const other = await raw(harness);
    expect((await join(other, 'lobby', '1'))[4].status).toBe('ok');
    expect((await batch(harness, 'lobby', 1)).status).toBe(202);

    held.releaseAll();
    const first = await flooder.next<unknown[]>((f) => f[1] === '0');
    expect(first[4]).toEqual({
      status: 'error',
      response: { reason: 'Unauthorized: You do not have permissions to read from this Channel topic: user-realtime:0' },
    });
    await waitFor(() => held.pending === 1 && checks.stats.reads === 2, 'the second join to back off in turn');
    expect(checks.stats.maxInFlight).toBe(1);
  }, 120_000);
});

describe('concurrent users (TENANT_MAX_CONCURRENT_USERS)', () => {
  it('refuses a join from a socket beyond the limit, and the upgrade of a new one, with the real texts', async () => {
    const { harness } = await start({ maxConcurrentUsers: 2 });
    const [a, b, c] = [await raw(harness), await raw(harness), await raw(harness)];
    expect((await join(a, 'room', '1'))[4].status).toBe('ok');
    expect((await join(b, 'room', '1'))[4].status).toBe('ok');
    expect((await join(c, 'room', '1'))[4]).toEqual({ status: 'error', response: { reason: 'ConnectionRateLimitReached: Too many connected users' } });
    // A counted socket may still join more channels.
    expect((await join(a, 'other', '2'))[4].status).toBe('ok');
    const upgrade = await RawClient.connect(harness.url, { apikey: keys.publishable, vsn: '2.0.0' }).catch((error) => error);
    expect(upgrade).toMatchObject({ status: 429 });
    expect(JSON.parse(upgrade.body)).toEqual({ error: 'Too many connected users' });
  });
});

describe('backoffs', () => {
  it('answers a join error only after CHANNEL_ERROR_BACKOFF_MS, 5 s by default', async () => {
    const held = new HeldSleep();
    const { harness } = await start({ channelErrorBackoffMs: 5000 }, { sleep: held });
    const client = await raw(harness);
    client.send(['1', '1', 'realtime:', 'phx_join', {}]);
    await waitFor(() => held.pending === 1, 'the backoff');
    expect(held.calls).toEqual([5000]);
    expect(client.texts()).toEqual([]);
    held.releaseAll();
    expect((await client.next<unknown[]>((f) => f[1] === '1'))[4]).toEqual({ status: 'error', response: { reason: 'TopicNameRequired: You must provide a topic name' } });
  });

  it('answers a refused WebSocket upgrade only after CONNECT_ERROR_BACKOFF_MS, 2 s by default', async () => {
    const held = new HeldSleep();
    const { harness } = await start({ connectErrorBackoffMs: 2000 }, { sleep: held });
    const refused = RawClient.connect(harness.url, { apikey: 'sb_publishable_wrong', vsn: '2.0.0' }).catch((error) => error);
    await waitFor(() => held.pending === 1, 'the backoff');
    expect(held.calls).toEqual([2000]);
    held.releaseAll();
    expect(await refused).toMatchObject({ status: 401 });
  });
});

describe('REST request plug and bounds', () => {
  it('refuses requests once their 1 s average reaches the events limit, with the real text', async () => {
    const { harness, ticker } = await start({ maxEventsPerSecond: 2 });
    for (let i = 0; i < 4; i++) expect((await batch(harness, 'room', 1)).status).toBe(202);
    ticker.advance(1000);
    const res = await batch(harness, 'room', 1);
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ message: 'Too many requests' });
  });

  it('refuses a body over 8,000,000 bytes with 413 before anything else', async () => {
    const { harness } = await start({});
    const res = await harness.post(BATCH, 'x'.repeat(8_000_001), {});
    expect(res.status).toBe(413);
    expect(await res.json()).toBe('Request Entity Too Large');
  });

  it('refuses a publishable-key batch naming 3,000 private topics outright at Free, and checks topics one after another when admitted (issue 12 item 9)', async () => {
    const { db, policy } = await createInboxDb();
    closeDb = () => db.close();
    const checks = counting(policy);
    const messages = Array.from({ length: 3000 }, (_, i) => ({ topic: `user-realtime:${i}`, event: 'e', payload: {}, private: true }));

    let { harness } = await start({}, { policy: checks.policy });
    const free = await harness.post(BATCH, { messages }, { apikey: keys.publishable });
    expect(free.status).toBe(429);
    expect(await free.json()).toEqual({ message: 'Too many messages to broadcast, please reduce the batch size' });
    expect(checks.stats.writes).toBe(0);
    await harness.close();

    ({ harness } = await start({ maxEventsPerSecond: 10_000 }, { policy: checks.policy }));
    const admitted = messages.slice(0, 300);
    expect((await harness.post(BATCH, { messages: admitted }, { apikey: keys.publishable })).status).toBe(202);
    expect(checks.stats.writes).toBe(300);
    expect(checks.stats.maxInFlight).toBe(1);
  }, 120_000);
});
