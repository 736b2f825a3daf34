// The benchmark harness works: a quick run on PGlite finishes, reports ours, the seed and the floors,
// counts what each send cost, loses nothing.
// No timing is asserted here; speed is read from `npm run bench`, not from tests.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { EngineResults, RunResults } from '../../bench/report.ts';
import { resolveProjectDir } from 'supabase-realtime-inbox-local';

const projectRoot = resolveProjectDir();

it('npm run bench -- --quick runs every design and floor and every delivery arrives exactly once', async () => {
  const exitCode = await new Promise<number | null>((resolve) => {
    const child = spawn(join(projectRoot, 'node_modules', '.bin', 'tsx'), ['--conditions=source', 'bench/run.ts', '--quick', '--engine', 'pglite'], {
      cwd: projectRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', resolve);
  });
  expect(exitCode).toBe(0);

  const run: RunResults = JSON.parse(readFileSync(join(projectRoot, 'bench', 'results', 'quick.json'), 'utf8'));
  // A quick run runs every module (only a targeted `--only` run leaves some out).
  const pglite = run.engines[0] as Required<EngineResults>;
  expect(pglite.fanout.map((f) => f.participants)).toEqual([2, 10]);
  for (const f of pglite.fanout) {
    for (const design of ['ours', 'seed', 'floor'] as const) {
      expect(f.designs[design].delivery.n).toBe(f.rounds * f.sendsPerRound);
      // Too few samples for a p99: it must not be printed as one.
      expect(f.designs[design].delivery.p99).toBeUndefined();
    }
  }
  // The floor through lite takes its turn where the goals compare against the floor: 2 participants.
  const [two, ten] = pglite.fanout;
  expect(two.designs.liteFloor?.delivery.n).toBe(two.rounds * two.sendsPerRound);
  expect(ten.designs.liteFloor).toBeUndefined();
  // One RPC through lite as the sender, as ours: the same statements and round trips, and as many as
  // the floor's request with the secret key: lite looks no user up (src/local/lite-rest-identity.ts).
  const { ours } = two.designs;
  expect(two.designs.liteFloor!.perSend).toMatchObject({ rest: 1, statements: ours.perSend.statements, roundTrips: ours.perSend.roundTrips });
  expect(ours.perSend.statements).toBe(two.designs.floor.perSend.statements);
  const perSend = (design: 'ours' | 'seed' | 'floor') => pglite.fanout.map((f) => f.designs[design].perSend);
  expect(perSend('ours').map((c) => [c.rest, c.realtimeApi])).toEqual([[1, 1], [1, 1]]);
  expect(perSend('seed').map((c) => [c.rest, c.realtimeApi])).toEqual([[2, 2], [2, 10]]);
  // Messages are what the hosted quota counts: ours sends two per recipient, the seed one.
  expect(perSend('ours').map((c) => c.realtimeMessages)).toEqual([4, 20]);
  expect(perSend('seed').map((c) => c.realtimeMessages)).toEqual([2, 10]);
  for (const c of perSend('ours')) expect(c.statements).toBeGreaterThan(0);
  // lite's driver sends BEGIN and its settings with the next statement (src/local/lite-statements.ts).
  for (const c of perSend('ours')) expect(c.roundTrips).toBeLessThan(c.statements);
  for (const t of pglite.throughput) expect({ lost: t.lost, duplicates: t.duplicates, sent: t.sent > 0 }).toEqual({ lost: 0, duplicates: 0, sent: true });
  expect(pglite.database.rpcRowsWritten).toBe(3);
  expect([pglite.rowLock.floorRounds.length, pglite.rowLock.chatSend2Rounds.length, pglite.rowLock.chatSend1000Rounds.length]).toEqual([1, 1, 1]);
  expect(pglite.channels.map((c) => c.ours.channels)).toEqual([1, 1]);
  // The quota cost per plan: the default, the seed, and a large conversation's delivery (its own stack).
  expect(run.quotaCost?.map((r) => [r.design, r.received, r.refused])).toEqual([['ours', 2, 0], ['large', 2, 0], ['seed', 2, 0]]);
}, 240_000);
