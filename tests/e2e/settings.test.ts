// Issue 13, per-user settings end to end on both engines: chat-settings over HTTP with real supabase-js
// users on their inbox channels (mute, archive, pin, read receipts), each "user A must not…" tried;
// the InboxStore of one tab following another live, catching up a change missed while offline or a
// lost event by the checkpoint; and read announcements that stop when the user opts out.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Member } from 'supabase-realtime-inbox-contract';
import { ConversationPresence, InboxStore, type InboxState, type ReadAnnouncement } from 'supabase-realtime-inbox/client';
import { inboxMismatches, serverInbox } from '../support/inbox-check.ts';
import {
  asUser,
  callFunction,
  type InboxEvent,
  listenToInbox,
  signIn,
  signUpListening,
  startLocalTarget,
  type Target,
  type TestUser,
  waitFor,
} from '../support/stack.ts';

type Listener = Awaited<ReturnType<typeof listenToInbox>>;

const stores: InboxStore[] = [];
const rooms: ConversationPresence[] = [];

async function startStore(user: TestUser): Promise<InboxStore> {
  // No checkpoint polling: what a store shows comes from events, the catch-up after a join, or verify().
  const store = new InboxStore(user.client, { onError: () => {}, checkpointIntervalMs: 0 });
  stores.push(store);
  await store.start();
  return store;
}

/** What a tab shows of the settings: the lists, in order, and the total. */
const settingsView = (state: InboxState) => ({
  conversations: state.conversations.map((c) => [c.id, Boolean(c.pinned), Boolean(c.muted), Boolean(c.archived)]),
  active: state.active.map((c) => c.id),
  archived: state.archived.map((c) => c.id),
  unreadTotal: state.unreadTotal,
  readReceipts: state.userSettings?.read_receipts,
});

afterEach(async () => {
  for (const store of stores.splice(0)) store.stop();
  await Promise.all(rooms.splice(0).map((r) => r.leave()));
});

