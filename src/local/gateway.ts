// The API gateway of the local stack: one HTTP server, one port, paths mounted on services the
// way Kong routes them on `supabase start`, /health, and the Realtime WebSocket upgrade.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';

/** Requests served so far, by service; the benchmarks count round trips with it. */
export interface RequestCounts {
  rest: number;
  auth: number;
  realtimeApi: number;
  functions: number;
  websocketUpgrades: number;
}

export type CountedService = Exclude<keyof RequestCounts, 'websocketUpgrades'>;

/** One service behind a path prefix. Mounts are tried in order; the first whose prefix matches serves. */
export interface Mount {
  prefix: string;
  /** Counted under this name in requestCounts(). */
  service?: CountedService;
  /**
   * 'gateway': the gateway answers preflights and adds Access-Control-Allow-Origin (lite's own
   * preflight lacks Access-Control-Allow-Headers, so browsers refuse to sign in). 'own': the service
   * answers CORS itself, as functions and Realtime do on the platform.
   */
  cors: 'gateway' | 'own';
  /** `path`: the pathname after the prefix, from the prefix's trailing '/' on ('/chat-send' for '/functions/v1/'). */
  handle(request: Request, path: string): Promise<Response> | Response;
}

export interface Gateway {
  listen(port: number, host: string): Promise<string>;
  /** Until called, every mounted path answers 503 and upgrades are refused. */
  open(mounts: Mount[], upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean): void;
  /** Back to 503 for everything; close() ends the server itself. */
  shut(): void;
  requestCounts(): RequestCounts;
  close(): Promise<void>;
}

export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

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

async function withGatewayCors(mount: Mount, request: Request, path: string): Promise<Response> {
  if (request.method === 'OPTIONS') return preflight(request);
  const response = await mount.handle(request, path);
  if (!response.headers.has('access-control-allow-origin')) response.headers.set('access-control-allow-origin', '*');
  return response;
}

export function createGateway(): Gateway {
  let mounts: Mount[] | null = null;
  let upgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => boolean) | null = null;
  const counts: RequestCounts = { rest: 0, auth: 0, realtimeApi: 0, functions: 0, websocketUpgrades: 0 };

  async function route(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/health') return json(mounts ? 200 : 503, { status: mounts ? 'healthy' : 'starting' });
    if (!mounts) return json(503, { message: 'the local stack is starting' });
    const mount = mounts.find((m) => pathname.startsWith(m.prefix));
    if (!mount) return json(404, { message: `no route for ${pathname}` });
    if (mount.service) counts[mount.service]++;
    const path = pathname.slice(mount.prefix.replace(/\/$/, '').length);
    return mount.cors === 'gateway' ? withGatewayCors(mount, request, path) : mount.handle(request, path);
  }

  const server: Server = createServer(
    getRequestListener(route, { errorHandler: (error) => json(500, { message: String(error) }) }),
  );
  // Longer than clients keep idle sockets (undici: 4 s), so a client never reuses a socket the server
  // is closing at that moment (Node's default 5 s makes an occasional request fail with a reset).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('upgrade', (req, socket, head) => {
    if (upgrade?.(req, socket, head)) counts.websocketUpgrades++;
    else socket.destroy();
  });

  return {
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return `http://${host}:${(server.address() as AddressInfo).port}`;
    },
    open(next, nextUpgrade) {
      mounts = next;
      upgrade = nextUpgrade;
    },
    shut() {
      mounts = null;
      upgrade = null;
    },
    requestCounts: () => ({ ...counts }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
