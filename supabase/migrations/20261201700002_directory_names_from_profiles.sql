-- The web directory's names (chat_find_users, chat_participants) come from profiles too, as
-- messages' user_name does since 20261201200002_profiles: never user_metadata (users edit it) and
-- never the email's local part. Without a profile the name is null.
create or replace function private.user_name(u auth.users) returns text
language sql stable set search_path = '' as $$
  select p.display_name from public.profiles p where p.user_id = u.id
$$;
