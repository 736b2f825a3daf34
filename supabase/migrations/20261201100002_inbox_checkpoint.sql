-- Issue 10, bug 2: a cheap checkpoint of the caller's whole inbox, so a client whose sockets stayed up
-- while broadcasts were lost (Realtime is at-most-once) notices within its poll interval and catches up.
--
-- One indexed pass over the caller's memberships (conversations_participants_user_id_idx, then the
-- conversations primary key), O(1) result. Every change a client can see moves it: a message or any
-- other change of a conversation raises that conversation's version (so the sum of versions grows),
-- a read raises the sum of read marks, and joining or leaving changes the count and the sum of id
-- prefixes. Clients compute the same four numbers from the summaries they hold (same rows as
-- chat_inbox: memberships, and legacy conversations owned without participant rows).
create function public.chat_inbox_checkpoint() returns jsonb
language sql stable security definer set search_path = '' as $$
  with mine as (
    select c.id, c.version, p.last_read_message_number as read_mark
    from public.conversations_participants p
    join public.conversations c on c.id = p.conversation_id
    where p.user_id = auth.uid()
    union all
    select c.id, c.version, c.last_message_number
    from public.conversations c
    where c.user_id = auth.uid()
      and not exists (select 1 from public.conversations_participants p where p.conversation_id = c.id)
  )
  select jsonb_build_object(
    'conversations', count(*),
    'versions', coalesce(sum(version), 0),
    'read_marks', coalesce(sum(read_mark), 0),
    'ids', coalesce(sum(('x' || left(id::text, 8))::bit(32)::bigint), 0)
  )
  from mine
$$;

revoke execute on function public.chat_inbox_checkpoint() from public, anon;
grant execute on function public.chat_inbox_checkpoint() to authenticated, service_role;
