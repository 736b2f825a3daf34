// Issue 10, bug 1: a conversation's times follow its numbers, and summaries carry the server state
// that versions them. Interleavings need real concurrent transactions: Postgres only (PGlite runs
// one transaction at a time, which is why tests on it never saw the inversion).
import { describe, expect, it } from 'vitest';
import { ConversationSummary, type UserSettings } from 'supabase-realtime-inbox-contract';
import { emptyInbox, inboxCheckpoint, reduce } from 'supabase-realtime-inbox/internal';
import { addUser, ENGINES, freshDb, postgresWithConnections, user, type TestDb } from '../support/db.ts';

const claims = (sub: string) => JSON.stringify({ sub, role: 'authenticated' });

async function newChat(db: TestDb, owner: string, others: string[]): Promise<string> {
  return db.as(user(owner), async (q) =>
    (await q<{ id: string }>(`select chat_create('t', $1::uuid[]) -> 'conversation' ->> 'id' id`, [others]))[0].id);
}

/** Per message, ascending by number: its time, and whether it is later than the previous one. */
async function inversions(db: TestDb, chatId: string): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(
    `select count(*)::int n from (
       select created_at <= lag(created_at) over (order by message_number) inverted
       from messages where chat_id = $1) t where inverted`,
    [chatId],
  );
  return n;
}

