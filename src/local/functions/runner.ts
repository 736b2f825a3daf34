import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TokenError, type TokenResolver } from '../auth/tokens.ts';
import type { FunctionSpec } from './config.ts';
import { forward, sendJson } from './proxy.ts';

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
  /** Larger request bodies get 413 at the gateway, before they are read (default: the contract's). */
  maxBodyBytes?: number;
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

/** The functions' own limit (the contract's LIMITS.bodyBytes; functions-gateway.test.ts keeps them equal). */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/** The 401s of the gateway's verify_jwt check: hosted, the gateway answers `{code, message}`. */
async function gatewayRejection(req: IncomingMessage, spec: FunctionSpec, verifyJwt: TokenResolver): Promise<Record<string, unknown> | null> {
  if (!spec.verifyJwt || req.method === 'OPTIONS') return null;
  const token = req.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (!token) return { code: 401, message: 'Missing authorization header' };
  try {
    await verifyJwt(token);
    return null;
  } catch (error) {
    if (error instanceof TokenError) return { code: 401, message: 'Invalid JWT' };
    throw error;
  }
}

export function createFunctionsRunner(options: FunctionsRunnerOptions) {
  const processes = new Map(options.functions.map((spec) => [spec.name, new FunctionProcess(spec, options)]));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // Idle sockets to the functions are dropped after 4 s, as undici does, so a request never goes out on
  // one the function host is closing at that moment.
  const agent = new Agent({ keepAlive: true, timeout: 4_000 });
  const tooLarge = (res: ServerResponse) =>
    sendJson(res, 413, { error: { code: 'body_too_large', message: `request body is larger than ${maxBodyBytes} bytes` } }, { close: true });

  return {
    names: [...processes.keys()],

    async start(): Promise<void> {
      await Promise.all([...processes.values()].map((p) => p.start()));
    },

    /**
     * Serves /functions/v1/<name>/…; `path` is the part after /functions/v1. `expectsContinue`: the
     * client waits for 100 Continue before sending its body, so refusals go out without it.
     */
    async handle(req: IncomingMessage, res: ServerResponse, path: string, expectsContinue = false): Promise<void> {
      const name = path.split(/[/?]/)[1] ?? '';
      const target = processes.get(name);
      if (!target) return sendJson(res, 404, { code: 404, message: `Function not found: ${name}` }, { close: true });
      const rejection = await gatewayRejection(req, target.spec, options.verifyJwt);
      if (rejection) return sendJson(res, 401, rejection, { close: true });
      if (Number(req.headers['content-length'] ?? NaN) > maxBodyBytes) return tooLarge(res);
      const port = await target.start();
      if (expectsContinue) res.writeContinue();
      forward(req, res, {
        port,
        path,
        agent,
        maxBodyBytes,
        tooLarge,
        unreachable: (response, error) =>
          sendJson(response, 502, { code: 502, message: `function ${name} did not answer: ${error.message}` }, { close: true }),
      });
    },

    async stop(): Promise<void> {
      agent.destroy();
      await Promise.all([...processes.values()].map((p) => p.stop()));
    },

    /** Fault injection: SIGKILL one function's process mid-request; the next request starts a new one. */
    async kill(name: string): Promise<void> {
      await processes.get(name)?.stop('SIGKILL');
    },
  };
}

export type FunctionsRunner = ReturnType<typeof createFunctionsRunner>;
