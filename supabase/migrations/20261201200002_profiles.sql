-- Display names (issue 12, item 5). messages.user_name came from the token's user_metadata, which a
-- user edits at will (auth.updateUser({ data })), so anyone could post as "Assistant" or as another
-- member, and the fallback showed every participant the local part of the sender's email. Now it
-- comes from a profile row the user owns: names are unique whatever the case, width or spacing, the
-- names of server messages are reserved, and without a profile user_name is null (never the email).

-- The form two names are compared in: NFKC (fullwidth "Ａ" is "A"), lower case, the contract's
-- whitespace trimmed and collapsed, invisible format characters (zero-width space, joiners, word
-- joiner, soft hyphen) removed.
create function private.name_key(name text) returns text
language sql immutable strict parallel safe set search_path = '' as $$
  select lower(btrim(regexp_replace(
    regexp_replace(normalize(name, nfkc), '[\u00ad\u200b-\u200d\u2060\ufeff]', '', 'g'),
    '[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+', ' ', 'g')))
$$;

create table public.profiles (
  user_id uuid primary key references auth.users (id) on delete cascade,
  display_name text not null check (char_length(display_name) between 1 and 40),
  updated_at timestamptz not null default now()
);
create unique index profiles_display_name_key on public.profiles (private.name_key(display_name));

-- Clear refusals (22023, a 400) before the CHECK or the unique index would answer.
create function private.profiles_enforce_rules() returns trigger
language plpgsql set search_path = '' as $$
begin
  new.display_name := btrim(regexp_replace(new.display_name,
    '[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+', ' ', 'g'));
  if new.display_name = '' or private.name_key(new.display_name) = '' then
    raise exception 'display_name must not be empty or whitespace' using errcode = '22023';
  end if;
  if char_length(new.display_name) > 40 then
    raise exception 'display_name is longer than 40 characters' using errcode = '22001';
  end if;
  if new.display_name ~ '[\x01-\x1f\x7f-\x9f]' then
    raise exception 'display_name must not contain control characters' using errcode = '22023';
  end if;
  if private.name_key(new.display_name) in ('assistant', 'system') then
    raise exception 'display_name "%" is reserved for server messages', new.display_name using errcode = '22023';
  end if;
  new.updated_at := now();
  return new;
end
$$;

create trigger profiles_enforce_rules
  before insert or update on public.profiles
  for each row execute function private.profiles_enforce_rules();

-- Names are visible to the user themselves and to the people they share a conversation with (they
-- see the name on messages anyway); listing every profile would list every user.
create function private.shares_conversation_with(other uuid) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select 1 from public.conversations_participants me
    join public.conversations_participants them on them.conversation_id = me.conversation_id
    where me.user_id = auth.uid() and them.user_id = shares_conversation_with.other
  )
$$;

alter table public.profiles enable row level security;
create policy "users read their own profile and their co-members'" on public.profiles
  for select to authenticated
  using (user_id = (select auth.uid()) or private.shares_conversation_with(user_id));
create policy "users create their own profile" on public.profiles
  for insert to authenticated with check (user_id = (select auth.uid()));
create policy "users rename themselves" on public.profiles
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy "users delete their own profile" on public.profiles
  for delete to authenticated using (user_id = (select auth.uid()));

revoke all on public.profiles from public, anon, authenticated;
grant select, insert, delete on public.profiles to authenticated;
grant update (display_name) on public.profiles to authenticated;
grant select, insert, update, delete on public.profiles to service_role;

-- Replaces the chat_rpcs version, which read user_metadata and fell back to the email.
create or replace function private.caller_name() returns text
language sql stable set search_path = '' as $$
  select p.display_name from public.profiles p where p.user_id = auth.uid()
$$;

revoke execute on function private.name_key(text), private.profiles_enforce_rules(),
  private.shares_conversation_with(uuid) from public, anon;
grant execute on function private.name_key(text), private.shares_conversation_with(uuid) to authenticated, service_role;
