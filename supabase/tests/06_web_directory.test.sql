-- chat_find_users and chat_participants (the web app's people lookups): exact matches only, members
-- only, nothing for anonymous callers.
begin;
\ir fixtures/chat.psql
select plan(11);

select tests.act_as('alice');
select results_eq($$select email from public.chat_find_users(array['BOB@example.test', ' carol@example.test', 'nobody@example.test'])$$,
  array['bob@example.test', 'carol@example.test'], 'exact emails find their users, whatever the case; unknown ones are absent');
select is((select id from public.chat_find_users(array['bob@example.test'])), tests.id('bob'), 'with their id');
select is_empty($$select * from public.chat_find_users(array['%', '%@example.test', '_ob@example.test'])$$,
  'patterns match nothing: the directory cannot be listed');
select throws_ok($$select * from public.chat_find_users(array_fill('x@example.test'::text, array[101]))$$, '22023', null,
  'more than 100 emails at once are refused');
select throws_ok($$select * from public.chat_find_users(null)$$, '22023', null, 'a missing list is refused');

select results_eq(format($$select name from public.chat_participants(%L)$$, tests.chat('shared')),
  array['alice', 'bob'], 'a member sees who is in the conversation, by name');
select public.chat_send(tests.chat('shared'), '[{"text":"m1"},{"text":"m2"}]');
select results_eq(format($$select last_read_message_number from public.chat_participants(%L) where user_id = %L$$,
  tests.chat('shared'), tests.id('alice')), array[2], 'and how far each has read');

reset role;
select tests.act_as('eve');
select throws_ok(format($$select * from public.chat_participants(%L)$$, tests.chat('shared')), '42501', null,
  'a non-member cannot see who is in a conversation');
select throws_ok($$select * from public.chat_participants('c0000000-0000-4000-a000-0000000000ff')$$, '42501', null,
  'an unknown conversation gets the same refusal');

reset role;
select tests.act_as('anon');
select throws_ok($$select * from public.chat_find_users(array['bob@example.test'])$$, '42501', null,
  'anonymous callers cannot look anyone up');
select throws_ok(format($$select * from public.chat_participants(%L)$$, tests.chat('shared')), '42501', null,
  'nor list participants');

select * from finish();
rollback;
