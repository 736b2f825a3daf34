// The reference web app (src/web, built to dist/web) on the API's own origin, as `npm start` serves it:
// its files, index.html for every other page path (the app routes /join/<chat_id> itself), and
// /app-config.json with the publishable key and the demo accounts to list on the sign-in page.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { StackDatabase } from './database.ts';
import { projectRoot } from './schema.ts';

export const webDir = join(projectRoot, 'dist', 'web');

/** The demo accounts supabase/seed.sql creates, with their passwords, for the sign-in page. */
export const demoUsersFile = join(projectRoot, 'supabase', 'demo-users.json');

export interface DemoUser {
  email: string;
  password: string;
  name?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

export interface WebAppOptions {
  db: StackDatabase;
  publishableKey: string;
  dir?: string;
  demoUsersPath?: string;
}

/** Answers GET/HEAD for the app's paths; null for anything else, which the caller turns into a 404. */
export function createWebApp({ db, publishableKey, dir = webDir, demoUsersPath = demoUsersFile }: WebAppOptions) {
  return async (request: Request): Promise<Response | null> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return null;
    const { pathname } = new URL(request.url);
    if (pathname === '/app-config.json') {
      return Response.json({ publishableKey, demoUsers: await demoUsers(db, demoUsersPath) }, { headers: { 'cache-control': 'no-store' } });
    }
    const path = resolvePath(dir, pathname);
    if (!path) return null;
    if (extname(path) && existsSync(path)) {
      // Vite puts a content hash in every asset name: they never change.
      const cache = pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      return file(path, cache);
    }
    if (extname(path)) return null;
    const index = join(dir, 'index.html');
    if (!existsSync(index)) {
      return new Response('The web app is not built: run `npm run build:web` (npm start does it for you).\n', {
        status: 503,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    }
    return file(index, 'no-cache');
  };
}

/** The file a URL path names inside `dir`, or null for a malformed path or one that escapes `dir`. */
function resolvePath(dir: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const path = normalize(join(dir, decoded));
  return path === dir || path.startsWith(dir + sep) ? path : null;
}

async function file(path: string, cache: string): Promise<Response> {
  return new Response(await readFile(path), {
    headers: { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': cache },
  });
}

/** The listed demo accounts that exist in this database (one made before the seed existed has none). */
async function demoUsers(db: StackDatabase, path: string): Promise<DemoUser[]> {
  if (!existsSync(path)) return [];
  const listed = JSON.parse(readFileSync(path, 'utf8')) as DemoUser[];
  if (listed.length === 0) return [];
  const rows = await db.withRollback((query) =>
    query<{ email: string }>('select lower(email) as email from auth.users where lower(email) = any($1::text[])', [
      listed.map((u) => u.email.toLowerCase()),
    ]),
  );
  const present = new Set(rows.map((r) => r.email));
  return listed.filter((u) => present.has(u.email.toLowerCase()));
}
