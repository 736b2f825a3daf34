// Issue 11, item 4: a large conversation (here from 4 members, CHAT_LARGE_CONVERSATION_MEMBERS) gets
// each message once on its members-only message topic chat-messages:<chat_id>, for those who have it
// open (InboxStore.openConversation), and everyone's inbox one coalesced conversation-update per
// window. On both engines: what each member receives, that nothing is lost (the topic's gaps and
// rejoins, the inbox checkpoint), and that no member can broadcast on the topic nor a non-member join it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InboxStore, isOptimistic, messageTopic } from 'supabase-realtime-inbox/client';
import { inboxMismatches, serverInbox } from '../support/inbox-check.ts';
import {
  asServer,
  asUser,
  callFunction,
  listenToInbox,
  signUp,
  startLocalTarget,
  type TestUser,
  waitFor,
} from '../support/stack.ts';

const WINDOW_MS = 1000;
// How long to keep listening before concluding that something was (correctly) not delivered.
const QUIET_MS = 700;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stores: InboxStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.stop();
});

async function startStore(user: TestUser, checkpointIntervalMs = 0): Promise<InboxStore> {
  const store = new InboxStore(user.client, { onError: () => {}, checkpointIntervalMs });
  stores.push(store);
  await store.start();
  return store;
}

const texts = (store: InboxStore, chatId: string) =>
  (store.getSnapshot().messages[chatId] ?? []).filter((m) => !isOptimistic(m)).map((m) => m.text);

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

