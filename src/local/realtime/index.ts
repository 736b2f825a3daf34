// A Supabase-Realtime-compatible broadcast server for the Docker-free local stack. Unmodified
// supabase-js / realtime-js clients connect to it; private channels are authorized by the
// project's own realtime.messages policies, as hosted Realtime does.
import { WebSocketServer } from 'ws';
import { Hub } from './hub.ts';
import { createRestApi } from './rest-api.ts';
import { SocketSession } from './socket-session.ts';
import type { RealtimeServer, RealtimeServerOptions } from './types.ts';
import { acceptUpgrade } from './upgrade.ts';

export { TokenError } from './types.ts';
export type { Claims, TokenResolver, ChannelPolicy, RealtimeServerOptions, RealtimeServer, Log, LogEntry } from './types.ts';
export { createDatabasePolicy, type RollbackRunner } from './policy.ts';

const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;
// Room for the frame around a maximal payload (refs, topic, event, JSON framing). Bigger frames
// close the connection (1009) before they are buffered; smaller oversized payloads get a reply.
const FRAME_OVERHEAD_BYTES = 16 * 1024;
const MIN_BUFFERED_BYTES = 8 * 1024 * 1024;

export function createRealtimeServer(options: RealtimeServerOptions): RealtimeServer {
  const log = options.log ?? (() => {});
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const hub = new Hub(log);
  const sessions = new Set<SocketSession>();
  let nextId = 1;
  let closed = false;

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: maxPayloadBytes + FRAME_OVERHEAD_BYTES,
  });
  const sessionContext = {
    hub,
    policy: options.policy,
    resolveToken: options.resolveToken,
    log,
    maxPayloadBytes,
    maxBufferedBytes: Math.max(MIN_BUFFERED_BYTES, 8 * maxPayloadBytes),
    onClose: (session: SocketSession) => sessions.delete(session),
  };
  const rest = createRestApi({ hub, policy: options.policy, resolveToken: options.resolveToken, log, maxPayloadBytes });

  return {
    handleUpgrade(req, socket, head) {
      acceptUpgrade(
        {
          wss,
          resolveToken: options.resolveToken,
          log,
          isClosed: () => closed,
          onConnection(ws, vsn, apikey, claims) {
            const session = new SocketSession(ws, vsn, apikey, nextId++, sessionContext);
            sessions.add(session);
            log({ event: 'realtime_connect', connection: session.id, vsn, role: claims.role, sub: claims.sub });
          },
        },
        req,
        socket,
        head,
      );
    },

    async handleRest(req) {
      if (closed) return Response.json({ message: 'Realtime is restarting, please standby' }, { status: 503 });
      return rest(req);
    },

    stats: () => ({ connections: sessions.size, channels: hub.size }),

    async close() {
      closed = true;
      await Promise.all([...sessions].map((session) => session.terminate()));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      log({ event: 'realtime_closed' });
    },
  };
}
