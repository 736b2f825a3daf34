-- The large-conversation message topic chat-messages:<chat_id>: members receive, nobody but the
-- server broadcasts (checked the way Realtime checks: fixtures/realtime_probes.psql).
begin;
\ir fixtures/chat.psql
\ir fixtures/realtime_probes.psql
select plan(12);

select ok(tests.can_read('bob', 'chat-messages:' || tests.chat('shared')), 'a member may receive on chat-messages:<chat_id>');
select ok(tests.can_read('alice', 'chat-messages:' || tests.chat('shared')), 'the owner too');
select ok(not tests.can_write('bob', 'chat-messages:' || tests.chat('shared'), 'broadcast'), 'a member fails the write probe');
select ok(not tests.can_write('bob', 'chat-messages:' || tests.chat('shared'), 'broadcast', 'message-insert'),
  'a member cannot broadcast a message-insert on it');
select ok(not tests.can_write('alice', 'chat-messages:' || tests.chat('shared'), 'broadcast', 'message-insert'), 'nor can the owner');
select ok(not tests.can_read('bob', 'chat-messages:' || tests.chat('shared'), 'presence'), 'no presence on it');
select ok(not tests.can_read('eve', 'chat-messages:' || tests.chat('shared')), 'user eve cannot receive on the message topic of a conversation she is not in');
select ok(not tests.can_read('bob', 'chat-messages:' || tests.chat('public')), 'nor bob on one he has not joined');
select ok(not tests.can_read('bob', 'chat-messages:' || tests.chat('shared') || 'x'), 'a topic that only starts with it admits nobody');
select ok(not tests.can_read('bob', 'chat-messages:not-a-uuid'), 'a malformed topic admits nobody');
select ok(not tests.can_read('anon', 'chat-messages:' || tests.chat('shared')), 'anon gets nothing');

select tests.act_as('bob');
select public.chat_leave(tests.chat('shared'));
reset role;
select ok(not tests.can_read('bob', 'chat-messages:' || tests.chat('shared')), 'a member who left cannot join it again');

select * from finish();
rollback;
