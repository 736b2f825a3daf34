import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { openDatabase, type StackDatabase } from './database.ts';
import { discoverFunctions, type FunctionSpec } from './functions/config.ts';
import { createFunctionsRunner, type FunctionLogLine, type FunctionsRunner } from './functions/runner.ts';
import { resolveKeys, type StackKeys } from './keys.ts';
import { createLite } from './lite.ts';
import { prepareDatabase } from './migrate.ts';
import { createDatabasePolicy, createRealtimeServer, createTokenResolver, type RealtimeServer } from './realtime/index.ts';
import { projectRoot } from './schema.ts';

export type StackLogEntry = { event: string; [field: string]: unknown };

export interface LocalStackOptions {
  /** Default 54321; 0 picks a free port. */
  port?: number;
  host?: string;
  /** Run on this Postgres database instead of embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data directory; undefined keeps the data in memory. */
  dataDir?: string;
  keys?: Partial<Pick<StackKeys, 'publishableKey' | 'secretKey' | 'jwtSecret'>>;
  /** Lifetime of the access tokens auth issues (config.toml's jwt_expiry). */
  jwtExpirySeconds?: number;
  /** Extra environment for the edge functions (the CLI's supabase/functions/.env). */
  functionEnv?: Record<string, string>;
  /** Functions served besides supabase/functions (benchmarks serve their baselines this way). */
  extraFunctions?: FunctionSpec[];
  /** Structured log lines: the stack's own events and every line a function prints. */
  onLog?: (entry: StackLogEntry) => void;
}

/** Requests served so far, by service; the benchmarks count round trips with it. */
export interface RequestCounts {
  rest: number;
  auth: number;
  realtimeApi: number;
  functions: number;
  websocketUpgrades: number;
}

export interface LocalStack {
  url: string;
  keys: StackKeys;
  /** SUPABASE_DB_URL when running on Postgres. */
  dbUrl?: string;
  functions: string[];
  /** The database itself, for tests and benchmarks that need to set up data in bulk. */
  db: StackDatabase;
  requestCounts(): RequestCounts;
  /** Take Realtime down (every socket closed, new ones refused, REST 503) and bring it back. */
  realtime: { stop(): Promise<void>; start(): void; stats(): { connections: number; channels: number } };
  /** Fault injection for tests and the soak. */
  faults: {
    /** Answer the Realtime broadcast API with this status while sockets stay up (the platform refusing
     * broadcasts), or 'drop': answer 202 and deliver nothing (accepted, then lost); null answers normally again. */
    broadcastApi(fault: number | 'drop' | null): void;
    /** While on, a function that calls the broadcast API is killed (SIGKILL) instead: it has committed
     * and dies before anything is broadcast. */
    killFunctionsAtBroadcast(on: boolean): void;
  };
  stop(): Promise<void>;
}

type HttpService = Exclude<keyof RequestCounts, 'websocketUpgrades'>;

function serviceFor(pathname: string): HttpService | null {
  if (pathname.startsWith('/rest/v1/')) return 'rest';
  if (pathname.startsWith('/auth/v1/')) return 'auth';
  if (pathname.startsWith('/realtime/v1/api/')) return 'realtimeApi';
  if (pathname.startsWith('/functions/v1/')) return 'functions';
  return null;
}

