// The reference web app (src/web, built to dist/web) on the API's own origin, as `npm start` serves it:
// its files, index.html for the pages the app routes itself (/ and /join/<chat_id>), and
// /app-config.json with the publishable key the app needs to talk to the API. Anything else is a JSON
// 404, as before, so a missing API (/storage/v1/…) never answers with a page.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

/** Where the web app's build lives in a project. */
export const webDir = (projectDir: string) => join(projectDir, 'dist', 'web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

const PAGES = /^\/(join\/[^/]+\/?)?$/;

const notFound = (pathname: string) => Response.json({ message: `no route for ${pathname}` }, { status: 404 });

/** A handler for every path the API does not own: mount it last. */
export function createWebApp({ publishableKey, dir }: { publishableKey: string; dir: string }) {
  return async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (request.method !== 'GET' && request.method !== 'HEAD') return notFound(pathname);
    if (pathname === '/app-config.json') return Response.json({ publishableKey }, { headers: { 'cache-control': 'no-store' } });
    const path = resolvePath(dir, pathname);
    if (!path) return notFound(pathname);
    if (!PAGES.test(pathname)) {
      if (!extname(path) || !existsSync(path)) return notFound(pathname);
      // Vite puts a content hash in every asset name: they never change.
      return file(path, pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
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
