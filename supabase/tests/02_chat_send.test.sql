-- chat_send: numbering, batches, idempotency, who may send what, and refusals that write nothing.
begin;
\ir fixtures/chat.psql
select plan(42);

insert into public.profiles (user_id, display_name) values (tests.id('alice'), 'Alice');
select tests.act_as('alice');
create temp table r on commit drop as select tests.send(tests.chat('shared'), 'hi bob', 'a-1') as v;
select is((select (v -> 'messages' -> 0 ->> 'message_number')::int from r), 1, 'the first message is number 1');
select is((select v -> 'messages' -> 0 ->> 'user_name' from r), 'Alice', 'user_name comes from the caller''s profile');
select is((select v -> 'messages' -> 0 ->> 'user_id' from r), tests.id('alice')::text, 'user_id is the caller, never the body');
select is((select jsonb_build_array(v -> 'user_id', v -> 'recipient_ids', v -> 'read_marks') from r),
  jsonb_build_array(tests.id('alice'), jsonb_build_array(tests.id('alice'), tests.id('bob')), jsonb_build_array(0, 0)),
  'every participant is a recipient, compactly, with the read mark read before the lock; the sender is named');
select is((select last_read_message_number from public.conversations_participants
           where conversation_id = tests.chat('shared') and user_id = tests.id('alice')), 1, 'the sender''s mark moved');
select is((select v -> 'conversation' ->> 'participant_count' from r), '2', 'the summary counts participants');
select is((select v -> 'conversation' -> 'last_message' ->> 'text' from r), 'hi bob', 'the summary carries the last message');

select is(
  (select jsonb_path_query_array(public.chat_send(tests.chat('shared'),
     '[{"text":"one"},{"text":"two"},{"text":"three"}]'), '$.messages[*].message_number')),
  '[2, 3, 4]'::jsonb, 'a batch gets consecutive numbers in order');

select is((select public.chat_send(tests.chat('shared'), '[{"text":"hi bob","client_msg_id":"a-1"}]') -> 'messages' -> 0 ->> 'id'),
  (select v -> 'messages' -> 0 ->> 'id' from r), 'a repeated client_msg_id returns the stored message');
select is((select public.chat_send(tests.chat('shared'), '[{"text":"hi bob","client_msg_id":"a-1"}]') ->> 'inserted_count'),
  '0', 'the retry inserts nothing');
select is(
  (select jsonb_path_query_array(public.chat_send(tests.chat('shared'),
     '[{"text":"hi bob","client_msg_id":"a-1"},{"text":"new","client_msg_id":"a-2"}]'), '$.messages[*].message_number')),
  '[1, 5]'::jsonb, 'a partly retried batch returns the stored message and numbers only the new one');
select is((select count(*)::int from public.messages where chat_id = tests.chat('shared')), 5, 'no duplicate rows were written');

select is((select last_read_message_number from public.conversations_participants
           where conversation_id = tests.chat('shared') and user_id = tests.id('alice')), 5,
  'sending moves the sender''s read mark');
select is((select last_message_number from public.conversations where id = tests.chat('shared')), 5,
  'the conversation''s counter matches the last number');

