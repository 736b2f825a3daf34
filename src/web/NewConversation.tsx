// Start a conversation: a title, the people by their exact email (looked up with chat_find_users),
// and whether anyone with the invite link may join. No emails: a conversation with yourself.
import type { SupabaseClient } from '@supabase/supabase-js';
import { useState, type FormEvent } from 'react';
import type { InboxStore } from './client.ts';

interface Props {
  store: InboxStore;
  supabase: SupabaseClient;
  userId: string;
  onCreated(id: string): void;
  onCancel(): void;
}

export function NewConversation({ store, supabase, userId, onCreated, onCancel }: Props) {
  const [title, setTitle] = useState('');
  const [emails, setEmails] = useState('');
  const [isPublic, setIsPublic] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function create() {
    const wanted = [...new Set(emails.split(/[\s,;]+/).map((e) => e.trim().toLowerCase()).filter(Boolean))];
    let ids: string[] = [];
    if (wanted.length > 0) {
      const { data, error } = await supabase.rpc('chat_find_users', { emails: wanted });
      if (error) throw new Error(error.message);
      const found = data as { id: string; email: string }[];
      const missing = wanted.filter((e) => !found.some((u) => u.email.toLowerCase() === e));
      if (missing.length > 0) throw new Error(`No account for ${missing.join(', ')}`);
      ids = found.map((u) => u.id).filter((id) => id !== userId);
    }
    const conversation = await store.create({ title: title.trim() || undefined, participant_ids: ids, is_public: isPublic });
    onCreated(conversation.id);
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    create().catch((e: unknown) => {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    });
  };

  return (
    <form className="new-conversation" onSubmit={submit} aria-label="New conversation">
      <h2>New conversation</h2>
      <label>
        Title
        <input value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        Participants (emails)
        <input value={emails} placeholder="bob@example.com, carol@example.com" onChange={(e) => setEmails(e.target.value)} />
      </label>
      <label className="check">
        <input type="checkbox" checked={isPublic} onChange={(e) => setIsPublic(e.target.checked)} />
        Public: anyone with the invite link can join
      </label>
      <div className="row">
        <button type="submit" disabled={busy}>Create</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
