-- Issue 10, bug 1: per-conversation time follows number order, and every summary carries the server
-- state that versions it, so clients never order or version by wall-clock time.
--
-- now() is the transaction's START time while numbers are taken in lock order, so under concurrent
-- sends a higher number could carry an earlier time (474 inversions in 10,000 sends). Times are now
-- taken after the conversation row's lock and never go back: greatest(clock_timestamp(), previous + 1 µs).
--
-- conversations.version counts every change of the row (a trigger, so later RPCs need not remember
-- it): a summary with a higher version is newer, whatever its timestamps. With the recipient's own
-- read mark (last_read_message_number, which only moves forward) it is everything a client needs
-- to merge summaries that arrive in any order. Replaced here, each with a one-line change:
-- private.conversation_summary (+version), private.recipients, chat_read and chat_inbox (+the read
-- mark), chat_join (its time); chat_send (times under the lock; plpgsql_check-clean).

alter table public.conversations add column version bigint not null default 1;

create function private.bump_conversation_version() returns trigger
language plpgsql set search_path = '' as $$
begin
  new.version := old.version + 1;
  return new;
end
$$;
create trigger conversations_version before update on public.conversations
  for each row execute function private.bump_conversation_version();

-- The time of the next change of a conversation last changed at `previous`, `steps` microseconds
-- apart for a batch. Called under the conversation row's lock, so it follows lock (= number) order.
create function private.next_activity_at(previous timestamptz, steps integer default 1) returns timestamptz
language sql volatile set search_path = '' as $$
  select greatest(clock_timestamp(), previous + steps * interval '1 microsecond')
$$;

create or replace function private.conversation_summary(c public.conversations) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object(
    'id', c.id,
    'title', c.title,
    'mode', c.mode,
    'is_public', c.is_public,
    'last_message', (
      select to_jsonb(m) from public.messages m
      where m.chat_id = c.id and m.message_number = c.last_message_number
    ),
    'last_message_number', c.last_message_number,
    'participant_count', greatest(
      (select count(*) from public.conversations_participants p where p.conversation_id = c.id), 1),
    'updated_at', c.updated_at,
    'version', c.version
  )
$$;

create or replace function private.recipients(c public.conversations) returns jsonb
language sql stable set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'user_id', p.user_id,
    'unread_count', greatest(c.last_message_number - p.last_read_message_number, 0),
    'last_read_message_number', p.last_read_message_number
  ) order by p.user_id), '[]')
  from public.conversations_participants p
  where p.conversation_id = c.id
$$;

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

create or replace function public.chat_join(chat_id uuid) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := private.require_user();
  v_conv public.conversations;
begin
  select c.* into v_conv from public.conversations c where c.id = chat_join.chat_id for update;
  if found and private.is_member(v_conv.id) then
    return jsonb_build_object(
      'user_id', v_uid,
      'joined', false,
      'conversation', private.conversation_summary(v_conv),
      'recipients', private.recipients(v_conv)
    );
  end if;
  if not found or not v_conv.is_public then
    raise exception 'conversation % is not open to join', chat_join.chat_id using errcode = '42501';
  end if;

  insert into public.conversations_participants (conversation_id, user_id, role, last_read_message_number)
  select v_conv.id, v_conv.user_id, 'owner', v_conv.last_message_number
  where not exists (select 1 from public.conversations_participants p where p.conversation_id = v_conv.id);
  insert into public.conversations_participants (conversation_id, user_id, role, last_read_message_number)
  values (v_conv.id, v_uid, 'member', v_conv.last_message_number);

  update public.conversations c set updated_at = private.next_activity_at(c.updated_at) where c.id = v_conv.id returning c.* into v_conv;

  return jsonb_build_object(
    'user_id', v_uid,
    'joined', true,
    'conversation', private.conversation_summary(v_conv),
    'recipients', private.recipients(v_conv)
  );
end
$$;

create or replace function public.chat_read(chat_id uuid, up_to_number integer default null) returns jsonb
language plpgsql security definer set search_path = '' as $$
declare
  v_uid uuid := private.require_user();
  v_conv public.conversations;
  v_mark integer;
begin
  if chat_read.up_to_number < 0 then
    raise exception 'up_to_number must not be negative' using errcode = '22023';
  end if;
  select c.* into v_conv from public.conversations c where c.id = chat_read.chat_id;
  if not found then
    raise exception 'not a participant of conversation %', chat_read.chat_id using errcode = '42501';
  end if;
  perform private.admit_writer(v_conv);

  update public.conversations_participants p
  set last_read_message_number = greatest(p.last_read_message_number,
        least(coalesce(chat_read.up_to_number, v_conv.last_message_number), v_conv.last_message_number))
  where p.conversation_id = v_conv.id and p.user_id = v_uid
  returning p.last_read_message_number into v_mark;

  return jsonb_build_object(
    'user_id', v_uid,
    'unread_count', greatest(v_conv.last_message_number - v_mark, 0),
    'last_read_message_number', v_mark,
    'conversation', private.conversation_summary(v_conv)
  );
end
$$;

create or replace function public.chat_inbox() returns setof jsonb
language sql stable security definer set search_path = '' as $$
  select private.conversation_summary(c) || jsonb_build_object(
    'unread_count', greatest(c.last_message_number - coalesce(p.last_read_message_number, c.last_message_number), 0),
    'last_read_message_number', coalesce(p.last_read_message_number, c.last_message_number)
  )
  from public.conversations c
  left join public.conversations_participants p on p.conversation_id = c.id and p.user_id = auth.uid()
  where c.id in (
    select p2.conversation_id from public.conversations_participants p2 where p2.user_id = auth.uid()
    union all
    select c2.id from public.conversations c2
    where c2.user_id = auth.uid()
      and not exists (select 1 from public.conversations_participants p3 where p3.conversation_id = c2.id)
  )
  order by c.updated_at desc, c.id
$$;

revoke execute on function private.bump_conversation_version(), private.next_activity_at(timestamptz, integer)
  from public, anon;
grant execute on function private.next_activity_at(timestamptz, integer) to authenticated, service_role;
