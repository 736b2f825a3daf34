import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Claims, TokenResolver } from '../auth/tokens.ts';

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
  /** Per broadcast payload; default 256 KiB (hosted Free limit). */
  maxPayloadBytes?: number;
}

export interface RealtimeServer {
  /** For GET /realtime/v1/websocket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** For /realtime/v1/api/broadcast and /realtime/v1/api/broadcast/:topic/events/:event. */
  handleRest(req: Request): Promise<Response>;
  stats(): { connections: number; channels: number };
  /** Closes every socket; clients reconnect on their own later. */
  close(): Promise<void>;
}
