// The edge functions end to end: real supabase-js users subscribed to their inbox channels, the
// functions over HTTP, the database behind them. Runs against the local stack, or against
// `supabase start` + `supabase functions serve` when SUPABASE_URL and keys are set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asServer,
  asUser,
  callFunction,
  expiredToken,
  listenToInbox,
  newClient,
  signUp,
  signUpListening,
  startLocalTarget,
  startTarget,
  type Target,
  type TestUser,
  waitFor,
} from '../support/stack.ts';

let target: Target;
let alice: TestUser, bob: TestUser, carol: TestUser, eve: TestUser;
let inbox: Record<'alice' | 'bob' | 'carol' | 'eve', Awaited<ReturnType<typeof listenToInbox>>>;

const create = async (as: TestUser, body: Record<string, unknown>) => {
  const res = await callFunction(target, 'chat-create', body, asUser(target, as));
  expect(res.status).toBe(200);
  return res.body.conversation.id as string;
};
const send = (as: TestUser, body: Record<string, unknown>) => callFunction(target, 'chat-send', body, asUser(target, as));
const messagesIn = async (chatId: string) => {
  const { data, error } = await newClient(target, target.secretKey).from('messages').select('id, text').eq('chat_id', chatId);
  if (error) throw error;
  return data;
};
const isMessage = (chatId: string, text: string) => (e: { event: string; payload: any }) =>
  e.event === 'message-insert' && e.payload.chat_id === chatId && e.payload.message.text === text;

beforeAll(async () => {
  target = await startTarget();
  ({ users: { alice, bob, carol, eve }, inbox } = await signUpListening(target, ['alice', 'bob', 'carol', 'eve']));
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.values(inbox ?? {}).map((l) => l.close()));
  await target?.stop();
});

describe('the seed checklist', () => {
  it('two users in a shared conversation: B sees A’s message without refresh', async () => {
    const chat = await create(alice, { title: 'A and B', participant_ids: [bob.id] });
    await inbox.bob.next((e) => e.event === 'conversation-update' && e.payload.chat_id === chat, 'the new conversation');

    const res = await send(alice, { chat_id: chat, text: 'hi bob', client_msg_id: 'a-hi' });
    expect(res.status).toBe(200);
    expect(res.body.messages[0]).toMatchObject({ text: 'hi bob', message_number: 1, user_id: alice.id });

    const insert = await inbox.bob.next(isMessage(chat, 'hi bob'), 'alice’s message');
    expect(insert.payload.message.id).toBe(res.body.messages[0].id);
    const update = await inbox.bob.next(
      (e) => e.event === 'conversation-update' && e.payload.chat_id === chat && e.payload.reason === 'message',
      'the conversation update',
    );
    expect(update.payload).toMatchObject({ eventType: 'UPDATE', data: { unread_count: 1, last_message_number: 1 } });
    const own = await inbox.alice.next((e) => e.event === 'conversation-update' && e.payload.chat_id === chat && e.payload.reason === 'message');
    expect(own.payload.data.unread_count).toBe(0);
  });

  it('B joins via the link: A’s inbox shows it at once, and B gets the conversation as new', async () => {
    const chat = await create(alice, { title: 'open room', is_public: true });
    const res = await callFunction(target, 'chat-join', { chat_id: chat }, asUser(target, bob));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ joined: true, conversation: { id: chat, participant_count: 2 } });

    const seen = await inbox.alice.next((e) => e.payload.chat_id === chat && e.payload.reason === 'participant-joined', 'the join');
    expect(seen.payload).toMatchObject({ eventType: 'UPDATE', data: { participant_count: 2 } });
    const joined = await inbox.bob.next((e) => e.payload.chat_id === chat && e.payload.reason === 'participant-joined');
    expect(joined.payload.eventType).toBe('INSERT');

    const again = await callFunction(target, 'chat-join', { chat_id: chat }, asUser(target, bob));
    expect(again.body.joined).toBe(false);
  });

  it('a single-user chat works as before, including one without participant rows', async () => {
    const solo = await create(alice, { title: 'notes' });
    expect((await send(alice, { chat_id: solo, text: 'note to self' })).status).toBe(200);
    await inbox.alice.next(isMessage(solo, 'note to self'));

    const admin = newClient(target, target.secretKey);
    const { data, error } = await admin.from('conversations').insert({ user_id: alice.id, title: 'legacy' }).select('id').single();
    if (error) throw error;
    expect((await send(alice, { chat_id: data.id, text: 'legacy still works' })).status).toBe(200);
    await inbox.alice.next(isMessage(data.id, 'legacy still works'));
  });

  it('3+ participants all receive, each with their own unread count', async () => {
    const chat = await create(alice, { title: 'group', participant_ids: [bob.id, carol.id] });
    await send(alice, { chat_id: chat, text: 'hello group' });
    for (const listener of [inbox.alice, inbox.bob, inbox.carol]) await listener.next(isMessage(chat, 'hello group'));
    const carolsUpdate = await inbox.carol.next((e) => e.payload.chat_id === chat && e.payload.reason === 'message');
    expect(carolsUpdate.payload.data.unread_count).toBe(1);
  });
});

