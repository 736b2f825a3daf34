// HTTP/1.1 plumbing of the functions gateway (issue 12, items 12 and 13): node:http piping, with the
// hop-by-hop headers a proxy must not forward, a body limit enforced while the body streams, and
// `Upgrade` requests that are not WebSockets served as ordinary requests.
import { Agent, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** RFC 9110 §7.6.1 plus the legacy ones; `expect` is answered here (100-continue), never forwarded. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'expect', 'http2-settings',
]);

/** Headers minus hop-by-hop ones, including any the Connection header names. */
export function endToEndHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = new Set(
    String(headers.connection ?? '').split(',').map((token) => token.trim().toLowerCase()).filter(Boolean),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, options: { close?: boolean } = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    // A refusal sent before the body was read: the rest of it would be parsed as the next request.
    ...(options.close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

export class BodyTooLarge extends Error {}

export interface ForwardOptions {
  port: number;
  path: string;
  agent: Agent;
  maxBodyBytes: number;
  /** Answered when the body passes maxBodyBytes, before or while it streams. */
  tooLarge(res: ServerResponse): void;
  unreachable(res: ServerResponse, error: Error): void;
}

/**
 * Streams the request to 127.0.0.1:port and the answer back. A declared Content-Length over the
 * limit is refused before a byte is read; a chunked body is counted as it passes and cut off there.
 */
export function forward(req: IncomingMessage, res: ServerResponse, options: ForwardOptions): void {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > options.maxBodyBytes) {
    options.tooLarge(res);
    return;
  }
  const headers = endToEndHeaders(req.headers);
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers['x-forwarded-proto'] = 'http';
  const upstream = httpRequest({
    host: '127.0.0.1',
    port: options.port,
    method: req.method,
    path: options.path,
    headers,
    agent: options.agent,
  });
  let failed = false;
  const fail = (error: Error) => {
    if (failed) return;
    failed = true;
    upstream.destroy();
    req.unpipe(upstream);
    if (error instanceof BodyTooLarge) options.tooLarge(res);
    else options.unreachable(res, error);
  };
  upstream.on('error', fail);
  upstream.on('response', (answer) => {
    if (failed) return answer.resume();
    const headers = endToEndHeaders(answer.headers);
    // The function answered before the body ended (a 401, say): close rather than read the rest.
    if (!req.complete) headers.connection = 'close';
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
    answer.pipe(res);
    answer.on('error', () => res.destroy());
  });
  // The client going away mid-request: stop the function's work too.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });

  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.byteLength;
    if (size > options.maxBodyBytes) {
      req.pause();
      // Already answering (the function refused early): let that answer finish, then close.
      if (res.headersSent) upstream.end();
      else fail(new BodyTooLarge());
      return;
    }
    if (!upstream.write(chunk)) {
      req.pause();
      upstream.once('drain', () => req.resume());
    }
  });
  req.on('end', () => {
    if (!failed) upstream.end();
  });
  req.on('error', (error) => fail(error));
}

/**
 * Node hands every request carrying `Connection: upgrade` to the server's 'upgrade' listener, which
 * the Realtime WebSocket needs. Anything else asking to upgrade (curl --http2 sends `Upgrade: h2c`)
 * is served as plain HTTP/1.1, as RFC 9110 lets a server do: the request is replayed, minus the
 * upgrade, into the server's own parser, which then reads its body and any later keep-alive requests.
 */
export function serveWithoutUpgrade(server: Server, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  const named = new Set(String(req.headers.connection ?? '').split(',').map((t) => t.trim().toLowerCase()));
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    if (name === 'upgrade' || name === 'connection' || (named.has(name) && name !== 'keep-alive')) continue;
    lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  }
  const replay = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, _encoding, done) {
      socket.write(chunk, done);
    },
    final(done) {
      socket.end(done);
    },
    destroy(error, done) {
      socket.destroy(error ?? undefined);
      done(error);
    },
  });
  Object.assign(replay, { remoteAddress: socket.remoteAddress, setTimeout: () => replay, setNoDelay: () => replay, setKeepAlive: () => replay });
  replay.push(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
  if (head.length > 0) replay.push(head);
  socket.on('data', (chunk) => {
    if (!replay.push(chunk)) socket.pause();
  });
  socket.on('end', () => replay.push(null));
  socket.on('error', (error) => replay.destroy(error));
  socket.on('close', () => replay.destroy());
  server.emit('connection', replay);
}
