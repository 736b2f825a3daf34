// Private inbox channels with the real supabase-js client against the local Realtime server,
// authorized by the project's realtime.messages policy on PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../../../tests/support/db.ts';
import { createInboxDb, keys, mintJwt, sleep, startRealtimeHarness, waitFor, type RealtimeHarness } from '../support/realtime-harness.ts';

const inbox = (id: string) => `user-realtime:${id}`;
// How long to keep listening before concluding that something was (correctly) not delivered.
const QUIET_MS = 400;

describe('realtime private inbox channels', () => {
  let harness: RealtimeHarness;
  let closeDb: () => Promise<void>;
  let alice: string, bob: string;
  let aliceJwt: string, bobJwt: string;

  beforeAll(async () => {
    const { db, policy } = await createInboxDb();
    closeDb = () => db.close();
    [alice, bob] = [await addUser(db), await addUser(db)];
    [aliceJwt, bobJwt] = [await mintJwt(alice), await mintJwt(bob)];
    harness = await startRealtimeHarness({ policy });
  });
  afterAll(async () => {
    await harness?.close();
    await closeDb?.();
  });

  const serverBroadcast = (messages: unknown[]) => harness.post('/realtime/v1/api/broadcast', { messages }, { apikey: keys.secret });

  it('lets a user join their own inbox and receive server broadcasts on it', async () => {
    const client = await harness.client({ token: aliceJwt });
    const { first, received } = await client.join(inbox(alice), { private: true });
    expect(first.status).toBe('SUBSCRIBED');

    const res = await serverBroadcast([{ topic: inbox(alice), event: 'message-insert', payload: { n: 1 }, private: true, id: 'm-1' }]);
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    await waitFor(() => received.length === 1, 'the broadcast');
    expect(received[0]).toEqual({ event: 'message-insert', payload: { n: 1 }, meta: { id: 'm-1' } });
  });

  it("refuses another user's inbox with Realtime's reason", async () => {
    const client = await harness.client({ token: aliceJwt });
    const { channel, first } = await client.join(inbox(bob), { private: true });
    expect(first.status).toBe('CHANNEL_ERROR');
    expect(first.err?.message).toBe(`Unauthorized: You do not have permissions to read from this Channel topic: ${inbox(bob)}`);
    await client.supabase.removeChannel(channel);
    expect(harness.logs).toContainEqual(expect.objectContaining({ event: 'realtime_join_denied', topic: inbox(bob), sub: alice }));
  });

  it('refuses a private inbox to an anonymous visitor holding only the publishable key', async () => {
    const visitor = await harness.client();
    const { channel, first } = await visitor.join(inbox(alice), { private: true });
    expect(first.status).toBe('CHANNEL_ERROR');
    expect(first.err?.message).toBe(`Unauthorized: You do not have permissions to read from this Channel topic: ${inbox(alice)}`);
    await visitor.supabase.removeChannel(channel);
  });

  it('delivers a secret-key REST broadcast only to its topic, and only to the private namespace', async () => {
    const aliceTab = await harness.client({ token: aliceJwt });
    const bobTab = await harness.client({ token: bobJwt });
    const alicePrivate = await aliceTab.join(inbox(alice), { private: true });
    const alicePublic = await aliceTab.join(inbox(alice) + ':public-twin');
    const bobPrivate = await bobTab.join(inbox(bob), { private: true });
    // Same topic name as Alice's inbox but joined as a public channel: a separate audience.
    const eavesdropper = await harness.client();
    const publicSameTopic = await eavesdropper.join(inbox(alice));
    for (const j of [alicePrivate, alicePublic, bobPrivate, publicSameTopic]) expect(j.first.status).toBe('SUBSCRIBED');

    const res = await serverBroadcast([{ topic: inbox(alice), event: 'conversation-update', payload: { unread: 3 }, private: true }]);
    expect(res.status).toBe(202);
    await waitFor(() => alicePrivate.received.length === 1, 'delivery to the private inbox');
    await sleep(QUIET_MS);
    expect(alicePrivate.received).toEqual([{ event: 'conversation-update', payload: { unread: 3 }, meta: undefined }]);
    expect(publicSameTopic.received).toEqual([]);
    expect(alicePublic.received).toEqual([]);
    expect(bobPrivate.received).toEqual([]);

    // And the reverse: a public message reaches the public subscriber only.
    await serverBroadcast([{ topic: inbox(alice), event: 'public-news', payload: {} }]);
    await waitFor(() => publicSameTopic.received.length === 1, 'delivery to the public channel');
    await sleep(QUIET_MS);
    expect(alicePrivate.received).toHaveLength(1);
  });

  it("does not let a user broadcast into another user's inbox over REST (batch is skipped, single is 403)", async () => {
    const bobTab = await harness.client({ token: bobJwt });
    const bobInbox = await bobTab.join(inbox(bob), { private: true });
    expect(bobInbox.first.status).toBe('SUBSCRIBED');

    const batch = await harness.post(
      '/realtime/v1/api/broadcast',
      { messages: [{ topic: inbox(bob), event: 'message-insert', payload: { forged: true }, private: true }] },
      { apikey: keys.publishable, authorization: `Bearer ${aliceJwt}` },
    );
    expect(batch.status).toBe(202);

    const aliceClient = await harness.client({ token: aliceJwt });
    const unjoined = aliceClient.supabase.channel(inbox(bob), { config: { private: true } });
    await expect(unjoined.httpSend('message-insert', { forged: true })).rejects.toThrow('Unauthorized');
    // channel.send() on a channel that is not joined falls back to the batch endpoint: accepted, dropped.
    expect(await unjoined.send({ type: 'broadcast', event: 'message-insert', payload: { forged: true } })).toBe('ok');

    // Alice may not write even to her own inbox: there is no INSERT policy.
    const own = await harness.post(
      `/realtime/v1/api/broadcast/${encodeURIComponent(inbox(alice))}/events/x?private=true`,
      { forged: true },
      { apikey: keys.publishable, authorization: `Bearer ${aliceJwt}` },
    );
    expect(own.status).toBe(403);
    expect(await own.json()).toEqual({ message: 'Unauthorized' });

    await sleep(QUIET_MS);
    expect(bobInbox.received).toEqual([]);

    // Control: the same single-message request with the secret key goes through.
    const server = await harness.post(`/realtime/v1/api/broadcast/${encodeURIComponent(inbox(bob))}/events/x?private=true`, { ok: 1 }, { apikey: keys.secret });
    expect(server.status).toBe(202);
    await waitFor(() => bobInbox.received.length === 1, 'the secret-key broadcast');
  });

  it('drops client broadcasts on inbox channels, and never acks them', async () => {
    const tab1 = await harness.client({ token: aliceJwt, realtime: { timeout: 1500 } });
    const tab2 = await harness.client({ token: aliceJwt });
    const sender = await tab1.join(inbox(alice), { private: true, self: true, ack: true });
    const listener = await tab2.join(inbox(alice), { private: true });
    expect([sender.first.status, listener.first.status]).toEqual(['SUBSCRIBED', 'SUBSCRIBED']);

    // Realtime sends no reply to an unauthorized broadcast, so an ack-waiting client times out.
    expect(await sender.channel.send({ type: 'broadcast', event: 'message-insert', payload: { forged: true } })).toBe('timed out');
    await sleep(QUIET_MS);
    expect(sender.received).toEqual([]);
    expect(listener.received).toEqual([]);
    expect(harness.logs).toContainEqual(expect.objectContaining({ event: 'realtime_broadcast_denied', topic: inbox(alice), sub: alice }));

    // Control: the channel itself still works.
    await serverBroadcast([{ topic: inbox(alice), event: 'ping', payload: {}, private: true }]);
    await waitFor(() => listener.received.length === 1 && sender.received.length === 1, 'the server broadcast on both tabs');
  });

  it('lets a service-role socket broadcast on a private channel (BYPASSRLS passes the write check)', async () => {
    const service = await harness.client({ token: keys.secret });
    const sender = await service.join(inbox(alice), { private: true, ack: true });
    const aliceTab = await harness.client({ token: aliceJwt });
    const listener = await aliceTab.join(inbox(alice), { private: true });
    expect([sender.first.status, listener.first.status]).toEqual(['SUBSCRIBED', 'SUBSCRIBED']);
    expect(await sender.channel.send({ type: 'broadcast', event: 'from-service', payload: { ok: true } })).toBe('ok');
    await waitFor(() => listener.received.length === 1, 'the socket broadcast');
    expect(listener.received[0]).toMatchObject({ event: 'from-service', payload: { ok: true } });
    expect(sender.received).toEqual([]);
  });
});
