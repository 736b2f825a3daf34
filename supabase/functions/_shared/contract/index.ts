// The wire contract as zod schemas: request bodies of the edge functions and the events on
// `user-realtime:<userId>`. Imported by the functions (Deno) and by the client (src/client), so the
// two can never disagree. Limits match the CHECKs and validations in the chat_rpcs migration.
// A namespace import lets bundlers drop what is unused (zod's locale tables: 264 KB minified).
import * as z from 'zod';

export const LIMITS = {
  textChars: 8000,
  batchMessages: 100,
  clientMsgIdChars: 100,
  /** UTF-8 length of JSON.stringify(meta). */
  metaBytes: 8192,
  /** Levels of nesting, meta itself being level 1. */
  metaDepth: 32,
  /** Object keys at every level together. */
  metaKeys: 256,
  titleChars: 200,
  /** Others than the creator; a conversation holds at most 1000 participants. */
  participantIds: 999,
  /** Whole request body; larger bodies get 413 before they are parsed. */
  bodyBytes: 1_048_576,
} as const;

export const INBOX_TOPIC_PREFIX = 'user-realtime:';
export const inboxTopic = (userId: string) => `${INBOX_TOPIC_PREFIX}${userId}`;

/**
 * A large conversation's message topic (private): every new message once, for the members who have the
 * conversation open. Members may only receive on it; only the server broadcasts (no INSERT policy),
 * unlike chat:<chat_id>, where every member may send and nothing is authoritative.
 */
export const MESSAGE_TOPIC_PREFIX = 'chat-messages:';
export const messageTopic = (chatId: string) => `${MESSAGE_TOPIC_PREFIX}${chatId}`;

const uuid = z.uuid();

const POSTGRES_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A timestamp as fixed-width UTC ISO 8601 with microseconds (`2026-11-22T02:58:21.676382Z`), or null.
 * Microseconds, because Postgres orders by them: two conversations changed in the same millisecond
 * must sort the same in the client as in `chat_inbox`. Fixed width, so strings compare as times.
 */
