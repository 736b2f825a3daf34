// Issue 13, typing and presence end to end on both engines: real supabase-js users on the
// members-only chat:<chat_id> topic through the local stack (gateway, Realtime, policies), and last
// seen through chat_touch_last_seen and chat_members. Each "user A must not…" case is tried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchMembers } from '../../src/client/changes.ts';
import { ConversationPresence, conversationTopic, touchLastSeen, TYPING_EVENT } from '../../src/client/conversation-presence.ts';
import { asUser, callFunction, signUp, startLocalTarget, waitFor, type Target, type TestUser } from '../support/stack.ts';

// How long to keep listening before concluding that something was (correctly) not delivered.
const QUIET_MS = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(['pglite', 'postgres'] as const)('typing and presence on %s', (engine) => {
  let target: Target;
  let alice: TestUser, bob: TestUser, carol: TestUser, eve: TestUser;
  let chat: string;
  const rooms: ConversationPresence[] = [];

  const room = async (user: TestUser, chatId = chat) => {
    await user.client.realtime.setAuth(user.token);
    const r = new ConversationPresence(user.client, chatId, { userId: user.id });
    rooms.push(r);
    return { room: r, joined: await r.join() };
  };

  beforeAll(async () => {
    target = await startLocalTarget({ engine });
    [alice, bob, carol, eve] = await Promise.all(['alice', 'bob', 'carol', 'eve'].map((n) => signUp(target, n)));
    const res = await callFunction(target, 'chat-create', { title: 'typing', participant_ids: [bob.id, carol.id] }, asUser(target, alice));
    expect(res.status).toBe(200);
    chat = res.body.conversation.id;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(rooms.map((r) => r.leave()));
    await target?.stop();
  });

  it('shows who has the conversation open, and who is typing, to another member; a leave removes them', async () => {
    const a = await room(alice);
    const b = await room(bob);
    expect([a.joined, b.joined]).toEqual([{ status: 'joined' }, { status: 'joined' }]);
    await waitFor(() => a.room.getSnapshot().online.includes(bob.id) && b.room.getSnapshot().online.includes(alice.id), 'both online');

    a.room.typing();
    await waitFor(() => b.room.getSnapshot().typing.includes(alice.id), 'bob sees alice typing');
    // The typer does not hear herself.
    expect(a.room.getSnapshot().typing).toEqual([]);

    await b.room.leave();
    await waitFor(() => !a.room.getSnapshot().online.includes(bob.id), 'bob gone');
  });

  it('user eve must not see presence of a conversation she is not in: the join is refused', async () => {
    const e = await room(eve);
    expect(e.joined).toMatchObject({ status: 'refused', reason: expect.stringMatching(/^Unauthorized: You do not have permissions to read/) });
    expect(e.room.getSnapshot()).toEqual({ typing: [], online: [] });
  });

  it('user eve must not type into a conversation she is not in: the broadcast is dropped', async () => {
    const b = await room(bob);
    expect(b.joined.status).toBe('joined');
    await eve.client.realtime.setAuth(eve.token);
    // Not joined, realtime-js falls back to the REST broadcast; its INSERT policy check skips it.
    const channel = eve.client.channel(conversationTopic(chat), { config: { private: true } });
    await channel.send({ type: 'broadcast', event: TYPING_EVENT, payload: { user_id: eve.id } });
    await eve.client.removeChannel(channel);
    await sleep(QUIET_MS);
    expect(b.room.getSnapshot().typing).toEqual([]);
  });

  it('after leaving the conversation a new join is refused', async () => {
    const c = await room(carol);
    expect(c.joined.status).toBe('joined');
    await c.room.leave();
    const left = await callFunction(target, 'chat-leave', { chat_id: chat }, asUser(target, carol));
    expect(left.status).toBe(200);
    const again = await room(carol);
    expect(again.joined.status).toBe('refused');
  });

  it('last seen: a member touches it (at most one write a minute), co-members see it in chat_members', async () => {
    const first = await touchLastSeen(bob.client);
    expect(await touchLastSeen(bob.client)).toBe(first);
    const members = await fetchMembers(alice.client, chat);
    expect(members.find((m) => m.user_id === bob.id)?.last_seen_at).not.toBeNull();
    expect(new Date(members.find((m) => m.user_id === bob.id)!.last_seen_at!).getTime()).toBe(new Date(first).getTime());
    expect(members.find((m) => m.user_id === alice.id)?.last_seen_at).toBeNull();
    const outsider = await eve.client.rpc('chat_members', { chat_id: chat });
    expect(outsider.error?.code).toBe('42501');
  });
});
