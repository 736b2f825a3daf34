// What the write RPCs return (function ↔ database contract; see the chat_rpcs migration).
import { z } from 'zod';
import { ConversationSummary, Message } from './contract/index.ts';

export const Recipient = z.object({ user_id: z.uuid(), unread_count: z.number().int().nonnegative() });
export type Recipient = z.infer<typeof Recipient>;

/** A summary before personalisation: every recipient gets their own unread_count added. */
export const SharedSummary = ConversationSummary.omit({ unread_count: true });
export type SharedSummary = z.infer<typeof SharedSummary>;

export const SendResult = z.object({
  messages: z.array(Message),
  inserted_count: z.number().int().nonnegative(),
  conversation: SharedSummary,
  recipients: z.array(Recipient),
});

/** user_id is the caller: the creator, or the joiner. */
export const CreateResult = z.object({ user_id: z.uuid(), conversation: SharedSummary, recipients: z.array(Recipient) });
export const JoinResult = CreateResult.extend({ joined: z.boolean() });
export const ReadResult = z.object({
  user_id: z.uuid(),
  unread_count: z.number().int().nonnegative(),
  conversation: SharedSummary,
});

/** chat_edit / chat_delete: the message in its new state and everyone to tell. */
export const MessageChangeResult = z.object({
  message: Message,
  version: z.number().int().nonnegative(),
  deleted: z.boolean().optional(),
  recipients: z.array(Recipient),
});

/** chat_leave: who left, why, and the others (none when the conversation went with the last member). */
export const LeaveResult = z.object({
  user_id: z.uuid(),
  reason: z.enum(['left', 'removed']),
  conversation_deleted: z.boolean(),
  version: z.number().int().nonnegative(),
  conversation: SharedSummary,
  recipients: z.array(Recipient),
});

export const ReadAllResult = z.object({
  user_id: z.uuid(),
  conversations: z.array(z.object({ chat_id: z.uuid(), last_read_message_number: z.number().int().nonnegative() })),
});
