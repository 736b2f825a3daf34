// `npm run bench`: every benchmark on both engines, ours beside the seed design and the floors, in
// one run. `-- --quick` is a smoke run (small groups, short timings; it writes no docs).
// `-- --engine pglite` (or postgres) limits the run to one engine; `-- --only fanout,database` to some
// modules (a targeted run: bench/results/targeted.json, no docs); `-- --help` lists them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { resolveProjectDir } from 'supabase-realtime-inbox-local';
import { channelsPerUser } from './channels.ts';
import { convergence } from './convergence.ts';
import { databaseCost } from './database.ts';
import { fanout } from './fanout.ts';
import { functionLatency } from './function-latency.ts';
import { type Engine, startBench } from './harness.ts';
import { liteCost } from './lite-cost.ts';
import { fullPlan, quickPlan, quotaCost } from './quota-cost.ts';
import { type EngineResults, latencySvg, markdown, NOTES_FILE, type RunResults, textTable } from './report.ts';
import { realtimeThroughput } from './realtime-throughput.ts';
import { rowLock } from './row-lock.ts';
import { throughput } from './throughput.ts';

const projectRoot = resolveProjectDir();

const MODULES = ['fanout', 'throughput', 'database', 'rowLock', 'lite', 'channels', 'functionLatency', 'convergence', 'realtime', 'quotaCost'] as const;
type Module = (typeof MODULES)[number];

const argValue = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
if (process.argv.includes('--help')) {
  console.log(`npm run bench [-- options]
  --quick                 smoke run: small groups, short timings, writes bench/results/quick.json only
  --engine pglite|postgres one engine (default both)
  --only a,b              only these modules (${MODULES.join(', ')});
                          writes bench/results/targeted.json, never the docs
  --groups 2,100          fan-out group sizes (default 2,10,100,1000; quick 2,10)
  --rounds N              rounds of the fan-out, database and lite comparisons`);
  process.exit(0);
}
const quick = process.argv.includes('--quick');
const engines: Engine[] = argValue('--engine') ? [argValue('--engine') as Engine] : ['pglite', 'postgres'];
const only = argValue('--only')?.split(',') as Module[] | undefined;
const unknown = only?.filter((m) => !MODULES.includes(m));
if (unknown?.length) throw new Error(`unknown module(s) ${unknown.join(', ')}: one of ${MODULES.join(', ')}`);
const runs = (module: Module) => !only || only.includes(module);
const targeted = only !== undefined;

// [participants, rounds, sends per round]; latency: [participants, rounds, sends per round].
const plan = quick
  ? {
    groups: [[2, 2, 3], [10, 2, 3]], senders: [1, 8], seconds: 1, throughputRounds: 1, db: [2, 25], rowLock: { seconds: 1, rounds: 1, large: 10 },
    lite: [2, 10], conversations: [1, 10], latency: [[2, 2, 5]], missed: [20], realtime: [10, 10],
  }
  : {
    groups: [[2, 5, 40], [10, 5, 40], [100, 5, 20], [1000, 5, 20]], senders: [1, 8, 32], seconds: 3, throughputRounds: 3, db: [5, 200],
    rowLock: { seconds: 3, rounds: 3, large: 1000 }, lite: [5, 100], conversations: [1, 10, 100],
    latency: [[2, 5, 100], [10, 5, 100], [100, 5, 100]], missed: [20, 1000], realtime: [100, 200],
  };
const groupsArg = argValue('--groups')?.split(',').map(Number);
if (groupsArg) plan.groups = groupsArg.map((n) => [n, ...(plan.groups.find((g) => g[0] === n) ?? [n, 5, n >= 100 ? 20 : 40]).slice(1)]);
const roundsArg = argValue('--rounds');
if (roundsArg) {
  plan.groups = plan.groups.map(([n, , sends]) => [n, Number(roundsArg), sends]);
  plan.db = [Number(roundsArg), plan.db[1]];
  plan.lite = [Number(roundsArg), plan.lite[1]];
}

const progress = (message: string) => console.error(`[bench] ${message}`);

async function runEngine(engine: Engine): Promise<EngineResults> {
  progress(`${engine}: starting the stack`);
  const bench = await startBench(engine);
  try {
    const results: Partial<EngineResults> = { engine };
    if (runs('fanout')) {
      results.fanout = [];
      for (const [participants, rounds, sends] of plan.groups) {
        // The floor through lite only where the goals compare against the floor.
        const liteFloor = participants === 2;
        progress(`${engine}: fan-out to ${participants} (ours, seed, floor${liteFloor ? ', floor through lite' : ''} × ${rounds} rounds)`);
        results.fanout.push(await fanout(bench, participants, rounds, sends, liteFloor));
      }
    }
    if (runs('throughput')) {
      progress(`${engine}: throughput`);
      results.throughput = await throughput(bench, plan.senders, plan.seconds, plan.throughputRounds);
    }
    if (runs('database')) {
      progress(`${engine}: database cost`);
      results.database = await databaseCost(bench, plan.db[0], plan.db[1]);
    }
    if (runs('rowLock')) {
      progress(`${engine}: one conversation, 8 writers, database only`);
      results.rowLock = await rowLock(bench, plan.rowLock.seconds, plan.rowLock.rounds, plan.rowLock.large);
    }
    if (runs('lite')) {
      progress(`${engine}: lite's own cost`);
      results.lite = await liteCost(bench, plan.lite[0], plan.lite[1]);
    }
    if (runs('channels')) {
      progress(`${engine}: channels per user`);
      results.channels = await channelsPerUser(bench, plan.conversations);
    }
    if (runs('functionLatency')) {
      results.functionLatency = [];
      for (const [participants, rounds, sends] of plan.latency) {
        progress(`${engine}: chat-send latency, ${participants} participants`);
        results.functionLatency.push(await functionLatency(bench, participants, rounds, sends));
      }
    }
    if (runs('convergence')) {
      progress(`${engine}: client convergence`);
      results.convergence = await convergence(bench, plan.missed);
    }
    if (runs('realtime')) {
      progress(`${engine}: Realtime server throughput`);
      results.realtime = await realtimeThroughput(bench, plan.realtime[0], plan.realtime[1]);
    }
    return results as EngineResults;
  } finally {
    await bench.close();
  }
}

const run: RunResults = {
  mode: targeted ? 'targeted' : quick ? 'quick' : 'full',
  startedAt: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: loadavg(),
  },
  engines: [],
};
for (const engine of engines) run.engines.push(await runEngine(engine));
if (engines.includes('pglite') && runs('quotaCost')) {
  progress('quota cost per plan (PGlite stacks enforcing each plan)');
  run.quotaCost = await quotaCost(quick ? quickPlan() : fullPlan(), progress);
}

console.log(textTable(run));
const resultsDir = join(projectRoot, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, targeted ? 'targeted.json' : quick ? 'quick.json' : 'latest.json'), `${JSON.stringify(run, null, 2)}\n`);
if (run.mode === 'full') {
  mkdirSync(join(projectRoot, 'docs'), { recursive: true });
  const notesPath = join(projectRoot, 'docs', NOTES_FILE);
  const notes = existsSync(notesPath) ? readFileSync(notesPath, 'utf8') : undefined;
  writeFileSync(join(projectRoot, 'docs', 'benchmarks.md'), markdown(run, notes));
  writeFileSync(join(projectRoot, 'docs', 'benchmarks-latency.svg'), latencySvg(run));
}
// Lingering sockets of closed clients must not keep the process up.
process.exit(0);
