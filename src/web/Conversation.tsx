// One conversation: who is in it, its history (paged back on demand), the composer. Messages show as
// soon as they are sent ('sending'), and a send that failed offers to retry with the same
// client_msg_id, so the server stores it once whatever happened to the first try. Editing and deleting
// a message is MessageItem's, the members and leaving Members'. Who is typing and who has it open come
// from its chat:<chat_id> room (claims, shown only for actual participants).
import type { SupabaseClient } from '@supabase/supabase-js';
import { useEffect, useLayoutEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import {
  isOptimistic,
  useConversationPresence,
  useInbox,
  type ChatMessage,
  type ConversationPresence,
  type ConversationSummary,
  type InboxStore,
} from './client.ts';
import { titleOf } from './ConversationList.tsx';
import { Members } from './Members.tsx';
import { MessageItem } from './MessageItem.tsx';
import { useParticipants, type Participant } from './participants.ts';
import { typingLine, useConversationRoom } from './presence.ts';

interface Props {
  store: InboxStore;
  supabase: SupabaseClient;
  conversation: ConversationSummary;
  userId: string;
  /** The user left it (chat-leave answered). */
  onLeft(): void;
}

export function Conversation({ store, supabase, conversation, userId, onLeft }: Props) {
  const { id, unread_count } = conversation;
  const messages = useInbox(store).messages[id] ?? [];
  const room = useConversationRoom(supabase, id, userId);
  const presence = useConversationPresence(room);
  const known = useRef<Participant[]>([]);
  const participants = useParticipants(supabase, conversation, useReadMarksMoved(room, known, presence.online.includes(userId)));
  useEffect(() => {
    known.current = participants;
  }, [participants]);
  const nameOf = new Map(participants.map((p) => [p.user_id, p.name ?? 'someone']));
  const others = (ids: string[]) => ids.filter((u) => u !== userId && nameOf.has(u)).map((u) => nameOf.get(u)!);
  const owner = participants.some((p) => p.user_id === userId && p.role === 'owner');
  const [hasOlder, setHasOlder] = useState(false);
  const [loading, setLoading] = useState(true);

  const loadOlder = () => {
    setLoading(true);
    store.loadMessages(id).then(setHasOlder, () => {}).finally(() => setLoading(false));
  };
  useEffect(loadOlder, [store, id]);
  // A large conversation's messages come on its message topic, for those who have it open.
  useEffect(() => {
    void store.openConversation(id);
    return () => void store.closeConversation(id);
  }, [store, id]);

  // Read when seen: whenever unread messages arrive while this conversation is on screen.
  const visible = usePageVisible();
  useEffect(() => {
    if (!visible || unread_count === 0) return;
    store.markRead(id).then((read) => room.read(read.last_message_number), () => {});
  }, [store, room, id, unread_count, visible]);

  const log = useRef<HTMLOListElement>(null);
  const newestMessage = messages[messages.length - 1];
  const newest = newestMessage?.id;
  useLayoutEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [newest]);
  // Whoever just sent a message has stopped typing it.
  const newestAuthor = newestMessage && !isOptimistic(newestMessage) ? newestMessage.user_id : null;
  useEffect(() => {
    if (newestAuthor && newestAuthor !== userId) room.sent(newestAuthor);
  }, [room, newest, newestAuthor, userId]);

  return (
    <section className="conversation">
      <header>
        <h2>{titleOf(conversation)}</h2>
        <Members store={store} conversation={conversation} participants={participants} userId={userId} owner={owner} onLeft={onLeft} />
        <div className="online">
          Online:
          <ul aria-label="Online">
            {others(presence.online).map((name, i) => <li key={i}>{name}</li>)}
          </ul>
          {others(presence.online).length === 0 && <span>nobody else</span>}
        </div>
        {conversation.is_public && <InviteLink chatId={id} />}
      </header>
      <ol role="log" ref={log}>
        {hasOlder && (
          <li className="older">
            <button type="button" disabled={loading} onClick={loadOlder}>Load older messages</button>
          </li>
        )}
        {messages.map((m) => (
          <MessageItem key={m.id} store={store} message={m} mine={m.user_id === userId} owner={owner} onRetry={() => retry(store, m)} />
        ))}
      </ol>
      <ReadBy messages={messages} participants={participants} userId={userId} />
      <p role="status" aria-label="Typing" className="typing">{typingLine(others(presence.typing))}</p>
      <Composer
        onTyping={() => room.typing()}
        onSend={(text) => {
          room.sent();
          void store.send(id, text).catch(() => {});
        }}
      />
    </section>
  );
}

const retry = (store: InboxStore, m: ChatMessage) => {
  if (isOptimistic(m)) store.retry(m.chat_id, m.client_msg_id).catch(() => {});
};

/** Who else has read the newest stored message (as of the last time the participants were read). */
function ReadBy({ messages, participants, userId }: { messages: readonly ChatMessage[]; participants: Participant[]; userId: string }) {
  const newest = messages.findLast((m) => !isOptimistic(m));
  if (!newest || newest.message_number === null) return null;
  const readers = participants.filter((p) => p.user_id !== userId && (p.last_read_message_number ?? 0) >= newest.message_number!);
  return readers.length > 0 ? <p className="read-by">Read by {readers.map((p) => p.name).join(', ')}</p> : null;
}

function InviteLink({ chatId }: { chatId: string }) {
  const link = `${location.origin}/join/${chatId}`;
  const [copied, setCopied] = useState(false);
  const copy = () =>
    navigator.clipboard.writeText(link).then(() => setCopied(true), () => setCopied(false));
  return (
    <div className="row invite">
      <label>
        Invite link
        <input readOnly value={link} onFocus={(e) => e.target.select()} />
      </label>
      <button type="button" onClick={() => void copy()}>{copied ? 'Copied' : 'Copy invite link'}</button>
    </div>
  );
}

function Composer({ onSend, onTyping }: { onSend(text: string): void; onTyping(): void }) {
  const [text, setText] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    onSend(text);
    setText('');
  };
  return (
    <form className="composer row" onSubmit={submit}>
      <label className="grow">
        <span className="visually-hidden">Message</span>
        <input
          value={text}
          maxLength={8000}
          autoComplete="off"
          onChange={(e) => {
            setText(e.target.value);
            if (e.target.value) onTyping();
          }}
          placeholder="Write a message"
        />
      </label>
      <button type="submit">Send</button>
    </form>
  );
}

/** The fallback for read marks nobody announced (missed while reconnecting, a client that does not announce). */
const REREAD_MS = 60_000;

/**
 * A counter that moves whenever the read marks may have: a participant announces reading further than
 * their known mark, this user joins the room (earlier announcements were not heard), and once a minute
 * while the page is visible. Announcements are claims; the caller re-reads chat_participants on them.
 */
function useReadMarksMoved(room: ConversationPresence, known: RefObject<Participant[]>, joined: boolean): number {
  const [moved, setMoved] = useState(0);
  const bump = () => setMoved((n) => n + 1);
  useEffect(
    () =>
      room.onRead(({ user_id, message_number }) => {
        const mark = known.current.find((p) => p.user_id === user_id)?.last_read_message_number;
        if (mark !== undefined && message_number > (mark ?? 0)) bump();
      }),
    [room, known],
  );
  useEffect(() => {
    if (joined) bump();
  }, [joined]);
  const visible = usePageVisible();
  useEffect(() => {
    if (!visible) return;
    const timer = setInterval(bump, REREAD_MS);
    return () => clearInterval(timer);
  }, [visible]);
  return moved;
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(document.visibilityState === 'visible');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}
