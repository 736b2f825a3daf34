// Issue 13 in the InboxStore, end to end on one stack: edits, deletes, leaves and read-all reach the
// store live, and a store that was offline while they happened catches up (chat_changes by version)
// to exactly what a store that stayed online shows. Real functions, real Realtime, real supabase-js.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InboxStore, isOptimistic, type InboxState } from 'supabase-realtime-inbox/client';
import { inboxMismatches, serverInbox } from '../support/inbox-check.ts';
import { signIn, signUp, startLocalTarget, type TestUser, waitFor } from '../support/stack.ts';

const stores: InboxStore[] = [];

async function startStore(user: TestUser): Promise<InboxStore> {
  // No checkpoint polling: what a store shows here comes from events, or from the catch-up after a join.
  const store = new InboxStore(user.client, { onError: () => {}, checkpointIntervalMs: 0 });
  stores.push(store);
  await store.start();
  return store;
}

/** What a user sees of their inbox: the conversation list and every loaded message, as plain rows. */
function view(state: InboxState) {
  return {
    conversations: state.conversations.map((c) => ({
      id: c.id,
      last_message_number: c.last_message_number,
      last_message: c.last_message && { id: c.last_message.id, text: c.last_message.text, deleted: c.last_message.deleted_at != null },
      unread_count: c.unread_count,
      participant_count: c.participant_count,
    })),
    unreadTotal: state.unreadTotal,
    messages: Object.fromEntries(
      Object.entries(state.messages).map(([chatId, list]) => [
        chatId,
        list.filter((m) => !isOptimistic(m)).map((m) => ({ n: m.message_number, text: m.text, edited: m.edited_at != null, deleted: m.deleted_at != null })),
      ]),
    ),
  };
}

afterEach(() => {
  for (const store of stores.splice(0)) store.stop();
});

