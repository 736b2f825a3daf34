-- Tables, indexes, grants and row-level security for every role.
begin;
\ir fixtures/chat.psql
select plan(31);

select has_table('public', 'conversations', 'conversations exists');
select has_table('public', 'conversations_participants', 'conversations_participants exists');
select has_table('public', 'messages', 'messages exists');
select col_is_pk('public', 'conversations_participants', array['conversation_id', 'user_id'],
  'participants are keyed by (conversation_id, user_id)');
select has_index('public', 'conversations_participants', 'conversations_participants_user_id_idx',
  'the inbox path (participants by user) is indexed');
select col_is_unique('public', 'messages', array['chat_id', 'message_number'],
  'message numbers are unique per conversation (and index the history path)');
select col_is_unique('public', 'messages', array['chat_id', 'client_msg_id'],
  'client_msg_id is unique per conversation (idempotency)');
select is(
  (select bool_and(relrowsecurity) from pg_class
   where oid in ('public.conversations'::regclass, 'public.conversations_participants'::regclass,
                 'public.messages'::regclass)),
  true, 'RLS is enabled on every chat table');

select table_privs_are('public', t, 'anon', array[]::text[], 'anon has no privilege on ' || t)
from unnest(array['conversations', 'conversations_participants', 'messages']) t;
select table_privs_are('public', t, 'authenticated', array['SELECT'], 'authenticated may only SELECT ' || t)
from unnest(array['conversations', 'conversations_participants', 'messages']) t;

insert into public.messages (chat_id, message_number, user_id, text) values
  (tests.chat('shared'), 1, tests.id('alice'), 'hello bob'),
  (tests.chat('legacy'), 1, tests.id('alice'), 'note to self');

select tests.act_as('alice');
select is((select count(*)::int from public.conversations), 3, 'alice sees her three conversations');
select is((select count(*)::int from public.messages), 2, 'alice sees the messages of all of them');

reset role;
select tests.act_as('bob');
select results_eq('select title from public.conversations', array['shared'],
  'bob sees only the conversation he is in (not the legacy or public ones)');
select is((select count(*)::int from public.conversations_participants), 2, 'bob sees the roster of his conversation');
select results_eq('select text from public.messages', array['hello bob'], 'bob reads only his conversation''s messages');

reset role;
select tests.act_as('eve');
select is_empty('select * from public.conversations', 'user eve cannot see other people''s conversations');
select is_empty('select * from public.conversations_participants', 'user eve cannot see other people''s rosters');
select is_empty('select * from public.messages', 'user eve cannot read other people''s messages');
select throws_ok(
  format($$insert into public.conversations_participants (conversation_id, user_id) values (%L, %L)$$,
         tests.chat('shared'), tests.id('eve')),
  '42501', null, 'user eve cannot add herself to a conversation');
select throws_ok(
  format($$insert into public.messages (chat_id, message_number, user_id, text) values (%L, 9, %L, 'spoof')$$,
         tests.chat('shared'), tests.id('eve')),
  '42501', null, 'user eve cannot insert a message directly');

reset role;
select tests.act_as('bob');
select throws_ok($$update public.messages set text = 'edited'$$, '42501', null,
  'a member cannot edit messages directly');
select throws_ok($$update public.conversations set last_message_number = 0$$, '42501', null,
  'a member cannot rewrite conversation counters directly');
select throws_ok($$delete from public.messages$$, '42501', null, 'a member cannot delete messages directly');
select throws_ok($$update public.conversations_participants set last_read_message_number = 99$$, '42501', null,
  'a member cannot move read marks directly');

reset role;
select tests.act_as('anon');
select throws_ok('select * from public.messages', '42501', null, 'anon cannot read messages');
select throws_ok('select * from public.conversations', '42501', null, 'anon cannot read conversations');

reset role;
select tests.act_as('service');
select is((select count(*)::int from public.messages), 2, 'the service role reads everything (BYPASSRLS)');

select * from finish();
rollback;
