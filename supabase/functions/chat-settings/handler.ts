// chat-settings: the caller's own settings. {chat_id, muted?, archived?, pinned?} for one conversation
// they are in; {read_receipts} for all of them (whether others may see how far they have read). Only
// the caller's own channel hears about it (one event: their other tabs and devices), because nobody
// else's view changes; it is broadcast even when nothing changed, so a retry repairs a lost broadcast.
import type { ChatFunction } from '../_shared/chat-function.ts';
import { conversationUpdate, personalise, userSettingsEvent } from '../_shared/events.ts';
import { parseBody } from '../_shared/http.ts';
import { SettingsResult, UserSettingsResult } from '../_shared/rpc-results.ts';
import { callRpc } from '../_shared/rpc.ts';
import { ConversationSettingsBody, UserSettingsBody } from '../_shared/contract/index.ts';

export type SettingsRequest = { conversation: ConversationSettingsBody } | { user: UserSettingsBody };

// Without chat_id and with read_receipts, the user form; anything else is judged as the conversation
// form, whose issues (chat_id missing, no setting given) say best what is wrong.
const isUserForm = (body: unknown) =>
  typeof body === 'object' && body !== null && !('chat_id' in body) && 'read_receipts' in body;

export const chatSettings: ChatFunction<SettingsRequest> = {
  name: 'chat_settings',
  allowServer: false,
  parse: (body) => (isUserForm(body) ? { user: parseBody(UserSettingsBody, body) } : { conversation: parseBody(ConversationSettingsBody, body) }),

  async run(input, { client }) {
    if ('user' in input) {
      const { user_id, changed, read_receipts, version } = await callRpc(
        client,
        'chat_set_user_settings',
        { read_receipts: input.user.read_receipts },
        UserSettingsResult,
      );
      const settings = { read_receipts, version };
      return {
        body: { settings },
        events: [userSettingsEvent(user_id, settings)],
        logFields: { read_receipts, changed, version, target_user_count: 1 },
      };
    }
    const { chat_id, muted, archived, pinned } = input.conversation;
    const result = await callRpc(
      client,
      'chat_settings',
      { chat_id, muted: muted ?? null, archived: archived ?? null, pinned: pinned ?? null },
      SettingsResult,
    );
    const owner = { user_id: result.user_id, unread_count: result.unread_count, last_read_message_number: result.last_read_message_number };
    return {
      body: { conversation: personalise(result.conversation, result.unread_count, result.last_read_message_number) },
      events: [conversationUpdate(owner, result.conversation, 'settings')],
      logFields: { chat_id, changed: result.changed, settings_version: result.conversation.settings_version, target_user_count: 1 },
    };
  },
};
