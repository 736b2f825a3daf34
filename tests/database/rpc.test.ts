// The core RPCs on both engines the project runs on: Postgres 15 and embedded PGlite.
// pgTAP (supabase/tests) covers the same ground in more depth on Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRecipients } from '../../supabase/functions/_shared/rpc-results.ts';
import { addUser, anon, createPgliteDb, createPostgresDb, service, user, type TestDb } from '../support/db.ts';

type SendResult = {
  messages: { id: string; message_number: number; text: string; client_msg_id: string | null }[];
  inserted_count: number;
  user_id: string | null;
  recipient_ids: string[];
  read_marks: number[];
  conversation: { id: string; last_message_number: number; participant_count: number };
};

async function expectSqlState(promise: Promise<unknown>, code: string) {
  await expect(promise).rejects.toMatchObject({ code });
}

describe.each([
  ['postgres', createPostgresDb],
  ['pglite', createPgliteDb],
] as const)('core RPCs on %s', (_engine, createDb) => {
  let db: TestDb;
  let alice: string, bob: string, eve: string;

  const send = (as: string, chatId: string, messages: unknown[]) =>
    db.as(user(as), async (q) => (await q<{ r: SendResult }>('select chat_send($1, $2::jsonb) r', [chatId, messages]))[0].r);
  const newChat = async (as: string, others: string[], isPublic = false) =>
    db.as(user(as), async (q) =>
      (await q<{ r: { conversation: { id: string } } }>('select chat_create($1, $2::uuid[], $3) r', ['t', others, isPublic]))[0].r
        .conversation.id);

  beforeAll(async () => {
    db = await createDb();
    [alice, bob, eve] = [await addUser(db), await addUser(db), await addUser(db)];
  }, 60_000);
  afterAll(() => db?.close());

  it('sends, numbers consecutively and reports each recipient unread count', async () => {
    const chat = await newChat(alice, [bob]);
    const one = await send(alice, chat, [{ text: 'hello' }]);
    expect(one.messages.map((m) => m.message_number)).toEqual([1]);
    const batch = await send(alice, chat, [{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
    expect(batch.messages.map((m) => m.message_number)).toEqual([2, 3, 4]);
    expect(Object.fromEntries(sendRecipients(batch as never).map((r) => [r.user_id, r.unread_count]))).toEqual({
      [alice]: 0,
      [bob]: 4,
    });
    expect(batch.conversation).toMatchObject({ last_message_number: 4, participant_count: 2 });
  });

  it('returns the stored message for a repeated client_msg_id instead of a duplicate', async () => {
    const chat = await newChat(alice, [bob]);
    const first = await send(alice, chat, [{ text: 'once', client_msg_id: 'retry-1' }]);
    const again = await send(alice, chat, [{ text: 'once', client_msg_id: 'retry-1' }]);
    expect(again.inserted_count).toBe(0);
    expect(again.messages[0].id).toBe(first.messages[0].id);
    const [{ n }] = await db.query<{ n: number }>('select count(*)::int n from messages where chat_id = $1', [chat]);
    expect(n).toBe(1);
    await expectSqlState(send(bob, chat, [{ text: 'mine now', client_msg_id: 'retry-1' }]), '23505');
  });

  it('refuses non-participants, unknown conversations and anon alike', async () => {
    const chat = await newChat(alice, [bob]);
    await expectSqlState(send(eve, chat, [{ text: 'let me in' }]), '42501');
    await expectSqlState(send(eve, '00000000-0000-0000-0000-000000000000', [{ text: 'x' }]), '42501');
    await expectSqlState(
      db.as(anon, (q) => q('select chat_send($1, $2::jsonb)', [chat, [{ text: 'x' }]])),
      '42501',
    );
    const [{ n }] = await db.query<{ n: number }>('select count(*)::int n from messages where chat_id = $1', [chat]);
    expect(n).toBe(0);
  });

  it('lets only the secret key send assistant messages', async () => {
    const chat = await newChat(alice, [bob]);
    await expectSqlState(send(alice, chat, [{ text: 'I am the bot', role: 'assistant' }]), '42501');
    const reply = await db.as(service, async (q) =>
      (await q<{ r: SendResult }>('select chat_send($1, $2::jsonb) r', [chat, [{ text: 'Hi, I am the assistant' }]]))[0].r);
    expect(reply.messages[0]).toMatchObject({ role: 'assistant', user_id: null });
  });

  it('treats a conversation without participant rows as its owner’s alone', async () => {
    const [{ id: chat }] = await db.query<{ id: string }>(
      'insert into conversations (user_id, title) values ($1, $2) returning id',
      [alice, 'legacy'],
    );
    await expectSqlState(send(bob, chat, [{ text: 'not yours' }]), '42501');
    const sent = await send(alice, chat, [{ text: 'still works' }]);
    expect(sendRecipients(sent as never)).toEqual([{ user_id: alice, unread_count: 0, last_read_message_number: 1 }]);
  });

  it('joins public conversations only, and reads move the mark forward', async () => {
    const priv = await newChat(alice, []);
    await expectSqlState(db.as(user(bob), (q) => q('select chat_join($1)', [priv])), '42501');
    const pub = await newChat(alice, [], true);
    await send(alice, pub, [{ text: 'before bob' }]);
    const joined = await db.as(user(bob), async (q) => (await q<{ r: { joined: boolean; recipients: unknown[] } }>('select chat_join($1) r', [pub]))[0].r);
    expect(joined.joined).toBe(true);
    expect(joined.recipients).toHaveLength(2);
    await send(alice, pub, [{ text: 'one' }, { text: 'two' }]);
    const read = await db.as(user(bob), async (q) => (await q<{ r: { unread_count: number } }>('select chat_read($1, 2) r', [pub]))[0].r);
    expect(read.unread_count).toBe(1);
  });

  it('serves the inbox and message history through RLS', async () => {
    const chat = await newChat(alice, [bob]);
    await send(alice, chat, [{ text: 'x' }, { text: 'y' }, { text: 'z' }]);
    const inbox = await db.as(user(bob), (q) => q<{ chat_inbox: { id: string; unread_count: number } }>('select chat_inbox()'));
    expect(inbox[0].chat_inbox).toMatchObject({ id: chat, unread_count: 3 });
    const after = await db.as(user(bob), (q) => q<{ message_number: number }>('select * from chat_messages($1, 1, 10)', [chat]));
    expect(after.map((m) => m.message_number)).toEqual([2, 3]);
    await expectSqlState(db.as(user(eve), (q) => q('select * from chat_messages($1)', [chat])), '42501');
    const peek = await db.as(user(eve), (q) => q('select * from messages where chat_id = $1', [chat]));
    expect(peek).toEqual([]);
  });
});
