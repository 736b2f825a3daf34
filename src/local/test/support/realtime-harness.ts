// A Node http server on port 0 that routes /realtime/v1/* to the local Realtime server, plus
// real supabase-js clients wired to it. Everything created here is torn down by close().
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import {
  createDatabasePolicy,
  createRealtimeServer,
  type ChannelPolicy,
  type LogEntry,
  type RealtimeServer,
  type RealtimeServerOptions,
} from '../../realtime/index.ts';
import { createTokenResolver } from '../../auth/tokens.ts';
import { pgliteWithRollback } from '../../database.ts';
import { addUser, createPgliteDb, type TestDb } from '../../../../tests/support/db.ts';
import { signJwt } from '../../../../tests/support/jwt.ts';

export { waitFor } from '../../../../tests/support/wait.ts';

export const keys = {
  publishable: 'sb_publishable_realtime_tests_0123456789',
  secret: 'sb_secret_realtime_tests_0123456789',
  jwtSecret: 'realtime-tests-jwt-secret-with-at-least-32-characters',
};

export const resolveToken = createTokenResolver({
  jwtSecret: keys.jwtSecret,
  publishableKeys: [keys.publishable],
  secretKeys: [keys.secret],
});

/** A token signed with the harness's secret (or `opts.secret`). */
export const mintJwt = (sub: string | undefined, opts: { ttlSeconds?: number; role?: string; secret?: string } = {}) =>
  signJwt(sub, { ...opts, secret: opts.secret ?? keys.jwtSecret });

