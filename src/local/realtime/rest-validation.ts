// Validation of POST /api/broadcast bodies with the error shape Realtime's Ecto changeset renders:
// {messages: ["can't be blank"]} or {messages: [{}, {topic: ["can't be blank"]}, …]}.
import { isObject } from './protocol.ts';
import { reasons } from './reasons.ts';

export interface BatchMessage {
  topic: string;
  event: string;
  payload: Record<string, unknown>;
  /** The payload as JSON, serialised once for the size check and reused for the frame. */
  payloadJson: string;
  private: boolean;
  id?: string;
}

type FieldErrors = Record<string, string[]>;

export type BatchValidation =
  | { ok: true; messages: BatchMessage[] }
  /** Always 422, oversized payloads included: hosted renders every changeset error so. */
  | { ok: false; status: 422; errors: Record<string, unknown> };

const BLANK = "can't be blank";
const INVALID = 'is invalid';

export function validateBatch(body: unknown, maxPayloadBytes: number): BatchValidation {
  const messages = isObject(body) ? body.messages : undefined;
  if (messages === undefined || messages === null || (Array.isArray(messages) && messages.length === 0)) {
    return { ok: false, status: 422, errors: { messages: [BLANK] } };
  }
  if (!Array.isArray(messages) || !messages.every(isObject)) return { ok: false, status: 422, errors: { messages: [INVALID] } };

  const results = messages.map((m) => validateMessage(m, maxPayloadBytes));
  if (results.every((r) => 'message' in r)) return { ok: true, messages: results.map((r) => (r as { message: BatchMessage }).message) };
  return { ok: false, status: 422, errors: { messages: results.map((r) => ('errors' in r ? r.errors : {})) } };
}

function validateMessage(m: Record<string, unknown>, maxPayloadBytes: number): { message: BatchMessage } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const fail = (field: string, error: string) => (errors[field] = [error]);

  const text = (field: 'topic' | 'event') => {
    const value = m[field];
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) fail(field, BLANK);
    else if (typeof value !== 'string') fail(field, INVALID);
    return value as string;
  };
  const topic = text('topic');
  const event = text('event');

  const payload = m.payload;
  let payloadJson = '';
  if (payload === undefined || payload === null) fail('payload', BLANK);
  else if (!isObject(payload)) fail('payload', INVALID);
  else if (Buffer.byteLength((payloadJson = JSON.stringify(payload))) > maxPayloadBytes) fail('payload', reasons.payloadTooLarge);

  let isPrivate = false;
  if (m.private === true || m.private === 'true') isPrivate = true;
  else if (m.private !== undefined && m.private !== null && m.private !== false && m.private !== 'false') fail('private', INVALID);

  let id: string | undefined;
  if (typeof m.id === 'string' && m.id !== '') id = m.id;
  else if (m.id !== undefined && m.id !== null && m.id !== '') fail('id', INVALID);

  if (Object.keys(errors).length > 0) return { errors };
  return { message: { topic, event, payload: payload as Record<string, unknown>, payloadJson, private: isPrivate, ...(id === undefined ? {} : { id }) } };
}
