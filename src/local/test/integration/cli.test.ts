// `npm start` as a newcomer meets it: the banner with the database URL, demo users to sign in
// with, `npm run status`, one JSON line per event, start-up failures in one line with the fix, and
// nothing left running after SIGTERM to npm. Linux: the process tree is read from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, parentOf } from '../../cli/lifetime.ts';
import { DEMO_USERS } from '../../demo-users.ts';
import { adminUrl, createScratchDatabase } from '../../scratch-database.ts';
import { resolveProjectDir } from '../../schema.ts';

const projectRoot = resolveProjectDir();
import { newClient, waitFor } from '../../../../tests/support/stack.ts';

const tsx = join(projectRoot, 'node_modules', '.bin', 'tsx');

interface Run {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** The environment of a newcomer's shell: no DATABASE_URL unless given, files in a temp dir. */
function environment(localDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOCAL_STACK_DIR: localDir, ...extra };
  if (!extra.DATABASE_URL) delete env.DATABASE_URL;
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
  return env;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Run {
  // Its own process group, so a failed test can still take the whole tree down.
  const child = spawn(command, args, { cwd: projectRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => stdout.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout, stderr, exited };
}

function killGroup(child: ChildProcess | undefined): void {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone: the test stopped it.
  }
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const ppid = parentOf(Number(name));
    if (ppid !== null) children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const found: number[] = [];
  const walk = (pid: number) => (children.get(pid) ?? []).forEach((child) => (found.push(child), walk(child)));
  walk(root);
  return found;
}

const isEventLine = (line: string) => {
  try {
    const value = JSON.parse(line);
    return typeof value === 'object' && value !== null && typeof value.event === 'string';
  } catch {
    return false;
  }
};

const bannerValue = (lines: string[], label: string) =>
  lines.find((line) => line.trimStart().startsWith(`${label}:`))?.split(`${label}:`)[1].trim();

async function bannerOf(started: Run): Promise<{ url: string; end: number }> {
  await waitFor(
    () => started.stdout.some((line) => line.startsWith('service_role key:')) || started.child.exitCode !== null,
    'the banner',
    120_000,
  );
  const end = started.stdout.findIndex((line) => line.startsWith('service_role key:'));
  if (end < 0) throw new Error(`npm start exited: ${started.stderr.join('\n')}`);
  return { url: bannerValue(started.stdout, 'API URL')!, end };
}

async function signInDemoUsers(url: string, publishableKey: string) {
  return Promise.all(
    DEMO_USERS.map(async ({ email, password }) => {
      const client = newClient({ url, publishableKey });
      const { error } = await client.auth.signInWithPassword({ email, password });
      if (error) throw new Error(`${email}: ${error.message}`);
      const { data, error: inboxError } = await client.rpc('chat_inbox');
      if (inboxError) throw new Error(`${email} inbox: ${inboxError.message}`);
      return { email, token: (await client.auth.getSession()).data.session!.access_token, inbox: data as { title: string; unread_count: number }[] };
    }),
  );
}

describe('npm start on the embedded database', () => {
  const localDir = mkdtempSync(join(tmpdir(), 'local-cli-'));
  let npm: Run;
  let url: string;
  let bannerEnd: number;

  beforeAll(async () => {
    npm = run('npm', ['start'], environment(localDir));
    ({ url, end: bannerEnd } = await bannerOf(npm));
  }, 150_000);

  afterAll(() => {
    killGroup(npm?.child);
    rmSync(localDir, { recursive: true, force: true });
  });

  it('prints the database in the banner, and `status` prints the banner again', async () => {
    expect(bannerValue(npm.stdout, 'Database URL')).toContain(join(localDir, 'pglite'));
    const status = run(tsx, ['src/local/status.ts'], environment(localDir));
    expect(await status.exited).toBe(0);
    for (const label of ['API URL', 'Database URL', 'Publishable key', 'Secret key', 'service_role key']) {
      expect(bannerValue(status.stdout, label)).toBe(bannerValue(npm.stdout, label));
    }
  });

  it('has demo users that sign in with the documented password, with conversations to show', async () => {
    const listed = await (await fetch(`${url}/local/v1/demo-users`)).json();
    expect(listed.users).toEqual(DEMO_USERS);
    const users = await signInDemoUsers(url, bannerValue(npm.stdout, 'Publishable key')!);
    for (const user of users) expect(user.inbox.length).toBeGreaterThan(0);
    const carol = users.find((u) => u.email.startsWith('carol'))!;
    expect(carol.inbox.some((c) => c.unread_count > 0)).toBe(true);
  });

  it('logs refusals as one JSON line per event', async () => {
    const [alice] = await signInDemoUsers(url, bannerValue(npm.stdout, 'Publishable key')!);
    const unknown = randomUUID();
    for (const [name, body] of [['chat-send', { chat_id: unknown, text: 'hi' }], ['chat-join', { chat_id: unknown }], ['chat-read', { chat_id: unknown }]] as const) {
      const response = await fetch(`${url}/functions/v1/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(403);
    }
    await waitFor(() => npm.stdout.some((line) => line.includes('"chat_read_refused"')), 'the chat-read refusal in the log');
    const afterBanner = npm.stdout.slice(bannerEnd + 1).filter((line) => line.trim() !== '');
    expect(afterBanner.filter((line) => !isEventLine(line))).toEqual([]);
    expect(npm.stderr.filter((line) => !isEventLine(line))).toEqual([]);
  });

  it('leaves nothing running after SIGTERM to the npm process', async () => {
    const tree = [npm.child.pid!, ...descendants(npm.child.pid!)];
    expect(tree.length).toBeGreaterThan(4); // npm, sh, tsx, node, the functions' Deno processes
    process.kill(npm.child.pid!, 'SIGTERM');
    await npm.exited;
    await waitFor(() => tree.every((pid) => !isAlive(pid)), `every process of npm start to exit (left: ${tree.filter(isAlive)})`, 30_000);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    const status = run(tsx, ['src/local/status.ts'], environment(localDir));
    expect(await status.exited).toBe(1);
    expect(status.stderr.map((line) => JSON.parse(line).event)).toContain('local_stack_not_running');
  }, 60_000);
});

describe('npm start on Postgres', () => {
  it('seeds the same demo users and shows the database URL', async () => {
    const database = await createScratchDatabase('local_cli');
    const localDir = mkdtempSync(join(tmpdir(), 'local-cli-pg-'));
    const started = run(tsx, ['--conditions=source', 'src/local/main.ts'], environment(localDir, { DATABASE_URL: database.url }));
    try {
      const { url } = await bannerOf(started);
      expect(bannerValue(started.stdout, 'Database URL')).toBe(database.url);
      const users = await signInDemoUsers(url, bannerValue(started.stdout, 'Publishable key')!);
      expect(users.map((u) => u.inbox.length > 0)).toEqual(DEMO_USERS.map(() => true));
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
      killGroup(started.child);
      await database.drop();
      rmSync(localDir, { recursive: true, force: true });
    }
  }, 150_000);
});

describe('start-up failures: one JSON line with the fix, exit 1', () => {
  const localDir = mkdtempSync(join(tmpdir(), 'local-cli-fail-'));
  let blocker: Server;
  let blockedPort: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    blockedPort = (blocker.address() as { port: number }).port;
  });
  afterAll(() => {
    blocker?.close();
    rmSync(localDir, { recursive: true, force: true });
  });

  async function failure(env: Record<string, string>, args: string[] = []) {
    const started = run(tsx, ['--conditions=source', 'src/local/main.ts', ...args], environment(localDir, env));
    const code = await Promise.race([started.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 60_000))]);
    killGroup(started.child);
    expect(code).toBe(1);
    expect(started.stderr.filter((line) => !isEventLine(line))).toEqual([]);
    expect(started.stdout.filter((line) => line.trim() !== '' && !isEventLine(line))).toEqual([]);
    const failures = started.stderr.map((line) => JSON.parse(line)).filter((entry) => entry.event === 'local_stack_failed');
    expect(failures).toHaveLength(1);
    return failures[0] as { reason: string; message: string };
  }

  it('port in use', async () => {
    const failed = await failure({ PORT: String(blockedPort) });
    expect(failed.reason).toBe('port_in_use');
    expect(failed.message).toContain(`PORT=${blockedPort + 1} npm start`);
  }, 70_000);

  it('Postgres unreachable', async () => {
    const failed = await failure({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' });
    expect(failed.reason).toBe('postgres_unreachable');
    expect(failed.message).toContain('unset it to run on the embedded database');
  }, 70_000);

  it('database missing', async () => {
    const url = new URL(adminUrl);
    url.pathname = `/local_cli_missing_${randomUUID().slice(0, 8)}`;
    const failed = await failure({ DATABASE_URL: url.toString() });
    expect(failed.reason).toBe('database_missing');
    expect(failed.message).toContain('createdb');
  }, 70_000);

  it('refuses a second npm start on the same embedded database, and its --reset wipes nothing', async () => {
    const marker = join(localDir, 'pglite', 'kept');
    mkdirSync(join(localDir, 'pglite'), { recursive: true });
    writeFileSync(marker, '');
    // This test process stands in for the running stack.
    writeFileSync(join(localDir, 'status.json'), JSON.stringify({ pid: process.pid, url: 'http://127.0.0.1:54321', database: { kind: 'pglite' } }));
    try {
      const failed = await failure({}, ['--reset']);
      expect(failed.reason).toBe('already_running');
      expect(failed.message).toContain(`pid ${process.pid}`);
      expect(existsSync(marker)).toBe(true);
    } finally {
      rmSync(join(localDir, 'status.json'));
    }
  }, 70_000);

  it('--reset with DATABASE_URL says it cannot, and wipes nothing', async () => {
    const marker = join(localDir, 'pglite', 'kept');
    mkdirSync(join(localDir, 'pglite'), { recursive: true });
    writeFileSync(marker, '');
    const failed = await failure({ DATABASE_URL: adminUrl }, ['--reset']);
    expect(failed.reason).toBe('reset_with_database_url');
    expect(existsSync(marker)).toBe(true);
  }, 70_000);
});
