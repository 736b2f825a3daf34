import type { ConversationSummary } from './client.ts';

interface Props {
  conversations: readonly ConversationSummary[];
  openId: string | null;
  onOpen(id: string): void;
}

export const titleOf = (c: ConversationSummary) => c.title || 'Untitled conversation';

/** The last message, "message deleted" when it is a tombstone (its text is gone). */
function previewOf({ last_message: m }: ConversationSummary): string {
  if (!m) return 'No messages yet';
  return `${m.user_name ?? 'someone'}: ${m.deleted_at ? 'message deleted' : m.text}`;
}

const time = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/** Latest activity first, as the store keeps them. */
export function ConversationList({ conversations, openId, onOpen }: Props) {
  return (
    <ul aria-label="Conversations" className="conversations">
      {conversations.map((c) => (
        <li key={c.id}>
          <button type="button" aria-current={c.id === openId ? 'true' : undefined} onClick={() => onOpen(c.id)}>
            <span className="title">{titleOf(c)}</span>
            <time dateTime={c.updated_at}>{time(c.updated_at)}</time>
            <span className="preview">
              {previewOf(c)}
            </span>
            {c.unread_count > 0 && (
              <span className="badge" role="img" aria-label={`${c.unread_count} unread`}>{c.unread_count}</span>
            )}
          </button>
        </li>
      ))}
    </ul>
  );
}
