import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TokenError, type TokenResolver } from '../auth/tokens.ts';
import type { FunctionSpec } from './config.ts';

export interface FunctionLogLine {
  function: string;
  stream: 'stdout' | 'stderr';
  line: string;
  /** The line parsed, when it is a JSON object (the functions log structured lines). */
  json?: Record<string, unknown>;
}

export interface FunctionsRunnerOptions {
  functions: FunctionSpec[];
  /** What the CLI injects (SUPABASE_URL, keys, …) plus anything the caller adds. */
  env: Record<string, string>;
  /** Accepts only JWTs signed by the project: the gateway's verify_jwt check. */
  verifyJwt: TokenResolver;
  projectRoot: string;
  onLog(line: FunctionLogLine): void;
}

const hostScript = join(dirname(fileURLToPath(import.meta.url)), 'deno-host.ts');
const denoBinary = join(dirname(createRequire(import.meta.url).resolve('deno/package.json')), 'deno');

/** One Deno process per function, started with the stack and restarted after a crash. */
class FunctionProcess {
  private child?: ChildProcess;
  private port?: Promise<number>;

  constructor(
    readonly spec: FunctionSpec,
    private readonly options: FunctionsRunnerOptions,
  ) {}

  start(): Promise<number> {
    this.port ??= new Promise<number>((resolvePort, reject) => {
      // npm: imports resolve from the project's node_modules (npm install put them there) instead of
      // being downloaded again into Deno's cache: a first start took 70 s that way, 4 downloads at once.
      const args = ['run', '--allow-net', '--allow-env', '--allow-read', '--no-lock', '--no-prompt', '--node-modules-dir=manual'];
      if (this.spec.importMap) args.push('--config', this.spec.importMap);
      const child = spawn(denoBinary, [...args, hostScript, this.spec.entrypoint], {
        cwd: this.options.projectRoot,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
          NO_COLOR: '1',
          ...this.options.env,
        },
        // stdin stays open for the child's lifetime: its EOF tells the host the stack is gone.
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      this.child = child;
      let listening = false;
      for (const stream of ['stdout', 'stderr'] as const) {
        createInterface({ input: child[stream]! }).on('line', (line) => {
          const json = parseJsonLine(line);
          if (!listening && json?.event === 'function_host_listening') {
            listening = true;
            resolvePort(Number(json.port));
            return;
          }
          this.options.onLog({ function: this.spec.name, stream, line, json });
        });
      }
      child.once('exit', (code, signal) => {
        this.child = undefined;
        this.port = undefined;
        if (!listening) reject(new Error(`function ${this.spec.name} exited before listening (code ${code}, signal ${signal})`));
      });
    });
    return this.port;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
  }
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** The gateway's verify_jwt check: a valid project JWT in Authorization, before the function runs. */
async function gatewayRejection(request: Request, spec: FunctionSpec, verifyJwt: TokenResolver): Promise<Response | null> {
  if (!spec.verifyJwt || request.method === 'OPTIONS') return null;
  const token = request.headers.get('authorization')?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (!token) return json(401, { code: 401, message: 'Missing authorization header' });
  try {
    await verifyJwt(token);
    return null;
  } catch (error) {
    if (error instanceof TokenError) return json(401, { code: 401, message: 'Invalid JWT' });
    throw error;
  }
}

export function createFunctionsRunner(options: FunctionsRunnerOptions) {
  const processes = new Map(options.functions.map((spec) => [spec.name, new FunctionProcess(spec, options)]));

  return {
    names: [...processes.keys()],

    async start(): Promise<void> {
      await Promise.all([...processes.values()].map((p) => p.start()));
    },

    /** Handles /functions/v1/<name>/…; `path` is the part after /functions/v1. */
    async handle(request: Request, path: string): Promise<Response> {
      const name = path.split('/')[1] ?? '';
      const target = processes.get(name);
      if (!target) return json(404, { code: 404, message: `Function not found: ${name}` });
      const rejection = await gatewayRejection(request, target.spec, options.verifyJwt);
      if (rejection) return rejection;
      const port = await target.start();
      const url = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.delete('host');
      headers.delete('connection');
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
      try {
        return await fetch(`http://127.0.0.1:${port}${path}${url.search}`, {
          method: request.method,
          headers,
          body,
          redirect: 'manual',
        });
      } catch (error) {
        return json(502, { code: 502, message: `function ${name} did not answer: ${(error as Error).message}` });
      }
    },

    async stop(): Promise<void> {
      await Promise.all([...processes.values()].map((p) => p.stop()));
    },

    /** Fault injection: SIGKILL one function's process mid-request; the next request starts a new one. */
    async kill(name: string): Promise<void> {
      await processes.get(name)?.stop('SIGKILL');
    },
  };
}

export type FunctionsRunner = ReturnType<typeof createFunctionsRunner>;
