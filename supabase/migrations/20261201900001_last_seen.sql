-- Issue 13: last seen for members. One row per user (not per conversation), written by
-- chat_touch_last_seen at most once a minute per user however often clients call it, and read by
-- chat_members, which only co-members may call. Presence shows who is here now; this is the
-- durable, coarse "last seen" that outlives the socket.
create table private.user_last_seen (
  user_id uuid primary key references auth.users (id) on delete cascade,
  last_seen_at timestamptz not null
);
revoke all on private.user_last_seen from public, anon, authenticated;

-- The write bound: a call within this long of the stored time changes nothing (no row version,
-- no WAL), so a client may call it on every focus or heartbeat.
create function private.last_seen_interval() returns interval
language sql immutable set search_path = '' as $$ select interval '60 seconds' $$;

-- Records that the caller is around now; returns the stored last_seen_at (possibly up to the
-- interval old). One primary-key upsert; the WHERE keeps it from rewriting a fresh row.
create function public.chat_touch_last_seen() returns timestamptz
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := private.require_user();
  v_at timestamptz;
begin
  insert into private.user_last_seen as s (user_id, last_seen_at) values (v_uid, now())
  on conflict (user_id) do update set last_seen_at = excluded.last_seen_at
    where s.last_seen_at < excluded.last_seen_at - private.last_seen_interval()
  returning s.last_seen_at into v_at;
  if v_at is null then
    select s.last_seen_at into v_at from private.user_last_seen s where s.user_id = v_uid;
  end if;
  return v_at;
end
$$;

-- A member's last seen, for chat_members.
create function private.last_seen_of(user_id uuid) returns timestamptz
language sql stable security definer set search_path = '' as $$
  select s.last_seen_at from private.user_last_seen s where s.user_id = last_seen_of.user_id
$$;

-- chat_members as in 20261201800002, with last_seen_at from private.last_seen_of instead of null.
create or replace function public.chat_members(chat_id uuid)
returns table (
  user_id uuid,
  role text,
  joined_at timestamptz,
  invited_by uuid,
  last_read_message_number integer,
  last_seen_at timestamptz
)
language plpgsql stable security definer set search_path = '' as $$
#variable_conflict use_column
begin
  if chat_members.chat_id is null then
    raise exception 'chat_id is required' using errcode = '22023';
  end if;
  if not private.is_member(chat_members.chat_id) then
    raise exception 'not a participant of conversation %', chat_members.chat_id using errcode = '42501';
  end if;
  return query
    select p.user_id, p.role, p.joined_at, p.invited_by, p.last_read_message_number, private.last_seen_of(p.user_id)
    from public.conversations_participants p
    where p.conversation_id = chat_members.chat_id
    union all
    select c.user_id, 'owner'::text, c.created_at, null::uuid, c.last_message_number, private.last_seen_of(c.user_id)
    from public.conversations c
    where c.id = chat_members.chat_id
      and not exists (select 1 from public.conversations_participants p where p.conversation_id = c.id)
    order by 3, 1;
end
$$;

revoke execute on function public.chat_touch_last_seen(), private.last_seen_of(uuid), private.last_seen_interval() from public, anon;
grant execute on function public.chat_touch_last_seen(), private.last_seen_of(uuid), private.last_seen_interval() to authenticated, service_role;