/** The API gateway's CORS answer: any origin, the methods and headers the browser asks for. */
function preflight(request: Request): Response {
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
      'access-control-allow-headers': request.headers.get('access-control-request-headers') ?? '*',
      'access-control-max-age': '3600',
    },
  });
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** Starts everything `supabase start` + `supabase functions serve` would, on one port, without Docker. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const started = performance.now();
  const log = options.onLog ?? (() => {});
  const keys = await resolveKeys(options.keys);
  const host = options.host ?? '127.0.0.1';

  let ready = false;
  let realtimeUp = true;
  let broadcastFault: number | 'drop' | null = null;
  let killAtBroadcast = false;
  let db: StackDatabase | undefined;
  let lite: ReturnType<typeof createLite> | undefined;
  let realtime: RealtimeServer | undefined;
  let newRealtime: () => RealtimeServer = () => {
    throw new Error('Realtime is not configured yet');
  };
  let functions: FunctionsRunner | undefined;

  const counts: RequestCounts = { rest: 0, auth: 0, realtimeApi: 0, functions: 0, websocketUpgrades: 0 };

  async function route(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/health') return json(ready ? 200 : 503, { status: ready ? 'healthy' : 'starting' });
    const service = serviceFor(pathname);
    if (!service) return json(404, { message: `no route for ${pathname}` });
    counts[service]++;
    // Functions and Realtime answer CORS themselves, as on the platform. lite's auth preflight lacks
    // Access-Control-Allow-Headers (browsers then refuse to sign in), so the gateway answers for lite.
    if (service !== 'rest' && service !== 'auth') return dispatch(service, request, pathname);
    if (request.method === 'OPTIONS') return preflight(request);
    const response = await dispatch(service, request, pathname);
    if (!response.headers.has('access-control-allow-origin')) response.headers.set('access-control-allow-origin', '*');
    return response;
  }

  async function dispatch(service: HttpService, request: Request, pathname: string): Promise<Response> {
    if (!ready || !lite || !realtime || !functions) return json(503, { message: 'the local stack is starting' });
    switch (service) {
      case 'rest':
      case 'auth':
        return lite.fetch(request);
      case 'realtimeApi':
        if (killAtBroadcast) {
          // Only chat-send broadcasts after a commit with the user waiting: the one worth killing there.
          await functions.kill('chat-send');
          return json(503, { message: 'fault injected: the calling function was killed' });
        }
        if (broadcastFault === 'drop') return json(202, { message: 'fault injected: accepted, delivered to nobody' });
        if (broadcastFault !== null) return json(broadcastFault, { message: 'fault injected: broadcast refused' });
        return realtimeUp ? realtime.handleRest(request) : json(503, { message: 'Realtime is stopped' });
      case 'functions':
        return functions.handle(request, pathname.slice('/functions/v1'.length));
    }
  }

  const server: Server = createServer(
    getRequestListener(route, { errorHandler: (error) => json(500, { message: String(error) }) }),
  );
  // Longer than clients keep idle sockets (undici: 4 s), so a client never reuses a socket the server
  // is closing at that moment (Node's default 5 s makes an occasional request fail with a reset).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/realtime/v1/websocket' || !ready || !realtimeUp || !realtime) {
      socket.destroy();
      return;
    }
    counts.websocketUpgrades++;
    realtime.handleUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 54321, host, resolve);
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;

  async function stop() {
    ready = false;
    await realtime?.close();
    await functions?.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db?.close();
  }

  try {
    db = await openDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
    lite = createLite(db, keys, { jwtExpirySeconds: options.jwtExpirySeconds ?? 3600 });
    const applied = await prepareDatabase(db, lite.app);
    log({ event: 'local_stack_migrated', database: db.kind, applied });

    const realtimeOptions = {
      resolveToken: createTokenResolver({
        jwtSecret: keys.jwtSecret,
        publishableKeys: [keys.publishableKey],
        secretKeys: [keys.secretKey],
      }),
      policy: createDatabasePolicy(db),
      log,
    };
    newRealtime = () => createRealtimeServer(realtimeOptions);
    realtime = newRealtime();

    functions = createFunctionsRunner({
      functions: [...discoverFunctions(join(projectRoot, 'supabase')), ...(options.extraFunctions ?? [])],
      projectRoot,
      verifyJwt: createTokenResolver({ jwtSecret: keys.jwtSecret, publishableKeys: [], secretKeys: [] }),
      env: {
        SUPABASE_URL: url,
        SUPABASE_ANON_KEY: keys.anonKey,
        SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
        SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: keys.publishableKey }),
        SUPABASE_SECRET_KEYS: JSON.stringify({ default: keys.secretKey }),
        ...(db.url ? { SUPABASE_DB_URL: db.url } : {}),
        ...options.functionEnv,
      },
      onLog: (line: FunctionLogLine) =>
        log(line.json ? { ...line.json, event: String(line.json.event ?? 'function_log'), function: line.function }
          : { event: 'function_output', function: line.function, stream: line.stream, line: line.line }),
    });
    await functions.start();
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }

  ready = true;
  log({ event: 'local_stack_ready', url, boot_ms: Math.round(performance.now() - started), functions: functions.names });

  return {
    url,
    keys,
    dbUrl: db.url,
    functions: functions.names,
    db,
    requestCounts: () => ({ ...counts }),
    realtime: {
      async stop() {
        realtimeUp = false;
        await realtime?.close();
      },
      start() {
        if (realtimeUp) return;
        realtime = newRealtime();
        realtimeUp = true;
      },
      stats: () => realtime!.stats(),
    },
    faults: {
      broadcastApi(fault) {
        broadcastFault = fault;
      },
      killFunctionsAtBroadcast(on) {
        killAtBroadcast = on;
      },
    },
    stop,
  };
}
