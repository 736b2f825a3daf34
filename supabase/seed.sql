-- Demo data for a fresh local database (`npm start`, `supabase db reset`): three users who can sign
-- in, and conversations with history and unread messages, written through the same RPCs the edge
-- functions call. The accounts are listed for apps and docs in src/local/demo-users.ts (the local
-- stack serves them at GET /local/v1/demo-users); a test signs in with each.
--
--   alice@demo.test, bob@demo.test, carol@demo.test — password: demo-password
--
-- Hashes are bcrypt (what GoTrue checks), precomputed so the seed needs no pgcrypto.

insert into auth.users (
  id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data,
  confirmation_token, recovery_token, email_change, email_change_token_new, created_at, updated_at
) values
  ('a11ce000-0000-4000-8000-000000000001', 'authenticated', 'authenticated', 'alice@demo.test',
   '$2b$10$hkjYjP3pNXLQNKpVlJ682uG.05S9x.1qrM2x/zThbriQBxYQ880ly', now(),
   '{"provider":"email","providers":["email"]}', '{"name":"Alice"}', '', '', '', '', now(), now()),
  ('b0b00000-0000-4000-8000-000000000002', 'authenticated', 'authenticated', 'bob@demo.test',
   '$2b$10$o8hfkKbqQlx95c1j/AJhbOtCdDxbO8N1VUPs.JBQ3zTUVz0VOGKNm', now(),
   '{"provider":"email","providers":["email"]}', '{"name":"Bob"}', '', '', '', '', now(), now()),
  ('ca201000-0000-4000-8000-000000000003', 'authenticated', 'authenticated', 'carol@demo.test',
   '$2b$10$XxyA9bB3aT1I3NENImvFUehKxqb5PjnXgROrplB.FE3yOo8fiq2fe', now(),
   '{"provider":"email","providers":["email"]}', '{"name":"Carol"}', '', '', '', '', now(), now());

insert into auth.identities (id, provider, provider_id, user_id, identity_data, last_sign_in_at, created_at, updated_at)
select gen_random_uuid(), 'email', u.id::text, u.id,
       jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true, 'phone_verified', false),
       now(), now(), now()
from auth.users u where u.email like '%@demo.test';

-- GoTrue looks users up by instance_id; @supabase/lite's auth schema has no such column.
do $$
begin
  if exists (select 1 from information_schema.columns
             where table_schema = 'auth' and table_name = 'users' and column_name = 'instance_id') then
    execute $u$update auth.users set instance_id = '00000000-0000-0000-0000-000000000000'
               where email like '%@demo.test'$u$;
  end if;
end
$$;

-- The RPCs take the caller from the JWT claims, as they do behind the API (GoTrue's auth.uid()
-- reads request.jwt.claims, lite's request.jwt.claim.sub: set both).
create function pg_temp.act_as(uid uuid, email text, name text) returns void
language sql as $$
  select set_config('request.jwt.claim.sub', uid::text, true),
         set_config('request.jwt.claims', jsonb_build_object('sub', uid, 'role', 'authenticated', 'email', email,
                                                             'user_metadata', jsonb_build_object('name', name))::text, true)
$$;

do $$
declare
  alice constant uuid := 'a11ce000-0000-4000-8000-000000000001';
  bob constant uuid := 'b0b00000-0000-4000-8000-000000000002';
  carol constant uuid := 'ca201000-0000-4000-8000-000000000003';
  v_weekend uuid;
  v_pair uuid;
  v_lobby uuid;
begin
  perform pg_temp.act_as(alice, 'alice@demo.test', 'Alice');
  v_weekend := (public.chat_create('Weekend plans', array[bob, carol]) -> 'conversation' ->> 'id')::uuid;
  v_pair := (public.chat_create('Alice & Bob', array[bob]) -> 'conversation' ->> 'id')::uuid;
  perform public.chat_send(v_weekend, jsonb_build_array(
    jsonb_build_object('text', 'Anyone up for a hike on Saturday?'),
    jsonb_build_object('text', 'Forecast says sunny until 3 pm.')));
  perform public.chat_send(v_pair, jsonb_build_array(jsonb_build_object('text', 'Did you get the tickets?')));

  perform pg_temp.act_as(bob, 'bob@demo.test', 'Bob');
  perform public.chat_send(v_weekend, jsonb_build_array(jsonb_build_object('text', 'I''m in. Meet at the station at 9?')));
  perform public.chat_send(v_pair, jsonb_build_array(jsonb_build_object('text', 'Two, row F. Sent them to you.')));

  perform pg_temp.act_as(carol, 'carol@demo.test', 'Carol');
  v_lobby := (public.chat_create('Open lobby', '{}', true) -> 'conversation' ->> 'id')::uuid;
  perform public.chat_send(v_lobby, jsonb_build_array(
    jsonb_build_object('text', 'Welcome! This conversation is public: anyone signed in can join it.')));
end
$$;

select set_config('request.jwt.claim.sub', '', true), set_config('request.jwt.claims', '', true);
