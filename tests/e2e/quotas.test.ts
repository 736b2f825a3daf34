// Issue 11's "done when", on the local stack enforcing hosted Realtime's quotas: a burst of sends
// to a 60-member conversation at the Free defaults (and 300 members at Pro) reaches every member
// with both events, no broadcast fails and no channel is shut down; a raw REST batch over the
// limit, a socket's 101st channel and a join flood get hosted's answers.
import { RealtimeClient, type RealtimeChannel } from '@supabase/realtime-js';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FREE_PLAN_LIMITS, type TenantLimits } from '../../src/local/realtime/index.ts';
import { signJwt } from '../support/jwt.ts';
import { callFunction, startLocalTarget, type Target, waitFor } from '../support/stack.ts';

const PRO_PLAN: Partial<TenantLimits> = { maxEventsPerSecond: 500, maxJoinsPerSecond: 500, maxConcurrentUsers: 500 };

interface Member {
  id: string;
  token: string;
  events: { event: string; payload: any }[];
  system: unknown[];
  statuses: string[];
  realtime: RealtimeClient;
}

const targets: Target[] = [];
const clients: RealtimeClient[] = [];
afterAll(async () => {
  for (const client of clients) client.disconnect();
  for (const target of targets) await target.stop();
});

async function start(realtimeLimits: Partial<TenantLimits>) {
  const target = await startLocalTarget({ realtimeLimits });
  targets.push(target);
  return target;
}

/** Users straight into auth.users (signing up hundreds through bcrypt would dominate the test). */
async function createMembers(target: Target, count: number): Promise<Member[]> {
  const rows = await target.stack!.db.transaction((tx) =>
    tx.query<{ id: string }>(
      `insert into auth.users (id, aud, role, email)
       select gen_random_uuid(), 'authenticated', 'authenticated', 'quota-' || gen_random_uuid() || '@example.test'
       from generate_series(1, $1) returning id`,
      [count],
    ));
  return Promise.all(
    rows.map(async ({ id }) => {
      const token = await signJwt(id, { secret: target.jwtSecret, ttlSeconds: 7200 });
      return { id, token, events: [], system: [], statuses: [], realtime: realtimeFor(target, token) };
    }),
  );
}

function realtimeFor(target: Target, token?: string): RealtimeClient {
  const client = new RealtimeClient(`${target.url}/realtime/v1`, {
    params: { apikey: target.publishableKey },
    transport: WebSocket as never,
    ...(token ? { accessToken: async () => token } : {}),
  });
  clients.push(client);
  return client;
}

/** The HTTP answer to a WebSocket upgrade the server refuses. */
function upgradeRefusal(target: Target): Promise<{ status?: number; body: unknown }> {
  const ws = new WebSocket(`${target.url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${target.publishableKey}&vsn=2.0.0`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(body) }));
    });
  });
}

function subscribe(channel: RealtimeChannel, statuses: string[]): Promise<{ status: string; err?: Error }> {
  return new Promise((resolve) => {
    channel.subscribe((status, err) => {
      statuses.push(status);
      resolve({ status, err });
    });
  });
}

async function listen(member: Member): Promise<void> {
  await member.realtime.setAuth(member.token);
  const channel = member.realtime
    .channel(`user-realtime:${member.id}`, { config: { private: true } })
    .on('broadcast', { event: '*' }, (message) => member.events.push({ event: message.event, payload: message.payload }))
    .on('system', {}, (message) => member.system.push(message));
  const { status, err } = await subscribe(channel, member.statuses);
  if (status !== 'SUBSCRIBED') throw new Error(`${member.id}: ${status} ${err?.message}`);
}

/** A conversation of `size` members, every member listening, then a burst of `sends` concurrent sends. */
async function burst(target: Target, size: number, sends: number) {
  const members = await createMembers(target, size);
  for (let i = 0; i < members.length; i += 50) await Promise.all(members.slice(i, i + 50).map(listen));
  const [owner, ...others] = members;
  const auth = { apikey: target.publishableKey, authorization: `Bearer ${owner.token}` };
  const created = await callFunction(target, 'chat-create', { title: 'quota', participant_ids: others.map((m) => m.id) }, auth);
  expect(created.status).toBe(200);
  const chatId: string = created.body.conversation.id;

  const answers = await Promise.all(Array.from({ length: sends }, (_, i) => callFunction(target, 'chat-send', { chat_id: chatId, text: `m${i}` }, auth)));
  expect(answers.map((a) => a.status)).toEqual(Array(sends).fill(200));

  const complete = (m: Member) => {
    const mine = m.events.filter((e) => e.payload.chat_id === chatId);
    const texts = new Set(mine.filter((e) => e.event === 'message-insert').map((e) => e.payload.message.text));
    const updates = mine.filter((e) => e.event === 'conversation-update' && e.payload.reason === 'message').length;
    return texts.size === sends && updates === sends;
  };
  await waitFor(() => members.every(complete), `every member to have both events for all ${sends} sends`, 180_000);
  // The broadcaster logs each send once its last request is answered, just after delivery.
  const outcomes = () => target.logs.filter((l) => /^chat_send_broadcast_(sent|failed)$/.test(l.event) && l.chat_id === chatId);
  await waitFor(() => outcomes().length === sends, `the ${sends} broadcast outcomes`);
  return { members, chatId };
}

