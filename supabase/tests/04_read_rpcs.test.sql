-- chat_inbox and chat_messages (contract): order, unread counts, paging, refusals.
begin;
\ir fixtures/chat.psql
select plan(14);

select tests.act_as('alice');
select public.chat_send(tests.chat('shared'), '[{"text":"m1"},{"text":"m2"},{"text":"m3"}]');
select public.chat_send(tests.chat('public'), '[{"text":"later"}]');
reset role;
update public.conversations set updated_at = now() - interval '1 minute' where id = tests.chat('shared');
update public.conversations set updated_at = now() - interval '2 minutes' where id = tests.chat('legacy');

select tests.act_as('alice');
select results_eq($$select i ->> 'title' from public.chat_inbox() i$$, array['public', 'shared', 'legacy'],
  'the inbox lists the most recent activity first, the legacy conversation included');
select is((select count(*)::int from public.chat_inbox() i where i ? 'unread_count' and i ? 'last_message'
           and i ? 'participant_count' and i ? 'last_message_number' and i ? 'is_public' and i ? 'mode'
           and i ? 'updated_at' and i ? 'id' and i ? 'title'), 3, 'each row is a full ConversationSummary');

reset role;
select tests.act_as('bob');
select results_eq($$select i ->> 'title' from public.chat_inbox() i$$, array['shared'], 'bob''s inbox holds only his conversation');
select is((select (i ->> 'unread_count')::int from public.chat_inbox() i), 3, 'with his own unread count');
select results_eq(format($$select message_number from public.chat_messages(%L)$$, tests.chat('shared')),
  array[1, 2, 3], 'chat_messages returns the history ascending by number');
select results_eq(format($$select text from public.chat_messages(%L, 1, 1)$$, tests.chat('shared')),
  array['m2'], 'after_number and row_limit page through it');
select is_empty(format($$select * from public.chat_messages(%L, 3)$$, tests.chat('shared')), 'nothing after the last number');
select throws_ok(format($$select * from public.chat_messages(%L, 0, 0)$$, tests.chat('shared')), '22023', null, 'row_limit 0 is refused');
select throws_ok(format($$select * from public.chat_messages(%L, 0, 1001)$$, tests.chat('shared')), '22023', null, 'row_limit over 1000 is refused');
select throws_ok(format($$select * from public.chat_messages(%L, -1)$$, tests.chat('shared')), '22023', null, 'a negative after_number is refused');

reset role;
select tests.act_as('eve');
select is_empty('select * from public.chat_inbox()', 'user eve''s inbox does not show other people''s conversations');
select throws_ok(format($$select * from public.chat_messages(%L)$$, tests.chat('shared')), '42501', null,
  'user eve cannot page through a conversation she is not in');
select throws_ok($$select * from public.chat_messages('c0000000-0000-4000-a000-0000000000ff')$$, '42501', null,
  'an unknown conversation gets the same refusal');

reset role;
select tests.act_as('anon');
select throws_ok('select * from public.chat_inbox()', '42501', null, 'anon has no inbox');

select * from finish();
rollback;
