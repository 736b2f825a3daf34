// Phoenix wire formats as realtime-js speaks them: vsn 1.0.0 (JSON objects), vsn 2.0.0 (JSON arrays
// plus Realtime's binary kinds: 3 = client broadcast push, 4 = server broadcast).

export type Vsn = '1.0.0' | '2.0.0';
export const VSNS: readonly Vsn[] = ['1.0.0', '2.0.0'];

export type Ref = string | null;

export interface Message {
  joinRef: Ref;
  ref: Ref;
  topic: string;
  event: string;
  payload: unknown;
}

/** A kind 3 frame: `channel.send({type:'broadcast', event, payload})` over a vsn 2 socket. */
export interface UserBroadcastPush {
  joinRef: string;
  ref: string;
  topic: string;
  event: string;
  metadata: Record<string, unknown> | null;
  encoding: 'json' | 'binary';
  /** The user payload bytes exactly as received, so kind 4 can forward them untouched. */
  data: Buffer;
  /** The parsed payload when encoding is json (already validated, needed for text frames). */
  json?: unknown;
}

export type Inbound = { kind: 'message'; message: Message } | { kind: 'user_broadcast_push'; push: UserBroadcastPush };

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const USER_BROADCAST_PUSH = 3;
const USER_BROADCAST = 4;
const PUSH_HEADER = 7;
const BROADCAST_HEADER = 5;

export function decodeFrame(vsn: Vsn, data: Buffer, isBinary: boolean): Inbound {
  if (isBinary) {
    if (vsn !== '2.0.0') throw new ProtocolError('binary frames need vsn 2.0.0');
    return { kind: 'user_broadcast_push', push: decodeUserBroadcastPush(data) };
  }
  const parsed = parseJson(data.toString('utf8'), 'frame is not JSON');
  return { kind: 'message', message: vsn === '2.0.0' ? fromArray(parsed) : fromObject(parsed) };
}

function fromArray(value: unknown): Message {
  // Realtime accepts (and ignores) trailing elements; fewer than five is malformed.
  if (!Array.isArray(value) || value.length < 5) throw new ProtocolError('expected [join_ref, ref, topic, event, payload]');
  const [joinRef, ref, topic, event, payload] = value;
  return checked({ joinRef, ref, topic, event, payload });
}

function fromObject(value: unknown): Message {
  if (!isObject(value)) throw new ProtocolError('expected {topic, event, payload, ref}');
  return checked({ joinRef: value.join_ref ?? null, ref: value.ref ?? null, topic: value.topic, event: value.event, payload: value.payload });
}

function checked(m: { joinRef: unknown; ref: unknown; topic: unknown; event: unknown; payload: unknown }): Message {
  if (typeof m.topic !== 'string' || typeof m.event !== 'string') throw new ProtocolError('topic and event must be strings');
  return { joinRef: toRef(m.joinRef), ref: toRef(m.ref), topic: m.topic, event: m.event, payload: m.payload };
}

function toRef(value: unknown): Ref {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new ProtocolError('refs must be strings or null');
}

function decodeUserBroadcastPush(buf: Buffer): UserBroadcastPush {
  if (buf.length < PUSH_HEADER) throw new ProtocolError('binary frame too short');
  if (buf[0] !== USER_BROADCAST_PUSH) throw new ProtocolError(`unsupported binary frame kind ${buf[0]}`);
  const lengths = [buf[1], buf[2], buf[3], buf[4], buf[5]];
  const payloadStart = PUSH_HEADER + lengths.reduce((a, b) => a + b, 0);
  if (payloadStart > buf.length) throw new ProtocolError('binary frame shorter than its header says');
  let offset = PUSH_HEADER;
  const [joinRef, ref, topic, event, meta] = lengths.map((n) => {
    const text = buf.toString('utf8', offset, offset + n);
    offset += n;
    return text;
  });
  // Realtime treats every encoding other than 0 as JSON.
  const encoding = buf[6] === 0 ? 'binary' : 'json';
  const data = buf.subarray(payloadStart);
  const metadata = meta ? parseJson(meta, 'metadata is not JSON') : null;
  if (metadata !== null && !isObject(metadata)) throw new ProtocolError('metadata must be a JSON object');
  const push: UserBroadcastPush = { joinRef, ref, topic, event, metadata, encoding, data };
  if (encoding === 'json') push.json = parseJson(data.toString('utf8'), 'payload is not JSON');
  return push;
}

export function encodeMessage(vsn: Vsn, m: Message): string {
  return vsn === '2.0.0'
    ? JSON.stringify([m.joinRef, m.ref, m.topic, m.event, m.payload])
    : JSON.stringify({ join_ref: m.joinRef, ref: m.ref, topic: m.topic, event: m.event, payload: m.payload });
}

/** Kind 4, the only binary kind realtime-js decodes. */
export function encodeUserBroadcast(b: {
  topic: string;
  event: string;
  encoding: 'json' | 'binary';
  data: Buffer;
  metadata?: Record<string, unknown>;
}): Buffer {
  const topic = Buffer.from(b.topic, 'utf8');
  const event = Buffer.from(b.event, 'utf8');
  const meta = b.metadata ? Buffer.from(JSON.stringify(b.metadata), 'utf8') : Buffer.alloc(0);
  for (const [name, part] of [['topic', topic], ['event', event], ['metadata', meta]] as const) {
    if (part.length > 255) throw new ProtocolError(`${name} is ${part.length} bytes; kind 4 allows 255`);
  }
  const header = Buffer.from([USER_BROADCAST, topic.length, event.length, meta.length, b.encoding === 'json' ? 1 : 0]);
  return Buffer.concat([header, topic, event, meta, b.data], BROADCAST_HEADER + topic.length + event.length + meta.length + b.data.length);
}

/**
 * What the hub fans out. `json` broadcasts (REST API, text pushes) always travel as text frames;
 * `user` broadcasts (kind 3 pushes, binary REST payloads) travel as kind 4 to vsn 2 sockets.
 */
export type Broadcast =
  /** `text`, when present, is `payload` already serialised: frames splice it in instead of serialising again. */
  | { kind: 'json'; payload: Record<string, unknown>; text?: string }
  | { kind: 'user'; event: string; encoding: 'json' | 'binary'; data: Buffer; json?: unknown };

/** The frame for one serializer, or null when that serializer cannot carry it (binary on vsn 1). */
export function encodeBroadcast(vsn: Vsn, topic: string, b: Broadcast): string | Buffer | null {
  if (b.kind === 'user' && vsn === '2.0.0') return encodeUserBroadcast({ topic, event: b.event, encoding: b.encoding, data: b.data });
  if (b.kind === 'json' && b.text !== undefined) {
    // Byte for byte what encodeMessage produces for a server broadcast (no refs, event "broadcast").
    const t = JSON.stringify(topic);
    return vsn === '2.0.0'
      ? `[null,null,${t},"broadcast",${b.text}]`
      : `{"join_ref":null,"ref":null,"topic":${t},"event":"broadcast","payload":${b.text}}`;
  }
  const payload = b.kind === 'json' ? b.payload : b.encoding === 'json' ? { type: 'broadcast', event: b.event, payload: b.json } : null;
  return payload && encodeMessage(vsn, { joinRef: null, ref: null, topic, event: 'broadcast', payload });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError(what);
  }
}