describe('chat-send', () => {
  let chat: string;
  beforeAll(async () => {
    chat = await create(alice, { title: 'send tests', participant_ids: [bob.id] });
  });

  it('a retry with the same client_msg_id returns the stored message, never a duplicate', async () => {
    const first = await send(alice, { chat_id: chat, text: 'once', client_msg_id: 'retry-me' });
    const second = await send(alice, { chat_id: chat, text: 'once', client_msg_id: 'retry-me' });
    expect(second.status).toBe(200);
    expect(second.body.messages[0].id).toBe(first.body.messages[0].id);
    expect((await messagesIn(chat)).filter((m) => m.text === 'once')).toHaveLength(1);
  });

  it('a batch (voice mode) is stored in one transaction with consecutive numbers, delivered in order', async () => {
    const texts = ['v1', 'v2', 'v3', 'v4', 'v5'];
    const res = await send(alice, { chat_id: chat, messages: texts.map((text) => ({ text })) });
    const numbers = res.body.messages.map((m: { message_number: number }) => m.message_number);
    expect(numbers).toEqual(numbers.map((_: number, i: number) => numbers[0] + i));
    await inbox.bob.next(isMessage(chat, 'v5'));
    const arrived = inbox.bob.events.filter((e) => e.event === 'message-insert' && texts.includes(e.payload.message.text));
    expect(arrived.map((e) => e.payload.message.text)).toEqual(texts);
  });

  it('assistant messages with the secret key are broadcast before the answer', async () => {
    const res = await callFunction(target, 'chat-send', { chat_id: chat, text: 'Here is my answer', role: 'assistant' }, asServer(target));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ broadcast: 'sent', messages: [{ role: 'assistant', user_id: null }] });
    await inbox.bob.next(isMessage(chat, 'Here is my answer'));
  });

  it('user messages are answered before the broadcast finishes', async () => {
    const res = await send(alice, { chat_id: chat, text: 'fast answer' });
    expect(res.body.broadcast).toBe('queued');
    await inbox.bob.next(isMessage(chat, 'fast answer'));
  });
});

describe('hostile and bad input: the right 4xx, a JSON error, no row, no broadcast', () => {
  let chat: string;
  beforeAll(async () => {
    chat = await create(alice, { title: 'fortress', participant_ids: [bob.id] });
    // The broadcaster paces itself to the Realtime quota: let the creation reach bob before the cases.
    await inbox.bob.next((e) => e.event === 'conversation-update' && e.payload.chat_id === chat, 'the new conversation');
  });

  const cases: [string, () => Promise<{ status: number; body: any }>, number, string][] = [
    ['invalid JSON', () => callFunction(target, 'chat-send', '{"chat_id": ', asUser(target, alice)), 400, 'invalid_json'],
    ['wrong types', () => send(alice, { chat_id: chat, text: 42 }), 400, 'invalid_body'],
    ['a missing field', () => send(alice, { chat_id: chat }), 400, 'invalid_body'],
    ['an unknown field', () => send(alice, { chat_id: chat, text: 'x', pinned: true }), 400, 'invalid_body'],
    ['whitespace text', () => send(alice, { chat_id: chat, text: '   ' }), 400, 'invalid_body'],
    ['text over 8000 characters', () => send(alice, { chat_id: chat, text: 'x'.repeat(8001) }), 400, 'invalid_body'],
    ['an empty batch', () => send(alice, { chat_id: chat, messages: [] }), 400, 'invalid_body'],
    ['a batch over 100', () => send(alice, { chat_id: chat, messages: Array.from({ length: 101 }, () => ({ text: 'm' })) }), 400, 'invalid_body'],
    ['a non-uuid id', () => send(alice, { chat_id: "x' or 1=1 --", text: 'x' }), 400, 'invalid_body'],
    ['a forged user_id', () => send(alice, { chat_id: chat, text: 'as bob', user_id: bob.id }), 400, 'invalid_body'],
    ['role assistant from a user', () => send(alice, { chat_id: chat, text: 'I am the bot', role: 'assistant' }), 403, 'forbidden'],
    ['a body over 1 MiB', () => send(alice, { chat_id: chat, text: 'x'.repeat(1_100_000) }), 413, 'body_too_large'],
    ['no JWT', () => callFunction(target, 'chat-send', { chat_id: chat, text: 'x' }, { apikey: target.publishableKey }), 401, 'unauthorized'],
    ['a garbage JWT', () => callFunction(target, 'chat-send', { chat_id: chat, text: 'x' }, { apikey: target.publishableKey, authorization: 'Bearer abc.def.ghi' }), 401, 'invalid_token'],
    ['an expired JWT', async () => callFunction(target, 'chat-send', { chat_id: chat, text: 'x' }, { apikey: target.publishableKey, authorization: `Bearer ${await expiredToken(target, alice.id)}` }), 401, 'invalid_token'],
    ['the publishable key where the secret is required', () => callFunction(target, 'chat-send', { chat_id: chat, text: 'x', role: 'assistant' }, { apikey: target.publishableKey, authorization: `Bearer ${target.publishableKey}` }), 401, 'unauthorized'],
    ['a non-participant', () => send(eve, { chat_id: chat, text: 'let me in' }), 403, 'forbidden'],
  ];

  it.each(cases)('%s', async (_name, attempt, status, code) => {
    const before = (await messagesIn(chat)).length;
    const seenBefore = inbox.bob.events.length;
    const res = await attempt();
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error: { code, message: expect.any(String) } });
    expect((await messagesIn(chat)).length).toBe(before);
    // Broadcasts reach a socket in order: if the next event after the refusal is the marker, the
    // refusal broadcast nothing.
    const marker = `marker after ${_name}`;
    await send(alice, { chat_id: chat, text: marker });
    const marked = await inbox.bob.next(isMessage(chat, marker));
    expect(inbox.bob.events.slice(seenBefore).indexOf(marked)).toBe(0);
  });

  it('a conversation that does not exist gets the same answer as one you are not in', async () => {
    const missing = await send(eve, { chat_id: '00000000-0000-4000-a000-0000000000ff', text: 'hello?' });
    const notMine = await send(eve, { chat_id: chat, text: 'hello?' });
    expect([missing.status, missing.body.error.code]).toEqual([notMine.status, notMine.body.error.code]);
  });

  it('answers OPTIONS for CORS and refuses other methods with 405', async () => {
    const options = await fetch(`${target.url}/functions/v1/chat-send`, { method: 'OPTIONS' });
    expect(options.status).toBeLessThan(300);
    expect(options.headers.get('access-control-allow-origin')).toBe('*');
    const get = await callFunction(target, 'chat-send', null, asUser(target, alice), 'GET');
    expect(get).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } });
  });

  it('user functions refuse calls without a user JWT at the gateway (verify_jwt)', async () => {
    for (const headers of [{ apikey: target.publishableKey }, asServer(target)]) {
      const res = await callFunction(target, 'chat-create', { title: 'x' }, headers);
      expect(res.status).toBe(401);
    }
  });

  it('user eve cannot join a private conversation or mark it read', async () => {
    expect((await callFunction(target, 'chat-join', { chat_id: chat }, asUser(target, eve))).status).toBe(403);
    expect((await callFunction(target, 'chat-read', { chat_id: chat }, asUser(target, eve))).status).toBe(403);
  });

  it('user eve’s inbox never heard of any of it', () => {
    expect(inbox.eve.events.filter((e) => e.payload.chat_id === chat)).toEqual([]);
  });
});