describe('times under concurrency (Postgres)', () => {
  const pg = postgresWithConnections();
  const connect = pg.connect;

  it('a send whose transaction started first but locked second is later in time, as in number', async () => {
    const [alice, bob] = [await addUser(pg.db), await addUser(pg.db)];
    const chat = await newChat(pg.db, alice, [bob]);
    const [early, late] = [connect(), connect()];
    let releaseEarly!: () => void;
    const earlyMayGo = new Promise<void>((resolve) => (releaseEarly = resolve));
    let earlyStarted!: () => void;
    const earlyHasBegun = new Promise<void>((resolve) => (earlyStarted = resolve));

    // The early transaction begins (now() is fixed from here), then waits while another send commits.
    const earlySend = early.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims(alice)}, true)`;
      earlyStarted();
      await earlyMayGo;
      return tx`select chat_send(${chat}, ${tx.json([{ text: 'started first' }])}) r`;
    });
    await earlyHasBegun;
    await late.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims(bob)}, true)`;
      await tx`select pg_sleep(0.01)`;
      await tx`select chat_send(${chat}, ${tx.json([{ text: 'committed first' }])})`;
    });
    releaseEarly();
    await earlySend;

    const rows = await pg.db.query<{ message_number: number; text: string }>(
      'select message_number, text from messages where chat_id = $1 order by created_at, message_number',
      [chat],
    );
    expect(rows.map((r) => [r.message_number, r.text])).toEqual([
      [1, 'committed first'],
      [2, 'started first'],
    ]);
    expect(await inversions(pg.db, chat)).toBe(0);
    const [conv] = await pg.db.query<{ behind: boolean }>(
      `select c.updated_at = (select max(created_at) from messages m where m.chat_id = c.id) behind
       from conversations c where c.id = $1`,
      [chat],
    );
    expect(conv.behind).toBe(true);
  });

  it('bursts of 8 concurrent senders into one conversation: created_at strictly ascends with message_number', async () => {
    const senders = await Promise.all(Array.from({ length: 8 }, () => addUser(pg.db)));
    const chat = await newChat(pg.db, senders[0], senders.slice(1));
    await Promise.all(
      senders.map(async (sender) => {
        const conn = connect();
        for (let i = 0; i < 60; i++) {
          await conn.begin(async (tx) => {
            await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims(sender)}, true)`;
            // A little work before the lock, as PostgREST does: the window in which now() goes stale.
            await tx`select count(*) from conversations_participants where user_id = ${sender}`;
            await tx`select chat_send(${chat}, ${tx.json(i % 10 === 0 ? [{ text: 'a' }, { text: 'b' }] : [{ text: 'm' }])})`;
          });
        }
      }),
    );
    const [{ n }] = await pg.db.query<{ n: number }>('select count(*)::int n from messages where chat_id = $1', [chat]);
    expect(n).toBe(8 * 66);
    expect(await inversions(pg.db, chat)).toBe(0);
  }, 120_000);
});

describe.each(ENGINES)('summary versions on %s', (_engine, createDb) => {
  const fresh = freshDb(createDb);

  type Summary = { version: number; last_message_number: number; unread_count: number; last_read_message_number: number; updated_at: string };
  const inbox = (as: string) => fresh.db.as(user(as), async (q) => (await q<{ s: Summary & { id: string } }>('select chat_inbox() s')).map((r) => r.s));

  it('every change of a conversation raises its version; summaries carry it and the reader’s own read mark', async () => {
    const [alice, bob] = [await addUser(fresh.db), await addUser(fresh.db)];
    const chat = await newChat(fresh.db, alice, [bob]);
    const [created] = await inbox(bob);
    const sent = await fresh.db.as(user(alice), async (q) =>
      (await q<{ r: { conversation: Summary } }>(`select chat_send($1, '[{"text":"a"},{"text":"b"}]') r`, [chat]))[0].r);
    expect(sent.conversation.version).toBeGreaterThan(created.version);
    const [afterSend] = await inbox(bob);
    expect(afterSend).toMatchObject({ version: sent.conversation.version, last_message_number: 2, last_read_message_number: 0, unread_count: 2 });
    const read = await fresh.db.as(user(bob), async (q) =>
      (await q<{ r: { last_read_message_number: number; conversation: Summary } }>('select chat_read($1, 1) r', [chat]))[0].r);
    expect(read).toMatchObject({ last_read_message_number: 1, conversation: { version: afterSend.version } });
    expect((await inbox(bob))[0]).toMatchObject({ last_read_message_number: 1, unread_count: 1 });
    expect((await inbox(alice))[0]).toMatchObject({ last_read_message_number: 2, unread_count: 0 });
  });

  it('chat_inbox_checkpoint equals the checkpoint a client computes from chat_inbox, and moves with every change', async () => {
    const [alice, bob, carol] = [await addUser(fresh.db), await addUser(fresh.db), await addUser(fresh.db)];
    const checkpoint = () => fresh.db.as(user(bob), async (q) => (await q<{ c: unknown }>('select chat_inbox_checkpoint() c'))[0].c);
    const client = async () => {
      const summaries = (await inbox(bob)).map((s) => ConversationSummary.parse(s));
      const settings = await fresh.db.as(user(bob), async (q) => (await q<{ s: UserSettings }>('select chat_user_settings() s'))[0].s);
      const held = reduce(emptyInbox, { type: 'user-settings-received', settings });
      return inboxCheckpoint(reduce(held, { type: 'inbox-received', conversations: summaries, heldBefore: {} }));
    };
    const seen: unknown[] = [];
    const step = async () => {
      const server = await checkpoint();
      expect(server).toEqual(await client());
      expect(seen).not.toContainEqual(server);
      seen.push(server);
    };
    await step();
    const chat = await newChat(fresh.db, alice, [bob]);
    await step();
    await fresh.db.as(user(alice), (q) => q(`select chat_send($1, '[{"text":"a"}]')`, [chat]));
    await step();
    await fresh.db.as(user(bob), (q) => q('select chat_read($1)', [chat]));
    await step();
    // Settings move no conversation version: the checkpoint's settings number shows them.
    await fresh.db.as(user(bob), (q) => q('select chat_settings($1, muted => true, pinned => true)', [chat]));
    await step();
    await fresh.db.as(user(bob), (q) => q('select chat_settings($1, archived => true)', [chat]));
    await step();
    await fresh.db.as(user(bob), (q) => q('select chat_set_user_settings(false)'));
    await step();
    const open = await newChat(fresh.db, carol, []);
    await fresh.db.query('update conversations set is_public = true where id = $1', [open]);
    await fresh.db.as(user(bob), (q) => q('select chat_join($1)', [open]));
    await step();
    await fresh.db.as(user(carol), (q) => q(`select chat_send($1, '[{"text":"b"}]')`, [open]));
    await step();
    await fresh.db.query('delete from conversations_participants where conversation_id = $1 and user_id = $2', [chat, bob]);
    await step();
  });

  it('chat_inbox orders by microseconds, then id', async () => {
    const owner = await addUser(fresh.db);
    const ids = [await newChat(fresh.db, owner, []), await newChat(fresh.db, owner, []), await newChat(fresh.db, owner, [])];
    await fresh.db.query(`update conversations set updated_at = '2026-12-01 10:00:00.000500+00' where id = any($1::uuid[])`, [ids]);
    await fresh.db.query(`update conversations set updated_at = '2026-12-01 10:00:00.000900+00' where id = $1`, [ids[2]]);
    const order = (await inbox(owner)).map((s) => s.id);
    expect(order).toEqual([ids[2], ...[ids[0], ids[1]].sort()]);
  });
});
