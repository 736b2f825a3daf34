import type { Hub } from './hub.ts';
import type { Broadcast } from './protocol.ts';
import { reasons } from './reasons.ts';
import { validateBatch, type BatchMessage } from './rest-validation.ts';
import { TokenError, type ChannelPolicy, type Claims, type Log, type TokenResolver } from './types.ts';

export interface RestContext {
  hub: Hub;
  policy: ChannelPolicy;
  resolveToken: TokenResolver;
  log: Log;
  maxPayloadBytes: number;
}

const BATCH_PATH = /^\/realtime\/v1\/api\/broadcast\/?$/;
const SINGLE_PATH = /^\/realtime\/v1\/api\/broadcast\/([^/]+)\/events\/([^/]+)\/?$/;
// A batch carries one message per recipient, so it may be far larger than one payload.
const MIN_BATCH_BODY_BYTES = 16 * 1024 * 1024;

const CORS = { 'access-control-allow-origin': '*' };

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { ...CORS, 'content-type': 'application/json', ...headers } });
const accepted = () => new Response(null, { status: 202, headers: CORS });
const unauthorized = () => json(401, { message: 'Unauthorized' });

class BodyTooLarge extends Error {}

/**
 * Realtime's broadcast REST API: the batch endpoint (what edge functions use, one request per chat
 * message) and the single-message endpoint behind realtime-js `channel.httpSend`.
 */