select is((select public.chat_send(tests.chat('shared'), jsonb_build_array(jsonb_build_object('text', $t$'); drop table public.messages; --$t$)))
           -> 'messages' -> 0 ->> 'text'),
  $t$'); drop table public.messages; --$t$, 'SQL in text is stored verbatim, not executed');

-- bad arguments: a clear SQLSTATE, nothing written
select throws_ok($$select public.chat_send(null, '[{"text":"x"}]')$$, '22023', 'chat_id is required', 'null chat_id is refused');
select throws_ok(format($$select public.chat_send(%L, '[]')$$, tests.chat('shared')), '22023',
  'messages must be a non-empty array', 'an empty batch is refused');
select throws_ok(format($$select public.chat_send(%L, '{"text":"x"}')$$, tests.chat('shared')), '22023',
  'messages must be a non-empty array', 'a non-array is refused');
select throws_ok(format($$select public.chat_send(%L, '[{"text":"   "}]')$$, tests.chat('shared')), '22023',
  'text must be a non-empty string', 'whitespace-only text is refused');
select throws_ok(format($$select public.chat_send(%L, '[{"text":42}]')$$, tests.chat('shared')), '22023',
  'text must be a non-empty string', 'non-string text is refused');
select throws_ok(format($$select public.chat_send(%L, jsonb_build_array(jsonb_build_object('text', repeat('x', 8001))))$$,
  tests.chat('shared')), '22001', 'text is longer than 8000 characters', 'text over 8000 characters is refused');
select lives_ok(format($$select public.chat_send(%L, jsonb_build_array(jsonb_build_object('text', repeat('x', 8000))))$$,
  tests.chat('shared')), 'text of exactly 8000 characters is accepted');
select throws_ok(format($$select public.chat_send(%L, (select jsonb_agg(jsonb_build_object('text', 'm' || i)) from generate_series(1, 101) i))$$,
  tests.chat('shared')), '22023', 'at most 100 messages per send', 'a batch over 100 is refused');
select throws_ok(format($$select public.chat_send(%L, '[{"text":"a","client_msg_id":"d"},{"text":"b","client_msg_id":"d"}]')$$,
  tests.chat('shared')), '22023', 'client_msg_id values must be unique within a send', 'duplicate client ids in one batch are refused');
select throws_ok(format($$select public.chat_send(%L, jsonb_build_array(jsonb_build_object('text', 'x', 'client_msg_id', repeat('k', 101))))$$,
  tests.chat('shared')), '22023', null, 'an overlong client_msg_id is refused');
select throws_ok(format($$select public.chat_send(%L, '[{"text":"x","meta":[1]}]')$$, tests.chat('shared')), '22023',
  null, 'meta that is not an object is refused');
select throws_ok(format($$select public.chat_send(%L, '[{"text":"x","role":"wizard"}]')$$, tests.chat('shared')), '22023',
  'role must be user, assistant or system', 'an unknown role is refused');
select throws_ok(format($$select public.chat_send(%L, '[{"text":"I am the AI","role":"assistant"}]')$$, tests.chat('shared')), '42501',
  'assistant messages can only be sent with the secret key', 'user alice cannot send assistant messages');
select is((select count(*)::int from public.messages where chat_id = tests.chat('shared')), 7,
  'the refused sends wrote nothing (5 + the SQL one + the 8000-character one)');

reset role;
select tests.act_as('bob');
select throws_ok(format($$select public.chat_send(%L, '[{"text":"mine","client_msg_id":"a-1"}]')$$, tests.chat('shared')), '23505',
  null, 'user bob cannot claim alice''s client_msg_id to fetch or overwrite her message');

reset role;
select tests.act_as('eve');
select throws_ok(format($$select tests.send(%L, 'let me in')$$, tests.chat('shared')), '42501', null,
  'user eve cannot send into a conversation she is not in');
select throws_ok($$select tests.send('c0000000-0000-4000-a000-0000000000ff', 'hello?')$$, '42501', null,
  'a conversation that does not exist gets the same refusal as a non-participant');
select throws_ok(format($$select tests.send(%L, 'not yours')$$, tests.chat('legacy')), '42501', null,
  'user eve cannot send into alice''s legacy conversation');

reset role;
select tests.act_as('anon');
select throws_ok(format($$select public.chat_send(%L, '[{"text":"anon"}]')$$, tests.chat('shared')), '42501', null,
  'anon cannot call chat_send');

reset role;
select tests.act_as('service');
create temp table a on commit drop as
  select public.chat_send(tests.chat('shared'), '[{"text":"Here is my answer","client_msg_id":"llm-1"}]') as v;
select is((select v -> 'messages' -> 0 ->> 'role' from a), 'assistant', 'the secret key sends assistant messages by default');
select ok((select v -> 'messages' -> 0 -> 'user_id' = 'null'::jsonb from a), 'assistant messages have no user_id');
select is((select (v -> 'conversation' ->> 'last_message_number')::int - (v -> 'read_marks' ->> 1)::int from a), 8,
  'bob, who read nothing, has all 8 unread');
select is((select (v -> 'conversation' ->> 'last_message_number')::int - (v -> 'read_marks' ->> 0)::int from a), 1,
  'and for alice, whose mark does not move');
select throws_ok(format($$select public.chat_send(%L, '[{"text":"x","role":"user"}]')$$, tests.chat('shared')), '22023', null,
  'the secret key cannot forge user messages');

-- legacy single-user conversation: the owner is the one recipient
reset role;
select tests.act_as('alice');
select is((select public.chat_send(tests.chat('legacy'), '[{"text":"still works"}]') -> 'recipient_ids'),
  jsonb_build_array(tests.id('alice')),
  'a send to a conversation without participant rows names its owner as the sole recipient');
select is((select role from public.conversations_participants where conversation_id = tests.chat('legacy')), 'owner',
  'the legacy owner gets a participant row on that first write, so read marks work');
reset role;
select tests.act_as('service');
select is((select (r -> 'conversation' ->> 'last_message_number')::int - (r -> 'read_marks' ->> 0)::int
           from public.chat_send(tests.chat('public'), '[{"text":"welcome"}]') r), 1,
  'an assistant message in a conversation is unread for its participants');

select * from finish();
rollback;
