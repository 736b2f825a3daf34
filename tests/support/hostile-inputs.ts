// One table of hostile inputs (issue 12), driven through the edge functions AND straight at the RPCs
// over REST: both paths must answer the same 4xx, and write nothing.
import { LIMITS } from 'supabase-realtime-inbox-contract';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** An object whose JSON.stringify is exactly `size` bytes of UTF-8, filled with `fill`. */
export function metaOfBytes(size: number, fill = 'x'): Record<string, string> {
  let text = '';
  while (bytes({ b: text + fill }) <= size) text += fill;
  while (bytes({ b: text }) < size) text += 'x';
  return { b: text };
}

/** `levels` containers nested in each other around a 0. */
export function nested(levels: number, kind: 'array' | 'object' = 'array'): unknown {
  let value: unknown = 0;
  for (let i = 0; i < levels; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

export const withKeys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 0]));

export interface MessageCase {
  name: string;
  /** One message's fields besides chat_id; a string is raw JSON text for the fields. */
  item: Record<string, unknown> | string;
  /** true: both paths store it (200); false: both refuse with 400 and write nothing. */
  accepted: boolean;
}

const emoji = '😀';

/** Message-level cases: the body is `{chat_id, ...item}` for chat-send, `[item]` for the RPC. */
export const messageCases: MessageCase[] = [
  ...['\u00a0', '\t\n', '\u3000', '\u2028', '\u2029', '\ufeff', '\u0085', '\u200a', '\u1680', '\u205f', ' \r\v\f '].map((text) => ({
    name: `whitespace only (${[...text].map((c) => `U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`).join(' ')})`,
    item: { text },
    accepted: false,
  })),
  { name: 'empty text', item: { text: '' }, accepted: false },
  { name: 'a zero-width space is a character', item: { text: '\u200b' }, accepted: true },
  { name: 'text with a NUL', item: { text: 'a\u0000b' }, accepted: false },
  { name: 'text with an unpaired surrogate', item: '"text":"a\\ud800b"', accepted: false },
  { name: 'text of 8000 code points in emoji (16000 UTF-16 units)', item: { text: emoji.repeat(LIMITS.textChars) }, accepted: true },
  { name: 'text of 8001 code points', item: { text: emoji.repeat(LIMITS.textChars + 1) }, accepted: false },
  { name: 'text of 8001 ASCII characters', item: { text: 'x'.repeat(LIMITS.textChars + 1) }, accepted: false },
  { name: 'text of the wrong type', item: { text: ['hi'] }, accepted: false },
  { name: 'meta of exactly 8192 bytes', item: { text: 'm', meta: metaOfBytes(LIMITS.metaBytes) }, accepted: true },
  { name: 'meta of 8192 bytes in two-byte characters', item: { text: 'm', meta: metaOfBytes(LIMITS.metaBytes, 'é') }, accepted: true },
  { name: 'meta of 8193 bytes', item: { text: 'm', meta: metaOfBytes(LIMITS.metaBytes + 1) }, accepted: false },
  { name: 'meta 32 levels deep', item: { text: 'm', meta: { a: nested(LIMITS.metaDepth - 1) } }, accepted: true },
  { name: 'meta 33 levels deep', item: { text: 'm', meta: { a: nested(LIMITS.metaDepth) } }, accepted: false },
  { name: 'meta 3000 levels deep (under 8 KB)', item: { text: 'm', meta: { a: nested(3000) } }, accepted: false },
  { name: 'meta of 256 keys', item: { text: 'm', meta: withKeys(LIMITS.metaKeys) }, accepted: true },
  { name: 'meta of 257 keys', item: { text: 'm', meta: withKeys(LIMITS.metaKeys + 1) }, accepted: false },
  { name: 'meta with a number too large for a double', item: '"text":"m","meta":{"n":1e400}', accepted: false },
  { name: 'meta with a NUL in a string', item: { text: 'm', meta: { s: 'a\u0000' } }, accepted: false },
  { name: 'meta with a NUL in a key', item: { text: 'm', meta: { 'a\u0000': 1 } }, accepted: false },
  { name: 'meta that is an array', item: { text: 'm', meta: [1] }, accepted: false },
  { name: 'meta that is a string', item: { text: 'm', meta: '{}' }, accepted: false },
  { name: 'client_msg_id of 101 code points', item: { text: 'm', client_msg_id: emoji.repeat(101) }, accepted: false },
  { name: 'client_msg_id of 100 emoji', item: { text: 'm', client_msg_id: emoji.repeat(100) }, accepted: true },
  { name: 'client_msg_id of the wrong type', item: { text: 'm', client_msg_id: 7 }, accepted: false },
];

