-- chat_send as in 20261204100001_chat_send_roster_masked, with one look for a send's client_msg_ids
-- instead of two reads and checks of the stored rows (one before the lock, again under it): every send
-- from the client carries an id, and that pair was the costliest part of chat_send after the INSERT.
-- The look happens under the lock, so a retry now takes the lock too (and still writes nothing). Same
-- answer, same errors.

create or replace function public.chat_send(chat_id uuid, messages jsonb) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := auth.uid();
  -- private.caller_is_service(), written out.
  v_service boolean := coalesce(auth.jwt() ->> 'role', '') = 'service_role';
  v_conv public.conversations;
  v_roster bigint;
  v_recipient_ids uuid[];
  v_read_marks integer[];
  v_roster_json jsonb;
  v_ids text[];
  v_existing jsonb := '[]'::jsonb;
  v_new jsonb;
  v_new_count integer;
  v_inserted jsonb := '[]'::jsonb;
  v_messages jsonb;
  v_last jsonb;
  v_at timestamptz;
  v_name text;
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
  if cardinality(v_ids) > 1 and cardinality(v_ids) <> (select count(distinct x) from unnest(v_ids) x) then
    raise exception 'client_msg_id values must be unique within a send' using errcode = '22023';
  end if;

  -- Before the lock: the conversation with its roster_version, then the roster; a roster change from
  -- the first read on moves roster_version, so the check under the lock sees it.
  select c.* into v_conv from public.conversations c where c.id = chat_send.chat_id;
  if not found then
    raise exception 'not a participant of conversation %', chat_send.chat_id using errcode = '42501';
  end if;
  v_roster := v_conv.roster_version;
  select coalesce(array_agg(p.user_id), '{}'), coalesce(array_agg(p.last_read_message_number), '{}')
  into v_recipient_ids, v_read_marks
  from (select p.user_id,
               case when not v_service and p.user_id is distinct from v_uid and exists (
                 select from private.user_settings s where s.user_id = p.user_id and not s.read_receipts)
               then 0 else p.last_read_message_number end as last_read_message_number
        from public.conversations_participants p
        where p.conversation_id = v_conv.id order by p.user_id) p;
  if cardinality(v_recipient_ids) = 0 then
    -- A legacy conversation: admit_writer admits its owner (or the server) and adds the owner's row.
    perform private.admit_writer(v_conv);
    select coalesce(array_agg(p.user_id), '{}'), coalesce(array_agg(p.last_read_message_number), '{}')
    into v_recipient_ids, v_read_marks
    from (select p.user_id,
                 case when not v_service and p.user_id is distinct from v_uid and exists (
                   select from private.user_settings s where s.user_id = p.user_id and not s.read_receipts)
                 then 0 else p.last_read_message_number end as last_read_message_number
          from public.conversations_participants p
          where p.conversation_id = v_conv.id order by p.user_id) p;
  elsif not v_service and not (v_uid = any (v_recipient_ids)) then
    raise exception 'not a participant of conversation %', v_conv.id using errcode = '42501';
  end if;
  -- The recipients as JSON, built here rather than under the lock (O(participants)); the answer
  -- below is this object plus a few keys, which costs far less than building it there.
  v_roster_json := jsonb_build_object('recipient_ids', to_jsonb(v_recipient_ids), 'read_marks', to_jsonb(v_read_marks));
  -- private.caller_name(): users send only user messages (check_message_item), the server none.
  if not v_service then
    select p.display_name into v_name from public.profiles p where p.user_id = v_uid;
  end if;

  -- The lock. From here to the commit: O(batch) work only.
  select c.* into v_conv from public.conversations c where c.id = v_conv.id for update;
  if v_conv.roster_version <> v_roster then
    -- Someone joined or left since the roster was read: read it again, and re-check the sender.
    perform private.admit_writer(v_conv);
    select coalesce(array_agg(p.user_id), '{}'), coalesce(array_agg(p.last_read_message_number), '{}')
    into v_recipient_ids, v_read_marks
    from (select p.user_id,
                 case when not v_service and p.user_id is distinct from v_uid and exists (
                   select from private.user_settings s where s.user_id = p.user_id and not s.read_receipts)
                 then 0 else p.last_read_message_number end as last_read_message_number
          from public.conversations_participants p
          where p.conversation_id = v_conv.id order by p.user_id) p;
    v_roster_json := jsonb_build_object('recipient_ids', to_jsonb(v_recipient_ids), 'read_marks', to_jsonb(v_read_marks));
  end if;
  -- Under the lock, so a concurrent send of the same client_msg_id has committed or not started. An
  -- existence probe first: reading and checking the stored rows costs a send several times as much,
  -- and only a retry finds any.
  v_new := chat_send.messages;
  if cardinality(v_ids) > 0 then
    if exists (select from public.messages m where m.chat_id = v_conv.id and m.client_msg_id = any (v_ids)) then
      v_existing := private.stored_by_client_ids(v_conv.id, v_ids, v_uid, v_service);
      v_new := private.unstored_items(chat_send.messages, v_existing);
    end if;
  end if;
  v_new_count := jsonb_array_length(v_new);

  if v_new_count > 0 then
    -- private.next_activity_at(updated_at, v_new_count), written out.
    v_at := greatest(clock_timestamp(), v_conv.updated_at + v_new_count * interval '1 microsecond');
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
               when 'user' then v_name
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
    -- Nothing new (a retry): nothing written; the summary as of the read under the lock.
    select to_jsonb(m) into v_last from public.messages m
    where m.chat_id = v_conv.id and m.message_number = v_conv.last_message_number;
  end if;

  if v_existing = '[]'::jsonb then
    v_messages := v_inserted;
  elsif v_inserted = '[]'::jsonb then
    v_messages := v_existing;
  else
    select jsonb_agg(x order by (x ->> 'message_number')::integer) into v_messages
    from jsonb_array_elements(v_existing || v_inserted) x;
  end if;

  return v_roster_json || jsonb_build_object(
    'messages', v_messages,
    'inserted_count', v_new_count,
    'user_id', v_uid,
    'conversation', jsonb_build_object(
      'id', v_conv.id,
      'title', v_conv.title,
      'mode', v_conv.mode,
      'is_public', v_conv.is_public,
      'last_message_number', v_conv.last_message_number,
      'updated_at', v_conv.updated_at,
      'version', v_conv.version,
      'last_message', v_last,
      'participant_count', greatest(cardinality(v_recipient_ids), 1))
  );
end
$$;
