// A bare `ws` client for driving the wire protocol directly (vsn 1 objects, vsn 2 arrays, raw bytes).
import WebSocket from 'ws';
import { sleep } from './realtime-harness.ts';

export type Received = { text: unknown } | { binary: Buffer };

export class RawClient {
  readonly received: Received[] = [];
  closed?: { code: number; reason: string };

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const buf = data as Buffer;
      this.received.push(isBinary ? { binary: buf } : { text: JSON.parse(buf.toString('utf8')) });
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    ws.on('error', () => {});
  }

  static connect(baseUrl: string, query: Record<string, string>): Promise<RawClient> {
    const url = `${baseUrl.replace('http', 'ws')}/realtime/v1/websocket?${new URLSearchParams(query)}`;
    const ws = new WebSocket(url);
    const client = new RawClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })));
      });
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** The first received text frame (parsed) matching `match`, waiting up to timeoutMs. */
  async next<T = unknown>(match: (frame: any) => boolean, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.find((r) => 'text' in r && match(r.text));
      if (hit) return (hit as { text: T }).text;
      if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.texts())}`);
      await sleep(10);
    }
  }

  async nextBinary(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.find((r) => 'binary' in r);
      if (hit) return (hit as { binary: Buffer }).binary;
      if (Date.now() > deadline) throw new Error(`no binary frame within ${timeoutMs} ms`);
      await sleep(10);
    }
  }

  texts(): unknown[] {
    return this.received.flatMap((r) => ('text' in r ? [r.text] : []));
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`socket still open after ${timeoutMs} ms`);
      await sleep(10);
    }
    return this.closed;
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.terminate();
    });
  }
}
