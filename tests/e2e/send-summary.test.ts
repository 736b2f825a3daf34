// Issue 11, item 3: a send's summary as a conversation-update of its own (CHAT_SEND_SUMMARY=separate,
// the default) or riding on the last message-insert (inline, one Realtime message less per recipient).
// In both modes, on both engines: the wire shape each recipient gets, InboxStores kept equal to the
// database by the live events alone, and lost events repaired by the gap in numbers and by the checkpoint.
// Real functions, real Realtime, real supabase-js clients.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InboxStore } from 'supabase-realtime-inbox/client';
import { inboxMismatches, serverInbox } from '../support/inbox-check.ts';
import {
  asServer,
  asUser,
  callFunction,
  listenToInbox,
  signUp,
  startLocalTarget,
  type InboxEvent,
  type TestUser,
  waitFor,
} from '../support/stack.ts';

const stores: InboxStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.stop();
});

async function startStore(user: TestUser): Promise<InboxStore> {
  // No checkpoint polling: what a store shows comes from the events (and the catch-up after its join).
  const store = new InboxStore(user.client, { onError: () => {}, checkpointIntervalMs: 0 });
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

const ofChat = (events: InboxEvent[], chatId: string) => events.filter((e) => e.payload.chat_id === chatId);

describe.each([
  ['pglite', 'separate'],
  ['pglite', 'inline'],
  ['postgres', 'separate'],
  ['postgres', 'inline'],
] as const)('on %s, summaries %s', (engine, mode) => {
  let target: Awaited<ReturnType<typeof startLocalTarget>>;
  beforeAll(async () => {
    target = await startLocalTarget({ engine, functionEnv: { CHAT_SEND_SUMMARY: mode } });
  }, 120_000);
  afterAll(() => target?.stop());

  it('each recipient gets the messages and their own summary, in the mode’s shape', async () => {
    const [alice, bob] = await Promise.all([signUp(target, 'alice'), signUp(target, 'bob')]);
    const inbox = await listenToInbox(bob);
    const created = await callFunction(target, 'chat-create', { title: 'shape', participant_ids: [bob.id] }, asUser(target, alice));
    const chatId: string = created.body.conversation.id;
    await inbox.next((e) => e.event === 'conversation-update' && e.payload.reason === 'created', 'the creation');

    expect((await callFunction(target, 'chat-send', { chat_id: chatId, text: 'one' }, asUser(target, alice))).status).toBe(200);
    const batch = await callFunction(target, 'chat-send', { chat_id: chatId, messages: [{ text: 'two', role: 'assistant' }, { text: 'three', role: 'assistant' }] }, asServer(target));
    expect(batch.body.broadcast).toBe('sent');
    await inbox.next((e) => e.event === 'message-insert' && e.payload.message.text === 'three', 'the batch');
    // What separate mode sends after its last message-insert, so nothing more is on its way.
    if (mode === 'separate') await inbox.next((e) => e.event === 'conversation-update' && e.payload.data.last_message_number === 3, 'the batch’s summary');

    const shape = ofChat(inbox.events, chatId)
      .filter((e) => e.event !== 'conversation-update' || e.payload.reason === 'message')
      .map((e) => e.event === 'message-insert'
        ? `insert ${e.payload.message.message_number}${e.payload.conversation ? ` +summary unread ${e.payload.conversation.unread_count}` : ''}`
        : `update unread ${e.payload.data.unread_count}`);
    expect(shape).toEqual(mode === 'separate'
      ? ['insert 1', 'update unread 1', 'insert 2', 'insert 3', 'update unread 3']
      : ['insert 1 +summary unread 1', 'insert 2', 'insert 3 +summary unread 3']);
    // Inline or separate, the summary is the same conversation state.
    const summaries = ofChat(inbox.events, chatId).flatMap((e) =>
      e.event === 'message-insert' ? (e.payload.conversation ? [e.payload.conversation] : []) : e.payload.reason === 'message' ? [e.payload.data] : []
    );
    expect(summaries.at(-1)).toMatchObject({ id: chatId, last_message_number: 3, last_read_message_number: 0, unread_count: 3, last_message: { text: 'three' } });
    await inbox.close();
  }, 60_000);

  it('InboxStores follow bursts of concurrent sends and batches live, equal to the database without a checkpoint', async () => {
    const users = await Promise.all(['a', 'b', 'c'].map((name) => signUp(target, name)));
    const group = await Promise.all(users.map(startStore));
    const chat = await group[0]!.create({ title: 'live', participant_ids: users.slice(1).map((u) => u.id) });
    const quiet = await group[1]!.create({ title: 'quiet', participant_ids: [users[0]!.id, users[2]!.id] });
    await waitFor(() => group.every((s) => s.getSnapshot().conversations.length === 2), 'everyone to see both conversations');
    await Promise.all(group.slice(0, 2).map((s) => s.loadMessages(chat.id)));

    for (let round = 0; round < 3; round++) {
      await Promise.all([
        ...group.map((store, i) => store.send(chat.id, `r${round} from ${i}`)),
        callFunction(target, 'chat-send', { chat_id: chat.id, messages: [{ text: `r${round} a`, role: 'assistant' }, { text: `r${round} b`, role: 'assistant' }] }, asServer(target)),
      ]);
      await group[2]!.send(quiet.id, `quiet ${round}`);
    }
    await group[1]!.markRead(chat.id);
    await converged(users.map((u, i) => [group[i]!, u]), 'every store to match the database from live events');
    expect(group[0]!.getSnapshot().conversations[0]).toMatchObject({ id: quiet.id, unread_count: 3 });
    for (const store of group) expect(store.getSnapshot().conversations.find((c) => c.id === chat.id)).toMatchObject({ last_message_number: 15 });
  }, 90_000);

  it('an unheard send is repaired by the next message’s gap; an unheard last one by the checkpoint', async () => {
    const [alice, bob] = await Promise.all([signUp(target, 'alice'), signUp(target, 'bob')]);
    const [aliceStore, bobStore] = await Promise.all([startStore(alice), startStore(bob)]);
    const chat = await aliceStore.create({ title: 'lossy', participant_ids: [bob.id] });
    await aliceStore.send(chat.id, 'heard');
    await waitFor(() => bobStore.getSnapshot().conversations[0]?.last_message_number === 1, 'bob to see the first message');
    await bobStore.loadMessages(chat.id);
    // The RPC as Alice, without the function: stored, and nobody told (a function that died after its
    // commit, or Realtime dropping the broadcast: message-insert and summary lost alike).
    const silently = async (text: string) => {
      const { error } = await alice.client.rpc('chat_send', { chat_id: chat.id, messages: [{ text }] });
      expect(error).toBeNull();
    };

    await silently('unheard');
    await aliceStore.send(chat.id, 'heard again');
    await waitFor(() => bobStore.getSnapshot().messages[chat.id]?.length === 3, 'the gap to bring the unheard message');
    expect(bobStore.stats.gapReads).toBeGreaterThan(0);
    await converged([[bobStore, bob]], 'bob to match the database after the gap read');

    await silently('unheard last');
    expect(bobStore.getSnapshot().conversations[0]).toMatchObject({ last_message_number: 3 });
    expect(await bobStore.verify()).toBe(true);
    await bobStore.whenIdle();
    await converged([[bobStore, bob]], 'bob to match the database after the checkpoint');
    expect(bobStore.getSnapshot().conversations[0]).toMatchObject({ last_message_number: 4, unread_count: 4 });
    expect(await bobStore.verify()).toBe(false);
  }, 60_000);
});
