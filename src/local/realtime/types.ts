import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Claims, TokenResolver } from '../auth/tokens.ts';
import type { TenantLimits, Ticker } from './quotas.ts';

export { TokenError, type Claims, type TokenResolver } from '../auth/tokens.ts';

export interface ChannelPolicy {
  /** `topic` is the bare topic, without the `realtime:` prefix. */
  canRead(claims: Claims, topic: string): Promise<boolean>;
  canWrite(claims: Claims, topic: string): Promise<boolean>;
}

export type LogEntry = { event: string; [k: string]: unknown };
export type Log = (entry: LogEntry) => void;

export interface RealtimeServerOptions {
  resolveToken: TokenResolver;
  policy: ChannelPolicy;
  log?: Log;
  /** Per broadcast payload; default 256,500 bytes (hosted Free: 256 KB plus its 500-byte padding). */
  maxPayloadBytes?: number;
  /** The project's quotas; unset ones are hosted's defaults (the Free plan). */
  limits?: Partial<TenantLimits>;
  /** Drives the rate counters' ticks; tests pass one they advance by hand. */
  ticker?: Ticker;
  /** The join-error backoff waits with this; tests may hold it. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RealtimeServer {
  /** For GET /realtime/v1/websocket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** For /realtime/v1/api/broadcast and /realtime/v1/api/broadcast/:topic/events/:event. */
  handleRest(req: Request): Promise<Response>;
  /** eventsPerSecond and joinsPerSecond as of the last tick; eventsCounted since the start. */
  stats(): { connections: number; channels: number; eventsPerSecond: number; joinsPerSecond: number; eventsCounted: number };
  /** Closes every socket; clients reconnect on their own later. */
  close(): Promise<void>;
}
