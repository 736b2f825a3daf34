-- supabase db lint (plpgsql_check) warned on chat_send: v_inserted jsonb := '[]' assigns text to jsonb.
-- The body is unchanged but for that one cast.
create or replace function public.chat_send(chat_id uuid, messages jsonb) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := auth.uid();
  v_service boolean := private.caller_is_service();
  v_conv public.conversations;
  v_ids text[];
  v_existing jsonb;
  v_new jsonb;
  v_new_count integer;
  v_inserted jsonb := '[]'::jsonb;
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

  select c.* into v_conv from public.conversations c where c.id = chat_send.chat_id for update;
  if not found then
    raise exception 'not a participant of conversation %', chat_send.chat_id using errcode = '42501';
  end if;
  perform private.admit_writer(v_conv);

  if exists (
    select 1 from public.messages m
    where m.chat_id = v_conv.id and m.client_msg_id = any (v_ids)
      and (m.user_id is distinct from v_uid or (m.role = 'user') = v_service)
  ) then
    raise exception 'client_msg_id already used by another sender in conversation %', v_conv.id
      using errcode = '23505';
  end if;
  select coalesce(jsonb_agg(to_jsonb(m)), '[]') into v_existing
  from public.messages m where m.chat_id = v_conv.id and m.client_msg_id = any (v_ids);

  select coalesce(jsonb_agg(e.item order by e.idx), '[]') into v_new
  from jsonb_array_elements(chat_send.messages) with ordinality as e (item, idx)
  where e.item ->> 'client_msg_id' is null
     or not exists (select 1 from jsonb_array_elements(v_existing) x
                    where x ->> 'client_msg_id' = e.item ->> 'client_msg_id');
  v_new_count := jsonb_array_length(v_new);

  if v_new_count > 0 then
    update public.conversations c
    set last_message_number = c.last_message_number + v_new_count,
        last_message_at = now(),
        updated_at = now(),
        last_message_preview = left(v_new -> -1 ->> 'text', 140)
    where c.id = v_conv.id
    returning c.* into v_conv;

    with stored as (
      insert into public.messages (chat_id, message_number, user_id, user_name, role, text, client_msg_id, meta)
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
             coalesce(nullif(i.item -> 'meta', 'null'::jsonb), '{}')
      from jsonb_array_elements(v_new) with ordinality as i (item, n)
      returning *
    )
    select jsonb_agg(to_jsonb(stored)) into v_inserted from stored;

    if v_uid is not null then
      update public.conversations_participants p
      set last_read_message_number = v_conv.last_message_number
      where p.conversation_id = v_conv.id and p.user_id = v_uid;
    end if;
  end if;

  return jsonb_build_object(
    'messages', (select jsonb_agg(x order by (x ->> 'message_number')::integer)
                 from jsonb_array_elements(v_existing || v_inserted) x),
    'inserted_count', v_new_count,
    'conversation', private.conversation_summary(v_conv),
    'recipients', private.recipients(v_conv)
  );
end
$$;
