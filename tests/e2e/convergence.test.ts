// Issue 10: every inbox converges to the database. Real stores, real functions, real Realtime, on
// Postgres, where concurrent transactions interleave (PGlite runs them one at a time).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InboxStore, type InboxStoreOptions } from 'supabase-realtime-inbox/client';
import { inboxMismatches, serverInbox } from '../support/inbox-check.ts';
import { signUp, startLocalTarget, type TestUser, waitFor } from '../support/stack.ts';

type LocalTarget = Awaited<ReturnType<typeof startLocalTarget>>;
let target: LocalTarget;
const stores: InboxStore[] = [];

async function startStore(user: TestUser, options: InboxStoreOptions = {}): Promise<InboxStore> {
  const store = new InboxStore(user.client, { onError: () => {}, ...options });
  stores.push(store);
  await store.start();
  return store;
}

/** Waits until every store equals its user's chat_inbox; fails with what still differs. */
async function converged(pairs: [InboxStore, TestUser][], what: string, timeoutMs = 15_000): Promise<void> {
  let last: string[] = [];
  try {
    await waitFor(async () => {
      last = [];
      for (const [store, user] of pairs) {
        for (const problem of inboxMismatches(store, await serverInbox(user.client))) last.push(`${user.email}: ${problem}`);
      }
      return last.length === 0;
    }, what, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${last.join('\n')}`);
  }
}

beforeAll(async () => {
  target = await startLocalTarget({ engine: 'postgres' });
}, 120_000);
afterEach(() => {
  for (const store of stores.splice(0)) store.stop();
});
afterAll(() => target?.stop());

describe('bug 1: bursts of concurrent sends into one conversation (Postgres)', () => {
  it('after each burst every member shows the database’s unread count, last message and order', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => signUp(target, `burst${i}`)));
    const group = await Promise.all(users.map((u) => startStore(u)));
    const quiet = await group[0].create({ title: 'quiet', participant_ids: users.slice(1).map((u) => u.id) });
    const chat = await group[0].create({ title: 'burst', participant_ids: users.slice(1).map((u) => u.id) });
    await waitFor(() => group.every((s) => s.getSnapshot().conversations.length === 2), 'everyone to see both conversations');
    await Promise.all(group.map((s) => s.loadMessages(chat.id)));
    await group[1].send(quiet.id, 'the other conversation');

    for (let burst = 1; burst <= 4; burst++) {
      await Promise.all(group.map((store, i) => Promise.all(Array.from({ length: 4 }, (_, k) => store.send(chat.id, `b${burst} u${i} #${k}`)))));
      await converged(users.map((u, i) => [group[i], u]), `every store to match the database after burst ${burst}`);
    }
    const snapshot = group[0].getSnapshot();
    expect(snapshot.conversations[0]).toMatchObject({ id: chat.id, last_message_number: 4 * 6 * 4 });
  }, 180_000);
});

describe('bug 2: broadcasts lost while every socket stays up', () => {
  // Every broadcast of this stack fails (nothing listens there) while the WebSockets stay up: what a
  // function that died after its commit, or a Realtime that refuses or drops broadcasts, looks like.
  let lossy: LocalTarget;
  beforeAll(async () => {
    lossy = await startLocalTarget({
      engine: 'postgres',
      functionEnv: { CHAT_BROADCAST_URL: 'http://127.0.0.1:9/realtime/v1/api/broadcast', CHAT_BROADCAST_TIMEOUT_MS: '300' },
    });
  }, 120_000);
  afterAll(() => lossy?.stop());

  it('every connected store converges without a rejoin or a later message, within its checkpoint interval', async () => {
    const users = await Promise.all(Array.from({ length: 3 }, (_, i) => signUp(lossy, `lossy${i}`)));
    // A short interval for the test: the default is 25 s.
    const group = await Promise.all(users.map((u) => startStore(u, { checkpointIntervalMs: 500 })));
    const statuses: string[] = [];
    for (const store of group) store.service.onStatus((status) => statuses.push(status));
    const chat = await group[0].create({ title: 'lossy', participant_ids: users.slice(1).map((u) => u.id) });
    await group[1].loadMessages(chat.id);

    await group[0].send(chat.id, 'one');
    await group[2].send(chat.id, 'two');
    await group[1].send(chat.id, 'three');
    await group[2].markRead(chat.id);
    await waitFor(() => lossy.logs.filter((l) => l.event === 'chat_send_broadcast_failed').length === 3, 'the three broadcasts to fail');
    await converged(users.map((u, i) => [group[i], u]), 'every store to match the database with no broadcast delivered', 20_000);

    expect(statuses.filter((s) => s !== 'subscribed')).toEqual([]);
    expect(group.every((s) => s.service.status === 'subscribed')).toBe(true);
    expect(group.map((s) => s.stats.repairs).every((n) => n > 0)).toBe(true);
  }, 120_000);
});
