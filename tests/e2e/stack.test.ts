// The Docker-free stack itself: one port, health, keys, persistence, both engines, Realtime down/up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack } from 'supabase-realtime-inbox-local';
import { expectPreflightAllowed } from '../support/cors.ts';
import { asUser, callFunction, listenToInbox, newClient, signUp, startLocalTarget, waitFor } from '../support/stack.ts';

describe('on embedded PGlite', () => {
  let local: Awaited<ReturnType<typeof startLocalTarget>>;
  beforeAll(async () => {
    local = await startLocalTarget();
  }, 120_000);
  afterAll(() => local?.stop());

  it('serves health, and a JSON 404 for what it does not serve', async () => {
    const health = await fetch(`${local.url}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'healthy' }]);
    const missing = await fetch(`${local.url}/storage/v1/bucket`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ message: expect.stringContaining('/storage/v1') });
    expect((await callFunction(local, 'no-such-function', {}, {})).status).toBe(404);
  });

  it('answers CORS preflights for auth, REST and Realtime like the API gateway', async () => {
    for (const path of ['/auth/v1/token?grant_type=password', '/rest/v1/rpc/chat_inbox', '/realtime/v1/api/broadcast', '/local/v1/demo-users']) {
      await expectPreflightAllowed(`${local.url}${path}`, 'apikey,content-type');
    }
  });

  it('accepts the legacy anon and service_role JWT keys the CLI injects', async () => {
    const admin = newClient(local, local.stack.keys.serviceRoleKey);
    const { error } = await admin.from('messages').select('id').limit(1);
    expect(error).toBeNull();
    const anon = newClient(local, local.stack.keys.anonKey);
    const signed = await anon.auth.signUp({ email: `legacy-${Date.now()}@example.test`, password: 'long enough password' });
    expect(signed.error).toBeNull();
  });

  it('refuses unknown API keys on REST', async () => {
    const res = await fetch(`${local.url}/rest/v1/messages`, { headers: { apikey: 'sb_publishable_not_ours' } });
    expect(res.status).toBe(401);
  });

  it('keeps serving after Realtime is taken down and brought back, and clients rejoin on their own', async () => {
    const user = await signUp(local, 'rejoin');
    const inbox = await listenToInbox(user);
    const chat = (await callFunction(local, 'chat-create', { title: 'x' }, asUser(local, user))).body.conversation.id;

    await local.stack.realtime.stop();
    expect(local.stack.realtime.stats().connections).toBe(0);
    const whileDown = await callFunction(local, 'chat-send', { chat_id: chat, text: 'while down' }, asUser(local, user));
    expect(whileDown.status).toBe(200);

    local.stack.realtime.start();
    await waitFor(() => local.stack.realtime.stats().channels > 0, 'the client to rejoin', 20_000);
    await callFunction(local, 'chat-send', { chat_id: chat, text: 'after restart' }, asUser(local, user));
    await inbox.next((e) => e.event === 'message-insert' && e.payload.message.text === 'after restart');
    await inbox.close();
  }, 40_000);
});

describe('persistence', () => {
  it('keeps users and data in the PGlite data directory across restarts, without re-applying migrations', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'inbox-pglite-'));
    const logs: { event: string; applied?: unknown }[] = [];
    try {
      let stack = await startLocalStack({ port: 0, dataDir, onLog: (e) => logs.push(e) });
      const client = newClient({ url: stack.url, publishableKey: stack.keys.publishableKey });
      const credentials = { email: 'persist@example.test', password: 'long enough password' };
      expect((await client.auth.signUp(credentials)).error).toBeNull();
      await stack.stop();

      stack = await startLocalStack({ port: 0, dataDir, onLog: (e) => logs.push(e) });
      try {
        const again = newClient({ url: stack.url, publishableKey: stack.keys.publishableKey });
        expect((await again.auth.signInWithPassword(credentials)).error).toBeNull();
        const migrated = logs.filter((l) => l.event === 'local_stack_migrated').map((l) => (l.applied as string[]).length);
        expect(migrated[0]).toBeGreaterThan(0);
        expect(migrated[1]).toBe(0);
      } finally {
        await stack.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('on Postgres (DATABASE_URL)', () => {
  let local: Awaited<ReturnType<typeof startLocalTarget>>;
  beforeAll(async () => {
    local = await startLocalTarget({ engine: 'postgres' });
  }, 120_000);
  afterAll(() => local?.stop());

  it('runs the same flow: sign up, create, send, receive on the inbox channel', async () => {
    const [a, b] = [await signUp(local, 'pg-a'), await signUp(local, 'pg-b')];
    const inbox = await listenToInbox(b);
    const created = await callFunction(local, 'chat-create', { title: 'pg', participant_ids: [b.id] }, asUser(local, a));
    expect(created.status).toBe(200);
    const sent = await callFunction(local, 'chat-send', { chat_id: created.body.conversation.id, text: 'over postgres' }, asUser(local, a));
    expect(sent.status).toBe(200);
    await inbox.next((e) => e.event === 'message-insert' && e.payload.message.text === 'over postgres');
    await inbox.close();
  });

  it('authorizes private channels with the policies in Postgres: another user’s inbox is refused', async () => {
    const [a, b] = [await signUp(local, 'pg-c'), await signUp(local, 'pg-d')];
    await a.client.realtime.setAuth(a.token);
    const status = await new Promise<{ status: string; error?: Error }>((resolve) => {
      const channel = a.client.channel(`user-realtime:${b.id}`, { config: { private: true } });
      channel.subscribe((s, error) => {
        if (s !== 'SUBSCRIBED' && s !== 'CHANNEL_ERROR') return;
        resolve({ status: s, error });
        void a.client.removeChannel(channel);
      });
    });
    expect(status.status).toBe('CHANNEL_ERROR');
    expect(status.error?.message).toMatch(/Unauthorized/);
  });
});
