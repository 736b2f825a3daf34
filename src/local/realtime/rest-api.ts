import type { Hub } from './hub.ts';
import type { Broadcast } from './protocol.ts';
import type { TenantQuotas } from './quotas.ts';
import { reasons } from './reasons.ts';
import { validateBatch, type BatchMessage } from './rest-validation.ts';
import { TokenError, type ChannelPolicy, type Claims, type Log, type TokenResolver } from './types.ts';

export interface RestContext {
  hub: Hub;
  policy: ChannelPolicy;
  resolveToken: TokenResolver;
  log: Log;
  maxPayloadBytes: number;
  quotas: TenantQuotas;
}

const BATCH_PATH = /^\/realtime\/v1\/api\/broadcast\/?$/;
const SINGLE_PATH = /^\/realtime\/v1\/api\/broadcast\/([^/]+)\/events\/([^/]+)\/?$/;
// Plug.Parsers' default length: a larger body is refused (413) before routing and auth.
const MAX_BODY_BYTES = 8_000_000;

const CORS = { 'access-control-allow-origin': '*' };

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { ...CORS, 'content-type': 'application/json', ...headers } });
const accepted = () => new Response(null, { status: 202, headers: CORS });
const unauthorized = () => json(401, { message: 'Unauthorized' });
const tooManyRequests = (message: string) => json(429, { message });

class BodyTooLarge extends Error {}

type Target = { kind: 'batch' } | { kind: 'single'; topic: string; event: string };

/**
 * Realtime's broadcast REST API: the batch endpoint (what edge functions use) and the
 * single-message endpoint behind realtime-js `channel.httpSend`. Hosted's order: body size (413),
 * the request-rate plug (429), auth (401), validation (422), the events/s check (429), then each
 * private topic's write check, one topic after another.
 */
export function createRestApi(ctx: RestContext): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      return await route(ctx, req);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        ctx.log({ event: 'realtime_rest_rejected', status: 413, why: 'body_too_large' });
        return json(413, 'Request Entity Too Large');
      }
      ctx.log({ event: 'realtime_error', during: 'rest', error: (error as Error)?.message ?? String(error) });
      return json(500, { message: 'Unable to broadcast' });
    }
  };
}

async function route(ctx: RestContext, req: Request): Promise<Response> {
  const url = new URL(req.url);
  const target = parseTarget(url.pathname);
  if (target instanceof Response) return target;
  if (req.method === 'OPTIONS') return preflight(req);
  if (req.method !== 'POST') return json(405, { message: 'Method not allowed' }, { allow: 'POST, OPTIONS' });
  if (target.kind === 'single') {
    const type = mediaType(req);
    if (type && type !== 'application/json' && type !== 'application/octet-stream') {
      return json(415, { error: 'Unsupported Media Type. Use application/json or application/octet-stream' });
    }
  }
  const body = await readBody(req, MAX_BODY_BYTES);
  const limited = ctx.quotas.requestRefusal();
  if (limited) return refuseRate(ctx, limited, 'requests');
  const claims = await authenticate(ctx, req, url);
  if (!claims) return unauthorized();
  return target.kind === 'single' ? broadcastSingle(ctx, req, url, body, claims, target) : broadcastBatch(ctx, body, claims);
}

function parseTarget(pathname: string): Target | Response {
  if (BATCH_PATH.test(pathname)) return { kind: 'batch' };
  const match = SINGLE_PATH.exec(pathname);
  if (!match) return json(404, { message: 'Not found' });
  try {
    return { kind: 'single', topic: decodeURIComponent(match[1]), event: decodeURIComponent(match[2]) };
  } catch {
    return json(400, { message: 'Malformed topic or event in the path' });
  }
}

function refuseRate(ctx: RestContext, message: string, why: string): Response {
  ctx.log({ event: 'realtime_rest_rejected', status: 429, why, message, events_per_second: ctx.quotas.events.avg });
  return tooManyRequests(message);
}

