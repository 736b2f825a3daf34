// Runs supabase/tests/*.test.sql with pg_prove against a fresh database built from the platform
// bootstrap and the migrations (what `supabase test db` does, without Docker).
import 'supabase-realtime-inbox-local/node-version';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { applySchema, createScratchDatabase, resolveProjectDir } from 'supabase-realtime-inbox-local';

const projectRoot = resolveProjectDir();

const database = await createScratchDatabase('inbox_pgtap');
let status = 1;
try {
  const db = postgres(database.url, { max: 1, onnotice: () => {} });
  await applySchema((sql) => db.unsafe(sql));
  await db.end();

  const testsDir = join(projectRoot, 'supabase', 'tests');
  const files = readdirSync(testsDir).filter((f) => f.endsWith('.test.sql')).sort().map((f) => join(testsDir, f));
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
  status = result.status ?? 1;
} finally {
  await database.drop();
}
process.exit(status);