export interface CallCase {
  name: string;
  fn: 'chat-send' | 'chat-create' | 'chat-join' | 'chat-read';
  /** The function's body; a string is raw JSON. `$chat` is replaced by a conversation the caller is in. */
  body: unknown;
  /** The RPC's arguments when they differ from the body (a string is raw JSON). */
  rpcArgs?: unknown;
}

/**
 * Wrong types and shapes: every one is 400 on both paths. (Not here: a JSON object for a text
 * argument, which PostgREST by design passes on as its JSON text.)
 */
export const callCases: CallCase[] = [
  { name: 'chat_create with is_public "maybe"', fn: 'chat-create', body: { is_public: 'maybe' } },
  { name: 'chat_create with is_public 2', fn: 'chat-create', body: { is_public: 2 } },
  { name: 'chat_create with is_public an object', fn: 'chat-create', body: { is_public: {} } },
  { name: 'chat_create with a title of 201 code points', fn: 'chat-create', body: { title: '😀'.repeat(201) } },
  { name: 'chat_create with a title containing NUL', fn: 'chat-create', body: { title: 'a\u0000' } },
  { name: 'chat_create with participant_ids a string', fn: 'chat-create', body: { participant_ids: 'everyone' } },
  { name: 'chat_create with participant_ids of numbers', fn: 'chat-create', body: { participant_ids: [1, 2] } },
  { name: 'chat_create with participant_ids not uuids', fn: 'chat-create', body: { participant_ids: ["x' or 1=1"] } },
  { name: 'chat_create with a mode of the wrong shape', fn: 'chat-create', body: { mode: 'DROP TABLE' } },
  { name: 'chat_create with a mode number', fn: 'chat-create', body: { mode: 5 } },
  { name: 'chat_join with a non-uuid', fn: 'chat-join', body: { chat_id: 'nope' } },
  { name: 'chat_join with a number', fn: 'chat-join', body: { chat_id: 12 } },
  { name: 'chat_read with up_to_number a string', fn: 'chat-read', body: { chat_id: '$chat', up_to_number: 'all' } },
  { name: 'chat_read with a fractional up_to_number', fn: 'chat-read', body: { chat_id: '$chat', up_to_number: 1.5 } },
  { name: 'chat_read with a negative up_to_number', fn: 'chat-read', body: { chat_id: '$chat', up_to_number: -1 } },
  { name: 'chat_read with up_to_number past int4', fn: 'chat-read', body: { chat_id: '$chat', up_to_number: 2 ** 31 } },
  { name: 'chat_send with messages an object', fn: 'chat-send', body: { chat_id: '$chat', messages: { text: 'x' } }, rpcArgs: { chat_id: '$chat', messages: { text: 'x' } } },
  { name: 'chat_send with an empty batch', fn: 'chat-send', body: { chat_id: '$chat', messages: [] }, rpcArgs: { chat_id: '$chat', messages: [] } },
  { name: 'chat_send with 101 messages', fn: 'chat-send', body: { chat_id: '$chat', messages: Array.from({ length: 101 }, () => ({ text: 'm' })) }, rpcArgs: { chat_id: '$chat', messages: Array.from({ length: 101 }, () => ({ text: 'm' })) } },
  { name: 'chat_send with a numeric chat_id', fn: 'chat-send', body: { chat_id: 5, text: 'x' }, rpcArgs: { chat_id: 5, messages: [{ text: 'x' }] } },
  { name: 'chat_send with a batch item that is a string', fn: 'chat-send', body: { chat_id: '$chat', messages: ['x'] }, rpcArgs: { chat_id: '$chat', messages: ['x'] } },
  { name: 'chat_send with a body nested 3000 deep', fn: 'chat-send', body: { chat_id: '$chat', messages: [{ text: 'x', meta: { a: nested(3000) } }] }, rpcArgs: { chat_id: '$chat', messages: [{ text: 'x', meta: { a: nested(3000) } }] } },
];
