// Validation of what arrives on the inbox channel. Broadcasts are only as trustworthy as the code
// that sent them, so every payload goes through the shared wire schemas before the app sees it.
import type { z } from 'zod';
import {
  ChangeEventPayloads,
  EventPayloads,
  type ChangeEventName,
  type InboxEventName as ContractEventName,
} from 'supabase-realtime-inbox-contract';

/** Every event the inbox channel carries: the contract's EVENT and CHANGE_EVENT names. */
export type InboxEventName = ContractEventName | ChangeEventName;

const payloads = { ...EventPayloads, ...ChangeEventPayloads };

/** Payload type of each inbox event, as the schemas define it. */
export type InboxEventMap = { [K in InboxEventName]: z.output<(typeof payloads)[K]> };

/** A validated event: its name and its payload. */
export type InboxEvent = { [K in InboxEventName]: { name: K; payload: InboxEventMap[K] } }[InboxEventName];

/** An event that failed validation: dropped, and handed to `onInvalidEvent` for logging. */
export interface InvalidEvent {
  name: InboxEventName;
  payload: unknown;
  error: z.ZodError;
}

export type ParsedEvent = { ok: true; event: InboxEvent } | { ok: false; invalid: InvalidEvent };

/** Checks a broadcast payload against its event's schema. Never throws. */
export function parseInboxEvent(name: InboxEventName, payload: unknown): ParsedEvent {
  const result = payloads[name].safeParse(payload);
  return result.success
    ? { ok: true, event: { name, payload: result.data } as InboxEvent }
    : { ok: false, invalid: { name, payload, error: result.error } };
}
