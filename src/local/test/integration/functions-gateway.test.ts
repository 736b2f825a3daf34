// The functions gateway of the local stack (issue 12, items 12 and 13): every standard HTTP/1.1
// request works (chunked, Expect: 100-continue, Keep-Alive, Upgrade), hop-by-hop headers stay at
// the gateway, and a body over the limit is refused while it streams, not after it was buffered.
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from 'supabase-realtime-inbox-contract';
import { DEFAULT_MAX_BODY_BYTES } from '../../functions/runner.ts';
import { type LocalStack, startLocalStack } from '../../stack.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;

let stack: LocalStack;
let port: number;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    extraFunctions: [{ name: 'echo', entrypoint: fileURLToPath(new URL('../support/echo-function/index.ts', import.meta.url)), verifyJwt: false }],
  });
  port = Number(new URL(stack.url).port);
}, 120_000);
afterAll(() => stack?.stop());

/** Raw bytes on one socket, the whole answer back as text (the server closes, or we stop at `until`). */
function raw(bytes: string, until = (text: string) => /\r\n\r\n[\s\S]*\}$/.test(text)): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (until(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

const echoed = (answer: string) => JSON.parse(answer.slice(answer.lastIndexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, ''));

describe('standard HTTP/1.1 requests reach the function', () => {
  it('a chunked body', async () => {
    const answer = await raw(
      'POST /functions/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '5\r\n{"a":\r\n3\r\n"b"\r\n1\r\n}\r\n0\r\n\r\n',
      (text) => /"bytes":\d+\}/.test(text),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(echoed(answer)).toMatchObject({ method: 'POST', bytes: 9 });
  });

  it('Expect: 100-continue, as curl sends for large bodies', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(200_000) });
    const answer = await new Promise<{ status: number; continued: boolean; body: string }>((resolve, reject) => {
      let continued = false;
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/functions/v1/echo',
        headers: { expect: '100-continue', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
      req.on('continue', () => {
        continued = true;
        req.end(body);
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, continued, body: text }));
      });
      req.on('error', reject);
    });
    expect(answer).toMatchObject({ status: 200, continued: true });
    expect(JSON.parse(answer.body).bytes).toBe(Buffer.byteLength(body));
  });

  it('with curl itself: --data of 2 MiB (curl adds Expect: 100-continue) is refused with 413 before it is sent', async () => {
    const { stdout } = await run('sh', ['-c',
      `head -c ${2 * MiB} /dev/zero | tr '\\0' x | curl -sS -v -X POST --data-binary @- -H 'content-type: application/json' ` +
      `-w '\\n%{http_code} %{size_upload}' ${stack.url}/functions/v1/echo 2>&1`]);
    expect(stdout).toMatch(/Expect: 100-continue/);
    expect(stdout).not.toMatch(/< HTTP\/1\.1 100 Continue/);
    expect(stdout).toMatch(/"body_too_large"[\s\S]*\n413 0(\.0+)?$/);
  });

  it('with curl itself: chunked upload and --http2 (Upgrade: h2c) are answered over HTTP/1.1', async () => {
    const chunked = await run('sh', ['-c',
      `printf '{"a":1}' | curl -sS -H 'Transfer-Encoding: chunked' -H 'content-type: application/json' --data-binary @- ${stack.url}/functions/v1/echo`]);
    expect(JSON.parse(chunked.stdout)).toMatchObject({ bytes: 7 });
    const h2c = await run('curl', ['-sS', '-v', '--http2', '-H', 'content-type: application/json', '--data', '{"a":1}', `${stack.url}/functions/v1/echo`]);
    expect(h2c.stderr).toMatch(/Upgrade: h2c/);
    expect(JSON.parse(h2c.stdout)).toMatchObject({ bytes: 7 });
  });

  it('Keep-Alive and Upgrade headers, then a second request on the same connection', async () => {
    const one = 'POST /functions/v1/echo HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade, HTTP2-Settings\r\n' +
      'Keep-Alive: timeout=5, max=100\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nContent-Length: 2\r\n\r\n{}';
    const two = 'POST /functions/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\n[1]';
    const answer = await raw(one + two, () => false);
    const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '200']);
    expect(answer).toMatch(/"bytes":2\}/);
    expect(answer).toMatch(/"bytes":3\}/);
  });

  it('hop-by-hop headers, and those Connection names, stay at the gateway', async () => {
    const answer = await raw(
      'POST /functions/v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close, X-Hop\r\nX-Hop: secret\r\nTE: trailers\r\n' +
        'Keep-Alive: timeout=5\r\nProxy-Authorization: Basic eDp5\r\nX-End-To-End: kept\r\nContent-Length: 2\r\n\r\n{}',
      () => false,
    );
    const { headers } = echoed(answer);
    expect(headers['x-end-to-end']).toBe('kept');
    for (const name of ['x-hop', 'te', 'keep-alive', 'proxy-authorization', 'transfer-encoding', 'upgrade', 'expect']) {
      expect(headers, name).not.toHaveProperty(name);
    }
    // The gateway's own connection to the function has its own Connection header, never the client's.
    expect(headers.connection ?? '').not.toMatch(/x-hop|close/i);
    expect(answer.split('\r\n\r\n')[0]).not.toMatch(/^keep-alive:/im);
  });
});

describe('bodies over the limit', () => {
  /** Streams `total` bytes in 64 KiB writes; resolves with the answer and how much had been sent by then. */
  function flood(path: string, total: number, headers: Record<string, string | number>) {
    return new Promise<{ status: number; body: string; sentBeforeAnswer: number }>((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers });
      req.on('response', (res) => {
        answered = true;
        const sentBeforeAnswer = sent;
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode!, body: text, sentBeforeAnswer });
        });
      });
      req.on('error', (error) => (answered ? undefined : reject(error)));
      const pump = () => {
        while (!answered && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!answered) req.end();
      };
      pump();
    });
  }

  it.each([
    ['declared by Content-Length', { 'content-length': 100 * MiB }],
    ['chunked, without a length', {}],
  ])('an unauthenticated 100 MiB POST to chat-send, %s, is a 413 long before 100 MiB were sent', async (_name, headers) => {
    const answer = await flood('/functions/v1/chat-send', 100 * MiB, { 'content-type': 'application/json', ...headers });
    // Streamed, the body reaches chat-send as it arrives: its own 401 may come before the gateway's 413.
    expect([401, 413]).toContain(answer.status);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: answer.status === 413 ? 'body_too_large' : 'unauthorized' } });
    // Socket buffers on both sides hold a few MiB at most; the old gateway read all 100 MiB first.
    expect(answer.sentBeforeAnswer).toBeLessThan(16 * MiB);
  });

  it('the gateway’s limit is the functions’ own', () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(LIMITS.bodyBytes);
  });

  it('a body of exactly the limit still reaches the function', async () => {
    const body = Buffer.alloc(LIMITS.bodyBytes, 'x');
    const answer = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/functions/v1/echo', headers: { 'content-length': body.length } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(JSON.parse(answer).bytes).toBe(LIMITS.bodyBytes);
  });
});
