// `npm run test:db`: supabase/tests/*.test.sql (what `supabase test db` runs) against a fresh
// database built from the platform bootstrap and the migrations, on two engines:
//  - PGlite, with the pgTAP extension it ships: always (needs nothing but npm install);
//  - Postgres at DATABASE_URL through pg_prove, when pg_prove and the server's pgtap extension are
//    installed. Otherwise it says so and why; with CI=true (or PGTAP_REQUIRE_POSTGRES=1) that fails.
import 'supabase-realtime-inbox-local/node-version';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgtap } from '@electric-sql/pglite/pgtap';
import postgres from 'postgres';
import { adminUrl, applySchema, createScratchDatabase, resolveProjectDir } from 'supabase-realtime-inbox-local';

const projectRoot = resolveProjectDir();
const testsDir = join(projectRoot, 'supabase', 'tests');
const files = readdirSync(testsDir).filter((f) => f.endsWith('.test.sql')).sort().map((f) => join(testsDir, f));
const requirePostgres = process.env.CI === 'true' || process.env.PGTAP_REQUIRE_POSTGRES === '1';

/** psql's `\ir file` (include relative to this file), the only meta-command the tests use. */
function inlineIncludes(path: string): string {
  return readFileSync(path, 'utf8').replace(/^\\ir\s+(\S+)\s*$/gm, (_line, name: string) => inlineIncludes(join(dirname(path), name)));
}

/** One file's TAP, judged as pg_prove does: a plan, every test ok, as many tests as planned. */
function judge(tap: string[]): { ok: boolean; passed: number; failed: number; problem?: string } {
  const plan = tap.map((line) => /^1\.\.(\d+)/.exec(line)).find(Boolean);
  const passed = tap.filter((line) => /^ok \d+/.test(line)).length;
  const failed = tap.filter((line) => /^not ok \d+/.test(line)).length;
  if (!plan) return { ok: false, passed, failed, problem: 'no plan' };
  const planned = Number(plan[1]);
  if (passed + failed !== planned) return { ok: false, passed, failed, problem: `planned ${planned}, ran ${passed + failed}` };
  return { ok: failed === 0, passed, failed };
}

async function onPglite(): Promise<boolean> {
  const pg = await PGlite.create({ extensions: { pgtap } });
  let allOk = true;
  let passed = 0;
  let failed = 0;
  try {
    await applySchema((sql) => pg.exec(sql), projectRoot);
    for (const file of files) {
      const name = relative(projectRoot, file);
      let tap: string[] = [];
      let error: string | undefined;
      try {
        const results = await pg.exec(inlineIncludes(file));
        tap = results.flatMap((r) => r.rows.flatMap((row) => Object.values(row).filter((v) => typeof v === 'string')))
          .flatMap((text) => String(text).split('\n'));
      } catch (e) {
        error = (e as Error).message;
        await pg.exec('rollback');
      }
      const verdict = judge(tap);
      passed += verdict.passed;
      failed += verdict.failed;
      const ok = !error && verdict.ok;
      allOk &&= ok;
      console.log(`pglite ${name} ... ${ok ? 'ok' : `FAILED (${error ?? verdict.problem ?? `${verdict.failed} failed`})`}`);
      if (!ok) for (const line of tap.filter((l) => /^not ok|^#/.test(l))) console.log(`  ${line}`);
    }
  } finally {
    await pg.close();
  }
  console.log(`pgTAP on PGlite: ${passed} passed, ${failed} failed`);
  return allOk;
}

/** Why the Postgres run cannot happen here, or null when it can. */
async function postgresUnavailable(): Promise<string | null> {
  if (spawnSync('pg_prove', ['--version'], { stdio: 'ignore' }).error) {
    return 'pg_prove is not installed (Debian: libtap-parser-sourcehandler-pgtap-perl)';
  }
  const sql = postgres(adminUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    const [row] = await sql`select count(*)::int as n from pg_available_extensions where name = 'pgtap'`;
    return row.n ? null : `the server at ${adminUrl} has no pgtap extension (Debian: postgresql-15-pgtap)`;
  } catch (error) {
    return `no Postgres at ${adminUrl} (${(error as Error).message})`;
  } finally {
    await sql.end();
  }
}

async function onPostgres(): Promise<boolean> {
  const database = await createScratchDatabase('inbox_pgtap');
  try {
    const db = postgres(database.url, { max: 1, onnotice: () => {} });
    await applySchema((sql) => db.unsafe(sql), projectRoot);
    await db.end();
    const url = new URL(database.url);
    const result = spawnSync('pg_prove', ['--failures', ...files], {
      stdio: 'inherit',
      env: {
        ...process.env,
        PGHOST: url.hostname,
        PGPORT: url.port || '5432',
        PGUSER: decodeURIComponent(url.username) || 'postgres',
        PGPASSWORD: decodeURIComponent(url.password),
        PGDATABASE: url.pathname.slice(1),
      },
    });
    if (result.error) throw new Error(`could not run pg_prove: ${result.error.message}`);
    return result.status === 0;
  } finally {
    await database.drop();
  }
}

let ok = await onPglite();
const unavailable = await postgresUnavailable();
if (unavailable) {
  console.log(`pgTAP on Postgres: not run: ${unavailable}.${requirePostgres ? ' Required here (CI).' : ' PGlite ran every file above.'}`);
  if (requirePostgres) ok = false;
} else {
  console.log('pgTAP on Postgres (pg_prove):');
  ok = (await onPostgres()) && ok;
}
process.exit(ok ? 0 : 1);
