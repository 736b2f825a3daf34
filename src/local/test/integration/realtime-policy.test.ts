// createDatabasePolicy against the project's realtime.messages policy on both engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteWithRollback, postgresWithRollback } from '../../database.ts';
import { createDatabasePolicy, type ChannelPolicy } from '../../realtime/index.ts';
import { addUser, createPgliteDb, createPostgresDb, type TestDb } from '../../../../tests/support/db.ts';

const engines = [
  ['postgres', async () => {
    const db = await createPostgresDb();
    return { db: db as TestDb, policy: createDatabasePolicy({ withRollback: postgresWithRollback(db.sql) }) };
  }],
  ['pglite', async () => {
    const db = await createPgliteDb();
    return { db: db as TestDb, policy: createDatabasePolicy({ withRollback: pgliteWithRollback(db.pg) }) };
  }],
] as const;

describe.each(engines)('realtime channel policy on %s', (_engine, setup) => {
  let db: TestDb;
  let policy: ChannelPolicy;
  let alice: string, bob: string;
  const authed = (sub: string) => ({ role: 'authenticated', sub, exp: Math.floor(Date.now() / 1000) + 60 });
  const inbox = (id: string) => `user-realtime:${id}`;

  beforeAll(async () => {
    ({ db, policy } = await setup());
    [alice, bob] = [await addUser(db), await addUser(db)];
  }, 60_000);
  afterAll(() => db?.close());

  it('lets a user read only their own inbox topic', async () => {
    expect(await policy.canRead(authed(alice), inbox(alice))).toBe(true);
    expect(await policy.canRead(authed(alice), inbox(bob))).toBe(false);
    expect(await policy.canRead(authed(alice), 'some-other-topic')).toBe(false);
    expect(await policy.canRead(authed(alice), `${inbox(alice)}:suffix`)).toBe(false);
  });

  it('refuses anon, and passes service_role (BYPASSRLS)', async () => {
    expect(await policy.canRead({ role: 'anon' }, inbox(alice))).toBe(false);
    expect(await policy.canRead({ role: 'service_role' }, inbox(alice))).toBe(true);
  });

  it('lets no user write to any inbox, not even their own; service_role may', async () => {
    expect(await policy.canWrite(authed(alice), inbox(alice))).toBe(false);
    expect(await policy.canWrite(authed(alice), inbox(bob))).toBe(false);
    expect(await policy.canWrite({ role: 'anon' }, inbox(alice))).toBe(false);
    expect(await policy.canWrite({ role: 'service_role' }, inbox(alice))).toBe(true);
  });

  it('identifies the user only through the claims it is given (sub decides, not the token)', async () => {
    expect(await policy.canRead({ role: 'authenticated' }, inbox(alice))).toBe(false);
    expect(await policy.canRead({ role: 'authenticated', sub: bob }, inbox(bob))).toBe(true);
  });

  it('leaves nothing behind and propagates database errors', async () => {
    await policy.canRead(authed(alice), inbox(alice));
    await policy.canWrite({ role: 'service_role' }, inbox(alice));
    expect(await db.query('select count(*)::int as n from realtime.messages')).toEqual([{ n: 0 }]);
    await expect(policy.canRead({ role: 'no_such_role' }, inbox(alice))).rejects.toMatchObject({ code: '22023' });
    await expect(policy.canWrite({ role: 'no_such_role' }, inbox(alice))).rejects.toMatchObject({ code: '22023' });
    // The runner is still usable after a failed check.
    expect(await policy.canRead(authed(alice), inbox(alice))).toBe(true);
  });
});
