// Issue 13 end to end, on both engines: edit, delete, leave, members, mark all read and catch-up by
// the conversation version, with real supabase-js users on their inbox channels and the functions
// over HTTP. Each "user A must not…" case is tried and must change nothing and broadcast nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Changes, Member } from 'supabase-realtime-inbox-contract';
import { ChatApiError } from '../../src/client/api.ts';
import {
  applyChanges,
  changeGap,
  deleteMessage,
  editMessage,
  fetchChanges,
  fetchMembers,
  leaveConversation,
  markAllRead,
} from '../../src/client/changes.ts';
import {
  asServer,
  asUser,
  callFunction,
  type InboxEvent,
  listenToInbox,
  newClient,
  signUpListening,
  startLocalTarget,
  type Target,
  type TestUser,
} from '../support/stack.ts';

type Listener = Awaited<ReturnType<typeof listenToInbox>>;

/** Joins a private channel on `topic` and reports whether Realtime let the user in. */
async function joinTopic(user: TestUser, topic: string): Promise<'SUBSCRIBED' | 'refused'> {
  await user.client.realtime.setAuth(user.token);
  const channel = user.client.channel(topic, { config: { private: true } });
  try {
    return await new Promise((resolve) => {
      channel.subscribe((status) => {
        if (status === 'SUBSCRIBED') resolve('SUBSCRIBED');
        if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT' || status === 'CLOSED') resolve('refused');
      });
    });
  } finally {
    await user.client.removeChannel(channel);
  }
}

