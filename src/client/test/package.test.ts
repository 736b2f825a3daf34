// The client as a frontend gets it: `npm pack` (which builds dist on prepack), installed into an
// empty project with nothing but its own dependencies and the supabase-js peer, imported as the
// README documents, type-checked from the shipped declarations. And its browser bundle leaves out
// what it does not use.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { resolveProjectDir } from 'supabase-realtime-inbox-local';

const projectDir = resolveProjectDir();
const scratch = mkdtempSync(join(tmpdir(), 'inbox-client-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const supabaseJsVersion = createRequire(import.meta.url)('@supabase/supabase-js/package.json').version as string;

it('installs from npm pack with only its own dependencies and imports as documented', () => {
  const packs = join(scratch, 'packs');
  mkdirSync(packs);
  npm(['pack', '--silent', '-w', 'supabase-realtime-inbox', '-w', 'supabase-realtime-inbox-contract', '--pack-destination', packs], projectDir);
  const tarballs = readdirSync(packs).map((name) => join(packs, name));
  expect(tarballs).toHaveLength(2);
  const files = execFileSync('tar', ['tzf', tarballs.find((t) => /inbox-0/.test(t))!], { encoding: 'utf8' }).trim().split('\n');
  expect(files.filter((f) => !/^package\/dist\/[\w-]+\.(js|d\.ts)$/.test(f))).toEqual(['package/package.json']);

  const app = join(scratch, 'app');
  mkdirSync(app);
  npm(['init', '-y'], app);
  npm(['pkg', 'set', 'type=module'], app);
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs, `@supabase/supabase-js@${supabaseJsVersion}`], app);
  const installed = npm(['ls', '--all', '--parseable'], app).trim().split('\n').slice(1).map((p) => p.replace(/^.*node_modules\//, ''));
  const ours = ['supabase-realtime-inbox', 'supabase-realtime-inbox-contract', 'zod'];
  expect(installed.filter((name) => !name.startsWith('@supabase/') && !['iceberg-js', 'tslib'].includes(name)).sort()).toEqual(ours);

  writeFileSync(join(app, 'app.ts'), [
    "import { createClient } from '@supabase/supabase-js';",
    "import { InboxStore, type Database, type ConversationSummary } from 'supabase-realtime-inbox/client';",
    "const supabase = createClient<Database>('http://127.0.0.1:1', 'key');",
    'const conversations: readonly ConversationSummary[] = new InboxStore(supabase).getSnapshot().conversations;',
    'console.log(conversations.length);',
  ].join('\n'));
  const tsc = join(projectDir, 'node_modules', '.bin', 'tsc');
  npm(['exec', '--', tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--target', 'es2022', '--lib', 'es2023,dom', 'app.ts'], app);

  const script = "const c = await import('supabase-realtime-inbox/client'); const r = await import('supabase-realtime-inbox');" +
    'console.log(JSON.stringify([Object.keys(c).sort(), c.InboxStore === r.InboxStore]))';
  const [names, same] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' }));
  expect(names).toEqual([
    'CHANGE_EVENT', 'ChatApiError', 'ConversationPresence', 'EVENT', 'InboxStore', 'LIMITS', 'READ_EVENT', 'READ_RECEIPTS_MAX_MEMBERS',
    'TYPING_EVENT', 'TYPING_EXPIRY_MS', 'TYPING_THROTTLE_MS', 'UnifiedChannelService', 'conversationTopic', 'deleteMessage', 'editMessage',
    'fetchChanges', 'fetchMembers', 'fetchUserSettings', 'inboxTopic', 'isOptimistic', 'leaveConversation', 'markAllRead', 'messageTopic',
    'setReadReceipts', 'touchLastSeen', 'updateConversationSettings',
  ]);
  expect(same).toBe(true);
}, 180_000);

it('a browser bundle leaves out zod’s locale tables', async () => {
  const entry = join(scratch, 'entry.ts');
  writeFileSync(entry, "import { InboxStore } from 'supabase-realtime-inbox/client';\nexport default InboxStore;\n");
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['source'],
    nodePaths: [join(projectDir, 'node_modules')],
    external: ['@supabase/supabase-js'],
    write: false,
    metafile: true,
  });
  const inputs = Object.keys(Object.values(result.metafile.outputs)[0].inputs);
  expect(inputs.filter((path) => /zod\/v4\/locales\/(?!en\.)/.test(path))).toEqual([]);
});
