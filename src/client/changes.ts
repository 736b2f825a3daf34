// Issue 13 on the client: edit, delete, leave, mark all read, the member list and catch-up by version,
// as plain functions over supabase-js, each answer validated with the shared schemas. InboxStore wraps
// them, and its reducer uses changeGap and applyChanges for the CHANGE_EVENT events and catch-up.
import { z } from 'zod';
import {
  Changes,
  type DeleteBody,
  type EditBody,
  type LeaveBody,
  LeaveResponse,
  Member,
  type Message,
  MessageChangeResponse,
  ReadAllResponse,
} from 'supabase-realtime-inbox-contract';
import { callRpc, invokeFunction, MAX_ROWS, type SupabaseLike } from './api.ts';

/** `chat-edit`: the author (or the secret key) replaces a message's text and, when given, its meta. */
export function editMessage(supabase: SupabaseLike, body: EditBody, signal?: AbortSignal) {
  return invokeFunction(supabase, 'chat-edit', body, MessageChangeResponse, signal);
}

/** `chat-delete`: the author or the owner turns a message into a tombstone; repeating it is harmless. */
export function deleteMessage(supabase: SupabaseLike, body: DeleteBody, signal?: AbortSignal) {
  return invokeFunction(supabase, 'chat-delete', body, MessageChangeResponse, signal);
}

/** `chat-leave`: leave (no user_id), or as the owner remove a member. */
export function leaveConversation(supabase: SupabaseLike, body: LeaveBody, signal?: AbortSignal) {
  return invokeFunction(supabase, 'chat-leave', body, LeaveResponse, signal);
}

/** `chat-read {all: true}`: every conversation read, in one request; answers those that had unread. */
export function markAllRead(supabase: SupabaseLike, signal?: AbortSignal) {
  return invokeFunction(supabase, 'chat-read', { all: true }, ReadAllResponse, signal);
}

/** `chat_members`: who is in a conversation the caller is in. */
export function fetchMembers(supabase: SupabaseLike, chatId: string, signal?: AbortSignal): Promise<Member[]> {
  return callRpc(supabase, 'chat_members', { chat_id: chatId }, z.array(Member), signal);
}

/** `chat_changes`: one conversation's catch-up after a known number and version, in one round trip. */
export function fetchChanges(
  supabase: SupabaseLike,
  chatId: string,
  afterNumber: number,
  afterVersion: number,
  rowLimit = 100,
  signal?: AbortSignal,
): Promise<Changes> {
  const args = { chat_id: chatId, after_number: afterNumber, after_version: afterVersion, row_limit: Math.min(rowLimit, MAX_ROWS) };
  return callRpc(supabase, 'chat_changes', args, Changes, signal);
}

/**
 * What an event's conversation version means to a client holding `held`: `stale` (already applied, or
 * older: ignore it), `next` (apply it), `gap` (apply it, and catch up with fetchChanges from `held`: a
 * change was missed). Every change moves the version by one; a rare change that moves it by two (an
 * owner handing over) costs one needless catch-up, never a wrong state.
 */
export function changeGap(held: number, incoming: number): 'stale' | 'next' | 'gap' {
  if (incoming <= held) return 'stale';
  return incoming === held + 1 ? 'next' : 'gap';
}

/**
 * Merges a catch-up into the messages held, by id, keeping the newer state of each: a message with a
 * higher `version` (an edit or delete) replaces an older copy; new messages are added. Ascending by number.
 */
export function applyChanges(held: readonly Message[], changes: Pick<Changes, 'messages' | 'changed'>): Message[] {
  const byId = new Map(held.map((m) => [m.id, m]));
  for (const m of [...changes.messages, ...changes.changed]) {
    const current = byId.get(m.id);
    if (!current || (m.version ?? 0) >= (current.version ?? 0)) byId.set(m.id, m);
  }
  return [...byId.values()].sort((a, b) => a.message_number - b.message_number);
}
