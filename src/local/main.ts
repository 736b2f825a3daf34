// `npm start`: the Docker-free local stack on one port. `npm start -- --reset` wipes the embedded
// database first. DATABASE_URL runs it on Postgres instead; PORT changes the port; LOCAL_STACK_DIR
// moves its files (default .local). `npm run status` prints the banner again.
import './node-version.ts';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeConsoleAsJsonLines } from './cli/console-lines.ts';
import { stopWithTheCommand } from './cli/lifetime.ts';
import { alreadyRunning, describeStartupError, resetNeedsEmbeddedDatabase, type StartupFailure } from './cli/startup-error.ts';
import { resolveProjectDir } from './schema.ts';
import { formatBanner, localDir, readStatus, removeStatus, writeStatus, type StackStatus } from './cli/status-file.ts';

// Before the stack's modules load: some libraries print as they are imported.
writeConsoleAsJsonLines();
const logLine = (entry: { event: string }) => console.log(JSON.stringify(entry));

function fail(failure: StartupFailure): never {
  console.error(JSON.stringify(failure));
  process.exit(1);
}

const projectDir = resolveProjectDir();
const dataDir = join(localDir, 'pglite');
const databaseUrl = process.env.DATABASE_URL || undefined;
const port = Number(process.env.PORT ?? 54321);
// Two processes on one PGlite directory corrupt it (and --reset would delete it under the other).
const running = readStatus();
if (running?.database.kind === 'pglite' && !databaseUrl) fail(alreadyRunning(running.pid, running.url));
if (process.argv.includes('--reset')) {
  if (databaseUrl) fail(resetNeedsEmbeddedDatabase());
  rmSync(dataDir, { recursive: true, force: true });
}

// The web app served at / (src/web): rebuilt only when its sources changed since the last build.
const { buildWebApp } = await import('../web/build.ts');
const webBuildMs = await buildWebApp({ ifStale: true }).catch((error: unknown) =>
  fail({ event: 'local_stack_failed', reason: 'web_build_failed', message: `the web app did not build (${String(error).split('\n')[0]}): fix src/web, or run npm run build:web to see why` }),
);
if (webBuildMs !== null) console.log(JSON.stringify({ event: 'web_app_built', build_ms: webBuildMs }));

const { startLocalStack } = await import('./stack.ts');
const starting = startLocalStack({ projectDir, port, databaseUrl, dataDir: databaseUrl ? undefined : dataDir, onLog: logLine });
// A signal during the boot stops the stack once it is up (the boot cannot be cut short cleanly).
stopWithTheCommand(async () => {
  removeStatus(process.pid);
  const stack = await starting.catch(() => null);
  await stack?.stop();
}, logLine);

const stack = await starting.catch((error: unknown) => fail(describeStartupError(error, { port, databaseUrl })));
const status: StackStatus = {
  pid: process.pid,
  url: stack.url,
  functions: stack.functions,
  database: databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite', dataDir },
  keys: stack.keys,
};
writeStatus(status);
process.stdout.write(`\nStarted the local Supabase stack (no Docker) on ${databaseUrl ? 'Postgres' : 'PGlite'}.\n${formatBanner(status)}\n`);
