// When a user request's broadcast starts relative to its answer (#16: a setTimeout(0) delayed even
// tiny batches). Order only; no timings.
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Broadcast } from '../_shared/broadcast.ts';
import { type ChatFunction, DEFER_BROADCAST_ABOVE_EVENTS, serveChatFunction } from '../_shared/chat-function.ts';
import { loadConfig } from '../_shared/config.ts';
import type { RealtimeMessage } from '../_shared/events.ts';

// The handler builds a supabase-js client per request; on Node 20 that needs a WebSocket global.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const config = loadConfig((name) =>
  ({
    SUPABASE_URL: 'http://127.0.0.1:54321',
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: 'sb_publishable_x' }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: 'sb_secret_y' }),
  })[name]
);

const events = (n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      ({
        topic: `user-realtime:${i}`,
        event: 'message-insert',
        payload: {},
        private: true,
      }) as unknown as RealtimeMessage,
  );

function serve(eventCount: number) {
  const started: number[] = [];
  const broadcast: Broadcast = (messages) => {
    started.push(messages.length);
    return Promise.resolve({ ok: true, messages: messages.length, requests: 1, attempts: 1 });
  };
  const fn: ChatFunction<null> = {
    name: 'probe',
    allowServer: false,
    parse: () => null,
    run: () => Promise.resolve({ body: {}, events: events(eventCount), logFields: {} }),
  };
  const pending: Promise<unknown>[] = [];
  const handler = serveChatFunction(fn, {
    config,
    broadcast,
    coalesce: () => Promise.reject(new Error('nothing here is coalesced')),
    log: () => {},
    waitUntil: (p) => void pending.push(p),
  });
  const request = new Request('http://x/probe', {
    method: 'POST',
    headers: { authorization: 'Bearer aaa.bbb.ccc', apikey: 'sb_publishable_x', 'content-type': 'application/json' },
    body: '{}',
  });
  return { started, pending, answer: handler(request) };
}

describe('a user request broadcasts in the background', () => {
  it('a small batch has started by the time the answer is ready', async () => {
    const { started, pending, answer } = serve(4);
    expect((await answer).status).toBe(200);
    expect(started).toEqual([4]);
    await Promise.all(pending);
  });

  it('a large batch starts only after the answer, on the next turn', async () => {
    const { started, pending, answer } = serve(DEFER_BROADCAST_ABOVE_EVENTS + 1);
    expect((await answer).status).toBe(200);
    expect(started).toEqual([]);
    await Promise.all(pending);
    expect(started).toEqual([DEFER_BROADCAST_ABOVE_EVENTS + 1]);
  });
});

describe('a large conversation’s send: messages broadcast, inbox updates coalesced', () => {
  function serveLarge(kind: 'user' | 'server', updateOk: boolean, updates = 3) {
    const calls: string[] = [];
    const broadcast: Broadcast = (messages, context, options) => {
      calls.push(`broadcast ${messages.length} ${context.part} ${options?.lane}`);
      return Promise.resolve({ ok: true, messages: messages.length, requests: 1, attempts: 1 });
    };
    const fn: ChatFunction<null> = {
      name: 'probe',
      allowServer: true,
      parse: () => null,
      run: () =>
        Promise.resolve({
          body: {},
          events: events(1),
          broadcastOptions: { lane: 'chat-messages:c' },
          coalesced: { key: 'c', version: 7, events: events(updates) },
          reportBroadcast: true,
          logFields: {},
        }),
    };
    const pending: Promise<unknown>[] = [];
    const handler = serveChatFunction(fn, {
      config,
      broadcast,
      coalesce: (update, context) => {
        calls.push(`coalesce ${update.events.length} ${context.part} v${update.version}`);
        return Promise.resolve({ ok: updateOk, messages: update.events.length, requests: 1, attempts: 1 });
      },
      log: () => {},
      ...(kind === 'user' ? { waitUntil: (p: Promise<unknown>) => void pending.push(p) } : {}),
    });
    const headers: Record<string, string> = kind === 'user'
      ? { authorization: 'Bearer aaa.bbb.ccc', apikey: 'sb_publishable_x', 'content-type': 'application/json' }
      : { apikey: 'sb_secret_y', 'content-type': 'application/json' };
    return { calls, pending, answer: handler(new Request('http://x/probe', { method: 'POST', headers, body: '{}' })) };
  }

  it('a user is answered at once; the messages are queued first, then the update', async () => {
    const { calls, pending, answer } = serveLarge('user', true);
    expect(await (await answer).json()).toEqual({ broadcast: 'queued' });
    await Promise.all(pending);
    expect(calls).toEqual(['broadcast 1 messages chat-messages:c', 'coalesce 3 inbox v7']);
  });

  it('many inbox updates are handed to the coalescer after the answer, as a large batch is', async () => {
    const { calls, pending, answer } = serveLarge('user', true, DEFER_BROADCAST_ABOVE_EVENTS + 1);
    expect((await answer).status).toBe(200);
    expect(calls).toEqual(['broadcast 1 messages chat-messages:c']);
    await Promise.all(pending);
    expect(calls).toEqual(['broadcast 1 messages chat-messages:c', `coalesce ${DEFER_BROADCAST_ABOVE_EVENTS + 1} inbox v7`]);
  });

  it('a server caller without waitUntil hears of both parts', async () => {
    expect(await (await serveLarge('server', true).answer).json()).toEqual({ broadcast: 'sent' });
    expect(await (await serveLarge('server', false).answer).json()).toEqual({ broadcast: 'failed' });
  });
});
