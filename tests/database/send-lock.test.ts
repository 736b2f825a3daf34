// chat_send reads the roster before it takes the conversation's lock (issue 16). What happens
// between that read and the lock must not be lost: a joiner is a recipient, a concurrent retry of the
// same client_msg_id is one message. Each race is forced: the other transaction holds the lock, uncommitted,
// until the send has done its reads and waits for the lock.
import { expect, it } from 'vitest';
import { sendRecipients, SendResult } from '../../supabase/functions/_shared/rpc-results.ts';
import { addUser, postgresWithConnections, user } from '../support/db.ts';
import { waitFor } from '../support/wait.ts';

const pg = postgresWithConnections();

const claims = (sub: string) => JSON.stringify({ sub, role: 'authenticated' });
const connect = pg.connect;

/** Runs `sql` as `sub` in its own transaction on its own connection; resolves with its first row's `r`. */
function asUser(sub: string, text: string, params: unknown[], hold?: Promise<void>) {
  return connect().begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims(sub)}, true)`;
    const [{ r }] = await tx.unsafe(text, params as never[]);
    await hold;
    return r;
  });
}

/** Until a backend of this database (other test files send in theirs) waits for a row lock: the send has done its reads and queued for the lock. */
const sendIsWaitingForTheLock = () =>
  waitFor(async () => {
    const [{ n }] = await pg.db.query<{ n: number }>(
      `select count(*)::int n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%chat_send%'`,
    );
    return n > 0;
  }, 'the send to wait for the conversation lock');

it('a joiner who commits between the send’s roster read and its lock is a recipient', async () => {
  const [alice, bob] = [await addUser(pg.db), await addUser(pg.db)];
  const chat = await pg.db.as(user(alice), async (q) =>
    (await q<{ id: string }>(`select chat_create('open', '{}', true) -> 'conversation' ->> 'id' id`))[0].id);
  await pg.db.as(user(alice), (q) => q(`select chat_send($1, '[{"text":"before"}]')`, [chat]));

  let commitJoin!: () => void;
  const joinHeld = new Promise<void>((resolve) => (commitJoin = resolve));
  const join = asUser(bob, 'select chat_join($1) r', [chat], joinHeld);
  await waitFor(async () => (await pg.db.query<{ n: number }>(`select count(*)::int n from pg_stat_activity where datname = current_database() and query like '%chat_join%' and state = 'idle in transaction'`))[0].n > 0, 'the join to hold the lock');
  const send = asUser(alice, `select chat_send($1, '[{"text":"raced"}]') r`, [chat]);
  await sendIsWaitingForTheLock();
  commitJoin();
  await join;

  const result = SendResult.parse(await send);
  expect(result.recipient_ids.sort()).toEqual([alice, bob].sort());
  expect(result.conversation.participant_count).toBe(2);
  const bobs = sendRecipients(result).find((r) => r.user_id === bob);
  expect(bobs).toEqual({ user_id: bob, last_read_message_number: 1, unread_count: 1 });
});

it('two sends of the same client_msg_id racing for the lock store one message and both answer it', async () => {
  const [alice, bob] = [await addUser(pg.db), await addUser(pg.db)];
  const chat = await pg.db.as(user(alice), async (q) =>
    (await q<{ id: string }>(`select chat_create('t', $1::uuid[]) -> 'conversation' ->> 'id' id`, [[bob]]))[0].id);
  const body = JSON.stringify([{ text: 'once', client_msg_id: 'raced-1' }]);

  let commitFirst!: () => void;
  const firstHeld = new Promise<void>((resolve) => (commitFirst = resolve));
  const first = asUser(alice, 'select chat_send($1, $2::text::jsonb) r', [chat, body], firstHeld);
  await waitFor(async () => (await pg.db.query<{ n: number }>(`select count(*)::int n from pg_stat_activity where datname = current_database() and query like '%chat_send%' and state = 'idle in transaction'`))[0].n > 0, 'the first send to hold the lock');
  const second = asUser(alice, 'select chat_send($1, $2::text::jsonb) r', [chat, body]);
  await sendIsWaitingForTheLock();
  commitFirst();

  const [a, b] = [SendResult.parse(await first), SendResult.parse(await second)];
  expect([a.inserted_count, b.inserted_count]).toEqual([1, 0]);
  expect(b.messages[0].id).toBe(a.messages[0].id);
  const [{ n }] = await pg.db.query<{ n: number }>('select count(*)::int n from messages where chat_id = $1', [chat]);
  expect(n).toBe(1);
});
