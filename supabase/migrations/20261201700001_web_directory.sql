-- What a frontend needs besides the contract's reads: finding people to start a conversation with by
-- their exact email, and who is in a conversation (names, and how far each has read: read receipts).
-- Both are SECURITY DEFINER because they read auth.users, which API roles cannot; each shows only
-- what the caller may know: an email they already typed, the members of a conversation they are in.

-- The display name messages carry (private.caller_name), for any user.
create function private.user_name(u auth.users) returns text
language sql stable set search_path = '' as $$
  select coalesce(
    nullif(u.raw_user_meta_data ->> 'name', ''),
    nullif(u.raw_user_meta_data ->> 'full_name', ''),
    nullif(split_part(u.email, '@', 1), '')
  )
$$;

-- Users whose email is exactly one of `emails` (case-insensitive): no patterns, no listing, at most
-- 100 at a time, for signed-in users only. Emails without an account are simply absent.
create function public.chat_find_users(emails text[])
returns table (id uuid, email text, name text)
language plpgsql stable security definer set search_path = '' as $$
begin
  perform private.require_user();
  if emails is null or cardinality(emails) > 100 then
    raise exception 'emails must be a list of at most 100 addresses' using errcode = '22023';
  end if;
  return query
    select u.id, u.email::text, private.user_name(u)
    from auth.users u
    where lower(u.email) in (select lower(btrim(e)) from unnest(emails) e)
    order by u.email;
end
$$;

-- The participants of a conversation the caller is in, with the number each has read up to.
create function public.chat_participants(chat_id uuid)
returns table (user_id uuid, name text, role text, last_read_message_number integer)
language plpgsql stable security definer set search_path = '' as $$
begin
  if not private.is_member(chat_participants.chat_id) then
    raise exception 'not a participant of conversation %', chat_participants.chat_id using errcode = '42501';
  end if;
  return query
    select p.user_id, private.user_name(u), p.role::text, p.last_read_message_number
    from public.conversations_participants p
    left join auth.users u on u.id = p.user_id
    where p.conversation_id = chat_participants.chat_id
    order by p.joined_at, p.user_id;
end
$$;

revoke execute on function private.user_name(auth.users) from public, anon;
grant execute on function private.user_name(auth.users) to authenticated, service_role;
revoke execute on function public.chat_find_users(text[]), public.chat_participants(uuid) from public, anon;
grant execute on function public.chat_find_users(text[]), public.chat_participants(uuid) to authenticated, service_role;
