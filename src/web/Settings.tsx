// The user's own settings (chat-settings): a conversation's pin, mute and archive, and the "Send read
// receipts" switch. The store changes them only when the server answers (and the user's other tabs
// from its event), so each control waits: "saving…" and disabled meanwhile, the reason when refused,
// as the edit and delete of a message show theirs.
import { useState } from 'react';
import { useInbox, type ConversationSettingsChange, type ConversationSummary, type InboxStore } from './client.ts';
import { errorText } from './errors.ts';

type Setting = keyof ConversationSettingsChange;

/** Each setting's control: its name when off (turns it on) and when on (turns it off). */
const TOGGLES: { setting: Setting; on: string; off: string }[] = [
  { setting: 'pinned', on: 'Pin', off: 'Unpin' },
  { setting: 'muted', on: 'Mute', off: 'Unmute' },
  { setting: 'archived', on: 'Archive', off: 'Unarchive' },
];

/** Pin, Mute, Archive (or their undoing) for one conversation, named with its title for screen readers. */
export function ConversationSettings({ store, conversation: c, title }: { store: InboxStore; conversation: ConversationSummary; title: string }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const toggle = (setting: Setting, verb: string) => {
    setPending(true);
    setError(null);
    store
      .updateSettings(c.id, { [setting]: !c[setting] })
      .catch((e: unknown) => setError(`Could not ${verb.toLowerCase()}: ${errorText(e)}`))
      .finally(() => setPending(false));
  };

  return (
    <>
      <span className={`actions ${pending ? 'busy' : ''}`}>
        {pending && <span className="state">saving…</span>}
        {TOGGLES.map(({ setting, on, off }) => {
          const verb = c[setting] ? off : on;
          return (
            <button key={setting} type="button" className="link" disabled={pending} onClick={() => toggle(setting, verb)}>
              {verb}<span className="visually-hidden"> {title}</span>
            </button>
          );
        })}
      </span>
      {error && <p role="alert" className="state">{error}</p>}
    </>
  );
}

/** The user's read receipts: off, nobody else sees how far they have read and the app announces no reads. */
export function ReadReceiptsSwitch({ store }: { store: InboxStore }) {
  const stored = useInbox(store).userSettings?.read_receipts;
  const [pending, setPending] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);

  const change = (enabled: boolean) => {
    setPending(enabled);
    setError(null);
    store
      .setReadReceipts(enabled)
      .catch((e: unknown) => setError(`Could not change read receipts: ${errorText(e)}`))
      .finally(() => setPending(null));
  };

  return (
    <div className="read-receipts">
      <label className="check">
        <input
          type="checkbox"
          role="switch"
          checked={pending ?? stored ?? false}
          disabled={stored === undefined || pending !== null}
          onChange={(e) => change(e.target.checked)}
        />
        Send read receipts
        {pending !== null && <span className="state">saving…</span>}
      </label>
      {error && <p role="alert">{error}</p>}
    </div>
  );
}
