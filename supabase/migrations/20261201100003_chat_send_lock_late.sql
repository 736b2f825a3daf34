-- Issue 16 ("bring the send path to the floor"), with issue 10: chat_send takes the conversation row
-- lock as late as possible and does O(batch) work under it. Everything that grows with the
-- participants (the recipients and their read marks, the count) is read BEFORE the lock; under the
-- lock only the numbering, the inserts and the sender's read mark remain. Recipients come back as
-- two arrays (recipient_ids, read_marks), not one JSON object per participant.
--
-- A joiner (or a leaver) between that read and the lock must not be missed: every insert into or
-- delete from conversations_participants raises conversations.roster_version (a statement trigger,
-- so chat_join, chat_create and whatever RPC comes later need not remember it, and one statement
-- adding 1000 members updates the row once). Under the lock chat_send compares it with the value it
-- read first, and only if it moved reads the roster again and re-checks the sender.
--
-- Read marks read before the lock may be older than the commit; clients merge read marks by maximum
-- (issue 10), so an older one never undoes a newer read. Replaced here: chat_send (whole body) and
-- chat_create (one line: the summary is read after the participants are in, so it carries the
-- version their trigger gave it).

alter table public.conversations add column roster_version bigint not null default 0;

create function private.bump_roster_version() returns trigger
language plpgsql set search_path = '' as $$
begin
  update public.conversations c set roster_version = c.roster_version + 1
  where c.id in (select distinct r.conversation_id from changed r);
  return null;
end
$$;
create trigger participants_roster_insert after insert on public.conversations_participants
  referencing new table as changed for each statement execute function private.bump_roster_version();
create trigger participants_roster_delete after delete on public.conversations_participants
  referencing old table as changed for each statement execute function private.bump_roster_version();

-- The summary fields that need nothing but the conversation row: O(1).
create function private.conversation_fields(c public.conversations) returns jsonb
language sql immutable set search_path = '' as $$
  select jsonb_build_object(
    'id', c.id,
    'title', c.title,
    'mode', c.mode,
    'is_public', c.is_public,
    'last_message_number', c.last_message_number,
    'updated_at', c.updated_at,
    'version', c.version
  )
$$;

