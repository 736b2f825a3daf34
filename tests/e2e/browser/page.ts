// Bundled for the browser by browser.test.ts: the real client library in a real page.
import { createClient } from '@supabase/supabase-js';
import { InboxStore } from 'supabase-realtime-inbox/client';

declare global {
  interface Window {
    startInbox(url: string, key: string, email: string, password: string): Promise<string>;
    inboxTexts(chatId: string): string[];
    inboxUnread(chatId: string): number | undefined;
  }
}

let store: InboxStore | undefined;

window.startInbox = async (url, key, email, password) => {
  const supabase = createClient(url, key);
  const { data, error } = await supabase.auth.signInWithPassword({ email, password });
  if (error || !data.user) throw new Error(`sign-in failed: ${error?.message}`);
  store = new InboxStore(supabase);
  await store.start();
  return data.user.id;
};

window.inboxTexts = (chatId) => (store?.getSnapshot().messages[chatId] ?? []).map((m) => m.text);
window.inboxUnread = (chatId) => store?.getSnapshot().conversations.find((c) => c.id === chatId)?.unread_count;