export function createRestApi(ctx: RestContext): (req: Request) => Promise<Response> {
  const batchBodyLimit = Math.max(MIN_BATCH_BODY_BYTES, 4 * ctx.maxPayloadBytes);

  /** Claims of the caller, or null for 401: Authorization wins, and a present apikey must be valid too. */
  async function authenticate(req: Request, url: URL): Promise<Claims | null> {
    const authorization = req.headers.get('authorization');
    const bearer = authorization ? /^bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
    if (authorization && !bearer) return null;
    const apikey = req.headers.get('apikey') ?? url.searchParams.get('apikey');
    if (!bearer && !apikey) return null;
    try {
      const keyClaims = apikey ? await ctx.resolveToken(apikey) : null;
      return bearer ? await ctx.resolveToken(bearer) : keyClaims;
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      ctx.log({ event: 'realtime_rest_rejected', status: 401, why: `token_${error.reason}`, message: error.message });
      return null;
    }
  }

  /**
   * service_role has BYPASSRLS, so the database check could only say yes; skipping it keeps a
   * server-side batch to many inboxes from costing one transaction per recipient topic.
   */
  async function canWrite(claims: Claims, topic: string): Promise<boolean> {
    return claims.role === 'service_role' || ctx.policy.canWrite(claims, topic);
  }

  async function batch(req: Request, claims: Claims): Promise<Response> {
    const parsed = parseJson(await readBody(req, batchBodyLimit));
    if (parsed === undefined) return json(400, { message: 'Request body is not valid JSON' });
    const result = validateBatch(parsed, ctx.maxPayloadBytes);
    if (!result.ok) {
      ctx.log({ event: 'realtime_rest_rejected', status: result.status, why: 'validation' });
      return json(result.status, { errors: result.errors });
    }

    const privateTopics = [...new Set(result.messages.filter((m) => m.private).map((m) => m.topic))];
    const allowed = new Set<string>();
    await Promise.all(
      privateTopics.map(async (topic) => {
        try {
          if (await canWrite(claims, topic)) allowed.add(topic);
        } catch (error) {
          // Realtime skips the topic's messages when its check fails, like a denial.
          ctx.log({ event: 'realtime_policy_error', during: 'rest_broadcast', topic, error: (error as Error)?.message });
        }
      }),
    );

    let sent = 0;
    let delivered = 0;
    for (const m of result.messages) {
      if (m.private && !allowed.has(m.topic)) continue;
      delivered += ctx.hub.publish({ topic: m.topic, private: m.private }, toBroadcast(m));
      sent++;
    }
    ctx.log({
      event: 'realtime_rest_broadcast',
      messages: result.messages.length,
      sent,
      skipped: result.messages.length - sent,
      delivered,
      role: claims.role,
      sub: claims.sub,
    });
    return accepted();
  }

  async function single(req: Request, url: URL, claims: Claims, topic: string, event: string): Promise<Response> {
    const binary = mediaType(req) === 'application/octet-stream';
    const body = await readBody(req, ctx.maxPayloadBytes);
    let broadcast: Broadcast;
    if (binary) {
      broadcast = { kind: 'user', event, encoding: 'binary', data: body };
    } else {
      // Phoenix parses an empty JSON body as {}.
      const payload = body.length === 0 ? {} : parseJson(body);
      if (payload === undefined) return json(400, { message: 'Request body is not valid JSON' });
      if (payload === null) return json(422, { errors: { payload: ["can't be blank"] } });
      broadcast = { kind: 'json', payload: { type: 'broadcast', event, payload } };
    }
    const isPrivate = url.searchParams.get('private') === 'true';
    let allowed = true;
    if (isPrivate) {
      try {
        allowed = await canWrite(claims, topic);
      } catch (error) {
        ctx.log({ event: 'realtime_policy_error', during: 'rest_broadcast', topic, error: (error as Error)?.message });
        return json(500, { message: 'Unable to authorize broadcast' });
      }
    }
    if (!allowed) {
      ctx.log({ event: 'realtime_rest_rejected', status: 403, why: 'write_denied', topic, role: claims.role, sub: claims.sub });
      return json(403, { message: 'Unauthorized' });
    }
    const delivered = ctx.hub.publish({ topic, private: isPrivate }, broadcast);
    ctx.log({ event: 'realtime_rest_broadcast', messages: 1, sent: 1, skipped: 0, delivered, topic, role: claims.role, sub: claims.sub });
    return accepted();
  }

  async function route(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const singleMatch = SINGLE_PATH.exec(url.pathname);
    if (!singleMatch && !BATCH_PATH.test(url.pathname)) return json(404, { message: 'Not found' });
    if (req.method === 'OPTIONS') return preflight(req);
    if (req.method !== 'POST') return json(405, { message: 'Method not allowed' }, { allow: 'POST, OPTIONS' });

    let topic = '';
    let event = '';
    if (singleMatch) {
      const type = mediaType(req);
      if (type && type !== 'application/json' && type !== 'application/octet-stream') {
        return json(415, { error: 'Unsupported Media Type. Use application/json or application/octet-stream' });
      }
      try {
        [topic, event] = [decodeURIComponent(singleMatch[1]), decodeURIComponent(singleMatch[2])];
      } catch {
        return json(400, { message: 'Malformed topic or event in the path' });
      }
    }
    const claims = await authenticate(req, url);
    if (!claims) return unauthorized();
    return singleMatch ? single(req, url, claims, topic, event) : batch(req, claims);
  }

  return async (req) => {
    try {
      return await route(req);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        ctx.log({ event: 'realtime_rest_rejected', status: 413, why: 'body_too_large' });
        return json(413, { message: reasons.payloadTooLarge });
      }
      ctx.log({ event: 'realtime_error', during: 'rest', error: (error as Error)?.message ?? String(error) });
      return json(500, { message: 'Unable to broadcast' });
    }
  };
}

function toBroadcast(m: BatchMessage): Broadcast {
  const payload: Record<string, unknown> = { type: 'broadcast', event: m.event, payload: m.payload };
  if (m.id !== undefined) payload.meta = { id: m.id };
  // The same text JSON.stringify(payload) gives, around the payload validation already serialised.
  const meta = m.id === undefined ? '' : `,"meta":${JSON.stringify(payload.meta)}`;
  return { kind: 'json', payload, text: `{"type":"broadcast","event":${JSON.stringify(m.event)},"payload":${m.payloadJson}${meta}}` };
}

function mediaType(req: Request): string | undefined {
  return req.headers.get('content-type')?.split(';')[0].trim().toLowerCase() || undefined;
}

function preflight(req: Request): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...CORS,
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': req.headers.get('access-control-request-headers') ?? 'authorization, apikey, content-type, x-client-info',
      'access-control-max-age': '86400',
    },
  });
}

/** Reads at most `limit` bytes, failing early on a declared or streamed excess. */
async function readBody(req: Request, limit: number): Promise<Buffer> {
  if (Number(req.headers.get('content-length') ?? 0) > limit) throw new BodyTooLarge();
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
