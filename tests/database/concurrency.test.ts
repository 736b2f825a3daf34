// Gap-free numbering under contention: numbers are taken under the conversation row's lock.
import { expect, it } from 'vitest';
import postgres from 'postgres';
import { addUser, postgresWithConnections } from '../support/db.ts';

const CONNECTIONS = 8;
const SENDS_EACH = 500;

const pg = postgresWithConnections();

it(`${CONNECTIONS} connections × ${SENDS_EACH} sends into one conversation number 1..N with no gap or duplicate`, async () => {
  const senders = await Promise.all(Array.from({ length: CONNECTIONS }, () => addUser(pg.db)));
  const [{ id: chat }] = await pg.db.query<{ id: string }>(
    `select (chat_create('load', $1::uuid[]) -> 'conversation' ->> 'id') id
     from (select set_config('request.jwt.claims', json_build_object('sub', $2::text, 'role', 'authenticated')::text, false)) s`,
    [senders.slice(1), senders[0]],
  );

  const numbersBySender = await Promise.all(
    senders.map(async (sender) => {
      const conn = postgres(pg.db.url, { max: 1, onnotice: () => {} });
      const seen: number[] = [];
      try {
        for (let i = 0; i < SENDS_EACH; i++) {
          const [{ n }] = await conn.begin(async (tx) => {
            await tx`select set_config('role', 'authenticated', true),
                            set_config('request.jwt.claims', ${JSON.stringify({ sub: sender, role: 'authenticated' })}, true)`;
            return tx`select (chat_send(${chat}, ${tx.json([{ text: `m${i}`, client_msg_id: `${sender}:${i}` }])})
                       -> 'messages' -> 0 ->> 'message_number')::int n`;
          });
          seen.push(n);
        }
      } finally {
        await conn.end();
      }
      return seen;
    }),
  );

  const total = CONNECTIONS * SENDS_EACH;
  const rows = await pg.db.query<{ message_number: number }>(
    'select message_number from messages where chat_id = $1 order by message_number',
    [chat],
  );
  expect(rows.map((r) => r.message_number)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  for (const seen of numbersBySender) {
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  }
  const [conv] = await pg.db.query<{ last_message_number: number }>(
    'select last_message_number from conversations where id = $1',
    [chat],
  );
  expect(conv.last_message_number).toBe(total);
}, 120_000);
