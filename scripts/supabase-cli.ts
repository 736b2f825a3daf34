// The Supabase CLI, pinned, against a scratch database built from the migrations (no Docker: CLI 3
// talks to any Postgres given with --remote). Run through npx rather than from the lock: its
// platform binaries for this version exist for linux-x64 only, which would make `npm ci` refuse the
// lock everywhere (see README, Packages).
import { spawnSync } from 'node:child_process';
import postgres from 'postgres';
import { applySchema, createScratchDatabase } from 'supabase-realtime-inbox-local';

export const SUPABASE_CLI = 'supabase@3.1.0';

/** Runs the CLI; stdout is returned, stderr passes through. */
export function supabase(args: string[]): { status: number; stdout: string } {
  const result = spawnSync('npx', ['--yes', SUPABASE_CLI, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`could not run the Supabase CLI: ${result.error.message}`);
  return { status: result.status ?? 1, stdout: result.stdout };
}

/** A fresh database with the platform bootstrap and every migration; its URL as the CLI wants it. */
export async function withSchemaDatabase<T>(prefix: string, fn: (url: string) => Promise<T> | T): Promise<T> {
  const database = await createScratchDatabase(prefix);
  try {
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    await applySchema((text) => sql.unsafe(text));
    await sql.end();
    // Without it the CLI prints a TLS warning into stdout, that is into the generated file.
    const url = new URL(database.url);
    url.searchParams.set('sslmode', 'disable');
    return await fn(url.toString());
  } finally {
    await database.drop();
  }
}
