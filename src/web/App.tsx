// Signed out: the sign-in page. Signed in: the inbox, one InboxStore per user (remounted when the user
// changes, so nothing of one user's inbox can show in another's).
import type { Session } from '@supabase/supabase-js';
import { useEffect, useState } from 'react';
import type { AppConfig } from './config.ts';
import { Inbox } from './Inbox.tsx';
import { SignIn } from './SignIn.tsx';

/** `/join/<chat_id>`: the invite link of a public conversation, joined once signed in (then the URL moves on). */
const joinIdOf = (pathname: string) => /^\/join\/([0-9a-f-]{36})\/?$/i.exec(pathname)?.[1] ?? null;

export function App({ supabase, demoUsers }: AppConfig) {
  // undefined while supabase-js reads the stored session.
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    const { data } = supabase.auth.onAuthStateChange((_event, next) => setSession(next));
    return () => data.subscription.unsubscribe();
  }, [supabase]);

  if (session === undefined) return null;
  const joinId = joinIdOf(location.pathname);
  if (!session) return <SignIn supabase={supabase} demoUsers={demoUsers} joining={joinId !== null} />;
  return <Inbox key={session.user.id} supabase={supabase} user={session.user} joinId={joinId} />;
}