/** Claims of the caller, or null for 401: Authorization wins, and a present apikey must be valid too. */
async function authenticate(ctx: RestContext, req: Request, url: URL): Promise<Claims | null> {
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
async function canWrite(ctx: RestContext, claims: Claims, topic: string): Promise<boolean> {
  return claims.role === 'service_role' || ctx.policy.canWrite(claims, topic);
}

async function broadcastBatch(ctx: RestContext, body: Buffer, claims: Claims): Promise<Response> {
  const parsed = parseJson(body);
  if (parsed === undefined) return json(400, { message: 'Request body is not valid JSON' });
  const result = validateBatch(parsed, ctx.maxPayloadBytes);
  if (!result.ok) {
    ctx.log({ event: 'realtime_rest_rejected', status: result.status, why: 'validation' });
    return json(result.status, { errors: result.errors });
  }
  const limited = ctx.quotas.batchRefusal(result.messages.length);
  if (limited) return refuseRate(ctx, limited, 'events');

  let sent = 0;
  let delivered = 0;
  const send = (m: BatchMessage) => {
    // Each message sent costs one event; its deliveries are counted by the receiving channels.
    ctx.quotas.events.add();
    delivered += ctx.hub.publish({ topic: m.topic, private: m.private }, toBroadcast(m));
    sent++;
  };
  result.messages.filter((m) => !m.private).forEach(send);
  for (const [topic, messages] of groupPrivateByTopic(result.messages)) {
    if (await authorizeTopic(ctx, claims, topic)) messages.forEach(send);
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

function groupPrivateByTopic(messages: BatchMessage[]): Map<string, BatchMessage[]> {
  const groups = new Map<string, BatchMessage[]>();
  for (const m of messages) {
    if (!m.private) continue;
    const group = groups.get(m.topic);
    if (group) group.push(m);
    else groups.set(m.topic, [m]);
  }
  return groups;
}

/** Realtime skips a topic's messages when its check fails, like a denial. */
async function authorizeTopic(ctx: RestContext, claims: Claims, topic: string): Promise<boolean> {
  try {
    return await canWrite(ctx, claims, topic);
  } catch (error) {
    ctx.log({ event: 'realtime_policy_error', during: 'rest_broadcast', topic, error: (error as Error)?.message });
    return false;
  }
}

async function broadcastSingle(
  ctx: RestContext,
  req: Request,
  url: URL,
  body: Buffer,
  claims: Claims,
  { topic, event }: { topic: string; event: string },
): Promise<Response> {
  const broadcast = singleBroadcast(req, body, event);
  if (broadcast instanceof Response) return broadcast;
  if (body.length > ctx.maxPayloadBytes) {
    ctx.log({ event: 'realtime_rest_rejected', status: 422, why: 'payload_too_large', bytes: body.length });
    return json(422, { errors: { payload: [reasons.payloadTooLarge] } });
  }
  const limited = ctx.quotas.singleRefusal();
  if (limited) return refuseRate(ctx, limited, 'events');
  const isPrivate = url.searchParams.get('private') === 'true';
  if (isPrivate) {
    let allowed: boolean;
    try {
      allowed = await canWrite(ctx, claims, topic);
    } catch (error) {
      ctx.log({ event: 'realtime_policy_error', during: 'rest_broadcast', topic, error: (error as Error)?.message });
      return json(500, { message: 'Unable to authorize broadcast' });
    }
    if (!allowed) {
      ctx.log({ event: 'realtime_rest_rejected', status: 403, why: 'write_denied', topic, role: claims.role, sub: claims.sub });
      return json(403, { message: 'Unauthorized' });
    }
  }
  ctx.quotas.events.add();
  const delivered = ctx.hub.publish({ topic, private: isPrivate }, broadcast);
  ctx.log({ event: 'realtime_rest_broadcast', messages: 1, sent: 1, skipped: 0, delivered, topic, role: claims.role, sub: claims.sub });
  return accepted();
}

function singleBroadcast(req: Request, body: Buffer, event: string): Broadcast | Response {
  if (mediaType(req) === 'application/octet-stream') return { kind: 'user', event, encoding: 'binary', data: body };
  // Phoenix parses an empty JSON body as {}.
  const payload = body.length === 0 ? {} : parseJson(body);
  if (payload === undefined) return json(400, { message: 'Request body is not valid JSON' });
  if (payload === null) return json(422, { errors: { payload: ["can't be blank"] } });
  return { kind: 'json', payload: { type: 'broadcast', event, payload } };
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
