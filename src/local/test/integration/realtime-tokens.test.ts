// Token lifecycle on channels: expiry, refresh with setAuth, revocation, and bad tokens at join
// and at connect, with the real supabase-js client.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../../../tests/support/db.ts';
import { createInboxDb, keys, mintJwt, sleep, startRealtimeHarness, waitFor, type RealtimeHarness } from '../support/realtime-harness.ts';
import { RawClient } from '../support/realtime-raw-client.ts';

const inbox = (id: string) => `user-realtime:${id}`;

describe('realtime tokens', () => {
  let harness: RealtimeHarness;
  let closeDb: () => Promise<void>;
  let alice: string, bob: string;

  beforeAll(async () => {
    const { db, policy } = await createInboxDb();
    closeDb = () => db.close();
    [alice, bob] = [await addUser(db), await addUser(db)];
    harness = await startRealtimeHarness({ policy });
  });
  afterAll(async () => {
    await harness?.close();
    await closeDb?.();
  });

  const serverBroadcast = (topic: string, event: string) =>
    harness.post('/realtime/v1/api/broadcast', { messages: [{ topic, event, payload: {}, private: true }] }, { apikey: keys.secret });

  it('closes the channel with a system message when its token expires', async () => {
    const client = await harness.client({ token: await mintJwt(alice, { ttlSeconds: 4 }) });
    const joined = await client.join(inbox(alice), { private: true });
    expect(joined.first.status).toBe('SUBSCRIBED');

    await waitFor(() => joined.statuses.some((s) => s.status === 'CLOSED'), 'the channel to close', 10_000);
    expect(joined.system).toEqual([
      { extension: 'system', status: 'error', message: expect.stringMatching(/^Token has expired \d+ seconds ago$/), channel: inbox(alice) },
    ]);
    expect(harness.logs).toContainEqual(expect.objectContaining({ event: 'realtime_channel_closed', why: 'token_expired', topic: inbox(alice) }));
  });

  it('keeps the channel alive past the old exp once setAuth pushed a fresh token', async () => {
    const shortLived = await mintJwt(alice, { ttlSeconds: 4 });
    const client = await harness.client({ token: shortLived });
    const joined = await client.join(inbox(alice), { private: true });
    expect(joined.first.status).toBe('SUBSCRIBED');

    await client.setToken(await mintJwt(alice, { ttlSeconds: 3600 }));
    await waitFor(() => harness.logs.some((l) => l.event === 'realtime_token_refreshed' && l.sub === alice), 'the refreshed token');
    await sleep(decodeJwt(shortLived).exp! * 1000 - Date.now() + 500);
    expect((await serverBroadcast(inbox(alice), 'still-here')).status).toBe(202);
    await waitFor(() => joined.received.length === 1, 'delivery after the old exp');
    expect(joined.statuses.map((s) => s.status)).toEqual(['SUBSCRIBED']);
    expect(joined.system).toEqual([]);
  });

  it("closes a private channel when a refreshed token belongs to someone who may not read it", async () => {
    const client = await harness.client({ token: await mintJwt(alice) });
    const joined = await client.join(inbox(alice), { private: true });
    expect(joined.first.status).toBe('SUBSCRIBED');

    await client.setToken(await mintJwt(bob));
    await waitFor(() => joined.statuses.some((s) => s.status === 'CLOSED'), 'the channel to close');
    expect(joined.system).toEqual([
      { extension: 'system', status: 'error', message: `You do not have permissions to read from this Channel topic: ${inbox(alice)}`, channel: inbox(alice) },
    ]);
  });

  it('closes the channel when a refreshed token is invalid', async () => {
    const client = await harness.client({ token: await mintJwt(alice) });
    const joined = await client.join(inbox(alice), { private: true });
    expect(joined.first.status).toBe('SUBSCRIBED');
    await client.setToken(await mintJwt(alice, { secret: 'not-the-project-secret-but-long-enough-000' }));
    await waitFor(() => joined.statuses.some((s) => s.status === 'CLOSED'), 'the channel to close');
    expect(joined.system).toEqual([expect.objectContaining({ status: 'error', message: 'Failed to validate JWT signature' })]);
  });

  it('ignores an API key pushed as access_token after sign-out, as Realtime does', async () => {
    const client = await harness.client({ token: await mintJwt(alice) });
    const joined = await client.join(inbox(alice), { private: true });
    expect(joined.first.status).toBe('SUBSCRIBED');
    await client.setToken(keys.publishable);
    await sleep(300);
    expect((await serverBroadcast(inbox(alice), 'after-sign-out')).status).toBe(202);
    await waitFor(() => joined.received.length === 1, 'delivery with the earlier token still in force');
    expect(joined.statuses.map((s) => s.status)).toEqual(['SUBSCRIBED']);
  });

  it('refuses joins with an expired or forged token, with the reasons Realtime gives', async () => {
    const expired = await harness.client({ token: await mintJwt(alice, { ttlSeconds: -30 }) });
    const a = await expired.join(inbox(alice), { private: true });
    expect(a.first.status).toBe('CHANNEL_ERROR');
    expect(a.first.err?.message).toMatch(/^InvalidJWTToken: Token has expired \d+ seconds ago$/);
    // Public channels check the token too.
    const b = await expired.join('lobby');
    expect(b.first.err?.message).toMatch(/^InvalidJWTToken: Token has expired/);

    const forged = await harness.client({ token: await mintJwt(alice, { secret: 'not-the-project-secret-but-long-enough-000' }) });
    const c = await forged.join(inbox(alice), { private: true });
    expect(c.first.err?.message).toBe('JwtSignatureError: Failed to validate JWT signature');

    const garbage = await harness.client({ token: 'not-a-jwt' });
    const d = await garbage.join('lobby');
    expect(d.first.err?.message).toBe('MalformedJWT: The token provided is not a valid JWT');

    for (const c of [expired, forged, garbage]) await c.supabase.removeAllChannels();
  });

  it('refuses the WebSocket upgrade for a missing or unknown apikey, and an unknown vsn', async () => {
    await expect(RawClient.connect(harness.url, { vsn: '2.0.0' })).rejects.toMatchObject({ status: 401, body: '{"error":"API key is missing"}' });
    await expect(RawClient.connect(harness.url, { apikey: 'sb_publishable_unknown', vsn: '2.0.0' })).rejects.toMatchObject({
      status: 401,
      body: '{"error":"Invalid API key"}',
    });
    await expect(RawClient.connect(harness.url, { apikey: 'garbage', vsn: '2.0.0' })).rejects.toMatchObject({
      status: 401,
      body: '{"error":"The token provided is not a valid JWT"}',
    });
    const expired = await mintJwt(alice, { ttlSeconds: -5 });
    await expect(RawClient.connect(harness.url, { apikey: expired })).rejects.toMatchObject({ status: 401, body: '{"error":"Token has expired"}' });
    await expect(RawClient.connect(harness.url, { apikey: keys.publishable, vsn: '3.0.0' })).rejects.toMatchObject({ status: 400 });
  });
});