export function normaliseTimestamp(text: string): string | null {
  const parts = POSTGRES_TIME.exec(text.trim());
  if (!parts) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? null : new Date(ms).toISOString().replace(/Z$/, '000Z');
  }
  const [, date, time, fraction = '', zone = 'Z'] = parts;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(3).replace(':', '') || '00'}`;
  const seconds = Date.parse(`${date}T${time}${offset}`);
  if (Number.isNaN(seconds)) return null;
  return `${new Date(seconds).toISOString().slice(0, 19)}.${fraction.padEnd(6, '0').slice(0, 6)}Z`;
}

/** Postgres timestamps arrive as ISO 8601 (PostgREST) or as Postgres text (@supabase/lite): normalise. */
const timestamp = z
  .string()
  .refine((s) => normaliseTimestamp(s) !== null, 'not a timestamp')
  .transform((s) => normaliseTimestamp(s)!);

// ---- rows as the API returns them

export const MessageRole = z.enum(['user', 'assistant', 'system']);

export const Message = z.object({
  id: uuid,
  chat_id: uuid,
  message_number: z.number().int().positive(),
  user_id: uuid.nullable(),
  user_name: z.string().nullable(),
  role: MessageRole,
  text: z.string(),
  client_msg_id: z.string().nullable(),
  status: z.string(),
  meta: z.record(z.string(), z.unknown()),
  created_at: timestamp,
  /** Set by chat-edit. Absent from servers older than edits. */
  edited_at: timestamp.nullable().optional(),
  /** Set by chat-delete: the message is a tombstone (text '' and meta {}). */
  deleted_at: timestamp.nullable().optional(),
  /** The conversation version of this message's last edit or delete; null while unchanged. */
  version: z.number().int().nonnegative().nullable().optional(),
});
export type Message = z.infer<typeof Message>;

export const ConversationSummary = z.object({
  id: uuid,
  title: z.string(),
  mode: z.string(),
  is_public: z.boolean(),
  last_message: Message.nullable(),
  last_message_number: z.number().int().nonnegative(),
  unread_count: z.number().int().nonnegative(),
  participant_count: z.number().int().positive(),
  updated_at: timestamp,
  /**
   * Counts every change of the conversation on the server: of two summaries, the higher version is the
   * newer conversation state, whatever the clocks say. 0 when unknown (a server older than this field).
   */
  version: z.number().int().nonnegative().default(0),
  /**
   * The recipient's own read mark; it only moves forward, and unread_count = last_message_number minus it.
   * Absent from older servers: then it is last_message_number - unread_count.
   */
  last_read_message_number: z.number().int().nonnegative().optional(),
  // The recipient's own settings (chat-settings). Present in what chat_inbox, chat_changes and
  // chat-settings answer, and in the `settings` conversation-update; absent elsewhere (a send's or a
  // join's summary, older servers), which means "as held": a client keeps the settings it has.
  /** Left out of the unread total; the conversation's own unread_count is unchanged. */
  muted: z.boolean().optional(),
  /** Listed before every conversation that is not, then by latest activity. */
  pinned: z.boolean().optional(),
  /**
   * Archived as of this summary: archived_through is set and last_message_number is at most it. A new
   * message brings the conversation back by itself (no write): recompute it when the number moves.
   */
  archived: z.boolean().optional(),
  /** The last message number when the user archived it; null when not archived. */
  archived_through: z.number().int().nonnegative().nullable().optional(),
  /**
   * Counts every change of this user's settings of this conversation (0: never set). Of two summaries,
   * the settings of the higher settings_version are the newer, whatever their `version`.
   */
  settings_version: z.number().int().nonnegative().optional(),
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;

/**
 * `chat_user_settings()` and the `user-settings` event: the signed-in user's own settings that apply to
 * every conversation. `read_receipts: false` hides the user's read mark from everyone else, and their
 * client announces no reads. `version` counts the changes (0: never changed).
 */
export const UserSettings = z.object({
  read_receipts: z.boolean(),
  version: z.number().int().nonnegative(),
});
export type UserSettings = z.infer<typeof UserSettings>;

/**
 * Read announcements (`read` on chat:<chat_id>) are sent and heeded only in conversations of at most
 * this many participants. Each announcement costs 1 + (members with the conversation open − 1)
 * Realtime messages and as many chat_participants reads; above this, receipts are read by polling.
 */
export const READ_RECEIPTS_MAX_MEMBERS = 100;

/**
 * `chat_inbox_checkpoint()`: four numbers that change whenever anything in the caller's inbox does. A
 * client computes the same from the summaries it holds (see the checkpoint migration); when they
 * differ it has missed something and catches up.
 */
export const InboxCheckpoint = z.object({
  /** How many conversations the inbox lists. */
  conversations: z.number().int().nonnegative(),
  /** Sum of their versions. */
  versions: z.number().int().nonnegative(),
  /** Sum of the caller's read marks in them. */
  read_marks: z.number().int().nonnegative(),
  /** Sum of the first 8 hex digits of their ids, as unsigned 32-bit numbers. */
  ids: z.number().int().nonnegative(),
  /**
   * Sum of their settings_version, plus the user settings' version: settings never move a
   * conversation's version. Absent from servers older than settings.
   */
  settings: z.number().int().nonnegative().optional(),
});
export type InboxCheckpoint = z.infer<typeof InboxCheckpoint>;

// ---- events on the inbox channel

export const EVENT = {
  messageInsert: 'message-insert',
  conversationUpdate: 'conversation-update',
} as const;
export type InboxEventName = (typeof EVENT)[keyof typeof EVENT];

/**
 * Events of edits, deletes, mark-all-read and user settings on the same inbox channel (issue 13), with
 * their own payloads (ChangeEventPayloads); the client's channel service subscribes to these and
 * EVENT's alike.
 */
export const CHANGE_EVENT = {
  messageUpdate: 'message-update',
  messageDelete: 'message-delete',
  conversationsRead: 'conversations-read',
  /** chat-settings {read_receipts}: the user's own settings, to their own channel. */
  userSettings: 'user-settings',
} as const;
export type ChangeEventName = (typeof CHANGE_EVENT)[keyof typeof CHANGE_EVENT];

export const MessageInsertPayload = z.object({
  chat_id: uuid,
  message: Message,
  /**
   * On the last message-insert of a send, when the deployment sends summaries inline
   * (CHAT_SEND_SUMMARY=inline): the recipient's own conversation summary after the send, exactly what
   * the conversation-update with reason `message` would have carried; that event is then not sent.
   * Absent otherwise: a conversation-update follows.
   */
  conversation: ConversationSummary.optional(),
  /**
   * On the last message-insert of a send broadcast on a large conversation's message topic
   * (messageTopic): the conversation's version after the send. Not personal, so no summary there.
   */
  version: z.number().int().nonnegative().optional(),
});
export type MessageInsertPayload = z.infer<typeof MessageInsertPayload>;

/**
 * Why a conversation changed. The joiner gets `participant-joined` as an INSERT (it is new in their
 * list); everyone else gets it as an UPDATE.
 */
export const ConversationUpdateReason = z.enum([
  'created',
  'message',
  'participant-joined',
  'read',
  // chat-leave: the one who left gets DELETE with `left` (they left) or `removed` (the owner removed
  // them); everyone else gets UPDATE with `participant-left`.
  'left',
  'removed',
  'participant-left',
  // chat-settings {chat_id, …}: the user's own settings of the conversation changed; to their own
  // channel only (their other tabs and devices), as an UPDATE carrying the settings.
  'settings',
]);
export type ConversationUpdateReason = z.infer<typeof ConversationUpdateReason>;

export const ConversationUpdatePayload = z.object({
  chat_id: uuid,
  eventType: z.enum(['INSERT', 'UPDATE', 'DELETE']),
  reason: ConversationUpdateReason,
  data: ConversationSummary,
});
export type ConversationUpdatePayload = z.infer<typeof ConversationUpdatePayload>;

/**
 * chat-edit and chat-delete: the message in its new state (a tombstone for a delete). `version` is the
 * conversation's change sequence after the change (conversations.version, the one ConversationSummary
 * carries): it moves by exactly one per change of the conversation, so a client holding version V that
 * receives V+2 missed a change and catches up with chat_changes(chat_id, last number, V).
 */
export const MessageChangePayload = z.object({
  chat_id: uuid,
  message: Message,
  version: z.number().int().nonnegative(),
});
export type MessageChangePayload = z.infer<typeof MessageChangePayload>;

/**
 * chat-read {all: true}: to the reader's own channel, one event for up to READ_ALL_EVENT_SIZE
 * conversations (not one conversation-update each): every listed conversation is read up to its mark.
 */
export const ConversationsReadPayload = z.object({
  all: z.literal(true),
  conversations: z.array(z.object({ chat_id: uuid, last_read_message_number: z.number().int().nonnegative() })),
});
export type ConversationsReadPayload = z.infer<typeof ConversationsReadPayload>;
export const READ_ALL_EVENT_SIZE = 1000;

export const EventPayloads = {
  [EVENT.messageInsert]: MessageInsertPayload,
  [EVENT.conversationUpdate]: ConversationUpdatePayload,
} as const;

export const ChangeEventPayloads = {
  [CHANGE_EVENT.messageUpdate]: MessageChangePayload,
  [CHANGE_EVENT.messageDelete]: MessageChangePayload,
  [CHANGE_EVENT.conversationsRead]: ConversationsReadPayload,
  [CHANGE_EVENT.userSettings]: UserSettings,
} as const;

// ---- the rules the database enforces too (migration 20261201200001_hostile_input: same definitions)

/**
 * What counts as whitespace, as a regex character class: Unicode White_Space plus U+FEFF, i.e. JS
 * `\s` plus U+0085. The SQL function private.is_blank uses this very class.
 */
export const WHITESPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const BLANK = new RegExp(`^[${WHITESPACE}]*$`);
export const isBlank = (s: string) => BLANK.test(s);

/** Characters as Postgres counts them (char_length): code points, not UTF-16 units. */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** NUL and unpaired surrogates: JSON can carry them, Postgres text and jsonb cannot. */
const UNPAIRED_SURROGATE = /[\uD800-\uDFFF]/u;
export const isStorable = (s: string) => !s.includes('\0') && !UNPAIRED_SURROGATE.test(s);


/**
 * Why a meta value breaks the contract, or null: an object, at most metaDepth levels and metaKeys
 * keys, finite numbers, storable strings, and at most metaBytes as UTF-8 JSON.stringify. The
 * walk is iterative, so a deeply nested value is measured without exhausting the stack.
 */
export function metaProblem(meta: unknown): string | null {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return 'meta must be an object';
  let keys = 0;
  const stack: [unknown, number][] = [[meta, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'number' && !Number.isFinite(value)) return 'meta numbers must be finite';
    if (typeof value === 'string' && !isStorable(value)) return 'meta strings must not contain NUL or unpaired surrogates';
    if (typeof value !== 'object' || value === null) continue;
    if (depth > LIMITS.metaDepth) return `meta is nested deeper than ${LIMITS.metaDepth} levels`;
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth + 1]);
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (++keys > LIMITS.metaKeys) return `meta has more than ${LIMITS.metaKeys} keys`;
      if (!isStorable(key)) return 'meta strings must not contain NUL or unpaired surrogates';
      stack.push([item, depth + 1]);
    }
  }
  if (new TextEncoder().encode(JSON.stringify(meta)).length > LIMITS.metaBytes) {
    return `meta is larger than ${LIMITS.metaBytes} bytes`;
  }
  return null;
}

// ---- request bodies (strict: unknown keys such as a forged `user_id` are refused)

const storableText = (field: string, max: number) =>
  z
    .string()
    .refine(isStorable, `${field} must not contain NUL or unpaired surrogates`)
    .refine((s) => codePoints(s) <= max, `${field} is longer than ${max} characters`);
const text = storableText('text', LIMITS.textChars).refine((s) => !isBlank(s), 'text must not be empty or whitespace');
const clientMsgId = storableText('client_msg_id', LIMITS.clientMsgIdChars).min(1);
const meta = z.record(z.string(), z.unknown()).superRefine((m, ctx) => {
  const problem = metaProblem(m);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const messageFields = {
  text,
  role: MessageRole.optional(),
  client_msg_id: clientMsgId.optional(),
  meta: meta.optional(),
};

export const SendItem = z.strictObject(messageFields);
export const SendSingleBody = z.strictObject({ chat_id: uuid, ...messageFields });
export const SendBatchBody = z.strictObject({
  chat_id: uuid,
  messages: z.array(SendItem).min(1).max(LIMITS.batchMessages),
});
export type SendItem = z.infer<typeof SendItem>;
export type SendSingleBody = z.infer<typeof SendSingleBody>;
export type SendBatchBody = z.infer<typeof SendBatchBody>;

export const CreateBody = z.strictObject({
  title: storableText('title', LIMITS.titleChars).optional(),
  participant_ids: z.array(uuid).max(LIMITS.participantIds).optional(),
  is_public: z.boolean().optional(),
  mode: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'mode must be 1 to 32 lowercase letters, digits, - or _').optional(),
});
export type CreateBody = z.infer<typeof CreateBody>;

export const JoinBody = z.strictObject({ chat_id: uuid });
export type JoinBody = z.infer<typeof JoinBody>;

export const ReadBody = z.strictObject({
  chat_id: uuid,
  up_to_number: z.number().int().nonnegative().max(2_147_483_647).optional(),
});
export type ReadBody = z.infer<typeof ReadBody>;

/** chat-read with {all: true}: every conversation of the caller, in one request. */
export const ReadAllBody = z.strictObject({ all: z.literal(true) });
export type ReadAllBody = z.infer<typeof ReadAllBody>;

export const EditBody = z.strictObject({ chat_id: uuid, message_id: uuid, text, meta: meta.optional() });
export type EditBody = z.infer<typeof EditBody>;

export const DeleteBody = z.strictObject({ chat_id: uuid, message_id: uuid });
export type DeleteBody = z.infer<typeof DeleteBody>;

/**
 * chat-settings for one conversation: the caller's own mute, archive, pin; at least one. `archived: true`
 * archives up to the current last message; a newer message brings it back.
 */
export const ConversationSettingsBody = z
  .strictObject({ chat_id: uuid, muted: z.boolean().optional(), archived: z.boolean().optional(), pinned: z.boolean().optional() })
  .refine((b) => b.muted !== undefined || b.archived !== undefined || b.pinned !== undefined, {
    message: 'at least one of muted, archived, pinned is required',
  });
export type ConversationSettingsBody = z.infer<typeof ConversationSettingsBody>;

/** chat-settings without chat_id: the caller's settings for every conversation. */
export const UserSettingsBody = z.strictObject({ read_receipts: z.boolean() });
export type UserSettingsBody = z.infer<typeof UserSettingsBody>;

/** Without user_id: leave yourself. With another member's id: the owner (or the secret key) removes them. */
export const LeaveBody = z.strictObject({ chat_id: uuid, user_id: uuid.optional() });
export type LeaveBody = z.infer<typeof LeaveBody>;

// ---- responses

export const BroadcastOutcome = z.enum(['sent', 'failed', 'queued']);
export const SendResponse = z.object({ messages: z.array(Message), broadcast: BroadcastOutcome });
export const ConversationResponse = z.object({ conversation: ConversationSummary });
export const JoinResponse = z.object({ conversation: ConversationSummary, joined: z.boolean() });
export const MessageChangeResponse = z.object({ message: Message, version: z.number().int().nonnegative() });
export const LeaveResponse = z.object({
  chat_id: uuid,
  user_id: uuid,
  reason: z.enum(['left', 'removed']),
  conversation_deleted: z.boolean(),
});
export const ReadAllResponse = ConversationsReadPayload.omit({ all: true });
/** chat-settings {read_receipts}; the conversation form answers a ConversationResponse. */
export const UserSettingsResponse = z.object({ settings: UserSettings });

/** A row of the chat_members RPC. */
export const Member = z.object({
  user_id: uuid,
  role: z.enum(['owner', 'member']),
  joined_at: timestamp,
  invited_by: uuid.nullable(),
  /** Null when the member turned read receipts off (and is not the caller). */
  last_read_message_number: z.number().int().nonnegative().nullable(),
  /** Null until presence records it. */
  last_seen_at: timestamp.nullable(),
});
export type Member = z.infer<typeof Member>;

/** What the chat_changes RPC returns: one conversation's catch-up in one round trip. */
export const Changes = z.object({
  chat_id: uuid,
  version: z.number().int().nonnegative(),
  conversation: ConversationSummary,
  messages: z.array(Message),
  changed: z.array(Message),
  complete: z.boolean(),
});
export type Changes = z.infer<typeof Changes>;

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
