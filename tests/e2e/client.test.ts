// The client library against the local stack: real supabase-js clients, real functions, real
// Realtime. Each user keeps only the unified channel open ("on another tab").
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InboxStore, isOptimistic, type ChannelStatus } from 'supabase-realtime-inbox/client';
import {
  asServer,
  callFunction,
  signIn,
  signUp,
  startLocalTarget,
  type TestUser,
  waitFor,
} from '../support/stack.ts';

type LocalTarget = Awaited<ReturnType<typeof startLocalTarget>>;
let target: LocalTarget;
const stores: InboxStore[] = [];

async function startStore(user: TestUser): Promise<InboxStore> {
  const store = new InboxStore(user.client, { onError: () => {} });
  stores.push(store);
  await store.start();
  return store;
}

const stored = (store: InboxStore, chatId: string) =>
  (store.getSnapshot().messages[chatId] ?? []).filter((m) => !isOptimistic(m));
const conversation = (store: InboxStore, chatId: string) =>
  store.getSnapshot().conversations.find((c) => c.id === chatId);
const until = (what: string, probe: () => unknown, timeoutMs?: number) => waitFor(() => Boolean(probe()), what, timeoutMs);

beforeAll(async () => {
  target = await startLocalTarget();
}, 120_000);
afterEach(() => {
  for (const store of stores.splice(0)) store.stop();
});
afterAll(() => target?.stop());

describe('the seeds’ scenarios', () => {
  it('A messages B while B is on another tab: the conversation is at the top with unread 1, at once', async () => {
    const [a, b] = [await signUp(target, 'a'), await signUp(target, 'b')];
    const [storeA, storeB] = [await startStore(a), await startStore(b)];
    const older = await storeA.create({ title: 'older', participant_ids: [b.id] });
    const chat = await storeA.create({ title: 'A and B', participant_ids: [b.id] });
    await until('B to see both conversations', () => storeB.getSnapshot().conversations.length === 2);

    await storeA.send(older.id, 'bump the older one');
    await until('the older one to move up', () => storeB.getSnapshot().conversations[0].id === older.id);
    await storeA.send(chat.id, 'hello B');
    await until('B to see the message', () => stored(storeB, chat.id).some((m) => m.text === 'hello B'));
    const { conversations, unreadTotal } = storeB.getSnapshot();
    expect(conversations[0]).toMatchObject({ id: chat.id, unread_count: 1 });
    expect(unreadTotal).toBe(2);
    expect(conversation(storeA, chat.id)?.unread_count).toBe(0);
  });

  it('marking read in one of B’s clients updates B’s other client', async () => {
    const [a, b] = [await signUp(target, 'a'), await signUp(target, 'b')];
    const b2 = await signIn(target, b);
    const [storeA, storeB1, storeB2] = [await startStore(a), await startStore(b), await startStore(b2)];
    const chat = await storeA.create({ title: 'two devices', participant_ids: [b.id] });
    await storeA.send(chat.id, 'one');
    await storeA.send(chat.id, 'two');
    await until('both B clients to count 2 unread', () =>
      [storeB1, storeB2].every((s) => conversation(s, chat.id)?.unread_count === 2));

    await storeB1.markRead(chat.id);
    await until('B’s other client to count 0 unread', () => conversation(storeB2, chat.id)?.unread_count === 0);
    expect(storeB2.getSnapshot().unreadTotal).toBe(0);
  });

  it('a 3-user group converges on the same messages in the same order', async () => {
    const users = [await signUp(target, 'a'), await signUp(target, 'b'), await signUp(target, 'c')];
    const group = await Promise.all(users.map(startStore));
    const chat = await group[0].create({ title: 'group', participant_ids: [users[1].id, users[2].id] });
    await until('everyone to see the group', () => group.every((s) => conversation(s, chat.id)));
    await Promise.all(group.map((store, i) => store.send(chat.id, `from user ${i}`)));

    await until('every store to hold all three', () => group.every((s) => stored(s, chat.id).length === 3));
    const orders = group.map((s) => stored(s, chat.id).map((m) => `${m.message_number}:${m.text}`));
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[2]).toEqual(orders[0]);
    expect(orders[0].map((o) => Number(o.split(':')[0]))).toEqual([1, 2, 3]);
  });
});

