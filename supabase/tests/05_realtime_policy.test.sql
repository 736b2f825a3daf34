-- The realtime.messages policy, checked the way Realtime checks it: a probe row inserted by the
-- server, then role, claims and realtime.topic set transaction-locally, then SELECT (read) or
-- INSERT (write) as that role.
begin;
\ir fixtures/chat.psql
\ir fixtures/realtime_probes.psql
select plan(8);

select ok(tests.can_read('alice', 'user-realtime:' || tests.id('alice')), 'alice may read her own inbox channel');
select ok(not tests.can_read('alice', 'user-realtime:' || tests.id('bob')), 'user alice cannot read bob''s inbox channel');
select ok(not tests.can_read('alice', 'user-realtime:' || tests.id('alice') || 'x'), 'a topic that only starts with hers is not hers');
select ok(not tests.can_read('alice', 'user-realtime:' || tests.id('alice'), 'presence'), 'the policy covers broadcast only');
select ok(not tests.can_read('anon', 'user-realtime:' || tests.id('alice')), 'anon cannot read any inbox channel');
select ok(not tests.can_read('anon', 'user-realtime:'), 'anon gets nothing from the bare prefix either');

select tests.act_as('alice');
select set_config('realtime.topic', 'user-realtime:' || tests.id('bob'), true);
select throws_ok($$insert into realtime.messages (topic, extension, event, payload) values
  (realtime.topic(), 'broadcast', 'message-insert', '{"fake":true}')$$, '42501', null,
  'user alice cannot broadcast into bob''s inbox channel');
select set_config('realtime.topic', 'user-realtime:' || tests.id('alice'), true);
select throws_ok($$insert into realtime.messages (topic, extension) values (realtime.topic(), 'broadcast')$$, '42501', null,
  'nor into her own: only the server broadcasts on inbox channels');

select * from finish();
rollback;
