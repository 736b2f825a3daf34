// A Supabase-Realtime-compatible broadcast server for the Docker-free local stack. Unmodified
// supabase-js / realtime-js clients connect to it; private channels are authorized by the
// project's own realtime.messages policies, as hosted Realtime does.
import { WebSocketServer } from 'ws';
import { Hub } from './hub.ts';
import { PresenceRegistry } from './presence.ts';
import { FREE_PLAN_LIMITS, realTicker, TenantQuotas } from './quotas.ts';
import { reasons } from './reasons.ts';
import { createRestApi } from './rest-api.ts';
import { SocketSession } from './socket-session.ts';
import type { RealtimeServer, RealtimeServerOptions } from './types.ts';
import { acceptUpgrade } from './upgrade.ts';

export { TokenError } from './types.ts';
export type { Claims, TokenResolver, ChannelPolicy, RealtimeServerOptions, RealtimeServer, Log, LogEntry } from './types.ts';
export { createDatabasePolicy, type RollbackRunner } from './policy.ts';
export { FREE_PLAN_LIMITS, limitsFromEnv, type Plan, PLAN_LIMITS, planLimits, type TenantLimits, type Ticker } from './quotas.ts';

// Hosted's check: max_payload_size_in_kb (Free: 256) * 1000 plus 500 bytes of padding.
const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1000 + 500;
// Room for the frame around a maximal payload (refs, topic, event, JSON framing). Bigger frames
// close the connection (1009) before they are buffered; smaller oversized payloads get a reply.
const FRAME_OVERHEAD_BYTES = 16 * 1024;
const MIN_BUFFERED_BYTES = 8 * 1024 * 1024;

export function createRealtimeServer(options: RealtimeServerOptions): RealtimeServer {
  const log = options.log ?? (() => {});
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const hub = new Hub(log);
  const quotas = new TenantQuotas({ ...FREE_PLAN_LIMITS, ...options.limits }, options.ticker ?? realTicker);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
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
    quotas,
    presence: new PresenceRegistry(),
    sleep,
    onClose: (session: SocketSession) => sessions.delete(session),
  };
  const rest = createRestApi({ hub, policy: options.policy, resolveToken: options.resolveToken, log, maxPayloadBytes, quotas });

  return {
    handleUpgrade(req, socket, head) {
      acceptUpgrade(
        {
          wss,
          resolveToken: options.resolveToken,
          log,
          isClosed: () => closed,
          admissionRefusal: () =>
            quotas.users.size >= quotas.limits.maxConcurrentUsers
              ? reasons.connectTooManyUsers
              : quotas.joins.triggered
                ? reasons.connectTooManyJoins
                : null,
          connectErrorBackoffMs: quotas.limits.connectErrorBackoffMs,
          sleep,
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

    stats: () => ({
      connections: sessions.size,
      channels: hub.size,
      eventsPerSecond: quotas.events.avg,
      joinsPerSecond: quotas.joins.avg,
      eventsCounted: quotas.events.total,
    }),

    async close() {
      closed = true;
      quotas.stop();
      await Promise.all([...sessions].map((session) => session.terminate()));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      log({ event: 'realtime_closed' });
    },
  };
}
