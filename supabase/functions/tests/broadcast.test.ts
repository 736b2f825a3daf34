// The broadcaster's retry, chunking and time bound, with the network replaced by a scripted fetch.
import { describe, expect, it } from 'vitest';
import { createBroadcaster } from '../_shared/broadcast.ts';
import type { RealtimeMessage } from '../_shared/events.ts';

const config = { url: 'http://realtime.test/api/broadcast', batchSize: 3, maxAttempts: 4, baseDelayMs: 10, totalTimeoutMs: 1000 };
const messages = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ topic: `user-realtime:${i}`, event: 'message-insert', payload: {}, private: true }) as unknown as RealtimeMessage);

function harness(statuses: (number | Error)[]) {
  const requests: { url: string; headers: Headers; body: { messages: unknown[] } }[] = [];
  const logs: { event: string; fields?: Record<string, unknown> }[] = [];
  const sleeps: number[] = [];
  const broadcast = createBroadcaster({
    config,
    apiKey: 'sb_secret_test',
    log: (event, fields) => logs.push({ event, fields }),
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    fetch: async (url, init) => {
      requests.push({ url: String(url), headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) });
      const next = statuses.shift() ?? 202;
      if (next instanceof Error) throw next;
      return new Response(null, { status: next });
    },
  });
  return { broadcast, requests, logs, sleeps };
}

describe('createBroadcaster', () => {
  it('sends everything in one request when it fits the batch size', async () => {
    const { broadcast, requests, logs } = harness([202]);
    const result = await broadcast(messages(3), { logPrefix: 'chat_send', chat_id: 'c' });
    expect(result).toMatchObject({ ok: true, requests: 1, attempts: 1, messages: 3 });
    expect(requests[0].headers.get('apikey')).toBe('sb_secret_test');
    expect(requests[0].body.messages).toHaveLength(3);
    expect(logs).toEqual([{ event: 'chat_send_broadcast_sent', fields: expect.objectContaining({ chat_id: 'c', requests: 1 }) }]);
  });

  it('chunks above the batch size', async () => {
    const { broadcast, requests } = harness([]);
    const result = await broadcast(messages(7), { logPrefix: 'chat_send' });
    expect(requests.map((r) => r.body.messages.length)).toEqual([3, 3, 1]);
    expect(result.requests).toBe(3);
  });

  it('retries 429, 5xx and network errors with growing backoff', async () => {
    const { broadcast, requests, sleeps } = harness([429, 503, new TypeError('connection refused'), 202]);
    const result = await broadcast(messages(1), { logPrefix: 'chat_send' });
    expect(result).toMatchObject({ ok: true, attempts: 4 });
    expect(requests).toHaveLength(4);
    expect(sleeps).toEqual([10, 20, 40]);
  });

  it('does not retry other 4xx answers, and reports the failure in one log line', async () => {
    const { broadcast, requests, logs } = harness([401]);
    const result = await broadcast(messages(1), { logPrefix: 'chat_send', chat_id: 'c' });
    expect(result).toMatchObject({ ok: false, reason: 'HTTP 401', attempts: 1 });
    expect(requests).toHaveLength(1);
    expect(logs).toEqual([{ event: 'chat_send_broadcast_failed', fields: expect.objectContaining({ reason: 'HTTP 401' }) }]);
  });

  it('gives up after maxAttempts without throwing', async () => {
    const { broadcast, requests } = harness([500, 500, 500, 500, 500]);
    const result = await broadcast(messages(1), { logPrefix: 'chat_send' });
    expect(result).toMatchObject({ ok: false, attempts: 4, reason: 'HTTP 500' });
    expect(requests).toHaveLength(4);
  });

  it('stops at the total time bound', async () => {
    let now = 0;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const broadcast = createBroadcaster({
        config: { ...config, maxAttempts: 100 },
        apiKey: 'k',
        log: () => {},
        random: () => 0.5,
        sleep: async (ms) => void (now += ms),
        fetch: async () => {
          now += 300;
          return new Response(null, { status: 503 });
        },
      });
      const result = await broadcast(messages(1), { logPrefix: 'chat_send' });
      expect(result.ok).toBe(false);
      expect(result.reason).toMatch(/gave up after 1000 ms/);
      expect(now).toBeLessThanOrEqual(1000 + 300);
    } finally {
      Date.now = realNow;
    }
  });
});
