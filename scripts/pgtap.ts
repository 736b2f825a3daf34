// Runs supabase/tests/*.test.sql with pg_prove against a fresh database built from the platform
// bootstrap and the migrations (what `supabase test db` does, without Docker).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { applySchema, projectRoot } from '../src/local/schema.ts';

const adminUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const dbName = `inbox_pgtap_${process.pid}`;
const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} });

await admin.unsafe(`create database ${dbName}`);
let status = 1;
try {
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
  await applySchema((sql) => db.unsafe(sql));
  await db.end();

  const testsDir = join(projectRoot, 'supabase', 'tests');
  const files = readdirSync(testsDir).filter((f) => f.endsWith('.test.sql')).sort().map((f) => join(testsDir, f));
  const result = spawnSync('pg_prove', ['--failures', ...files], {
    stdio: 'inherit',
    env: {
      ...process.env,
      PGHOST: url.hostname,
      PGPORT: url.port || '5432',
      PGUSER: decodeURIComponent(url.username) || 'postgres',
      PGPASSWORD: decodeURIComponent(url.password),
      PGDATABASE: dbName,
    },
  });
  if (result.error) throw new Error(`could not run pg_prove: ${result.error.message}`);
  status = result.status ?? 1;
} finally {
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
process.exit(status);
