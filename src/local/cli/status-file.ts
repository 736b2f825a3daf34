// What `npm start` prints, kept in <local dir>/status.json while it runs so `npm run status` can
// print it again, as `supabase status` does.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PASSWORD, DEMO_USERS } from '../demo-users.ts';
import type { StackKeys } from '../keys.ts';
import { resolveProjectDir } from '../schema.ts';
import { isAlive } from './lifetime.ts';

/** The stack's own files: the embedded database and the status file. LOCAL_STACK_DIR moves them. */
export const localDir = process.env.LOCAL_STACK_DIR || join(resolveProjectDir(), '.local');
const statusPath = join(localDir, 'status.json');

export interface StackStatus {
  pid: number;
  url: string;
  functions: string[];
  database: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };
  keys: StackKeys;
}

export function writeStatus(status: StackStatus): void {
  mkdirSync(localDir, { recursive: true });
  // The keys are in it: readable by this user only.
  writeFileSync(statusPath, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o600 });
  chmodSync(statusPath, 0o600);
}

/** Only the stack that wrote it removes it: a second `npm start` that failed leaves the first's. */
export function removeStatus(pid: number): void {
  if (readStatus()?.pid === pid) rmSync(statusPath, { force: true });
}

/** The running stack's status; null when none runs (no file, or its process is gone). */
export function readStatus(): StackStatus | null {
  let status: StackStatus;
  try {
    status = JSON.parse(readFileSync(statusPath, 'utf8'));
  } catch {
    return null;
  }
  return isAlive(status.pid) ? status : null;
}

export function formatBanner({ url, functions, database, keys }: StackStatus): string {
  const db = database.kind === 'postgres' ? database.url : `embedded PGlite in ${database.dataDir} (no URL: set DATABASE_URL to run on Postgres)`;
  return `
         Web app: ${url}/
         API URL: ${url}
    Realtime URL: ${url.replace(/^http/, 'ws')}/realtime/v1
   Functions URL: ${url}/functions/v1 (${functions.join(', ')})
    Database URL: ${db}
      Demo users: ${DEMO_USERS.map((u) => u.email).join(', ')}, password ${DEMO_PASSWORD} (seed.sql; GET /local/v1/demo-users)
 Publishable key: ${keys.publishableKey}
      Secret key: ${keys.secretKey}
      JWT secret: ${keys.jwtSecret}
        anon key: ${keys.anonKey}
service_role key: ${keys.serviceRoleKey}
`;
}
