// The contract's rules and the SQL that enforces them for direct RPC calls use one definition each:
// whitespace, text length, meta size/depth/keys. Checked against each other on both engines, at
// every code point and at each boundary.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBlank, LIMITS, metaProblem, WHITESPACE } from 'supabase-realtime-inbox-contract';
import { resolveProjectDir } from 'supabase-realtime-inbox-local';
import { ENGINES, freshDb } from '../support/db.ts';
import { metaOfBytes, nested, withKeys } from '../support/hostile-inputs.ts';

it('the migration spells whitespace with the contract’s class', () => {
  const sql = readFileSync(join(resolveProjectDir(), 'supabase/migrations/20261201200001_hostile_input.sql'), 'utf8');
  expect(sql).toContain(`'^[${WHITESPACE}]*$'`);
});

/** Numbers JSON.stringify writes in every notation: integers, fractions, exponents both ways. */
const numbers = Array.from({ length: 300 }, (_, i) => (i % 2 ? -1 : 1) * (i * 1.25) * 10 ** ((i % 60) - 30));

describe.each(ENGINES)('SQL and zod agree on %s', (_engine, createDb) => {
  const fresh = freshDb(createDb);

  it('on which characters are whitespace, for every code point', async () => {
    const rows = await fresh.db.query<{ cp: number }>(
      `select cp from generate_series(1, 1114111) cp
       where (cp < 55296 or cp > 57343) and private.is_blank(chr(cp)) order by cp`,
    );
    const sql = rows.map((r) => r.cp);
    const js: number[] = [];
    for (let cp = 1; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if (isBlank(String.fromCodePoint(cp))) js.push(cp);
    }
    expect(sql).toEqual(js);
    expect(js).toEqual(expect.arrayContaining([0x09, 0x20, 0x85, 0xa0, 0x2028, 0x3000, 0xfeff]));
  });

  it('on how long a number is in JSON', async () => {
    const numbers = [0, -0, 1, -1, 1.5, 100, 1e15, 1e20, 1e21, 1e-6, 1e-7, 1.5e-7, 0.1 + 0.2, -2.5e300, 123456789012345680000,
      Number.MAX_VALUE, Number.MIN_VALUE, 2.2250738585072014e-308, 1 / 3, 4.35, 0.000123];
    const rows = await fresh.db.query<{ l: number }>(
      'select private.js_number_length(x) l from unnest($1::numeric[]) with ordinality t(x, i) order by i',
      [numbers.map((n) => JSON.stringify(n))],
    );
    expect(rows.map((r) => r.l)).toEqual(numbers.map((n) => JSON.stringify(n).length));
  });

  const metas: [string, unknown][] = [
    ['exactly the byte limit', metaOfBytes(LIMITS.metaBytes)],
    ['one byte over', metaOfBytes(LIMITS.metaBytes + 1)],
    ['the byte limit in multi-byte characters', metaOfBytes(LIMITS.metaBytes, 'é')],
    ['one multi-byte character over', metaOfBytes(LIMITS.metaBytes + 1, 'é')],
    ['the byte limit with escapes', metaOfBytes(LIMITS.metaBytes, '"\n')],
    ['the byte limit with numbers', { ...metaOfBytes(LIMITS.metaBytes - JSON.stringify({ n: numbers }).length + 1), n: numbers }],
    ['exactly the depth limit', { a: nested(LIMITS.metaDepth - 1) }],
    ['one level deeper', { a: nested(LIMITS.metaDepth) }],
    ['objects to the depth limit', nested(LIMITS.metaDepth - 1, 'object')],
    ['objects one level deeper', nested(LIMITS.metaDepth, 'object')],
    ['3000 levels deep', { a: nested(3000) }],
    ['exactly the key limit', withKeys(LIMITS.metaKeys)],
    ['one key over', withKeys(LIMITS.metaKeys + 1)],
    ['nested keys over the limit', { a: withKeys(LIMITS.metaKeys) }],
    ['an array', [1, 2]],
    ['a string', 'meta'],
  ];

  it.each(metas)('on meta: %s', async (_name, meta) => {
    const [{ p }] = await fresh.db.query<{ p: string | null }>('select private.meta_problem($1::text::jsonb) p', [JSON.stringify(meta)]);
    expect(p).toBe(metaProblem(meta));
  });

  it('and the boundary cases land on both sides of it', () => {
    expect(metaProblem(metaOfBytes(LIMITS.metaBytes))).toBeNull();
    expect(metaProblem(metaOfBytes(LIMITS.metaBytes + 1))).toMatch(/larger/);
    expect(metaProblem({ a: nested(LIMITS.metaDepth - 1) })).toBeNull();
    expect(metaProblem({ a: nested(LIMITS.metaDepth) })).toMatch(/deeper/);
    expect(metaProblem(withKeys(LIMITS.metaKeys))).toBeNull();
    expect(metaProblem(withKeys(LIMITS.metaKeys + 1))).toMatch(/keys/);
  });
});
