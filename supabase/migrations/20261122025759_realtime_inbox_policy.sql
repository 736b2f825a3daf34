-- Private Realtime inbox channels: a signed-in user may receive broadcasts on
-- 'user-realtime:<their own id>' and on no other inbox topic. There is deliberately no INSERT
-- policy: clients cannot broadcast into anyone's inbox; only the server (secret key) can.
create policy "users receive their own inbox channel" on realtime.messages
  for select to authenticated
  using (
    realtime.messages.extension = 'broadcast'
    and realtime.topic() = 'user-realtime:' || (select auth.uid())::text
  );