describe.each(['pglite', 'postgres'] as const)('a large conversation on %s', (engine) => {
  let target: Awaited<ReturnType<typeof startLocalTarget>>;
  beforeAll(async () => {
    target = await startLocalTarget({
      engine,
      functionEnv: { CHAT_LARGE_CONVERSATION_MEMBERS: '4', CHAT_LARGE_CONVERSATION_WINDOW_MS: String(WINDOW_MS) },
    });
  }, 120_000);
  afterAll(() => target?.stop());

  /** Four members: alice sends, bob has the conversation open, carol only her inbox, dave a raw inbox listener. */
  async function cast() {
    const [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((n) => signUp(target, n)));
    const daveInbox = await listenToInbox(dave);
    const [aliceStore, bobStore, carolStore] = await Promise.all([alice, bob, carol].map((u) => startStore(u)));
    const chat = await aliceStore.create({ title: 'big', participant_ids: [bob.id, carol.id, dave.id] });
    await waitFor(() => [bobStore, carolStore].every((s) => s.getSnapshot().conversations.length === 1), 'everyone to see the conversation');
    expect(await bobStore.openConversation(chat.id)).toEqual({ status: 'joined' });
    await bobStore.whenIdle();
    return { alice, bob, carol, dave, daveInbox, aliceStore, bobStore, carolStore, chatId: chat.id };
  }

  it('the members with it open get every message live from its topic; inboxes get one update per window', async () => {
    const c = await cast();
    const small = await c.aliceStore.create({ title: 'small', participant_ids: [c.dave.id] });
    const sent = await callFunction(target, 'chat-send', { chat_id: small.id, text: 'per inbox' }, asUser(target, c.alice));
    expect(sent.status).toBe(200);
    await c.daveInbox.next((e) => e.event === 'message-insert' && e.payload.chat_id === small.id, 'a small conversation’s message on the inbox');

    const from = c.daveInbox.events.length;
    for (let i = 1; i <= 6; i++) await c.aliceStore.send(c.chatId, `m${i}`);
    await waitFor(() => texts(c.bobStore, c.chatId).length === 6, 'bob, who has it open, to hold all six');
    expect(texts(c.bobStore, c.chatId)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    // Live from the topic: nothing had to be read again.
    expect(c.bobStore.stats.gapReads).toBe(0);

    await converged([[c.aliceStore, c.alice], [c.bobStore, c.bob], [c.carolStore, c.carol]], 'every store to match the database', 20_000);
    expect(c.carolStore.getSnapshot().conversations.find((x) => x.id === c.chatId)).toMatchObject({ last_message_number: 6, unread_count: 6 });
    const mine = () => c.daveInbox.events.slice(from).filter((e) => e.payload.chat_id === c.chatId);
    await waitFor(() => mine().some((e) => e.payload.data?.last_message_number === 6), 'dave’s inbox to reach message 6');
    await sleep(WINDOW_MS + QUIET_MS);
    // No message-insert on an inbox: the first send's update at once, the rest folded into few.
    expect(mine().filter((e) => e.event === 'message-insert')).toEqual([]);
    const updates = mine().filter((e) => e.event === 'conversation-update' && e.payload.reason === 'message');
    expect(updates[0]!.payload.data).toMatchObject({ last_message_number: 1, unread_count: 1 });
    expect(updates.at(-1)!.payload.data).toMatchObject({ last_message_number: 6, unread_count: 6, last_read_message_number: 0 });
    expect(updates.length).toBeLessThan(6);
    await c.daveInbox.close();
  }, 90_000);

  it('no message is lost: a missed one shows as a gap on the topic, a topic rejoin reads what it missed, the checkpoint repairs the inbox', async () => {
    const c = await cast();
    const silently = async (text: string) => {
      const { error } = await c.alice.client.rpc('chat_send', { chat_id: c.chatId, messages: [{ text }] });
      expect(error).toBeNull();
    };
    await c.aliceStore.send(c.chatId, 'heard');
    await waitFor(() => texts(c.bobStore, c.chatId).length === 1, 'bob to hold the first message');

    // Stored without a broadcast (a function that died after its commit, or Realtime dropping it).
    await silently('unheard');
    await c.aliceStore.send(c.chatId, 'heard again');
    await waitFor(() => texts(c.bobStore, c.chatId).length === 3, 'the gap on the topic to bring the unheard message');
    expect(c.bobStore.stats.gapReads).toBeGreaterThan(0);

    // Realtime down: the topic and the inboxes hear nothing of these.
    const reads = c.bobStore.stats.feedReads;
    await target.stack.realtime.stop();
    for (const text of ['while down 1', 'while down 2']) {
      const answer = await callFunction(target, 'chat-send', { chat_id: c.chatId, text, role: 'assistant' }, asServer(target));
      expect(answer.status).toBe(200);
    }
    target.stack.realtime.start();
    await waitFor(() => texts(c.bobStore, c.chatId).length === 5, 'bob’s topic rejoin to read what it missed', 30_000);
    expect(c.bobStore.stats.feedReads).toBeGreaterThan(reads);

    await silently('unheard last');
    expect(await c.carolStore.verify()).toBe(true);
    await c.carolStore.whenIdle();
    expect(await c.bobStore.verify()).toBe(true);
    await c.bobStore.whenIdle();
    await converged([[c.bobStore, c.bob], [c.carolStore, c.carol]], 'bob and carol to match the database');
    expect(texts(c.bobStore, c.chatId)).toEqual(['heard', 'unheard', 'heard again', 'while down 1', 'while down 2', 'unheard last']);
    await c.daveInbox.close();
  }, 90_000);

  it('a member cannot broadcast on the message topic, by socket or by REST: nobody hears it', async () => {
    const c = await cast();
    const forged = { chat_id: c.chatId, message: { text: 'forged' } };
    // Bob joined the topic through his store; a second channel of his on it would be the same one.
    const carolChannel = c.carol.client.channel(messageTopic(c.chatId), { config: { private: true, broadcast: { ack: true } } });
    const heard: unknown[] = [];
    carolChannel.on('broadcast', { event: '*' }, (m) => heard.push(m));
    await c.carol.client.realtime.setAuth(c.carol.token);
    await new Promise<void>((resolve, reject) =>
      carolChannel.subscribe((status, error) => (status === 'SUBSCRIBED' ? resolve() : status !== 'CLOSED' && reject(error ?? new Error(status))))
    );
    const reply = await carolChannel.send({ type: 'broadcast', event: 'message-insert', payload: forged }, { timeout: 1500 });
    // Refused by the write check: dropped, never acknowledged.
    expect(reply).toBe('timed out');
    const rest = await fetch(`${target.url}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: { ...asUser(target, c.carol), 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ topic: messageTopic(c.chatId), event: 'message-insert', payload: forged, private: true }] }),
    });
    expect(rest.status).toBe(202);
    await sleep(QUIET_MS);
    expect(heard).toEqual([]);
    expect(texts(c.bobStore, c.chatId)).toEqual([]);
    // The server's own broadcast on it still arrives.
    await c.aliceStore.send(c.chatId, 'real');
    await waitFor(() => heard.length === 1, 'carol’s channel to hear the real message');
    await c.carol.client.removeChannel(carolChannel);
    await c.daveInbox.close();
  }, 60_000);

  it('a non-member cannot join the message topic, nor can a member who left', async () => {
    const c = await cast();
    const eve = await signUp(target, 'eve');
    const eveStore = await startStore(eve);
    expect(await eveStore.openConversation(c.chatId)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/^Unauthorized/) });
    expect(eveStore.openConversations).toEqual([]);
    expect(eve.client.getChannels().map((ch) => ch.topic)).toEqual([`realtime:user-realtime:${eve.id}`]);

    await c.carolStore.leave(c.chatId);
    expect(await c.carolStore.openConversation(c.chatId)).toMatchObject({ status: 'refused' });
    // Bob, who had it open, is removed by the owner: his store leaves the topic at once.
    const removed = await callFunction(target, 'chat-leave', { chat_id: c.chatId, user_id: c.bob.id }, asUser(target, c.alice));
    expect(removed.status).toBe(200);
    await waitFor(() => c.bobStore.openConversations.length === 0, 'bob’s store to close the topic of a conversation he was removed from');
    await c.daveInbox.close();
  }, 60_000);
});
