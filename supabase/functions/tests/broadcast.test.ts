// The broadcaster's budget, pacing, chunking, order and retries, with the network replaced by a
// scripted fetch and time by a clock that only sleeps move.
import { describe, expect, it } from 'vitest';
import {
  BATCH_TOO_LARGE,
  broadcastBudget,
  createBroadcaster,
  planChunks,
  RATE_EXCEEDED,
} from '../_shared/broadcast.ts';
import type { BroadcastConfig } from '../_shared/config.ts';
import type { RealtimeMessage } from '../_shared/events.ts';

const config: BroadcastConfig = {
  url: 'http://realtime.test/api/broadcast',
  batchSize: 3,
  maxAttempts: 4,
  baseDelayMs: 10,
  totalTimeoutMs: 20_000,
  eventsPerSecond: 100_000,
  quotaShare: 0.75,
  deliveriesPerMessage: 1,
};
const messages = (n: number, chat = 'c') =>
  Array.from(
    { length: n },
    (_, i) =>
      ({
        topic: `user-realtime:${i}`,
        event: 'message-insert',
        payload: { chat, i },
        private: true,
      }) as unknown as RealtimeMessage,
  );

type Answer = number | Error | { status: number; message: string };

function harness(answers: Answer[], overrides: Partial<BroadcastConfig> = {}) {
  const requests: { at: number; headers: Headers; body: { messages: { payload: { chat: string; i: number } }[] } }[] =
    [];
  const logs: { event: string; fields?: Record<string, unknown> }[] = [];
  const sleeps: number[] = [];
  let now = 0;
  const broadcast = createBroadcaster({
    config: { ...config, ...overrides },
    apiKey: 'sb_secret_test',
    log: (event, fields) => logs.push({ event, fields }),
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
    random: () => 0.5,
    fetch: (_url, init) => {
      requests.push({ at: now, headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) });
      const next = answers.shift() ?? 202;
      if (next instanceof Error) return Promise.reject(next);
      if (typeof next === 'number') return Promise.resolve(new Response(null, { status: next }));
      return Promise.resolve(Response.json({ message: next.message }, { status: next.status }));
    },
  });
  return { broadcast, requests, logs, sleeps, now: () => now };
}

describe('broadcastBudget', () => {
  it('spends 3/4 of the plan and sizes batches to what hosted leaves, per plan', () => {
    const at = (eventsPerSecond: number) => broadcastBudget({ ...config, batchSize: 500, eventsPerSecond });
    expect(at(100)).toEqual({ eventsPerSecond: 75, costPerMessage: 2, chunkMessages: 24 });
    expect(at(500)).toEqual({ eventsPerSecond: 375, costPerMessage: 2, chunkMessages: 120 });
    expect(at(2500)).toEqual({ eventsPerSecond: 1875, costPerMessage: 2, chunkMessages: 500 });
  });
});

describe('planChunks', () => {
  it('never builds a body over hosted 8,000,000-byte limit', () => {
    const big = Array.from(
      { length: 40 },
      () =>
        ({
          topic: 't',
          event: 'e',
          payload: { blob: 'x'.repeat(250_000) },
          private: true,
        }) as unknown as RealtimeMessage,
    );
    const chunks = planChunks(big, 500);
    expect(chunks.map((c) => c.parts.length)).toEqual([31, 9]);
    for (const c of chunks) expect(`{"messages":[${c.parts.join(',')}]}`.length).toBeLessThan(8_000_000);
  });
});

