import { join } from 'node:path';
import { createTokenResolver } from './auth/tokens.ts';
import { openDatabase, type StackDatabase } from './database.ts';
import { demoUsersMount } from './demo-users.ts';
import { discoverFunctions, type FunctionSpec } from './functions/config.ts';
import { cliEnvironment, functionLogEntry } from './functions/environment.ts';
import { createFunctionsRunner, type FunctionsRunner } from './functions/runner.ts';
import { createFaults, type Faults } from './faults.ts';
import { createGateway, type Mount, type RequestCounts } from './gateway.ts';
import { resolveKeys, type StackKeys } from './keys.ts';
import { createLite, type Lite } from './lite.ts';
import type { StatementCounts } from './lite-statements.ts';
import { prepareDatabase } from './migrate.ts';
import { createDatabasePolicy, limitsFromEnv, type TenantLimits } from './realtime/index.ts';
import { createRealtimeSwitch, type RealtimeSwitch } from './realtime-switch.ts';
import { resolveProjectDir } from './schema.ts';
import { createWebApp, webDir } from './web.ts';

export type { Mount, RequestCounts } from './gateway.ts';

export type StackLogEntry = { event: string; [field: string]: unknown };
type Log = (entry: StackLogEntry) => void;

export interface LocalStackOptions {
  /** The directory holding supabase/ (migrations, functions, config.toml); default SUPABASE_WORKDIR, else the working directory. */
  projectDir?: string;
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
  /** Realtime's quotas; default from TENANT_MAX_* and the backoff variables, else hosted's Free plan. */
  realtimeLimits?: Partial<TenantLimits>;
  /** Extra environment for the edge functions (the CLI's supabase/functions/.env). */
  functionEnv?: Record<string, string>;
  /** Functions served besides supabase/functions (benchmarks serve their baselines this way). */
  extraFunctions?: FunctionSpec[];
  /** More paths to serve, tried after the Supabase ones in order (a '/' prefix catches the rest). */
  mounts?: Mount[];
  /** The built web app, served on every path nothing else answers (default dist/web). */
  webDir?: string;
  /** Structured log lines: the stack's own events and every line a function prints. */
  onLog?: (entry: StackLogEntry) => void;
}

export interface LocalStack {
  url: string;
  keys: StackKeys;
  /** SUPABASE_DB_URL when running on Postgres. */
  dbUrl?: string;
  functions: string[];
  /** The database itself, for tests and benchmarks that need to set up data in bulk. */
  db: StackDatabase;
  /** Requests by service, and the statements lite sent to the database and the round trips they took (the benchmarks count them). */
  requestCounts(): RequestCounts & StatementCounts;
  /** Take Realtime down (every socket closed, new ones refused, REST 503) and bring it back. */
  realtime: Pick<RealtimeSwitch, 'stop' | 'start' | 'stats'>;
  /** Fault injection for tests and the soak. */
  faults: Faults;
  stop(): Promise<void>;
}

/** The paths `supabase start` serves, on the services that answer them here, and the demo accounts. */
function serviceMounts(db: StackDatabase, lite: Lite, realtime: RealtimeSwitch, functions: FunctionsRunner, faulty: ReturnType<typeof createFaults>['wrap']): Mount[] {
  return [
    { prefix: '/rest/v1/', service: 'rest', cors: 'gateway', handle: (request) => lite.fetch(request) },
    { prefix: '/auth/v1/', service: 'auth', cors: 'gateway', handle: (request) => lite.fetch(request) },
    { prefix: '/realtime/v1/api/', service: 'realtimeApi', cors: 'own', handle: faulty((request) => realtime.handleRest(request)) },
    { prefix: '/functions/v1/', service: 'functions', serve: (req, res, path, expectsContinue) => functions.handle(req, res, path, expectsContinue) },
    demoUsersMount(db),
  ];
}

function startRealtime(db: StackDatabase, keys: StackKeys, limits: TenantLimits, log: Log): RealtimeSwitch {
  return createRealtimeSwitch({
    resolveToken: createTokenResolver({ jwtSecret: keys.jwtSecret, publishableKeys: [keys.publishableKey], secretKeys: [keys.secretKey] }),
    policy: createDatabasePolicy(db),
    log,
    limits,
  });
}

function createFunctions(
  url: string,
  keys: StackKeys,
  db: StackDatabase,
  projectDir: string,
  limits: TenantLimits,
  options: LocalStackOptions,
  log: Log,
): FunctionsRunner {
  return createFunctionsRunner({
    functions: [...discoverFunctions(join(projectDir, 'supabase')), ...(options.extraFunctions ?? [])],
    projectRoot: projectDir,
    verifyJwt: createTokenResolver({ jwtSecret: keys.jwtSecret, publishableKeys: [], secretKeys: [] }),
    env: {
      ...cliEnvironment(url, keys, db.url),
      // The broadcaster paces itself to the plan this Realtime enforces.
      CHAT_REALTIME_EVENTS_PER_SECOND: String(limits.maxEventsPerSecond),
      ...options.functionEnv,
    },
    onLog: (line) => log(functionLogEntry(line)),
  });
}

/** Starts everything `supabase start` + `supabase functions serve` would, on one port, without Docker. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const started = performance.now();
  const log: Log = options.onLog ?? (() => {});
  const keys = await resolveKeys(options.keys);
  const projectDir = resolveProjectDir(options.projectDir);
  const gateway = createGateway();
  // The port first: when it is taken, that is known at once rather than after the migrations.
  const url = await gateway.listen(options.port ?? 54321, options.host ?? '127.0.0.1');

  const parts: { db?: StackDatabase; lite?: Lite; realtime?: RealtimeSwitch; functions?: FunctionsRunner } = {};
  const faults = createFaults((name) => parts.functions?.kill(name) ?? Promise.resolve());
  async function stop() {
    gateway.shut();
    await parts.realtime?.stop();
    await parts.functions?.stop();
    await gateway.close();
    await parts.db?.close();
  }

  try {
    const db = (parts.db = await openDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir }));
    const lite = (parts.lite = createLite(db, keys, { jwtExpirySeconds: options.jwtExpirySeconds ?? 3600 }));
    const applied = await prepareDatabase(db, lite.app, projectDir);
    log({ event: 'local_stack_migrated', database: db.kind, applied });
    const limits: TenantLimits = { ...limitsFromEnv(process.env), ...options.realtimeLimits };
    const realtime = (parts.realtime = startRealtime(db, keys, limits, log));
    const functions = (parts.functions = createFunctions(url, keys, db, projectDir, limits, options, log));
    await functions.start();
    const web: Mount = { prefix: '/', cors: 'own', handle: createWebApp({ publishableKey: keys.publishableKey, dir: options.webDir ?? webDir(projectDir) }) };
    gateway.open([...serviceMounts(db, lite, realtime, functions, faults.wrap), ...(options.mounts ?? []), web], realtime.upgrade);
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }

  const { db, lite, realtime, functions } = parts as Required<typeof parts>;
  log({ event: 'local_stack_ready', url, boot_ms: Math.round(performance.now() - started), functions: functions.names });
  return {
    url,
    keys,
    dbUrl: db.url,
    functions: functions.names,
    db,
    requestCounts: () => ({ ...gateway.requestCounts(), ...lite.statements() }),
    realtime: { stop: () => realtime.stop(), start: () => realtime.start(), stats: () => realtime.stats() },
    faults: faults.faults,
    stop,
  };
}
