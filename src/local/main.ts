// `npm start`: the Docker-free local stack on one port. `npm start -- --reset` wipes the embedded
// database first. DATABASE_URL runs it on Postgres instead; PORT changes the port.
import './node-version.ts';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveProjectDir } from './schema.ts';
import { startLocalStack } from './stack.ts';

const projectDir = resolveProjectDir();
const dataDir = join(projectDir, '.local', 'pglite');
const databaseUrl = process.env.DATABASE_URL || undefined;
if (process.argv.includes('--reset') && !databaseUrl) rmSync(dataDir, { recursive: true, force: true });

const stack = await startLocalStack({
  projectDir,
  port: Number(process.env.PORT ?? 54321),
  databaseUrl,
  dataDir: databaseUrl ? undefined : dataDir,
  onLog: (entry) => console.log(JSON.stringify(entry)),
});

const { url, keys } = stack;
console.log(`
Started the local Supabase stack (no Docker) on ${databaseUrl ? 'Postgres' : `PGlite (${dataDir})`}.

         API URL: ${url}
    Realtime URL: ${url.replace(/^http/, 'ws')}/realtime/v1
   Functions URL: ${url}/functions/v1 (${stack.functions.join(', ')})
 Publishable key: ${keys.publishableKey}
      Secret key: ${keys.secretKey}
      JWT secret: ${keys.jwtSecret}
        anon key: ${keys.anonKey}
service_role key: ${keys.serviceRoleKey}
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    process.exit(0);
  });
}
