// Per-user settings on the client: a conversation's mute, archive and pin, and the user's read-receipt
// switch (chat-settings), as plain functions over supabase-js; and the gate that decides whether read
// announcements on chat:<chat_id> are sent and heeded (ConversationPresence asks it).
import {
  ConversationResponse,
  type ConversationSettingsBody,
  UserSettings,
  UserSettingsResponse,
} from 'supabase-realtime-inbox-contract';
import { callRpc, invokeFunction, type SupabaseLike } from './api.ts';

/** The settings of one conversation a user may change: any of mute, archive, pin. */
export type ConversationSettingsChange = Omit<ConversationSettingsBody, 'chat_id'>;

/** `chat-settings {chat_id, …}`: the caller's settings of a conversation; answers their summary with them. */
export function updateConversationSettings(supabase: SupabaseLike, chatId: string, change: ConversationSettingsChange, signal?: AbortSignal) {
  return invokeFunction(supabase, 'chat-settings', { chat_id: chatId, ...change }, ConversationResponse, signal);
}

/** `chat-settings {read_receipts}`: whether other members may see how far the caller has read. */
export async function setReadReceipts(supabase: SupabaseLike, enabled: boolean, signal?: AbortSignal): Promise<UserSettings> {
  const { settings } = await invokeFunction(supabase, 'chat-settings', { read_receipts: enabled }, UserSettingsResponse, signal);
  return settings;
}

/** `chat_user_settings`: the caller's own user settings. */
export function fetchUserSettings(supabase: SupabaseLike, signal?: AbortSignal): Promise<UserSettings> {
  return callRpc(supabase, 'chat_user_settings', {}, UserSettings, signal);
}

/**
 * Decides, per conversation, whether this client sends read announcements and heeds the others'.
 * InboxStore is one: it knows the user's read-receipt setting and each conversation's member count.
 */
export interface ReadReceiptGate {
  announcesReads(chatId: string): boolean;
  hearsReads(chatId: string): boolean;
}

/** Without an InboxStore on the same client: announce and heed, as before read receipts could be turned off. */
const openGate: ReadReceiptGate = { announcesReads: () => true, hearsReads: () => true };

const gates = new WeakMap<object, ReadReceiptGate>();

/** InboxStore registers itself for its supabase client, so rooms made with that client follow it. */
export function registerReadReceiptGate(supabase: SupabaseLike, gate: ReadReceiptGate): void {
  gates.set(supabase, gate);
}

/** The gate of the InboxStore made with this supabase client, else one that lets everything through. */
export const readReceiptGate = (supabase: SupabaseLike): ReadReceiptGate => gates.get(supabase) ?? openGate;
