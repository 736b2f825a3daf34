// `npm run bench`: every benchmark on both engines, ours beside the seed design, in one run.
// `-- --quick` is a smoke run (small groups, short timings; it writes no docs).
// `-- --engine pglite` (or postgres) limits the run to one engine.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { resolveProjectDir } from 'supabase-realtime-inbox-local';
import { channelsPerUser } from './channels.ts';
import { convergence } from './convergence.ts';
import { databaseCost } from './database.ts';
import { fanout } from './fanout.ts';
import { functionLatency } from './function-latency.ts';
import { type Engine, startBench } from './harness.ts';
import { type EngineResults, latencySvg, markdown, type RunResults, textTable } from './report.ts';
import { realtimeThroughput } from './realtime-throughput.ts';
import { throughput } from './throughput.ts';

const projectRoot = resolveProjectDir();

const quick = process.argv.includes('--quick');
const engineArg = process.argv[process.argv.indexOf('--engine') + 1];
const engines: Engine[] = process.argv.includes('--engine') ? [engineArg as Engine] : ['pglite', 'postgres'];

const plan = quick
  ? {
    groups: [[2, 5], [10, 5]], senders: [1, 8], seconds: 1, dbIterations: 100, conversations: [1, 10],
    latency: [[2, 20]], missed: [20], realtime: [10, 10],
  }
  : {
    groups: [[2, 50], [10, 50], [100, 30], [1000, 10]], senders: [1, 8, 32], seconds: 5, dbIterations: 1000, conversations: [1, 10, 100],
    latency: [[2, 500], [10, 500], [100, 500]], missed: [20, 1000], realtime: [100, 200],
  };

const progress = (message: string) => console.error(`[bench] ${message}`);

async function runEngine(engine: Engine): Promise<EngineResults> {
  progress(`${engine}: starting the stack`);
  const bench = await startBench(engine);
  try {
    const results: EngineResults = {
      engine, fanout: [], throughput: [], database: undefined!, channels: [], functionLatency: [], convergence: [], realtime: undefined!,
    };
    for (const [participants, sends] of plan.groups) {
      for (const design of ['ours', 'seed'] as const) {
        progress(`${engine}: fan-out to ${participants}, ${design}`);
        results.fanout.push(await fanout(bench, design, participants, sends));
      }
    }
    for (const design of ['ours', 'seed'] as const) {
      progress(`${engine}: throughput, ${design}`);
      results.throughput.push(...await throughput(bench, design, plan.senders, plan.seconds));
    }
    progress(`${engine}: database cost`);
    results.database = await databaseCost(bench, plan.dbIterations);
    progress(`${engine}: channels per user`);
    results.channels = await channelsPerUser(bench, plan.conversations);
    for (const [participants, sends] of plan.latency) {
      progress(`${engine}: chat-send latency, ${participants} participants`);
      results.functionLatency.push(await functionLatency(bench, participants, sends));
    }
    progress(`${engine}: client convergence`);
    results.convergence = await convergence(bench, plan.missed);
    progress(`${engine}: Realtime server throughput`);
    results.realtime = await realtimeThroughput(bench, plan.realtime[0], plan.realtime[1]);
    return results;
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
  },
  engines: [],
};
for (const engine of engines) run.engines.push(await runEngine(engine));

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