describe('loss and recovery', () => {
  it('B misses 20 messages while Realtime is down and holds all of them, in order, once, after it comes back', async () => {
    const [a, b] = [await signUp(target, 'a'), await signUp(target, 'b')];
    const [storeA, storeB] = [await startStore(a), await startStore(b)];
    const chat = await storeA.create({ title: 'lossy', participant_ids: [b.id] });
    await storeA.send(chat.id, 'before');
    await until('B to hold the first message', () => stored(storeB, chat.id).length === 1);

    const statuses: ChannelStatus[] = [];
    storeB.service.onStatus((status) => statuses.push(status));
    await target.stack.realtime.stop();
    for (let i = 1; i <= 20; i++) await callFunction(target, 'chat-send', { chat_id: chat.id, text: `missed ${i}` }, { apikey: target.publishableKey, authorization: `Bearer ${a.token}` });
    expect(stored(storeB, chat.id)).toHaveLength(1);
    target.stack.realtime.start();

    await until('B to catch up', () => stored(storeB, chat.id).length === 21, 30_000);
    await storeB.whenIdle();
    const numbers = stored(storeB, chat.id).map((m) => m.message_number);
    expect(numbers).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(conversation(storeB, chat.id)?.unread_count).toBe(21);
    expect(statuses).toContain('reconnecting');
    expect(statuses.at(-1)).toBe('subscribed');
  }, 60_000);

  it('duplicate and out-of-order events (3, then 2, then 3 again) leave one copy of each, in order', async () => {
    const [a, b] = [await signUp(target, 'a'), await signUp(target, 'b')];
    const storeB = await startStore(b);
    const chat = (await callFunction(target, 'chat-create', { title: 'shuffled', participant_ids: [b.id] }, { apikey: target.publishableKey, authorization: `Bearer ${a.token}` })).body.conversation;
    await until('B to see the conversation', () => conversation(storeB, chat.id));
    const sent = await callFunction(target, 'chat-send', { chat_id: chat.id, messages: [{ text: 'm1' }, { text: 'm2' }, { text: 'm3' }] }, asServer(target));
    await until('B to hold the three messages', () => stored(storeB, chat.id).length === 3);

    const [, m2, m3] = sent.body.messages;
    const event = (message: unknown) => ({ topic: `user-realtime:${b.id}`, event: 'message-insert', payload: { chat_id: chat.id, message }, private: true });
    const replay = await fetch(`${target.url}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: { apikey: target.secretKey, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [event(m3), event(m2), event(m3), event(m2)] }),
    });
    expect(replay.status).toBe(202);
    await callFunction(target, 'chat-send', { chat_id: chat.id, text: 'm4' }, asServer(target));
    await until('B to hold m4', () => stored(storeB, chat.id).some((m) => m.text === 'm4'));
    expect(stored(storeB, chat.id).map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('a send that fails with a 4xx is marked failed at once; the state never shows it as stored', async () => {
    const [a, outsider] = [await signUp(target, 'a'), await signUp(target, 'outsider')];
    const chat = (await callFunction(target, 'chat-create', { title: 'closed' }, { apikey: target.publishableKey, authorization: `Bearer ${a.token}` })).body.conversation;
    const store = await startStore(outsider);
    await expect(store.send(chat.id, 'let me in')).rejects.toMatchObject({ status: 403 });
    expect(store.getSnapshot().messages[chat.id]).toEqual([expect.objectContaining({ status: 'failed', text: 'let me in' })]);
  });
});

describe('the channel', () => {
  it('two subscribe calls open one channel; sign-out leaves none open', async () => {
    const b = await signUp(target, 'b');
    const store = await startStore(b);
    await store.service.subscribe(b.id);
    await store.service.subscribe(b.id);
    expect(b.client.getChannels().map((c) => c.topic)).toEqual([`realtime:user-realtime:${b.id}`]);

    await b.client.auth.signOut();
    await until('the service to go idle', () => store.service.status === 'idle');
    expect(b.client.getChannels()).toEqual([]);
    expect(store.getSnapshot().conversations).toEqual([]);
  });
});

describe('token refresh', () => {
  let shortLived: LocalTarget;
  beforeAll(async () => {
    shortLived = await startLocalTarget({ jwtExpirySeconds: 6 });
  }, 120_000);
  afterAll(() => shortLived?.stop());

  it('keeps the channel past the first token’s expiry when the session refreshes', async () => {
    const b = await signUp(shortLived, 'b');
    const store = new InboxStore(b.client, { onError: () => {} });
    stores.push(store);
    await store.start();
    const chat = (await callFunction(shortLived, 'chat-create', { title: 'long chat' }, { apikey: shortLived.publishableKey, authorization: `Bearer ${b.token}` })).body.conversation;
    const statuses: ChannelStatus[] = [];
    store.service.onStatus((status) => statuses.push(status));

    // Halfway through the first token's 6 s: the refreshed token expires 3 s after it.
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await sleep(3_000);
    const { error } = await b.client.auth.refreshSession();
    expect(error).toBeNull();
    await sleep(4_000);
    await callFunction(shortLived, 'chat-send', { chat_id: chat.id, text: 'still here?' }, asServer(shortLived));
    await until('the message after the first token expired', () => stored(store, chat.id).some((m) => m.text === 'still here?'));
    expect(statuses).toEqual(['subscribed']);
  }, 30_000);

  it('without a refresh the server closes the channel when the token expires', async () => {
    const b = await signUp(shortLived, 'c');
    const statuses: ChannelStatus[] = [];
    const store = new InboxStore(b.client, { onError: () => {} });
    stores.push(store);
    await store.start();
    store.service.onStatus((status) => statuses.push(status));
    await until('the channel to be closed by the server', () => statuses.includes('reconnecting'), 10_000);
  }, 20_000);
});
