-- Issue 13: leaving a conversation, the member list, mark all read, and the members-only
-- conversation topics chat:<chat_id> on Realtime.

-- Removes a participant: the caller themselves (reason left), or another member when the caller is
-- the owner or the server (reason removed). Access ends with the row: RLS, the catch-up RPCs and the
-- chat:<chat_id> topic policies all ask private.is_member. An owner who leaves hands the conversation
-- to the longest-standing member; when the last member leaves, the conversation is deleted (with no
-- participant rows left it would otherwise fall back to the legacy rule and admit its owner again).
create function public.chat_leave(chat_id uuid, user_id uuid default null) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_target uuid := coalesce(chat_leave.user_id, auth.uid());
  v_conv public.conversations;
  v_after public.conversations;
  v_reason text;
  v_new_owner uuid;
  v_deleted boolean := false;
begin
  if auth.uid() is null and not private.caller_is_service() then
    raise exception 'a signed-in user or the secret key is required' using errcode = '42501';
  end if;
  if v_target is null then
    raise exception 'user_id is required with the secret key' using errcode = '22023';
  end if;
  v_conv := private.lock_for_change(chat_leave.chat_id);
  v_reason := case when v_target = auth.uid() then 'left' else 'removed' end;
  if v_reason = 'removed' and not private.caller_is_service() and not private.is_owner(v_conv) then
    raise exception 'only the conversation owner may remove members' using errcode = '42501';
  end if;

  delete from public.conversations_participants p
  where p.conversation_id = v_conv.id and p.user_id = v_target;
  if not found then
    raise exception 'user % is not a participant of conversation %', v_target, v_conv.id using errcode = 'PT404';
  end if;

  if not exists (select 1 from public.conversations_participants p where p.conversation_id = v_conv.id) then
    delete from public.conversations c where c.id = v_conv.id;
    v_deleted := true;
  else
    if v_conv.user_id = v_target then
      select p.user_id into v_new_owner from public.conversations_participants p
      where p.conversation_id = v_conv.id order by p.joined_at, p.user_id limit 1;
      update public.conversations_participants p set role = 'owner'
      where p.conversation_id = v_conv.id and p.user_id = v_new_owner;
    end if;
    -- The version must move (by one) so the others can tell they missed a leave. Where a trigger on
    -- the participants already moved it (roster_version, 20261201100003_chat_send_lock_late), a second
    -- update would move it twice and every member would see a gap that is not one; only a new owner
    -- needs it then.
    select c.* into v_after from public.conversations c where c.id = v_conv.id;
    if v_new_owner is not null or v_after.version = v_conv.version then
      update public.conversations c set user_id = coalesce(v_new_owner, c.user_id)
      where c.id = v_conv.id
      returning c.* into v_after;
    end if;
    v_conv := v_after;
  end if;

  return jsonb_build_object(
    'user_id', v_target,
    'reason', v_reason,
    'conversation_deleted', v_deleted,
    'new_owner_id', v_new_owner,
    'version', v_conv.version,
    'conversation', private.conversation_summary(v_conv),
    'recipients', case when v_deleted then '[]'::jsonb else private.recipients(v_conv) end
  );
end
$$;

-- The members of a conversation the caller is in (contract): role, joined_at, inviter, read mark,
-- and last_seen_at (null until presence records it). A legacy conversation lists its owner.
create function public.chat_members(chat_id uuid)
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
    select p.user_id, p.role, p.joined_at, p.invited_by, p.last_read_message_number, null::timestamptz
    from public.conversations_participants p
    where p.conversation_id = chat_members.chat_id
    union all
    select c.user_id, 'owner'::text, c.created_at, null::uuid, c.last_message_number, null::timestamptz
    from public.conversations c
    where c.id = chat_members.chat_id
      and not exists (select 1 from public.conversations_participants p where p.conversation_id = c.id)
    order by 3, 1;
end
$$;

-- Mark all read: every read mark of the caller moves to its conversation's last message, in one
-- statement, and only the conversations that had anything unread are returned (they are what the
-- caller's other tabs need to hear). Never moves a mark back, even against a concurrent send.
create function public.chat_read_all() returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := private.require_user();
  v_read jsonb;
begin
  with marked as (
    update public.conversations_participants p
    set last_read_message_number = greatest(p.last_read_message_number, c.last_message_number)
    from public.conversations c
    where p.user_id = v_uid and c.id = p.conversation_id
      and p.last_read_message_number < c.last_message_number
    returning p.conversation_id, p.last_read_message_number
  )
  select coalesce(jsonb_agg(jsonb_build_object(
    'chat_id', m.conversation_id, 'last_read_message_number', m.last_read_message_number
  ) order by m.conversation_id), '[]') into v_read
  from marked m;

  return jsonb_build_object('user_id', v_uid, 'conversations', v_read);
end
$$;

-- The per-conversation topic chat:<chat_id> (typing, presence): members only, both to receive and
-- to send. Nothing on it is authoritative. Realtime checks this when a channel joins (and when its
-- token is refreshed), so a member who leaves cannot join again.
create function private.is_member_of_topic(topic text) returns boolean
language plpgsql stable security definer set search_path = '' as $$
begin
  if topic is null or topic !~ '^chat:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return false;
  end if;
  return private.is_member(substr(topic, 6)::uuid);
end
$$;

create policy "members receive their conversation topics" on realtime.messages
  for select to authenticated
  using (realtime.messages.extension in ('broadcast', 'presence') and private.is_member_of_topic(realtime.topic()));
create policy "members send on their conversation topics" on realtime.messages
  for insert to authenticated
  with check (realtime.messages.extension in ('broadcast', 'presence') and private.is_member_of_topic(realtime.topic()));

revoke execute on function
  public.chat_leave(uuid, uuid),
  public.chat_members(uuid),
  public.chat_read_all(),
  private.is_member_of_topic(text)
from public, anon;
grant execute on function
  public.chat_leave(uuid, uuid),
  public.chat_members(uuid),
  public.chat_read_all(),
  private.is_member_of_topic(text)
to authenticated, service_role;