-- A send's recipients, built before the lock: their ids, and each one's read mark as read then (the
-- sender's own is last_message_number once the send inserted anything).
create function private.roster_json(recipient_ids uuid[], read_marks integer[]) returns jsonb
language sql immutable set search_path = '' as $$
  select jsonb_build_object('recipient_ids', to_jsonb(recipient_ids), 'read_marks', to_jsonb(read_marks))
$$;

-- The messages of this conversation already stored under the given client_msg_ids (a retry), or 23505
-- when one of them belongs to another sender.
create function private.stored_by_client_ids(chat_id uuid, ids text[], sender uuid, from_service boolean) returns jsonb
language plpgsql stable set search_path = '' as $$
begin
  if cardinality(ids) is null or cardinality(ids) = 0 then
    return '[]'::jsonb;
  end if;
  if exists (
    select 1 from public.messages m
    where m.chat_id = stored_by_client_ids.chat_id and m.client_msg_id = any (ids)
      and (m.user_id is distinct from sender or (m.role = 'user') = from_service)
  ) then
    raise exception 'client_msg_id already used by another sender in conversation %', stored_by_client_ids.chat_id
      using errcode = '23505';
  end if;
  return (select coalesce(jsonb_agg(to_jsonb(m) order by m.message_number), '[]'::jsonb)
          from public.messages m where m.chat_id = stored_by_client_ids.chat_id and m.client_msg_id = any (ids));
end
$$;

-- The items of a send not stored yet, in send order.
create function private.unstored_items(items jsonb, stored jsonb) returns jsonb
language sql immutable set search_path = '' as $$
  select coalesce(jsonb_agg(e.item order by e.idx), '[]'::jsonb)
  from jsonb_array_elements(items) with ordinality as e (item, idx)
  where e.item ->> 'client_msg_id' is null
     or not exists (select 1 from jsonb_array_elements(stored) x where x ->> 'client_msg_id' = e.item ->> 'client_msg_id')
$$;

create or replace function public.chat_send(chat_id uuid, messages jsonb) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := auth.uid();
  v_service boolean := private.caller_is_service();
  v_conv public.conversations;
  v_roster bigint;
  v_recipient_ids uuid[];
  v_read_marks integer[];
  v_roster_json jsonb;
  v_ids text[];
  v_existing jsonb;
  v_new jsonb;
  v_new_count integer;
  v_inserted jsonb := '[]'::jsonb;
  v_last jsonb;
  v_at timestamptz;
begin
  if v_uid is null and not v_service then
    raise exception 'a signed-in user or the secret key is required' using errcode = '42501';
  end if;
  if chat_send.chat_id is null then
    raise exception 'chat_id is required' using errcode = '22023';
  end if;
  if jsonb_typeof(chat_send.messages) is distinct from 'array' or jsonb_array_length(chat_send.messages) = 0 then
    raise exception 'messages must be a non-empty array' using errcode = '22023';
  end if;
  if jsonb_array_length(chat_send.messages) > 100 then
    raise exception 'at most 100 messages per send' using errcode = '22023';
  end if;
  perform private.check_message_item(e, v_service) from jsonb_array_elements(chat_send.messages) e;

  select array_agg(e ->> 'client_msg_id') filter (where e ->> 'client_msg_id' is not null)
  into v_ids from jsonb_array_elements(chat_send.messages) e;
  if cardinality(v_ids) <> (select count(distinct x) from unnest(v_ids) x) then
    raise exception 'client_msg_id values must be unique within a send' using errcode = '22023';
  end if;

  -- Before the lock: the caller's right to write, the roster, what a retry already stored.
  select c.* into v_conv from public.conversations c where c.id = chat_send.chat_id;
  if not found then
    raise exception 'not a participant of conversation %', chat_send.chat_id using errcode = '42501';
  end if;
  perform private.admit_writer(v_conv);
  -- Read after admit_writer (which may add a legacy owner's row): a roster change from here on moves it.
  select c.roster_version into v_roster from public.conversations c where c.id = v_conv.id;
  select coalesce(array_agg(p.user_id order by p.user_id), '{}'), coalesce(array_agg(p.last_read_message_number order by p.user_id), '{}')
  into v_recipient_ids, v_read_marks
  from public.conversations_participants p where p.conversation_id = v_conv.id;
  v_roster_json := private.roster_json(v_recipient_ids, v_read_marks);
  v_existing := private.stored_by_client_ids(v_conv.id, v_ids, v_uid, v_service);
  v_new := private.unstored_items(chat_send.messages, v_existing);

  if jsonb_array_length(v_new) > 0 then
    -- The lock. From here to the commit: O(batch) work only.
    select c.* into v_conv from public.conversations c where c.id = v_conv.id for update;
    if v_conv.roster_version <> v_roster then
      -- Someone joined or left since the roster was read: read it again, and re-check the sender.
      perform private.admit_writer(v_conv);
      select coalesce(array_agg(p.user_id order by p.user_id), '{}'), coalesce(array_agg(p.last_read_message_number order by p.user_id), '{}')
      into v_recipient_ids, v_read_marks
      from public.conversations_participants p where p.conversation_id = v_conv.id;
      v_roster_json := private.roster_json(v_recipient_ids, v_read_marks);
    end if;
    if cardinality(v_ids) > 0 then
      -- A concurrent send of the same client_msg_id may have committed since the read above.
      v_existing := private.stored_by_client_ids(v_conv.id, v_ids, v_uid, v_service);
      v_new := private.unstored_items(chat_send.messages, v_existing);
    end if;
  end if;
  v_new_count := jsonb_array_length(v_new);

  if v_new_count > 0 then
    v_at := private.next_activity_at(v_conv.updated_at, v_new_count);
    update public.conversations c
    set last_message_number = c.last_message_number + v_new_count,
        last_message_at = v_at,
        updated_at = v_at,
        last_message_preview = left(v_new -> -1 ->> 'text', 140)
    where c.id = v_conv.id
    returning c.* into v_conv;

    with stored as (
      insert into public.messages (chat_id, message_number, user_id, user_name, role, text, client_msg_id, meta, created_at)
      select v_conv.id,
             v_conv.last_message_number - v_new_count + i.n::integer,
             v_uid,
             case coalesce(i.item ->> 'role', case when v_service then 'assistant' else 'user' end)
               when 'user' then private.caller_name()
               when 'assistant' then 'Assistant'
               else 'System' end,
             coalesce(i.item ->> 'role', case when v_service then 'assistant' else 'user' end),
             i.item ->> 'text',
             i.item ->> 'client_msg_id',
             coalesce(nullif(i.item -> 'meta', 'null'::jsonb), '{}'),
             v_at - (v_new_count - i.n) * interval '1 microsecond'
      from jsonb_array_elements(v_new) with ordinality as i (item, n)
      returning *
    )
    select jsonb_agg(to_jsonb(stored) order by stored.message_number) into v_inserted from stored;
    v_last := v_inserted -> -1;

    if v_uid is not null then
      update public.conversations_participants p
      set last_read_message_number = v_conv.last_message_number
      where p.conversation_id = v_conv.id and p.user_id = v_uid;
    end if;
  else
    -- Nothing new (a retry): no lock taken, nothing written; the summary as of the read above.
    select to_jsonb(m) into v_last from public.messages m
    where m.chat_id = v_conv.id and m.message_number = v_conv.last_message_number;
  end if;

  return v_roster_json || jsonb_build_object(
    'messages', (select jsonb_agg(x order by (x ->> 'message_number')::integer)
                 from jsonb_array_elements(v_existing || v_inserted) x),
    'inserted_count', v_new_count,
    'user_id', v_uid,
    'conversation', private.conversation_fields(v_conv) || jsonb_build_object(
      'last_message', v_last,
      'participant_count', greatest(cardinality(v_recipient_ids), 1))
  );
end
$$;

create or replace function public.chat_create(
  title text default '',
  participant_ids uuid[] default '{}',
  is_public boolean default false,
  mode text default 'chat'
) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := private.require_user();
  v_others uuid[];
  v_unknown uuid;
  v_conv public.conversations;
begin
  if char_length(chat_create.title) > 200 then
    raise exception 'title is longer than 200 characters' using errcode = '22001';
  end if;
  if chat_create.mode is null or chat_create.mode !~ '^[a-z][a-z0-9_-]{0,31}$' then
    raise exception 'mode must be 1 to 32 lowercase letters, digits, - or _' using errcode = '22023';
  end if;
  if array_position(chat_create.participant_ids, null) is not null then
    raise exception 'participant_ids must not contain null' using errcode = '22023';
  end if;
  v_others := array(
    select distinct x from unnest(coalesce(chat_create.participant_ids, '{}')) x where x <> v_uid
  );
  if cardinality(v_others) > 999 then
    raise exception 'a conversation has at most 1000 participants' using errcode = '22023';
  end if;
  select x into v_unknown from unnest(v_others) x
  where not exists (select 1 from auth.users u where u.id = x) limit 1;
  if v_unknown is not null then
    raise exception 'unknown participant %', v_unknown using errcode = '23503';
  end if;

  insert into public.conversations (user_id, title, mode, is_public)
  values (v_uid, coalesce(chat_create.title, ''), chat_create.mode, coalesce(chat_create.is_public, false))
  returning * into v_conv;

  insert into public.conversations_participants (conversation_id, user_id, role, invited_by)
  select v_conv.id, v_uid, 'owner', null
  union all
  select v_conv.id, x, 'member', v_uid from unnest(v_others) x;
  select c.* into v_conv from public.conversations c where c.id = v_conv.id;

  return jsonb_build_object(
    'user_id', v_uid,
    'conversation', private.conversation_summary(v_conv),
    'recipients', private.recipients(v_conv)
  );
end
$$;

revoke execute on function
  private.bump_roster_version(),
  private.conversation_fields(public.conversations),
  private.roster_json(uuid[], integer[]),
  private.stored_by_client_ids(uuid, text[], uuid, boolean),
  private.unstored_items(jsonb, jsonb)
from public, anon;
grant execute on function
  private.conversation_fields(public.conversations),
  private.roster_json(uuid[], integer[]),
  private.stored_by_client_ids(uuid, text[], uuid, boolean),
  private.unstored_items(jsonb, jsonb)
to authenticated, service_role;
