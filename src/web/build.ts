// Builds the web app into dist/web when its sources are newer than the last build (npm start, the
// browser tests), or always (`npm run build:web`).
import { renameSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveProjectDir } from '../local/schema.ts';
import { webDir as webDirOf } from '../local/web.ts';

/** What the bundle is made of: the app, the client library, the contract, the installed packages. */
const projectRoot = resolveProjectDir();
const webDir = webDirOf(projectRoot);
const SOURCES = ['src/web', 'src/client', 'supabase/functions/_shared/contract', 'package-lock.json'].map((p) => join(projectRoot, p));

function newestMtime(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

export function webBuildIsStale(): boolean {
  const built = statSync(join(webDir, 'index.html'), { throwIfNoEntry: false });
  return !built || Math.max(...SOURCES.map(newestMtime)) > built.mtimeMs;
}

/**
 * Returns how long the build took in ms, or null when the last one is still current. Builds beside
 * dist/web and then swaps it in, so two builds at once (npm start while tests run) never serve a
 * half-written directory; the same sources make the same files, so whichever lands last is fine.
 */
export async function buildWebApp({ ifStale = false } = {}): Promise<number | null> {
  if (ifStale && !webBuildIsStale()) return null;
  const started = performance.now();
  const outDir = `${webDir}.${process.pid}.tmp`;
  const { build } = await import('vite');
  // Vite builds React's development bundle when NODE_ENV says so, and vitest sets it to `test`: the
  // browser tests and `npm start` after them must serve what users get.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(projectRoot, 'src', 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir } });
    rmSync(webDir, { recursive: true, force: true });
    try {
      renameSync(outDir, webDir);
    } catch (error) {
      // Another build swapped its copy in between the two lines above: that one serves.
      if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    rmSync(outDir, { recursive: true, force: true });
  }
  return Math.round(performance.now() - started);
}
