// lite's driver holds back BEGIN and the settings statements and sends them with the next statement
// (lite-statements.ts). Settings must arrive intact whatever they hold, and a held statement's error
// must not vanish: it is the next statement's.
import { PGlite } from '@electric-sql/pglite';
import type { Connection } from '@supabase/lite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferStatements, inlineParameters } from '../../lite-statements.ts';
import { createScratchDatabase } from '../../scratch-database.ts';

const HELD = '/* deferrable */ select set_config($1, $2, true)';
const awkward = `it's a \\ backslash, "quotes", $1 and ; semicolons`;

it('writes parameters as literals that read back as the same text', () => {
  expect(inlineParameters(HELD, ['a.b', awkward])).toBe(
    `/* deferrable */ select set_config(E'a.b', E'it''s a \\\\ backslash, "quotes", $1 and ; semicolons', true)`,
  );
});

describe('on PGlite', () => {
  let pg: PGlite;
  let counts: ReturnType<typeof deferStatements>;
  beforeAll(async () => {
    pg = await PGlite.create();
    counts = deferStatements({ driver: pg } as unknown as Connection, 'pglite');
  });
  afterAll(() => pg.close());

  it('runs BEGIN and the settings in one pass before the next query', async () => {
    const before = counts();
    await pg.query('BEGIN');
    await pg.query(HELD, ['x.y', awkward]);
    const { rows } = await pg.query<{ v: string }>(`select current_setting('x.y') v`);
    await pg.query('COMMIT');
    expect(rows[0].v).toBe(awkward);
    expect({ statements: counts().statements - before.statements, roundTrips: counts().roundTrips - before.roundTrips })
      .toEqual({ statements: 4, roundTrips: 3 });
  });

  it('runs held statements before anything exec runs, and answers exec with its own results only', async () => {
    await pg.query('BEGIN');
    await pg.query(HELD, ['x.z', 'held']);
    const results = await pg.exec(`select current_setting('x.z') v; select 2 n`);
    await pg.query('COMMIT');
    expect(results.map((r) => r.rows[0])).toEqual([{ v: 'held' }, { n: 2 }]);
  });

  it('answers the next query with a held statement’s error', async () => {
    await pg.query('BEGIN');
    await pg.query(HELD, ['not a valid name', 'x']);
    await expect(pg.query('select 1')).rejects.toThrow();
    await pg.query('ROLLBACK');
    expect((await pg.query<{ n: number }>('select 1 n')).rows[0].n).toBe(1);
  });
});

describe('on Postgres', () => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let sql: postgres.Sql;
  let counts: ReturnType<typeof deferStatements>;
  beforeAll(async () => {
    database = await createScratchDatabase('lite_statements');
    sql = postgres(database.url, { max: 1, onnotice: () => {} });
    counts = deferStatements({ driver: sql } as unknown as Connection, 'postgres');
  });
  afterAll(async () => {
    await sql?.end();
    await database?.drop();
  });

  it('sends BEGIN and the settings with the next statement, in order, in one round trip', async () => {
    const before = counts();
    const reserved = await sql.reserve();
    try {
      await reserved.unsafe('begin');
      await reserved.unsafe(HELD, ['x.y', awkward]);
      const [{ v }] = await reserved.unsafe(`select current_setting('x.y') v`);
      await reserved.unsafe('commit');
      expect(v).toBe(awkward);
    } finally {
      reserved.release();
    }
    expect({ statements: counts().statements - before.statements, roundTrips: counts().roundTrips - before.roundTrips })
      .toEqual({ statements: 4, roundTrips: 2 });
  });

  it('answers the next statement with a held statement’s error', async () => {
    const reserved = await sql.reserve();
    try {
      await reserved.unsafe('begin');
      await reserved.unsafe(HELD, ['not a valid name', 'x']);
      await expect(reserved.unsafe('select 1')).rejects.toThrow(/parameter/);
      await reserved.unsafe('rollback');
      expect((await reserved.unsafe('select 1 n'))[0].n).toBe(1);
    } finally {
      reserved.release();
    }
  });
});
