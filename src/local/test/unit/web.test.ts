// The web app handler: the app's pages get index.html, files are served only from inside the build,
// and everything else (other methods, unknown paths, escapes) is the stack's JSON 404.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../web.ts';

const root = mkdtempSync(join(tmpdir(), 'web-handler-'));
const dir = join(root, 'web');
const get = (handler: ReturnType<typeof createWebApp>, path: string, method = 'GET') =>
  handler(new Request(`http://127.0.0.1${path}`, { method }));

beforeAll(() => {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'outside the build');
});

describe('createWebApp', () => {
  const web = createWebApp({ publishableKey: 'sb_publishable_test', dir });

  it('answers the pages the app routes with index.html, never cached', async () => {
    for (const path of ['/', '/join/7139fc48-03f1-4d2e-9a55-000000000001']) {
      const response = await get(web, path);
      expect([response.status, response.headers.get('cache-control')]).toEqual([200, 'no-cache']);
      expect(await response.text()).toContain('<div id="root">');
    }
  });

  it('serves hashed assets as immutable, with their type', async () => {
    const response = await get(web, '/assets/index-abc.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toContain('immutable');
  });

  it('hands out the publishable key, and nothing secret', async () => {
    expect(await (await get(web, '/app-config.json')).json()).toEqual({ publishableKey: 'sb_publishable_test' });
  });

  it('refuses paths that climb out of the build, however encoded', async () => {
    for (const path of ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%5csecret.txt']) {
      const response = await get(web, path);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('outside the build');
    }
  });

  it('answers a JSON 404 for unknown paths, malformed escapes and other methods', async () => {
    for (const [path, method] of [['/storage/v1/bucket', 'GET'], ['/assets', 'GET'], ['/%E0%A4%A', 'GET'], ['/', 'POST'], ['/join/x/y', 'GET']]) {
      const response = await get(web, path!, method);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await response.json()).toMatchObject({ message: expect.stringContaining('no route') });
    }
  });

  it('says how to build the app when it is not built', async () => {
    const response = await get(createWebApp({ publishableKey: 'k', dir: join(root, 'missing') }), '/');
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build:web');
  });
});
