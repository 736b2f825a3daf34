// One message of the open conversation. Its author may edit it and delete it, the conversation owner may
// delete it (what chat-edit and chat-delete allow; the server refuses anyone else). Like a send, an edit
// or delete shows at once, marked "saving…"/"deleting…" until chat-edit/chat-delete answers; refused, the
// message shows as stored again with the reason, and a refused edit reopens with its text. A deleted
// message stays in its place as a tombstone; other users' edits and deletes arrive as events.
import { useState, type FormEvent } from 'react';
import { isOptimistic, LIMITS, type ChatMessage, type InboxStore } from './client.ts';
import { errorText } from './errors.ts';

interface Props {
  store: InboxStore;
  message: ChatMessage;
  mine: boolean;
  /** The user owns the conversation: may delete anyone's message. */
  owner: boolean;
  onRetry(): void;
}

type Pending = { edit: string } | { deleting: true };

export function MessageItem({ store, message: m, mine, owner, onRetry }: Props) {
  const [draft, setDraft] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<string | null>(null);
  const sendState = isOptimistic(m) ? m.status : null;
  const sendError = isOptimistic(m) ? m.error : null;
  const deleted = Boolean(!isOptimistic(m) && m.deleted_at) || (pending !== null && 'deleting' in pending);
  const stored = !isOptimistic(m) && !deleted && pending === null;
  const canEdit = stored && mine;
  const canDelete = stored && (mine || owner);

  const save = (event: FormEvent) => {
    event.preventDefault();
    const text = draft ?? '';
    if (!text.trim()) return;
    setDraft(null);
    if (text === m.text) return;
    setPending({ edit: text });
    setError(null);
    store.editMessage(m.chat_id, m.id, text).then(
      () => setPending(null),
      (e: unknown) => {
        setPending(null);
        setDraft(text);
        setError(`Could not edit: ${errorText(e)}`);
      },
    );
  };

  const remove = () => {
    if (!confirm('Delete this message for everyone?')) return;
    setPending({ deleting: true });
    setError(null);
    store.deleteMessage(m.chat_id, m.id).then(
      () => setPending(null),
      (e: unknown) => {
        setPending(null);
        setError(`Could not delete: ${errorText(e)}`);
      },
    );
  };

  const text = pending && 'edit' in pending ? pending.edit : m.text;
  return (
    <li className={`message ${mine ? 'mine' : ''} ${sendState ?? ''} ${deleted ? 'deleted' : ''}`}>
      <span className="author">{mine ? 'You' : (m.user_name ?? m.role)}</span>
      {draft === null && (canEdit || canDelete) && (
        <span className="actions">
          {canEdit && <button type="button" className="link" onClick={() => setDraft(m.text)}>Edit</button>}
          {canDelete && <button type="button" className="link" onClick={remove}>Delete</button>}
        </span>
      )}
      {draft !== null && !deleted ? (
        <form className="edit row" onSubmit={save}>
          <label className="grow">
            <span className="visually-hidden">Edit message</span>
            <input
              value={draft}
              maxLength={LIMITS.textChars}
              autoFocus
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => e.key === 'Escape' && setDraft(null)}
            />
          </label>
          <button type="submit" disabled={!draft.trim()}>Save</button>
          <button type="button" onClick={() => setDraft(null)}>Cancel</button>
        </form>
      ) : (
        <p className="text">{deleted ? 'Message deleted' : text}</p>
      )}
      {pending && <span className="state">{'edit' in pending ? 'saving…' : 'deleting…'}</span>}
      {!pending && !deleted && !isOptimistic(m) && m.edited_at && <span className="state">edited</span>}
      {sendState === 'pending' && <span className="state">sending…</span>}
      {sendState === 'failed' && (
        <span className="state">
          failed{sendError ? ` (${sendError})` : ''} <button type="button" onClick={onRetry}>Retry</button>
        </span>
      )}
      {error && <p role="alert" className="state">{error}</p>}
    </li>
  );
}