// Both engines: on Postgres the functions' transactions interleave, on PGlite they run one at a time.
describe.each(['pglite', 'postgres'] as const)('InboxStore edits, deletes, leaves and read-all on %s (issue 13)', (engine) => {
  let target: Awaited<ReturnType<typeof startLocalTarget>>;
  beforeAll(async () => {
    target = await startLocalTarget({ engine });
  }, 120_000);
  afterAll(() => target?.stop());

  it('an edit and a delete by the author show live in the other member’s store, last message included', async () => {
    const [alice, bob] = await Promise.all([signUp(target, 'alice'), signUp(target, 'bob')]);
    const [aliceStore, bobStore] = await Promise.all([startStore(alice), startStore(bob)]);
    const chat = await aliceStore.create({ title: 'live', participant_ids: [bob.id] });
    const first = await aliceStore.send(chat.id, 'first');
    const second = await aliceStore.send(chat.id, 'second');
    await waitFor(() => bobStore.getSnapshot().conversations[0]?.last_message_number === 2, 'bob to see both messages');
    await bobStore.loadMessages(chat.id);

    await aliceStore.editMessage(chat.id, first.id, 'first, edited');
    await aliceStore.deleteMessage(chat.id, second.id);
    await waitFor(() => bobStore.getSnapshot().messages[chat.id]?.[1]?.deleted_at != null, 'bob to see the delete');
    const bobs = bobStore.getSnapshot();
    expect(bobs.messages[chat.id]!.map((m) => [m.text, m.edited_at != null, m.deleted_at != null])).toEqual([
      ['first, edited', true, false],
      ['', false, true],
    ]);
    expect(bobs.conversations[0]!.last_message).toMatchObject({ id: second.id, text: '' });
    // The author's own store took the answers: the same state without waiting for its events.
    expect(view(aliceStore.getSnapshot()).messages).toEqual(view(bobs).messages);
    // Live events kept Bob in step: no chat_changes read was needed.
    expect(bobStore.stats.changeReads).toBe(0);
    expect(inboxMismatches(bobStore, await serverInbox(bob.client))).toEqual([]);
  }, 60_000);

  it('a lost change event while joined: the next event’s version gap, or the checkpoint, repairs it', async () => {
    const [alice, bob] = await Promise.all([signUp(target, 'alice'), signUp(target, 'bob')]);
    const [aliceStore, bobStore] = await Promise.all([startStore(alice), startStore(bob)]);
    const chat = await aliceStore.create({ title: 'lossy', participant_ids: [bob.id] });
    const sent = [];
    for (const text of ['one', 'two', 'three']) sent.push(await aliceStore.send(chat.id, text));
    await waitFor(() => bobStore.getSnapshot().conversations[0]?.last_message_number === 3, 'bob to see the messages');
    await bobStore.loadMessages(chat.id);
    await bobStore.whenIdle();
    // The RPC as Alice, without the function: the change is stored and nobody is told, as when a
    // function dies after its commit or Realtime drops the broadcast.
    const silently = async (name: 'chat_edit' | 'chat_delete', args: Record<string, unknown>) => {
      const { error } = await alice.client.rpc(name, { chat_id: chat.id, ...args });
      expect(error).toBeNull();
    };

    const reads = bobStore.stats.changeReads;
    await silently('chat_edit', { message_id: sent[0]!.id, text: 'one, unheard' });
    await aliceStore.editMessage(chat.id, sent[1]!.id, 'two, heard');
    await waitFor(() => bobStore.getSnapshot().messages[chat.id]?.[0]?.text === 'one, unheard', 'the version gap to bring the unheard edit');
    expect(bobStore.stats.changeReads).toBe(reads + 1);

    await silently('chat_delete', { message_id: sent[2]!.id });
    expect(await bobStore.verify()).toBe(true);
    await bobStore.whenIdle();
    expect(bobStore.getSnapshot().messages[chat.id]!.map((m) => m.text)).toEqual(['one, unheard', 'two, heard', '']);
    expect(bobStore.getSnapshot().conversations[0]!.last_message).toMatchObject({ id: sent[2]!.id, text: '' });
    expect(await bobStore.verify()).toBe(false);
  }, 60_000);

  it('a store offline during edits, deletes, leaves and read-all ends equal to one that stayed online', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(target, 'alice'), signUp(target, 'bob'), signUp(target, 'carol')]);
    const bobAway = await signIn(target, bob);
    const [aliceStore, carolStore, online, away] = await Promise.all([alice, carol, bob, bobAway].map(startStore));
    const chat = await aliceStore.create({ title: 'kept', participant_ids: [bob.id, carol.id] });
    const other = await aliceStore.create({ title: 'to leave', participant_ids: [bob.id] });
    const sent = [];
    for (const text of ['one', 'two', 'three', 'four']) sent.push(await aliceStore.send(chat.id, text));
    await aliceStore.send(other.id, 'elsewhere');
    const ready = (store: InboxStore) => store.getSnapshot().conversations.length === 2 && store.getSnapshot().conversations.some((c) => c.last_message_number === 4);
    await waitFor(() => ready(online) && ready(away) && carolStore.getSnapshot().conversations.length === 1, 'every store to see the conversations');
    await Promise.all([online.loadMessages(chat.id), away.loadMessages(chat.id), online.loadMessages(other.id), away.loadMessages(other.id)]);
    await Promise.all([online.whenIdle(), away.whenIdle()]);

    away.stop();
    await aliceStore.editMessage(chat.id, sent[0]!.id, 'one, edited');
    await aliceStore.deleteMessage(chat.id, sent[1]!.id);
    await aliceStore.editMessage(chat.id, sent[3]!.id, 'four, edited');
    await aliceStore.send(chat.id, 'five');
    await aliceStore.deleteMessage(chat.id, sent[3]!.id);
    await carolStore.leave(chat.id);
    await online.leave(other.id);
    await online.markAllRead();
    await waitFor(
      () => online.getSnapshot().conversations.length === 1 && online.getSnapshot().conversations[0]?.participant_count === 2,
      'the online store to see both leaves',
    );
    await waitFor(async () => inboxMismatches(online, await serverInbox(bob.client)).length === 0, 'the online store to match the database');
    expect(carolStore.getSnapshot().conversations).toEqual([]);

    await away.start();
    await away.whenIdle();
    expect(away.stats.changeReads).toBeGreaterThan(0);
    expect(view(away.getSnapshot())).toEqual(view(online.getSnapshot()));
    expect(view(online.getSnapshot()).messages[chat.id]).toEqual([
      { n: 1, text: 'one, edited', edited: true, deleted: false },
      { n: 2, text: '', edited: false, deleted: true },
      { n: 3, text: 'three', edited: false, deleted: false },
      { n: 4, text: '', edited: true, deleted: true },
      { n: 5, text: 'five', edited: false, deleted: false },
    ]);
    expect(view(away.getSnapshot()).unreadTotal).toBe(0);
    expect(inboxMismatches(away, await serverInbox(bob.client))).toEqual([]);
    // Still true once both stores compare with the server's checkpoint: nothing left to repair.
    expect(await away.verify()).toBe(false);
    expect(await online.verify()).toBe(false);
  }, 90_000);
});
