// The benchmark harness works: a quick run on PGlite finishes, reports both designs, loses nothing.
// No timing is asserted here; speed is read from `npm run bench`, not from tests.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { RunResults } from '../../bench/report.ts';
import { resolveProjectDir } from 'supabase-realtime-inbox-local';

const projectRoot = resolveProjectDir();

it('npm run bench -- --quick runs both designs and every delivery arrives exactly once', async () => {
  const exitCode = await new Promise<number | null>((resolve) => {
    const child = spawn(join(projectRoot, 'node_modules', '.bin', 'tsx'), ['--conditions=source', 'bench/run.ts', '--quick', '--engine', 'pglite'], {
      cwd: projectRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', resolve);
  });
  expect(exitCode).toBe(0);

  const run: RunResults = JSON.parse(readFileSync(join(projectRoot, 'bench', 'results', 'quick.json'), 'utf8'));
  const [pglite] = run.engines;
  expect(pglite.fanout.map((f) => `${f.design}:${f.participants}`)).toEqual(['ours:2', 'seed:2', 'ours:10', 'seed:10']);
  for (const f of pglite.fanout) expect(f.deliveryMedianMs).toBeGreaterThan(0);
  expect(pglite.fanout.filter((f) => f.design === 'ours').map((f) => f.realtimeRequestsPerMessage)).toEqual([1, 1]);
  expect(pglite.fanout.filter((f) => f.design === 'seed').map((f) => f.realtimeRequestsPerMessage)).toEqual([2, 10]);
  for (const t of pglite.throughput) expect({ lost: t.lost, duplicates: t.duplicates, sent: t.sent > 0 }).toEqual({ lost: 0, duplicates: 0, sent: true });
  expect(pglite.database.rpcRowsWritten).toBe(3);
  expect(pglite.channels.map((c) => c.ours.channels)).toEqual([1, 1]);
}, 180_000);
