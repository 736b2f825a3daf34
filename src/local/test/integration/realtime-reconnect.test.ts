// A server restart on the same port: real supabase-js clients reconnect and rejoin on their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, mintJwt, startInboxHarness, waitFor, type RealtimeHarness } from '../support/realtime-harness.ts';

describe('realtime restart', () => {
  let harness: RealtimeHarness;
  let closeAll: () => Promise<void>;
  let alice: string;

  beforeAll(async () => {
    ({ harness, alice, close: closeAll } = await startInboxHarness());
  });
  afterAll(async () => {
    await closeAll?.();
  });

  it('lets clients rejoin private and public channels after close() and a restart', async () => {
    const topic = `user-realtime:${alice}`;
    const client = await harness.client({ token: await mintJwt(alice) });
    const inbox = await client.join(topic, { private: true });
    const lobby = await client.join('lobby');
    expect([inbox.first.status, lobby.first.status]).toEqual(['SUBSCRIBED', 'SUBSCRIBED']);
    expect(harness.server.stats()).toMatchObject({ connections: 1, channels: 2 });

    await harness.restart();
    await waitFor(() => inbox.statuses.some((s) => s.status === 'CHANNEL_ERROR'), 'the client to notice');
    await waitFor(() => inbox.statuses.filter((s) => s.status === 'SUBSCRIBED').length === 2, 'the inbox to rejoin', 15_000);
    await waitFor(() => lobby.statuses.filter((s) => s.status === 'SUBSCRIBED').length === 2, 'the lobby to rejoin', 15_000);
    expect(harness.server.stats()).toMatchObject({ connections: 1, channels: 2 });

    const res = await harness.post(
      '/realtime/v1/api/broadcast',
      { messages: [{ topic, event: 'after-restart', payload: {}, private: true }, { topic: 'lobby', event: 'after-restart', payload: {} }] },
      { apikey: keys.secret },
    );
    expect(res.status).toBe(202);
    await waitFor(() => inbox.received.length === 1 && lobby.received.length === 1, 'delivery after the restart');
  }, 30_000);
});
