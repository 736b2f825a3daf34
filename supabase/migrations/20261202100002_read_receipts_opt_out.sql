-- Issue 13, read receipts opt-out: a user who turns read receipts off (chat_set_user_settings, in
-- 20261202100001) hides their read mark from everyone else: the other members, and anyone calling
-- the RPCs directly over REST. Only they themselves and the server (secret key) still see it.
--
-- Every path that showed one member's mark to another is covered here:
--   - the participants table through RLS: a member sees the roster rows of those who share their
--     mark; an opted-out member's row is visible to nobody else (RLS hides rows, not columns; the
--     member is still listed, without a mark, by chat_participants and chat_members);
--   - chat_participants and chat_members: the mark is null;
--   - the recipients the write RPCs return for the fan-out (private.recipients: chat_create,
--     chat_join, chat_leave, chat_edit, chat_delete; private.roster_json: chat_send). The caller gets
--     these answers too when calling the RPC directly, so there the mark is 0 and the unread count
--     derived from it. Events personalised from them then carry mark 0 to the opted-out user, which
--     their client ignores: read marks merge by maximum (issue 10), so the held, true mark stays.
-- chat_send itself is unchanged; it builds its answer with private.roster_json.
--
-- Not hidden: presence on chat:<chat_id> (who has the conversation open now) and last_seen_at.

-- Whether the caller must not see `user_id`'s read mark.
create function private.read_mark_hidden(user_id uuid) returns boolean
language sql stable security definer set search_path = '' as $$
  select read_mark_hidden.user_id is distinct from auth.uid()
     and not private.caller_is_service()
     and exists (select 1 from private.user_settings s where s.user_id = read_mark_hidden.user_id and not s.read_receipts)
$$;

drop policy "members read the roster" on public.conversations_participants;
create policy "members read the roster, but not hidden read marks" on public.conversations_participants
  for select to authenticated
  using (private.is_member(conversation_id) and not private.read_mark_hidden(user_id));

-- private.recipients as in 20261201100001_inbox_versions, with hidden marks as 0.
create or replace function private.recipients(c public.conversations) returns jsonb
language sql stable set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'user_id', p.user_id,
    'unread_count', greatest(c.last_message_number - r.mark, 0),
    'last_read_message_number', r.mark
  ) order by p.user_id), '[]')
  from public.conversations_participants p
  cross join lateral (
    select case when private.read_mark_hidden(p.user_id) then 0 else p.last_read_message_number end as mark
  ) r
  where p.conversation_id = c.id
$$;

-- private.roster_json as in 20261201100003_chat_send_lock_late, with hidden marks as 0. chat_send
-- calls it before its lock. One probe of the opted-out index for the whole roster, then one array
-- write per opted-out recipient: at 1000 recipients about 1 ms with ten of them opted out, nothing
-- measurable with none (the marks are returned as they are).
create or replace function private.roster_json(recipient_ids uuid[], read_marks integer[]) returns jsonb
language plpgsql stable set search_path = '' as $$
declare
  v_marks integer[] := roster_json.read_marks;
  v_hidden uuid;
begin
  if not private.caller_is_service() then
    for v_hidden in
      select s.user_id from private.user_settings s
      where s.user_id = any (roster_json.recipient_ids) and not s.read_receipts and s.user_id is distinct from auth.uid()
    loop
      v_marks[array_position(roster_json.recipient_ids, v_hidden)] := 0;
    end loop;
  end if;
  return jsonb_build_object('recipient_ids', to_jsonb(roster_json.recipient_ids), 'read_marks', to_jsonb(v_marks));
end
$$;

-- chat_participants as in 20261201700001_web_directory, with hidden marks as null.
create or replace function public.chat_participants(chat_id uuid)
returns table (user_id uuid, name text, role text, last_read_message_number integer)
language plpgsql stable security definer set search_path = '' as $$
begin
  if not private.is_member(chat_participants.chat_id) then
    raise exception 'not a participant of conversation %', chat_participants.chat_id using errcode = '42501';
  end if;
  return query
    select p.user_id, private.user_name(u), p.role::text,
           case when private.read_mark_hidden(p.user_id) then null else p.last_read_message_number end
    from public.conversations_participants p
    left join auth.users u on u.id = p.user_id
    where p.conversation_id = chat_participants.chat_id
    order by p.joined_at, p.user_id;
end
$$;

-- chat_members as in 20261201900001_last_seen, with hidden marks as null.
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
    select p.user_id, p.role, p.joined_at, p.invited_by,
           case when private.read_mark_hidden(p.user_id) then null else p.last_read_message_number end,
           private.last_seen_of(p.user_id)
    from public.conversations_participants p
    where p.conversation_id = chat_members.chat_id
    union all
    select c.user_id, 'owner'::text, c.created_at, null::uuid,
           case when private.read_mark_hidden(c.user_id) then null else c.last_message_number end,
           private.last_seen_of(c.user_id)
    from public.conversations c
    where c.id = chat_members.chat_id
      and not exists (select 1 from public.conversations_participants p where p.conversation_id = c.id)
    order by 3, 1;
end
$$;

revoke execute on function private.read_mark_hidden(uuid) from public, anon;
grant execute on function private.read_mark_hidden(uuid) to authenticated, service_role;