describe.each(['pglite', 'postgres'] as const)('per-user settings on %s (issue 13)', (engine) => {
  let target: Target;
  let alice: TestUser, bob: TestUser, carol: TestUser, eve: TestUser;
  let inbox: Record<'alice' | 'bob' | 'carol' | 'eve', Listener>;

  const call = (name: string, as: TestUser, body: unknown) => callFunction(target, name, body, asUser(target, as));
  const create = async (as: TestUser, participants: TestUser[], title = 'settings') => {
    const res = await call('chat-create', as, { title, participant_ids: participants.map((p) => p.id) });
    expect(res.status).toBe(200);
    return res.body.conversation.id as string;
  };
  const send = async (as: TestUser, chatId: string, text: string) => {
    const res = await call('chat-send', as, { chat_id: chatId, text });
    expect(res.status).toBe(200);
    return res.body.messages[0] as { id: string; message_number: number };
  };
  const summaryOf = async (as: TestUser, chatId: string) => (await serverInbox(as.client)).find((c) => c.id === chatId)!;
  const settingsEvents = (listener: Listener, chatId: string) =>
    listener.events.filter((e: InboxEvent) => e.event === 'conversation-update' && e.payload.chat_id === chatId && e.payload.reason === 'settings');
  /** Waits for `as`'s message-insert of a message sent after everything before it: all earlier events have arrived. */
  const barrier = async (chatId: string, listeners: Listener[]) => {
    const { id } = await send(alice, chatId, 'barrier');
    for (const l of listeners) await l.next((e) => e.event === 'message-insert' && e.payload.message.id === id, 'the barrier message');
  };
  const marks = async (as: TestUser, chatId: string) => {
    const { data, error } = await as.client.rpc('chat_participants', { chat_id: chatId });
    if (error) throw error;
    return Object.fromEntries((data as { user_id: string; last_read_message_number: number | null }[]).map((p) => [p.user_id, p.last_read_message_number]));
  };

  beforeAll(async () => {
    target = await startLocalTarget({ engine });
    ({ users: { alice, bob, carol, eve }, inbox } = await signUpListening(target, ['alice', 'bob', 'carol', 'eve']));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(Object.values(inbox ?? {}).map((l) => l.close()));
    await target?.stop();
  });

  describe('chat-settings', () => {
    it('bob mutes, pins and archives: the answer and his own channel carry it, nobody else hears of it', async () => {
      const chat = await create(alice, [bob]);
      await send(alice, chat, 'hello');
      const res = await call('chat-settings', bob, { chat_id: chat, muted: true, pinned: true });
      expect(res).toMatchObject({
        status: 200,
        body: { conversation: { id: chat, muted: true, pinned: true, archived: false, settings_version: 1, unread_count: 1 } },
      });
      const event = await inbox.bob.next((e) => settingsEvents(inbox.bob, chat).includes(e), 'his settings event');
      expect(event.payload).toMatchObject({ eventType: 'UPDATE', data: { muted: true, pinned: true, settings_version: 1 } });
      expect(await summaryOf(bob, chat)).toMatchObject({ muted: true, pinned: true, settings_version: 1 });
      expect(await summaryOf(alice, chat)).toMatchObject({ muted: false, pinned: false, settings_version: 0 });

      const archived = await call('chat-settings', bob, { chat_id: chat, archived: true });
      expect(archived.body.conversation).toMatchObject({ archived: true, archived_through: 1, settings_version: 2 });
      await send(alice, chat, 'are you there?');
      expect(await summaryOf(bob, chat)).toMatchObject({ archived: false, archived_through: 1, settings_version: 2 });

      await barrier(chat, [inbox.alice, inbox.bob]);
      expect(settingsEvents(inbox.alice, chat)).toEqual([]);
      expect(settingsEvents(inbox.bob, chat)).toHaveLength(2);
    });

    it('user alice must not change bob’s settings, nor eve those of a conversation she is not in', async () => {
      const chat = await create(alice, [bob]);
      await call('chat-settings', bob, { chat_id: chat, muted: true });
      const before = await summaryOf(bob, chat);

      const forged = await call('chat-settings', alice, { chat_id: chat, muted: false, user_id: bob.id });
      expect(forged).toMatchObject({ status: 400, body: { error: { code: 'invalid_body' } } });
      const direct = await alice.client.rpc('chat_settings', { chat_id: chat, muted: false, user_id: bob.id } as never);
      expect(direct.error).not.toBeNull();
      expect((await call('chat-settings', alice, { chat_id: chat, pinned: true })).status).toBe(200);
      const outsider = await call('chat-settings', eve, { chat_id: chat, muted: false });
      expect(outsider).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
      const nowhere = await call('chat-settings', eve, { chat_id: crypto.randomUUID(), muted: true });
      expect(nowhere).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
      expect(await eve.client.rpc('chat_settings', { chat_id: chat, muted: false })).toMatchObject({ error: { code: '42501' } });

      expect(await summaryOf(bob, chat)).toEqual(before);
      expect(await summaryOf(alice, chat)).toMatchObject({ pinned: true, muted: false });
      await barrier(chat, [inbox.bob]);
      expect(settingsEvents(inbox.bob, chat)).toHaveLength(1);
      expect(inbox.eve.events.filter((e) => e.payload.chat_id === chat || e.payload.data?.id === chat)).toEqual([]);
    });

    it('refuses bad bodies with 400, a missing JWT at the gateway, and changes nothing', async () => {
      const chat = await create(alice, [bob]);
      for (const body of [{ chat_id: chat }, {}, { chat_id: chat, muted: 'yes' }, { chat_id: chat, read_receipts: false }, { read_receipts: 1 }]) {
        expect((await call('chat-settings', bob, body)).status).toBe(400);
      }
      const anonymous = await callFunction(target, 'chat-settings', { chat_id: chat, muted: true }, { apikey: target.publishableKey });
      expect(anonymous).toMatchObject({ status: 401, body: { code: 401 } });
      expect(await summaryOf(bob, chat)).toMatchObject({ muted: false, settings_version: 0 });
    });

    it('user alice must not see bob’s read mark when he opted out, by any path; he still sees his own', async () => {
      const chat = await create(alice, [bob, carol]);
      await send(alice, chat, 'one');
      await send(alice, chat, 'two');
      expect((await call('chat-read', bob, { chat_id: chat })).status).toBe(200);
      expect((await marks(alice, chat))[bob.id]).toBe(2);

      const off = await call('chat-settings', bob, { read_receipts: false });
      expect(off).toMatchObject({ status: 200, body: { settings: { read_receipts: false } } });
      const heard = await inbox.bob.next((e) => e.event === 'user-settings' && e.payload.read_receipts === false, 'his user-settings event');
      expect(heard.payload.version).toBe(off.body.settings.version);

      for (const other of [alice, carol]) expect((await marks(other, chat))[bob.id]).toBeNull();
      const members = await alice.client.rpc('chat_members', { chat_id: chat });
      expect((members.data as unknown[]).map((m) => Member.parse(m)).find((m) => m.user_id === bob.id)?.last_read_message_number).toBeNull();
      const table = await alice.client.from('conversations_participants').select('user_id, last_read_message_number').eq('conversation_id', chat);
      expect(table.data!.map((r) => r.user_id)).not.toContain(bob.id);
      const join = await alice.client.rpc('chat_join', { chat_id: chat });
      expect((join.data as any).recipients.find((r: { user_id: string }) => r.user_id === bob.id)).toMatchObject({ last_read_message_number: 0 });
      const sent = (await alice.client.rpc('chat_send', { chat_id: chat, messages: [{ text: 'direct' }] })).data as any;
      expect(sent.read_marks[sent.recipient_ids.indexOf(bob.id)]).toBe(0);
      expect((await marks(bob, chat))[bob.id]).toBe(2);
      expect((await marks(bob, chat))[alice.id]).toBe(3);

      expect((await call('chat-settings', bob, { read_receipts: true })).body.settings.read_receipts).toBe(true);
      expect((await marks(alice, chat))[bob.id]).toBe(2);
    });
  });

  describe('InboxStore', () => {
    it('pinned first, archived apart, muted out of the total, and the other tab follows live', async () => {
      const [tab1, tab2] = [await signIn(target, bob), await signIn(target, bob)];
      const [one, two] = [await startStore(tab1), await startStore(tab2)];
      const x = await create(alice, [bob], 'x');
      const y = await create(alice, [bob], 'y');
      await send(alice, x, 'x1');
      await send(alice, y, 'y1');
      // x and y themselves: bob's earlier conversations hold one message too (a barrier), and counting
      // them let the order be read before y1 had arrived (y still ordered by its creation, before x1).
      const ready = (s: InboxStore) => [x, y].every((id) => s.getSnapshot().conversations.find((c) => c.id === id)?.last_message_number === 1);
      await waitFor(() => ready(one) && ready(two), 'both tabs to see x and y');
      const ids = (s: InboxStore) => s.getSnapshot().active.map((c) => c.id).filter((id) => id === x || id === y);
      expect(ids(one)).toEqual([y, x]);

      await one.setPinned(x, true);
      expect(ids(one)).toEqual([x, y]);
      await waitFor(() => ids(two).join() === [x, y].join(), 'the other tab to pin x');

      const total = one.getSnapshot().unreadTotal;
      await one.setMuted(y, true);
      expect(one.getSnapshot().unreadTotal).toBe(total - 1);
      await waitFor(() => two.getSnapshot().unreadTotal === total - 1, 'the other tab to leave y out of the total');

      await one.setArchived(x, true);
      expect(one.getSnapshot().archived.map((c) => c.id)).toContain(x);
      expect(ids(one)).toEqual([y]);
      await waitFor(() => two.getSnapshot().archived.some((c) => c.id === x), 'the other tab to archive x');

      await send(alice, x, 'x2');
      for (const s of [one, two]) await waitFor(() => ids(s).join() === [x, y].join() && !s.getSnapshot().archived.some((c) => c.id === x), 'x back');
      for (const [s, user] of [[one, tab1], [two, tab2]] as const) {
        await s.whenIdle();
        expect(inboxMismatches(s, await serverInbox(user.client))).toEqual([]);
        expect(await s.verify()).toBe(false);
      }
      expect(settingsView(two.getSnapshot())).toEqual(settingsView(one.getSnapshot()));
    }, 90_000);

    it('a change missed while offline, and one whose event was lost, are caught up', async () => {
      const [tab1, tab2] = [await signIn(target, bob), await signIn(target, bob)];
      const [one, away] = [await startStore(tab1), await startStore(tab2)];
      const x = await create(alice, [bob], 'offline');
      await send(alice, x, 'x1');
      await waitFor(() => away.getSnapshot().conversations.some((c) => c.id === x), 'the tab to see x');

      away.stop();
      await one.setPinned(x, true);
      await one.setMuted(x, true);
      await one.setReadReceipts(false);
      await away.start();
      await away.whenIdle();
      expect(settingsView(away.getSnapshot())).toEqual(settingsView(one.getSnapshot()));
      expect(away.getSnapshot().userSettings).toMatchObject({ read_receipts: false });
      expect(await away.verify()).toBe(false);

      // Straight to the RPCs: stored, and nobody told (as when Realtime drops the broadcast).
      expect((await tab1.client.rpc('chat_settings', { chat_id: x, archived: true })).error).toBeNull();
      expect((await tab1.client.rpc('chat_set_user_settings', { read_receipts: true })).error).toBeNull();
      const archived = () => away.getSnapshot().archived.some((c) => c.id === x);
      expect(archived()).toBe(false);
      expect(await away.verify()).toBe(true);
      await away.whenIdle();
      expect(archived()).toBe(true);
      expect(away.getSnapshot().userSettings).toMatchObject({ read_receipts: true });
      expect(inboxMismatches(away, await serverInbox(tab2.client))).toEqual([]);
      expect(await away.verify()).toBe(false);
    }, 90_000);

    it('read receipts off: the other tab learns it live, and its room announces no reads until they are on again', async () => {
      const [tab1, tab2] = [await signIn(target, carol), await signIn(target, carol)];
      const [one, two] = [await startStore(tab1), await startStore(tab2)];
      const chat = await create(alice, [carol], 'receipts');
      await waitFor(() => two.getSnapshot().conversations.some((c) => c.id === chat), 'carol to see the conversation');
      expect(two.announcesReads(chat)).toBe(true);

      await one.setReadReceipts(false);
      await waitFor(() => two.getSnapshot().userSettings?.read_receipts === false, 'the other tab to hear read receipts are off');
      expect(two.announcesReads(chat)).toBe(false);

      // Alice's room has no InboxStore on its client: it hears everything. Carol's follows her store.
      const heard: ReadAnnouncement[] = [];
      const hers = new ConversationPresence(alice.client, chat, { userId: alice.id });
      const carols = new ConversationPresence(tab2.client, chat, { userId: carol.id });
      await tab2.client.realtime.setAuth(tab2.token);
      rooms.push(hers, carols);
      hers.onRead((read) => heard.push(read));
      expect([await hers.join(), await carols.join()]).toEqual([{ status: 'joined' }, { status: 'joined' }]);
      carols.read(1);
      carols.typing(); // after the read on the same socket: once alice hears it, a read would have arrived
      await waitFor(() => hers.getSnapshot().typing.includes(carol.id), 'alice to hear carol typing');
      expect(heard).toEqual([]);

      await one.setReadReceipts(true);
      await waitFor(() => two.announcesReads(chat), 'the other tab to hear read receipts are on');
      carols.read(2);
      await waitFor(() => heard.length > 0, 'alice to hear the read');
      expect(heard).toEqual([{ user_id: carol.id, message_number: 2 }]);
    }, 90_000);
  });
});