function expectNoQuotaTrouble(target: Target, members: Member[]) {
  expect(target.logs.filter((l) => l.event.endsWith('_broadcast_failed'))).toEqual([]);
  expect(target.logs.filter((l) => l.event === 'realtime_channel_closed')).toEqual([]);
  expect(target.logs.filter((l) => l.event === 'realtime_rest_rejected' && l.status === 429)).toEqual([]);
  for (const m of members) expect({ system: m.system, statuses: m.statuses }).toEqual({ system: [], statuses: ['SUBSCRIBED'] });
}

describe('at the Free defaults', () => {
  let target: Target;

  it('reaches all 60 members of a conversation with both events for a burst of 10 sends', async () => {
    target = await start(FREE_PLAN_LIMITS);
    const { members } = await burst(target, 60, 10);
    expectNoQuotaTrouble(target, members);
  }, 300_000);

  it('refuses a raw REST batch over the limit with the real text', async () => {
    const messages = Array.from({ length: 101 }, (_, i) => ({ topic: `room-${i}`, event: 'e', payload: {} }));
    const res = await fetch(`${target.url}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: { apikey: target.secretKey, 'content-type': 'application/json' },
      body: JSON.stringify({ messages }),
    });
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ message: 'Too many messages to broadcast, please reduce the batch size' });
  });

  it("refuses a socket's 101st channel as hosted does", async () => {
    const client = realtimeFor(target);
    const statuses: string[] = [];
    for (let i = 0; i < 100; i++) expect((await subscribe(client.channel(`lobby-${i}`), statuses)).status).toBe('SUBSCRIBED');
    const refused = await subscribe(client.channel('lobby-100'), statuses);
    expect(refused.status).toBe('CHANNEL_ERROR');
    expect(refused.err?.message).toBe('ChannelRateLimitReached: Too many channels');
    client.disconnect();
  }, 60_000);

  it('refuses a join flood as hosted does: the refused join, the socket closed, new sockets 429', async () => {
    const ws = new WebSocket(`${target.url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${target.publishableKey}&vsn=2.0.0`);
    const replies: any[] = [];
    let closed: number | undefined;
    ws.on('message', (data) => replies.push(JSON.parse(String(data))));
    ws.on('close', (code) => (closed = code));
    await new Promise((resolve) => ws.once('open', resolve));
    // Join and leave over and over, never far ahead of the answers, until Realtime's next tick sees
    // the average at 100 joins/s.
    let sent = 0;
    await waitFor(async () => {
      if (closed !== undefined || replies.some((r) => r[4]?.status === 'error')) return true;
      if (sent - replies.length / 2 < 400) {
        for (let i = 0; i < 200; i++, sent++) {
          ws.send(JSON.stringify([String(sent), String(sent), 'realtime:flood', 'phx_join', {}]));
          ws.send(JSON.stringify([String(sent), `${sent}-leave`, 'realtime:flood', 'phx_leave', {}]));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
      return false;
    }, 'the join rate limit to trigger', 90_000);
    await waitFor(() => closed !== undefined, 'the flooding socket to be closed', 20_000);
    expect(closed).toBe(1001);
    const refusal = replies.find((r) => r[3] === 'phx_reply' && r[4].status === 'error');
    expect(refusal[4]).toEqual({ status: 'error', response: { reason: 'ClientJoinRateLimitReached: Too many joins per second' } });
    expect(await upgradeRefusal(target)).toEqual({ status: 429, body: { error: 'Too many joins per second' } });
  }, 120_000);
});

describe('at Pro (500 messages/s)', () => {
  it('reaches all 300 members of a conversation with both events for a burst of 10 sends', async () => {
    const target = await start(PRO_PLAN);
    const { members } = await burst(target, 300, 10);
    expectNoQuotaTrouble(target, members);
  }, 400_000);
});