describe('chat-read', () => {
  it('all of the reader’s tabs agree on the unread count', async () => {
    const chat = await create(alice, { title: 'read me', participant_ids: [bob.id] });
    await send(alice, { chat_id: chat, messages: [{ text: 'r1' }, { text: 'r2' }] });
    const secondTab = { ...bob, client: newClient(target) };
    const tab2 = await listenToInbox(secondTab);
    try {
      const res = await callFunction(target, 'chat-read', { chat_id: chat }, asUser(target, bob));
      expect(res.body.conversation.unread_count).toBe(0);
      for (const tab of [inbox.bob, tab2]) {
        const read = await tab.next((e) => e.payload.chat_id === chat && e.payload.reason === 'read');
        expect(read.payload.data.unread_count).toBe(0);
      }
      expect(inbox.alice.events.some((e) => e.payload.chat_id === chat && e.payload.reason === 'read')).toBe(false);
    } finally {
      await tab2.close();
    }
  });
});

describe('when Realtime is unreachable', () => {
  let local: Awaited<ReturnType<typeof startLocalTarget>>;
  beforeAll(async () => {
    local = await startLocalTarget({
      functionEnv: { CHAT_BROADCAST_URL: 'http://127.0.0.1:9/realtime/v1/api/broadcast', CHAT_BROADCAST_TIMEOUT_MS: '1500' },
    });
  }, 120_000);
  afterAll(() => local?.stop());

  it('the message is still stored and returned, and the failure is logged', async () => {
    const user = await signUp(local, 'offline');
    const created = await callFunction(local, 'chat-create', { title: 'offline' }, asUser(local, user));
    const chat = created.body.conversation.id;

    const res = await callFunction(local, 'chat-send', { chat_id: chat, text: 'kept' }, asUser(local, user));
    expect(res.status).toBe(200);
    const { data } = await newClient(local, local.secretKey).from('messages').select('text').eq('chat_id', chat);
    expect(data).toEqual([{ text: 'kept' }]);
    const failure = await waitFor(
      () => local.logs.find((l) => l.event === 'chat_send_broadcast_failed' && l.chat_id === chat),
      'the broadcast failure log line',
    );
    expect(failure).toMatchObject({ function: 'chat-send', reason: expect.any(String) });

    const assistant = await callFunction(local, 'chat-send', { chat_id: chat, text: 'also kept', role: 'assistant' }, asServer(local));
    expect(assistant).toMatchObject({ status: 200, body: { broadcast: 'failed', messages: [{ text: 'also kept' }] } });
  });
});
