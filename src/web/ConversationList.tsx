import { useState } from 'react';
import type { ConversationSummary, InboxStore } from './client.ts';
import { ConversationSettings } from './Settings.tsx';

interface Props {
  store: InboxStore;
  /** The conversations that are not archived, pinned ones first, as the store keeps them. */
  active: readonly ConversationSummary[];
  archived: readonly ConversationSummary[];
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

/**
 * Pinned first, then latest activity; the archived ones folded away under "Archived (N)" (a new
 * message brings one back to the main list by itself: the store moves it).
 */
export function ConversationList({ store, active, archived, openId, onOpen }: Props) {
  const [showArchived, setShowArchived] = useState(false);
  const items = (list: readonly ConversationSummary[]) =>
    list.map((c) => <ConversationItem key={c.id} store={store} conversation={c} open={c.id === openId} onOpen={onOpen} />);
  return (
    <>
      <ul aria-label="Conversations" className="conversations">{items(active)}</ul>
      {archived.length > 0 && (
        <button type="button" className="link archived-toggle" aria-expanded={showArchived} onClick={() => setShowArchived(!showArchived)}>
          Archived ({archived.length})
        </button>
      )}
      {archived.length > 0 && showArchived && (
        <ul aria-label="Archived conversations" className="conversations archived">{items(archived)}</ul>
      )}
    </>
  );
}

interface ItemProps {
  store: InboxStore;
  conversation: ConversationSummary;
  open: boolean;
  onOpen(id: string): void;
}

/** Opens the conversation; its settings (shown on hover or focus) sit over the time. */
function ConversationItem({ store, conversation: c, open, onOpen }: ItemProps) {
  return (
    <li>
      <button type="button" className="open" aria-current={open ? 'true' : undefined} onClick={() => onOpen(c.id)}>
        <span className="title">
          {titleOf(c)}
          {c.pinned && <> <span className="tag">pinned</span></>}
          {c.muted && <> <span className="tag">muted</span></>}
        </span>
        <time dateTime={c.updated_at}>{time(c.updated_at)}</time>
        <span className="preview">
          {previewOf(c)}
        </span>
        {c.unread_count > 0 && (
          <span className={`badge ${c.muted ? 'muted' : ''}`} role="img" aria-label={`${c.unread_count} unread`}>{c.unread_count}</span>
        )}
      </button>
      <ConversationSettings store={store} conversation={c} title={titleOf(c)} />
    </li>
  );
}
