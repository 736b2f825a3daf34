import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { VSNS, type Vsn } from './protocol.ts';
import { TokenError, type Claims, type Log, type TokenResolver } from './types.ts';

const WEBSOCKET_PATH = /^\/realtime\/v1\/websocket\/?$/;

export interface UpgradeContext {
  wss: WebSocketServer;
  resolveToken: TokenResolver;
  log: Log;
  isClosed(): boolean;
  /** Hosted's check_tenant at connect: the 429 message, or null. */
  admissionRefusal(): string | null;
  /** CONNECT_ERROR_BACKOFF_MS: hosted sleeps before answering a refused connect. */
  connectErrorBackoffMs: number;
  sleep(ms: number): Promise<void>;
  onConnection(ws: WebSocket, vsn: Vsn, apikey: string, claims: Claims): void;
}

/**
 * Authenticates the apikey before accepting the WebSocket, and refuses with the status and
 * `{error}` body Realtime's UserSocket.handle_error uses, so clients see why.
 */
export function acceptUpgrade(ctx: UpgradeContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  // Until ws takes the socket over, a reset from the peer must not become an unhandled 'error'.
  const onError = (error: Error) => ctx.log({ event: 'realtime_upgrade_socket_error', error: error.message });
  socket.on('error', onError);
  const refuse = (status: number, message: string, why: string) => {
    ctx.log({ event: 'realtime_connect_refused', status, why, message });
    respond(socket, status, message);
  };
  // Refusals from the socket's connect (credentials, quotas) wait first, as UserSocket.connect_error does.
  const refuseLater = (status: number, message: string, why: string) => {
    void ctx.sleep(ctx.connectErrorBackoffMs).then(() => refuse(status, message, why));
  };

  const url = new URL(req.url ?? '/', 'http://localhost');
  if (!WEBSOCKET_PATH.test(url.pathname)) return refuse(404, 'Not found', 'path');
  if (ctx.isClosed()) return refuse(503, 'Realtime is restarting, please standby', 'closed');
  const vsn = url.searchParams.get('vsn') ?? '1.0.0';
  if (!(VSNS as readonly string[]).includes(vsn)) return refuse(400, `Unsupported serializer version: ${vsn}`, 'vsn');
  const header = req.headers['x-api-key'];
  const apikey = url.searchParams.get('apikey') ?? (typeof header === 'string' ? header : null);
  if (!apikey) return refuseLater(401, 'API key is missing', 'missing_apikey');

  ctx.resolveToken(apikey).then(
    (claims) => {
      if (socket.destroyed) return;
      if (ctx.isClosed()) return refuse(503, 'Realtime is restarting, please standby', 'closed');
      const quota = ctx.admissionRefusal();
      if (quota) return refuseLater(429, quota, 'quota');
      socket.off('error', onError);
      ctx.wss.handleUpgrade(req, socket, head, (ws) => ctx.onConnection(ws, vsn as Vsn, apikey, claims));
    },
    (error: unknown) => {
      if (!(error instanceof TokenError)) {
        ctx.log({ event: 'realtime_error', during: 'upgrade', error: (error as Error)?.message ?? String(error) });
        return refuseLater(500, 'Error connecting to Realtime', 'error');
      }
      refuseLater(401, error.reason === 'expired' ? 'Token has expired' : error.message, `token_${error.reason}`);
    },
  );
}

function respond(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: message });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
