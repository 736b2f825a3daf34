// `npm run bench`: every benchmark on both engines, ours beside the seed design and the floors, in
// one run. `-- --quick` is a smoke run (small groups, short timings; it writes no docs).
// `-- --engine pglite` (or postgres) limits the run to one engine.
import { mkdirSync, writeFileSync } from 'node:fs';
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
import { type EngineResults, latencySvg, markdown, type RunResults, textTable } from './report.ts';
import { realtimeThroughput } from './realtime-throughput.ts';
import { rowLock } from './row-lock.ts';
import { throughput } from './throughput.ts';

const projectRoot = resolveProjectDir();

const quick = process.argv.includes('--quick');
const engineArg = process.argv[process.argv.indexOf('--engine') + 1];
const engines: Engine[] = process.argv.includes('--engine') ? [engineArg as Engine] : ['pglite', 'postgres'];

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

const progress = (message: string) => console.error(`[bench] ${message}`);

async function runEngine(engine: Engine): Promise<EngineResults> {
  progress(`${engine}: starting the stack`);
  const bench = await startBench(engine);
  try {
    const results: Partial<EngineResults> = { engine, fanout: [], functionLatency: [] };
    for (const [participants, rounds, sends] of plan.groups) {
      progress(`${engine}: fan-out to ${participants} (ours, seed, floor × ${rounds} rounds)`);
      results.fanout!.push(await fanout(bench, participants, rounds, sends));
    }
    progress(`${engine}: throughput`);
    results.throughput = await throughput(bench, plan.senders, plan.seconds, plan.throughputRounds);
    progress(`${engine}: database cost`);
    results.database = await databaseCost(bench, plan.db[0], plan.db[1]);
    progress(`${engine}: one conversation, 8 writers, database only`);
    results.rowLock = await rowLock(bench, plan.rowLock.seconds, plan.rowLock.rounds, plan.rowLock.large);
    progress(`${engine}: lite's own cost`);
    results.lite = await liteCost(bench, plan.lite[0], plan.lite[1]);
    progress(`${engine}: channels per user`);
    results.channels = await channelsPerUser(bench, plan.conversations);
    for (const [participants, rounds, sends] of plan.latency) {
      progress(`${engine}: chat-send latency, ${participants} participants`);
      results.functionLatency!.push(await functionLatency(bench, participants, rounds, sends));
    }
    progress(`${engine}: client convergence`);
    results.convergence = await convergence(bench, plan.missed);
    progress(`${engine}: Realtime server throughput`);
    results.realtime = await realtimeThroughput(bench, plan.realtime[0], plan.realtime[1]);
    return results as EngineResults;
  } finally {
    await bench.close();
  }
}

const run: RunResults = {
  mode: quick ? 'quick' : 'full',
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
if (engines.includes('pglite')) {
  progress('quota cost per plan (PGlite stacks enforcing each plan)');
  run.quotaCost = await quotaCost(quick ? quickPlan() : fullPlan(), progress);
}

console.log(textTable(run));
const resultsDir = join(projectRoot, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, quick ? 'quick.json' : 'latest.json'), `${JSON.stringify(run, null, 2)}\n`);
if (!quick) {
  mkdirSync(join(projectRoot, 'docs'), { recursive: true });
  writeFileSync(join(projectRoot, 'docs', 'benchmarks.md'), markdown(run));
  writeFileSync(join(projectRoot, 'docs', 'benchmarks-latency.svg'), latencySvg(run));
}
// Lingering sockets of closed clients must not keep the process up.
process.exit(0);