describe('createBroadcaster', () => {
  it('sends everything in one request when it fits the batch size', async () => {
    const { broadcast, requests, logs } = harness([202]);
    const result = await broadcast(messages(3), { logPrefix: 'chat_send', chat_id: 'c' });
    expect(result).toMatchObject({ ok: true, requests: 1, attempts: 1, messages: 3 });
    expect(requests[0].headers.get('apikey')).toBe('sb_secret_test');
    expect(requests[0].body.messages).toHaveLength(3);
    expect(logs).toEqual([{
      event: 'chat_send_broadcast_sent',
      fields: expect.objectContaining({ chat_id: 'c', requests: 1 }),
    }]);
  });

  it('chunks above the batch size', async () => {
    const { broadcast, requests } = harness([]);
    const result = await broadcast(messages(7), { logPrefix: 'chat_send' });
    expect(requests.map((r) => r.body.messages.length)).toEqual([3, 3, 1]);
    expect(result.requests).toBe(3);
  });

  it('paces a large fan-out to the Free budget: 24 messages a request, 75 events/s', async () => {
    const { broadcast, requests, now } = harness([], { eventsPerSecond: 100, batchSize: 500 });
    // 1000 recipients: 2000 messages, 4000 events at two per message.
    const result = await broadcast(messages(2000), { logPrefix: 'chat_send', chat_id: 'big' });
    expect(result).toMatchObject({ ok: true, requests: 84 });
    expect(Math.max(...requests.map((r) => r.body.messages.length))).toBe(24);
    // The first chunk goes at once; the other 1976 messages wait for 3952 events at 75/s.
    expect(now()).toBeCloseTo((1976 * 2 * 1000) / 75, 0);
    // No 60 s window ever holds more than 75/s on average plus one chunk.
    for (const r of requests) {
      const inWindow = requests.filter((q) => q.at > r.at - 60_000 && q.at <= r.at).reduce(
        (n, q) => n + q.body.messages.length * 2,
        0,
      );
      expect(inWindow).toBeLessThanOrEqual(75 * 60 + 48);
    }
  });

  it('keeps each conversation in order and lets conversations take turns', async () => {
    const { broadcast, requests } = harness([]);
    await Promise.all([
      broadcast(messages(6, 'a'), { logPrefix: 'chat_send', chat_id: 'a' }),
      broadcast(messages(3, 'b'), { logPrefix: 'chat_send', chat_id: 'b' }),
      broadcast(messages(3, 'a').map((m) => ({ ...m, payload: { chat: 'a', i: 10 } }) as unknown as RealtimeMessage), {
        logPrefix: 'chat_send',
        chat_id: 'a',
      }),
    ]);
    const order = requests.map((r) => `${r.body.messages[0].payload.chat}${r.body.messages[0].payload.i}`);
    expect(order).toEqual(['a0', 'b0', 'a3', 'a10']);
  });

  it('a lane of its own lets a large conversation’s topic message pass its long inbox fan-out', async () => {
    const { broadcast, requests } = harness([], { eventsPerSecond: 100, batchSize: 500 });
    const fanout = broadcast(messages(240, 'inbox'), { logPrefix: 'chat_send', chat_id: 'big' });
    const topic = broadcast(messages(1, 'topic'), { logPrefix: 'chat_send', chat_id: 'big' }, { lane: 'chat-messages:big' });
    await Promise.all([fanout, topic]);
    // One chunk of the fan-out, then the topic message: lanes take turns.
    expect(requests.slice(0, 2).map((r) => r.body.messages[0].payload.chat)).toEqual(['inbox', 'topic']);
  });

  it('costs a message at its own expected deliveries; one dearer than the bucket goes at once and the debt waits', async () => {
    const { broadcast, requests, now } = harness([], { eventsPerSecond: 100, batchSize: 500 });
    // 101 events (a topic 100 members have open) against a 48-event bucket on Free.
    await broadcast(messages(1), { logPrefix: 'chat_send', chat_id: 'big' }, { deliveriesPerMessage: 100 });
    expect(requests).toHaveLength(1);
    expect(now()).toBe(0);
    await broadcast(messages(1), { logPrefix: 'chat_send', chat_id: 'small' });
    // 53 events of debt plus this message's 2, at 75/s.
    expect(now()).toBeCloseTo(((101 - 48 + 2) * 1000) / 75, 0);
  });

  it('splits a batch hosted calls too large and sends both halves', async () => {
    const { broadcast, requests } = harness([{ status: 429, message: BATCH_TOO_LARGE }]);
    const result = await broadcast(messages(3), { logPrefix: 'chat_send' });
    expect(requests.map((r) => r.body.messages.length)).toEqual([3, 2, 1]);
    expect(result).toMatchObject({ ok: true, requests: 2, attempts: 3 });
  });

  it('waits for Realtime to recompute its average when the project is over its limit', async () => {
    const { broadcast, requests, sleeps } = harness([{ status: 429, message: RATE_EXCEEDED }, {
      status: 429,
      message: 'Too many requests',
    }]);
    const result = await broadcast(messages(1), { logPrefix: 'chat_send' });
    expect(result).toMatchObject({ ok: true, attempts: 3 });
    expect(requests).toHaveLength(3);
    expect(sleeps).toEqual([5000, 5000]);
  });

  it('retries 5xx and network errors with growing backoff', async () => {
    const { broadcast, requests, sleeps } = harness([503, new TypeError('connection refused'), 500, 202]);
    const result = await broadcast(messages(1), { logPrefix: 'chat_send' });
    expect(result).toMatchObject({ ok: true, attempts: 4 });
    expect(requests).toHaveLength(4);
    expect(sleeps).toEqual([10, 20, 40]);
  });

  it('does not retry other 4xx answers, and reports the failure in one log line', async () => {
    const { broadcast, requests, logs } = harness([{ status: 422, message: 'x' }]);
    const result = await broadcast(messages(1), { logPrefix: 'chat_send', chat_id: 'c' });
    expect(result).toMatchObject({ ok: false, reason: 'HTTP 422', attempts: 1 });
    expect(requests).toHaveLength(1);
    expect(logs).toEqual([{
      event: 'chat_send_broadcast_failed',
      fields: expect.objectContaining({ reason: 'HTTP 422' }),
    }]);
  });

  it('gives up after maxAttempts without throwing, and goes on with the next chunk', async () => {
    const { broadcast, requests } = harness([500, 500, 500, 500]);
    const result = await broadcast(messages(4), { logPrefix: 'chat_send' });
    expect(result).toMatchObject({ ok: false, attempts: 5, requests: 2, reason: 'HTTP 500' });
    expect(requests.map((r) => r.body.messages.length)).toEqual([3, 3, 3, 3, 1]);
  });

  it('stops retrying a refused chunk at the time bound', async () => {
    const { broadcast, now } = harness(Array.from({ length: 100 }, () => ({ status: 429, message: RATE_EXCEEDED })), {
      totalTimeoutMs: 12_000,
    });
    const result = await broadcast(messages(1), { logPrefix: 'chat_send' });
    expect(result.ok).toBe(false);
    expect(result.reason).toBe(`gave up after 12000 ms: HTTP 429: ${RATE_EXCEEDED}`);
    expect(now()).toBeLessThanOrEqual(12_000);
  });
});
