// Who is in the open conversation, unfolded from its participant count: the owner may remove a member,
// and anyone may leave (chat-leave). Neither is optimistic: each waits for the answer, then the
// conversation's participant-left event updates the count here, and the one removed loses the
// conversation from their inbox (its DELETE event). A refusal shows its reason.
import { useState } from 'react';
import type { ConversationSummary, InboxStore } from './client.ts';
import { errorText } from './errors.ts';
import type { Participant } from './participants.ts';

interface Props {
  store: InboxStore;
  conversation: ConversationSummary;
  participants: Participant[];
  userId: string;
  /** The user owns the conversation: may remove the others. */
  owner: boolean;
  onLeft(): void;
}

export function Members({ store, conversation, participants, userId, owner, onLeft }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { id, participant_count } = conversation;

  const act = (question: string, action: () => Promise<void>, failure: string) => {
    if (!confirm(question)) return;
    setBusy(true);
    setError(null);
    action()
      .catch((e: unknown) => setError(`${failure}: ${errorText(e)}`))
      .finally(() => setBusy(false));
  };
  const leave = () => act('Leave this conversation? You will no longer see it.', () => store.leave(id).then(onLeft), 'Could not leave');
  const remove = (p: Participant) =>
    act(`Remove ${p.name ?? 'this member'} from the conversation?`, () => store.removeMember(id, p.user_id), 'Could not remove');

  return (
    <details className="members">
      <summary className="participants">
        {participant_count} {participant_count === 1 ? 'participant' : 'participants'}
        {participants.length > 0 && `: ${participants.map((p) => p.name).join(', ')}`}
      </summary>
      <ul aria-label="Members">
        {participants.map((p) => (
          <li key={p.user_id}>
            {p.user_id === userId ? 'You' : p.name}
            {p.role === 'owner' && <span className="role"> (owner)</span>}
            {owner && p.user_id !== userId && (
              <button type="button" className="link" disabled={busy} onClick={() => remove(p)}>
                Remove<span className="visually-hidden"> {p.name}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      <button type="button" disabled={busy} onClick={leave}>Leave conversation</button>
      {error && <p role="alert">{error}</p>}
    </details>
  );
}
