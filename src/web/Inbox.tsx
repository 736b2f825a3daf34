// The signed-in view: the conversation list beside the open conversation (or the new-conversation form).
// The open conversation lives in the URL (?c=<id>), so a reload comes back to it.
import type { SupabaseClient, User } from '@supabase/supabase-js';
import { useEffect, useState } from 'react';
import { InboxStore, useConnection, useInbox, type Connection } from './client.ts';
import { Conversation } from './Conversation.tsx';
import { errorText } from './errors.ts';
import { ConversationList } from './ConversationList.tsx';
import { NewConversation } from './NewConversation.tsx';
import { ReadReceiptsSwitch } from './Settings.tsx';

interface Props {
  supabase: SupabaseClient;
  user: User;
  joinId: string | null;
}

export function Inbox({ supabase, user, joinId }: Props) {
  // Made in the effect, not during render: each mount gets its own store, stopped on unmount.
  const [store, setStore] = useState<InboxStore | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const next = new InboxStore(supabase, { onError: (e) => setError(String(e)) });
    setStore(next);
    next.start().catch((e: unknown) => setError(String(e)));
    return () => next.stop();
  }, [supabase]);
  return store && <InboxView store={store} supabase={supabase} user={user} joinId={joinId} error={error} />;
}

const LABELS: Record<Connection, string> = {
  idle: 'offline',
  connecting: 'connecting',
  'catching-up': 'catching up',
  connected: 'connected',
  reconnecting: 'reconnecting',
  paused: 'paused',
};

function InboxView({ store, supabase, user, joinId, error }: Props & { store: InboxStore; error: string | null }) {
  const { conversations, active, archived, unreadTotal, left } = useInbox(store);
  const connection = useConnection(store);
  const [openId, setOpenId] = useState(() => new URLSearchParams(location.search).get('c'));
  const [composing, setComposing] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);

  const open = (id: string | null) => {
    setOpenId(id);
    setComposing(false);
    setActionError(null);
    history.replaceState(null, '', id ? `/?c=${id}` : '/');
  };

  useEffect(() => {
    document.title = unreadTotal > 0 ? `(${unreadTotal}) Inbox` : 'Inbox';
  }, [unreadTotal]);

  useEffect(() => {
    if (!joinId) return;
    store.join(joinId).then(
      () => open(joinId),
      (e: unknown) => {
        setActionError(`Could not join that conversation: ${errorText(e)}`);
        history.replaceState(null, '', '/');
      },
    );
  }, [store, joinId]);

  const markAllRead = () => {
    setActionError(null);
    store.markAllRead().catch((e: unknown) => setActionError(`Could not mark all read: ${errorText(e)}`));
  };
  // Muted and archived conversations stay out of the title's total, not out of what Mark all read clears.
  const anyUnread = conversations.some((c) => c.unread_count > 0);
  const current = conversations.find((c) => c.id === openId);
  // Left in another tab, or removed by the owner: the store dropped it while it was open here.
  const gone = openId !== null && openId in left;

  return (
    <div className="inbox">
      <aside>
        <header>
          <strong>{user.email}</strong>
          <p role="status" aria-label="Connection" className={`connection ${connection}`}>{LABELS[connection]}</p>
          <button type="button" className="link" onClick={() => void supabase.auth.signOut()}>Sign out</button>
        </header>
        <div className="row">
          <button type="button" onClick={() => setComposing(true)}>New conversation</button>
          <button type="button" onClick={markAllRead} disabled={!anyUnread}>Mark all read</button>
        </div>
        <ConversationList store={store} active={active} archived={archived} openId={openId} onOpen={open} />
        <ReadReceiptsSwitch store={store} />
      </aside>
      <main>
        {(error || actionError) && <p role="alert">{actionError ?? error}</p>}
        {composing ? (
          <NewConversation store={store} supabase={supabase} userId={user.id} onCreated={open} onCancel={() => setComposing(false)} />
        ) : current ? (
          <Conversation key={current.id} store={store} supabase={supabase} conversation={current} userId={user.id} onLeft={() => open(null)} />
        ) : gone ? (
          <p className="empty">You are no longer in this conversation.</p>
        ) : (
          <p className="empty">{conversations.length ? 'Pick a conversation.' : 'No conversations yet: start one.'}</p>
        )}
      </main>
    </div>
  );
}