describe.each(['pglite', 'postgres'] as const)('issue 13 features on %s', (engine) => {
  let target: Target;
  let alice: TestUser, bob: TestUser, carol: TestUser, eve: TestUser;
  let inbox: Record<'alice' | 'bob' | 'carol' | 'eve', Listener>;

  const call = (name: string, as: TestUser | 'server', body: Record<string, unknown>) =>
    callFunction(target, name, body, as === 'server' ? asServer(target) : asUser(target, as));
  const create = async (as: TestUser, body: Record<string, unknown>) => {
    const res = await call('chat-create', as, body);
    expect(res.status).toBe(200);
    return res.body.conversation.id as string;
  };
  const send = async (as: TestUser, chatId: string, text: string) => {
    const res = await call('chat-send', as, { chat_id: chatId, text });
    expect(res.status).toBe(200);
    return res.body.messages[0] as { id: string; message_number: number };
  };
  const storedText = async (messageId: string) => {
    const { data, error } = await newClient(target, target.secretKey).from('messages').select('text').eq('id', messageId).single();
    if (error) throw error;
    return data.text as string;
  };
  const changes = async (as: TestUser, chatId: string, afterNumber: number, afterVersion: number) => {
    const { data, error } = await as.client.rpc('chat_changes', { chat_id: chatId, after_number: afterNumber, after_version: afterVersion });
    if (error) throw error;
    return Changes.parse(data);
  };
  const about = (event: string, chatId: string, extra: (e: InboxEvent) => boolean = () => true) => (e: InboxEvent) =>
    e.event === event && e.payload.chat_id === chatId && extra(e);

  beforeAll(async () => {
    target = await startLocalTarget({ engine });
    ({ users: { alice, bob, carol, eve }, inbox } = await signUpListening(target, ['alice', 'bob', 'carol', 'eve']));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(Object.values(inbox ?? {}).map((l) => l.close()));
    await target?.stop();
  });

  describe('chat-edit', () => {
    let chat: string;
    beforeAll(async () => {
      chat = await create(alice, { title: 'edits', participant_ids: [bob.id] });
    });

    it('the author edits: every participant gets message-update with edited_at and the next version', async () => {
      const sent = await send(alice, chat, 'helo');
      const before = await changes(alice, chat, 0, 0);
      const res = await call('chat-edit', alice, { chat_id: chat, message_id: sent.id, text: 'hello', meta: { fixed: true } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ message: { id: sent.id, text: 'hello', meta: { fixed: true } }, version: before.version + 1 });
      for (const listener of [inbox.alice, inbox.bob]) {
        const update = await listener.next(about('message-update', chat), 'the edit');
        expect(update.payload).toMatchObject({ version: before.version + 1, message: { id: sent.id, text: 'hello' } });
        expect(update.payload.message.edited_at).toEqual(expect.any(String));
      }
    });

    it('user bob must not edit alice’s message: 403, nothing stored, nothing broadcast', async () => {
      const sent = await send(alice, chat, 'mine');
      const res = await call('chat-edit', bob, { chat_id: chat, message_id: sent.id, text: 'now mine' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect(await storedText(sent.id)).toBe('mine');
      const outsider = await call('chat-edit', eve, { chat_id: chat, message_id: sent.id, text: 'eve was here' });
      expect(outsider.status).toBe(403);
      expect(await storedText(sent.id)).toBe('mine');
      // A later edit arrives; the refused ones never did.
      await call('chat-edit', alice, { chat_id: chat, message_id: sent.id, text: 'still mine' });
      await inbox.bob.next(about('message-update', chat, (e) => e.payload.message.text === 'still mine'));
      const texts = inbox.bob.events.filter(about('message-update', chat)).map((e) => e.payload.message.text);
      expect(texts).not.toContain('now mine');
      expect(texts).not.toContain('eve was here');
    });

    it('bad bodies are 400 and an unknown message is 404', async () => {
      const sent = await send(alice, chat, 'target');
      expect((await call('chat-edit', alice, { chat_id: chat, message_id: sent.id, text: '  ' })).status).toBe(400);
      expect((await call('chat-edit', alice, { chat_id: chat, message_id: 'nope', text: 'x' })).status).toBe(400);
      const missing = await call('chat-edit', alice, { chat_id: chat, message_id: crypto.randomUUID(), text: 'x' });
      expect(missing).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
      for (const name of ['chat-edit', 'chat-delete', 'chat-leave']) {
        const anonymous = await callFunction(target, name, { chat_id: chat, message_id: sent.id, text: 'x' }, { apikey: target.publishableKey });
        expect(anonymous).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
      }
      expect(await storedText(sent.id)).toBe('target');
    });

    it('the secret key edits an assistant message', async () => {
      const res = await call('chat-send', 'server', { chat_id: chat, text: 'draft answer', role: 'assistant' });
      const id = res.body.messages[0].id;
      const edit = await call('chat-edit', 'server', { chat_id: chat, message_id: id, text: 'final answer' });
      expect(edit.status).toBe(200);
      await inbox.bob.next(about('message-update', chat, (e) => e.payload.message.text === 'final answer'));
    });
  });

  describe('chat-delete', () => {
    let chat: string;
    beforeAll(async () => {
      chat = await create(alice, { title: 'deletes', participant_ids: [bob.id, carol.id] });
    });

    it('user bob (a member, not the owner) must not delete alice’s message', async () => {
      const sent = await send(alice, chat, 'keep me');
      const res = await call('chat-delete', bob, { chat_id: chat, message_id: sent.id });
      expect(res.status).toBe(403);
      expect(await storedText(sent.id)).toBe('keep me');
      expect((await call('chat-delete', eve, { chat_id: chat, message_id: sent.id })).status).toBe(403);
      expect(await storedText(sent.id)).toBe('keep me');
      expect(inbox.carol.events.filter(about('message-delete', chat))).toHaveLength(0);
    });

    it('the author deletes: a tombstone for everyone, and the inbox preview follows', async () => {
      const sent = await send(bob, chat, 'oops, wrong chat');
      const res = await call('chat-delete', bob, { chat_id: chat, message_id: sent.id });
      expect(res.status).toBe(200);
      expect(res.body.message).toMatchObject({ id: sent.id, text: '', meta: {} });
      expect(res.body.message.deleted_at).toEqual(expect.any(String));
      for (const listener of [inbox.alice, inbox.bob, inbox.carol]) {
        const deleted = await listener.next(about('message-delete', chat, (e) => e.payload.message.id === sent.id), 'the delete');
        expect(deleted.payload.message.text).toBe('');
      }
      const { data } = await carol.client.rpc('chat_inbox');
      const summary = (data as any[]).find((c) => c.id === chat);
      expect(summary.last_message).toMatchObject({ id: sent.id, text: '' });
      expect(summary.last_message.deleted_at).not.toBeNull();
    });

    it('the owner deletes a member’s message; deleting again is a no-op that repeats the broadcast', async () => {
      const sent = await send(carol, chat, 'spam');
      const first = await call('chat-delete', alice, { chat_id: chat, message_id: sent.id });
      expect(first.status).toBe(200);
      const again = await call('chat-delete', alice, { chat_id: chat, message_id: sent.id });
      expect(again.status).toBe(200);
      expect(again.body.version).toBe(first.body.version);
      await inbox.carol.next(() => inbox.carol.events.filter(about('message-delete', chat, (e) => e.payload.message.id === sent.id)).length === 2);
    });
  });

  describe('chat-leave', () => {
    it('bob leaves: he gets DELETE (left) and loses access at once; the others get participant-left', async () => {
      const chat = await create(alice, { title: 'leaving', participant_ids: [bob.id, carol.id] });
      await send(alice, chat, 'before bob left');
      const res = await call('chat-leave', bob, { chat_id: chat });
      expect(res).toMatchObject({ status: 200, body: { reason: 'left', conversation_deleted: false } });

      const gone = await inbox.bob.next(about('conversation-update', chat, (e) => e.payload.eventType === 'DELETE'), 'his DELETE');
      expect(gone.payload.reason).toBe('left');
      for (const listener of [inbox.alice, inbox.carol]) {
        const seen = await listener.next(about('conversation-update', chat, (e) => e.payload.reason === 'participant-left'));
        expect(seen.payload).toMatchObject({ eventType: 'UPDATE', data: { participant_count: 2 } });
      }

      // User bob must not read the conversation after leaving: not by table, RPC, catch-up or topic.
      const table = await bob.client.from('messages').select('id').eq('chat_id', chat);
      expect(table.data).toEqual([]);
      const history = await bob.client.rpc('chat_messages', { chat_id: chat });
      expect(history.error?.code).toBe('42501');
      const caughtUp = await bob.client.rpc('chat_changes', { chat_id: chat, after_number: 0, after_version: 0 });
      expect(caughtUp.error?.code).toBe('42501');
      const { data: inboxRows } = await bob.client.rpc('chat_inbox');
      expect((inboxRows as any[]).map((c) => c.id)).not.toContain(chat);
      expect(await joinTopic(bob, `chat:${chat}`)).toBe('refused');
      expect(await joinTopic(carol, `chat:${chat}`)).toBe('SUBSCRIBED');
      expect((await call('chat-send', bob, { chat_id: chat, text: 'still here?' })).status).toBe(403);
    });

    it('only the owner removes others: bob must not remove anyone; alice removes carol (removed)', async () => {
      const chat = await create(alice, { title: 'moderated', participant_ids: [bob.id, carol.id] });
      const refused = await call('chat-leave', bob, { chat_id: chat, user_id: carol.id });
      expect(refused.status).toBe(403);
      expect((await call('chat-leave', eve, { chat_id: chat, user_id: carol.id })).status).toBe(403);
      const members = await carol.client.rpc('chat_members', { chat_id: chat });
      expect((members.data as unknown[]).map((m) => Member.parse(m).user_id).sort()).toEqual([alice.id, bob.id, carol.id].sort());

      const res = await call('chat-leave', alice, { chat_id: chat, user_id: carol.id });
      expect(res).toMatchObject({ status: 200, body: { reason: 'removed', user_id: carol.id } });
      const gone = await inbox.carol.next(about('conversation-update', chat, (e) => e.payload.eventType === 'DELETE'));
      expect(gone.payload.reason).toBe('removed');
      await inbox.bob.next(about('conversation-update', chat, (e) => e.payload.reason === 'participant-left'));
      expect((await carol.client.rpc('chat_members', { chat_id: chat })).error?.code).toBe('42501');
    });
  });

  describe('chat_members', () => {
    it('lists role, joined_at, read mark and last seen (null until presence exists)', async () => {
      const chat = await create(alice, { title: 'roster', participant_ids: [bob.id] });
      await send(alice, chat, 'one');
      await send(alice, chat, 'two');
      await call('chat-read', bob, { chat_id: chat, up_to_number: 1 });
      const { data, error } = await bob.client.rpc('chat_members', { chat_id: chat });
      expect(error).toBeNull();
      const members = (data as unknown[]).map((m) => Member.parse(m));
      expect(members.find((m) => m.user_id === alice.id)).toMatchObject({ role: 'owner', last_read_message_number: 2, last_seen_at: null });
      expect(members.find((m) => m.user_id === bob.id)).toMatchObject({ role: 'member', last_read_message_number: 1, invited_by: alice.id });
      expect((await eve.client.rpc('chat_members', { chat_id: chat })).error?.code).toBe('42501');
    });
  });

  describe('chat-read {all: true}', () => {
    it('one request reads every conversation; the reader’s channel gets one conversations-read event', async () => {
      const chats = await Promise.all(['r1', 'r2', 'r3'].map((title) => create(alice, { title, participant_ids: [carol.id] })));
      for (const chat of chats) await send(alice, chat, `unread in ${chat}`);
      const res = await call('chat-read', carol, { all: true });
      expect(res.status).toBe(200);
      expect(res.body.conversations.map((c: { chat_id: string }) => c.chat_id)).toEqual(expect.arrayContaining(chats));

      const event = await inbox.carol.next((e) => e.event === 'conversations-read', 'the read-all event');
      expect(event.payload.all).toBe(true);
      expect(event.payload.conversations).toEqual(expect.arrayContaining(chats.map((chat_id) => ({ chat_id, last_read_message_number: 1 }))));
      expect(inbox.carol.events.filter((e) => e.event === 'conversations-read')).toHaveLength(1);
      const { data } = await carol.client.rpc('chat_inbox');
      expect((data as { unread_count: number }[]).reduce((sum, c) => sum + c.unread_count, 0)).toBe(0);
      expect(inbox.alice.events.filter((e) => e.event === 'conversations-read')).toHaveLength(0);
    });

    it('{all: true} takes nothing else, and nothing unread sends nothing', async () => {
      expect((await call('chat-read', carol, { all: true, chat_id: crypto.randomUUID() })).status).toBe(400);
      expect((await call('chat-read', carol, { all: false })).status).toBe(400);
      const empty = await call('chat-read', eve, { all: true });
      expect(empty).toMatchObject({ status: 200, body: { conversations: [] } });
    });
  });

  describe('catch-up by version', () => {
    it('a client offline during edits and deletes ends with exactly the rows of one that stayed online', async () => {
      const chat = await create(alice, { title: 'offline', participant_ids: [bob.id] });
      const m1 = await send(alice, chat, 'one');
      const m2 = await send(alice, chat, 'two');
      const m3 = await send(bob, chat, 'three');
      // Bob's copy as he goes offline: messages up to 3 and the conversation's version.
      const offline = await changes(bob, chat, 0, 0);
      const held = new Map(offline.messages.map((m) => [m.id, m]));

      await call('chat-edit', alice, { chat_id: chat, message_id: m1.id, text: 'one, edited' });
      await call('chat-delete', alice, { chat_id: chat, message_id: m2.id });
      await call('chat-edit', bob, { chat_id: chat, message_id: m3.id, text: 'three, edited' });
      await call('chat-edit', bob, { chat_id: chat, message_id: m3.id, text: 'three, edited twice' });
      await send(alice, chat, 'four');

      // The events carry consecutive versions: a client that saw V and then V+2 knows it missed one.
      await inbox.bob.next(about('message-update', chat, (e) => e.payload.message.text === 'three, edited twice'));
      const versions = inbox.bob.events
        .filter((e) => (e.event === 'message-update' || e.event === 'message-delete') && e.payload.chat_id === chat)
        .map((e) => e.payload.version);
      expect(versions).toEqual([1, 2, 3, 4].map((n) => offline.version + n));

      const caught = await changes(bob, chat, 3, offline.version);
      expect(caught.changed.map((m) => m.id)).toEqual([m1.id, m2.id, m3.id]);
      expect(caught.messages.map((m) => m.text)).toEqual(['four']);
      expect(caught.complete).toBe(true);
      expect(caught.conversation).toMatchObject({ id: chat, last_message_number: 4, unread_count: 1 });
      for (const m of [...caught.changed, ...caught.messages]) held.set(m.id, m);

      const online = await changes(alice, chat, 0, 0);
      expect(caught.version).toBe(online.version);
      expect([...held.values()].sort((a, b) => a.message_number - b.message_number)).toEqual(online.messages);
    });
  });

  describe('catch-up of a leave', () => {
    it('a member offline during a leave sees it in chat_changes; the one who left finds the conversation gone', async () => {
      const chat = await create(alice, { title: 'offline leave', participant_ids: [bob.id, carol.id] });
      await send(alice, chat, 'hi all');
      const before = await changes(carol, chat, 1, 0);
      expect(before.conversation.participant_count).toBe(3);

      expect((await call('chat-leave', bob, { chat_id: chat })).status).toBe(200);

      const after = await changes(carol, chat, 1, before.version);
      expect(after.version).toBe(before.version + 1);
      expect(after.conversation.participant_count).toBe(2);
      expect(after).toMatchObject({ messages: [], changed: [], complete: true });
      const { data } = await bob.client.rpc('chat_inbox');
      expect((data as { id: string }[]).map((c) => c.id)).not.toContain(chat);
    });
  });

  describe('the client library', () => {
    it('edits, deletes, catches up, lists members, reads all and leaves through src/client', async () => {
      const chat = await create(alice, { title: 'library', participant_ids: [bob.id] });
      const first = await send(alice, chat, 'frist');
      const second = await send(bob, chat, 'to delete');
      const start = await fetchChanges(bob.client, chat, 0, 0);

      const edited = await editMessage(alice.client, { chat_id: chat, message_id: first.id, text: 'first' });
      expect(changeGap(start.version, edited.version)).toBe('next');
      const refused = await editMessage(bob.client, { chat_id: chat, message_id: first.id, text: 'mine now' }).catch((e) => e);
      expect(refused).toBeInstanceOf(ChatApiError);
      expect(refused).toMatchObject({ status: 403, code: 'forbidden', retryable: false });
      const deleted = await deleteMessage(bob.client, { chat_id: chat, message_id: second.id });
      expect(changeGap(start.version, deleted.version)).toBe('gap');

      const caught = await fetchChanges(bob.client, chat, 2, start.version);
      const merged = applyChanges(start.messages, caught);
      expect(merged.map((m) => m.text)).toEqual(['first', '']);
      expect(merged).toEqual((await fetchChanges(alice.client, chat, 0, 0)).messages);

      expect((await fetchMembers(bob.client, chat)).map((m) => m.role).sort()).toEqual(['member', 'owner']);
      await send(alice, chat, 'unread for bob');
      expect((await markAllRead(bob.client)).conversations).toContainEqual({ chat_id: chat, last_read_message_number: 3 });
      expect(await leaveConversation(bob.client, { chat_id: chat })).toMatchObject({ reason: 'left', user_id: bob.id });
      const after = await fetchMembers(bob.client, chat).catch((e) => e);
      expect(after).toMatchObject({ code: '42501' });
    });
  });
});
