-- A large conversation's message topic, chat-messages:<chat_id> (issue 11, item 4): chat-send
-- broadcasts each new message there once, for the members who have the conversation open, instead of
-- once per member's inbox. Unlike chat:<chat_id>, where every member may broadcast and nothing is
-- authoritative, only the server sends here: members may receive, and there is deliberately no
-- INSERT policy, so a client's broadcast fails Realtime's write check and is dropped. Realtime checks
-- the read policy when a channel joins and when its token is refreshed: a member who leaves cannot
-- join again. Broadcast only (no presence: who is here lives on chat:<chat_id>).
create function private.is_member_of_message_topic(topic text) returns boolean
language plpgsql stable security definer set search_path = '' as $$
begin
  if topic is null or topic !~ '^chat-messages:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return false;
  end if;
  return private.is_member(substr(topic, 15)::uuid);
end
$$;

revoke execute on function private.is_member_of_message_topic(text) from public, anon;
grant execute on function private.is_member_of_message_topic(text) to authenticated, service_role;

create policy "members receive their conversations' messages" on realtime.messages
  for select to authenticated
  using (realtime.messages.extension = 'broadcast' and private.is_member_of_message_topic(realtime.topic()));
