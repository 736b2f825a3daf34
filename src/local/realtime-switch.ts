import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { json } from './gateway.ts';
import { createRealtimeServer, type RealtimeServer, type RealtimeServerOptions } from './realtime/index.ts';

/** Realtime behind an on/off switch: tests take it down (every socket closed, REST 503) and bring it back. */
export interface RealtimeSwitch {
  /** For the gateway: false when the upgrade was refused (Realtime is down or it is not its path). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  handleRest(request: Request): Promise<Response>;
  stop(): Promise<void>;
  start(): void;
  stats(): ReturnType<RealtimeServer['stats']>;
}

export function createRealtimeSwitch(options: RealtimeServerOptions): RealtimeSwitch {
  let server: RealtimeServer = createRealtimeServer(options);
  let up = true;
  return {
    upgrade(req, socket, head) {
      if (!up || (req.url ?? '').split('?')[0] !== '/realtime/v1/websocket') return false;
      server.handleUpgrade(req, socket, head);
      return true;
    },
    handleRest: (request) => (up ? server.handleRest(request) : Promise.resolve(json(503, { message: 'Realtime is stopped' }))),
    async stop() {
      up = false;
      await server.close();
    },
    start() {
      if (up) return;
      server = createRealtimeServer(options);
      up = true;
    },
    stats: () => server.stats(),
  };
}