/** PGlite with the project's migrations, and the database policy over it. */
export async function createInboxDb(): Promise<{ db: TestDb & { pg: import('@electric-sql/pglite').PGlite }; policy: ChannelPolicy }> {
  const db = await createPgliteDb();
  return { db, policy: createDatabasePolicy({ withRollback: pgliteWithRollback(db.pg) }) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type Status = { status: string; err?: Error };

/** realtime-js options a test may set (vsn, timeout, heartbeatIntervalMs, heartbeatCallback, …). */
export type RealtimeOptions = Omit<NonNullable<NonNullable<Parameters<typeof createClient>[2]>['realtime']>, 'transport'>;

/** A supabase-js client whose Realtime token the test controls. */
export class TestClient {
  readonly supabase: SupabaseClient;

  /** `token` undefined: a visitor with no session (realtime-js then uses the publishable key). */
  constructor(
    url: string,
    public token: string | undefined,
    realtime: RealtimeOptions = {},
  ) {
    this.supabase = createClient(url, keys.publishable, {
      realtime: { transport: WebSocket as never, ...realtime },
      // Like a signed-in app: realtime-js asks the accessToken callback on every (re)join and heartbeat.
      ...(token === undefined
        ? { auth: { persistSession: false, autoRefreshToken: false } }
        : { accessToken: async () => this.token ?? keys.publishable }),
    });
  }

  /** Changes the token the accessToken callback returns and pushes it to joined channels. */
  async setToken(token: string): Promise<void> {
    this.token = token;
    await this.supabase.realtime.setAuth();
  }

  /**
   * Creates a channel, records its broadcasts and statuses, subscribes, and resolves with the
   * first outcome (SUBSCRIBED, CHANNEL_ERROR, TIMED_OUT or CLOSED).
   */
  async join(
    topic: string,
    config: { private?: boolean; self?: boolean; ack?: boolean } = {},
  ): Promise<{ channel: RealtimeChannel; received: { event: string; payload: unknown; meta?: unknown }[]; statuses: Status[]; first: Status; system: unknown[] }> {
    const channel = this.supabase.channel(topic, {
      config: { private: config.private ?? false, broadcast: { self: config.self ?? false, ack: config.ack ?? false } },
    });
    const received: { event: string; payload: unknown; meta?: unknown }[] = [];
    const statuses: Status[] = [];
    const system: unknown[] = [];
    channel.on('broadcast', { event: '*' }, (message) => received.push({ event: message.event, payload: message.payload, meta: message.meta }));
    channel.on('system', {}, (message) => system.push(message));
    const first = await new Promise<Status>((resolve) => {
      channel.subscribe((status, err) => {
        statuses.push({ status, err });
        resolve({ status, err });
      });
    });
    return { channel, received, statuses, first, system };
  }

  async close(): Promise<void> {
    await this.supabase.removeAllChannels();
    await this.supabase.realtime.disconnect();
  }
}

export interface RealtimeHarness {
  readonly url: string;
  readonly port: number;
  server: RealtimeServer;
  readonly logs: LogEntry[];
  /** A supabase-js client; `token` is what its accessToken callback returns (default: no session). */
  client(opts?: { token?: string; realtime?: RealtimeOptions }): Promise<TestClient>;
  /** POST to a Realtime REST path; a string body is sent as is, anything else as JSON. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Closes the Realtime and http servers, then starts fresh ones on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

type HarnessOptions = { policy: ChannelPolicy } & Pick<RealtimeServerOptions, 'maxPayloadBytes' | 'limits' | 'ticker' | 'sleep'>;

/** A clock that never ticks: the rate averages stay at zero unless a test drives its own ticker. */
const stoppedTicker = { every: () => ({ stop() {} }) };

/**
 * Hosted's limits, but without the join and connect backoffs and with rate averages that never
 * move, unless a test asks for them: only the quota tests depend on them.
 */
export async function startRealtimeHarness(opts: HarnessOptions): Promise<RealtimeHarness> {
  const logs: LogEntry[] = [];
  const clients = new Set<TestClient>();
  const makeServer = () =>
    createRealtimeServer({
      resolveToken,
      policy: opts.policy,
      maxPayloadBytes: opts.maxPayloadBytes,
      limits: { channelErrorBackoffMs: 0, connectErrorBackoffMs: 0, ...opts.limits },
      ticker: opts.ticker ?? stoppedTicker,
      sleep: opts.sleep,
      log: (entry) => {
        logs.push(entry);
        if (process.env.REALTIME_LOG) console.log(JSON.stringify(entry));
      },
    });

  let server = makeServer();
  let httpServer = await listen(() => server, 0);
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    logs,
    get server() {
      return server;
    },
    set server(value) {
      server = value;
    },

    async client({ token, realtime } = {}) {
      const client = new TestClient(url, token, realtime);
      clients.add(client);
      // Without this the first join races the token and goes out anonymous (see docs/realtime-protocol.md).
      await client.supabase.realtime.setAuth();
      return client;
    },

    post: (path, body, headers = {}) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),

    async restart() {
      await server.close();
      await closeHttp(httpServer);
      server = makeServer();
      httpServer = await listen(() => server, port);
    },

    async close() {
      await Promise.all([...clients].map((c) => c.close().catch(() => {})));
      await server.close();
      await closeHttp(httpServer);
    },
  };
}

function listen(current: () => RealtimeServer, port: number): Promise<http.Server> {
  const httpServer = http.createServer((req, res) => {
    route(current(), req, res).catch((error) => {
      res.writeHead(500).end(String(error));
    });
  });
  httpServer.on('upgrade', (req, socket, head) => current().handleUpgrade(req, socket, head));
  return new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, '127.0.0.1', () => resolve(httpServer));
  });
}

async function route(server: RealtimeServer, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (!req.url?.startsWith('/realtime/v1/')) {
    res.writeHead(404).end();
    return;
  }
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(`http://${req.headers.host}${req.url}`, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
    duplex: 'half',
  } as RequestInit);
  const response = await server.handleRest(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

function closeHttp(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * An inbox database with one user (`alice`), and a harness whose channel checks are the database
 * policy over it. close() stops the harness, then closes the database.
 */
export async function startInboxHarness(): Promise<{ harness: RealtimeHarness; alice: string; close(): Promise<void> }> {
  const { db, policy } = await createInboxDb();
  try {
    const alice = await addUser(db);
    const harness = await startRealtimeHarness({ policy });
    return {
      harness,
      alice,
      close: async () => {
        await harness.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
