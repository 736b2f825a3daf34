// The change sequence under contention: concurrent edits, deletes and sends of one conversation each
// move conversations.version by exactly one, in commit order, so clients can treat a jump as a gap.
import { expect, it } from 'vitest';
import postgres from 'postgres';
import { addUser, postgresWithConnections } from '../support/db.ts';

const CONNECTIONS = 6;
const CHANGES_EACH = 60;

const pg = postgresWithConnections();

it(`${CONNECTIONS} connections × ${CHANGES_EACH} edits, deletes and sends: versions V+1..V+N, none twice, none skipped`, async () => {
  const users = await Promise.all(Array.from({ length: CONNECTIONS }, () => addUser(pg.db)));
  const claims = (sub: string) => JSON.stringify({ sub, role: 'authenticated' });
  const [{ id: chat }] = await pg.db.query<{ id: string }>(
    `select (chat_create('busy', $1::uuid[]) -> 'conversation' ->> 'id') id
     from (select set_config('request.jwt.claims', $2, false)) s`,
    [users.slice(1), claims(users[0])],
  );
  const [{ version: start }] = await pg.db.query<{ version: string }>('select version from conversations where id = $1', [chat]);

  const seenByUser = await Promise.all(
    users.map(async (user) => {
      const conn = postgres(pg.db.url, { max: 1, onnotice: () => {} });
      const seen: number[] = [];
      const as = <T>(query: (tx: postgres.TransactionSql) => Promise<T>) =>
        conn.begin(async (tx) => {
          await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims(user)}, true)`;
          return query(tx);
        }) as Promise<T>;
      try {
        let own: string | null = null;
        for (let i = 0; i < CHANGES_EACH; i++) {
          if (own === null || i % 3 === 0) {
            const [{ id }] = await as((tx) => tx`select (chat_send(${chat}, ${tx.json([{ text: `m${i}` }])}) -> 'messages' -> 0 ->> 'id') id`);
            own = id;
            continue;
          }
          const [{ v }] = i % 3 === 1
            ? await as((tx) => tx`select (chat_edit(${chat}, ${own}, ${`edit ${i}`}) ->> 'version')::bigint v`)
            : await as((tx) => tx`select (chat_delete(${chat}, ${own}) ->> 'version')::bigint v`);
          seen.push(Number(v));
          if (i % 3 === 2) own = null;
        }
      } finally {
        await conn.end();
      }
      return seen;
    }),
  );

  const [{ version: end, sends }] = await pg.db.query<{ version: string; sends: number }>(
    'select c.version, (select count(*)::int from messages m where m.chat_id = c.id) sends from conversations c where c.id = $1',
    [chat],
  );
  const changeVersions = seenByUser.flat().sort((a, b) => a - b);
  // Every send and every change moved the version once: nothing else did, nothing twice.
  expect(Number(end) - Number(start)).toBe(sends + changeVersions.length);
  expect(new Set(changeVersions).size).toBe(changeVersions.length);
  for (const seen of seenByUser) expect(seen).toEqual([...seen].sort((a, b) => a - b));
  // Each changed message carries the version of its last change, so chat_changes returns it once.
  const stamped = await pg.db.query<{ version: string }>(
    'select version from messages where chat_id = $1 and version is not null order by version',
    [chat],
  );
  expect(stamped.length).toBeLessThanOrEqual(changeVersions.length);
  for (const { version } of stamped) expect(changeVersions).toContain(Number(version));
}, 120_000);
