-- The database is the trust boundary: the write RPCs are callable over REST by any member, so every
-- rule of the contract (supabase/functions/_shared/contract) is enforced here too, with the same
-- definitions and a 4xx SQLSTATE (22023 bad argument, 22001 too long) instead of a CHECK violation
-- (23514, which @supabase/lite answers with 500). The CHECKs stay as the last line of defence.
--
-- Definitions shared with the contract (kept equal by tests/database/hostile.test.ts):
--   whitespace  the contract's WHITESPACE class: Unicode White_Space plus U+FEFF (JS `\s` plus U+0085)
--   text        1 to 8000 code points, not only whitespace, no NUL (Postgres cannot store it)
--   meta        an object; its size is the UTF-8 length of JSON.stringify(meta); at most 32 levels
--               deep (the object itself is level 1), at most 256 keys in all, numbers within the
--               range of an IEEE double, each measured as the double JSON.parse reads it as

create function private.is_blank(value text) returns boolean
language sql immutable strict parallel safe set search_path = '' as $$
  select value ~ '^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*$'
$$;

-- Why a message text breaks the contract, or null. Length in code points, as char_length counts.
create function private.text_problem(value text) returns text
language sql immutable parallel safe set search_path = '' as $$
  select case
    when value is null then 'text must be a non-empty string'
    when char_length(value) > 8000 then 'text is longer than 8000 characters'
    when private.is_blank(value) then 'text must be a non-empty string'
  end
$$;

-- Length of a JSON number as JSON.stringify writes the double JSON.parse reads it as (ECMAScript
-- Number::toString: the fewest significant digits that read back as the same double); null when
-- JSON.parse would read Infinity. Numbers too small for a double read as 0. float8's own output is
-- not always the shortest (6.25e21 prints as 6.249999999999999e+21), so the digits are searched.
create function private.js_number_length(n numeric) returns integer
language plpgsql immutable strict parallel safe set search_path = '' as $$
declare
  v_double float8;
  v_candidate numeric;
  v_text text;
  k integer;
  e integer;
begin
  -- Integers below 2^53 are doubles exactly, printed digit for digit (the usual case, kept cheap).
  if n = trunc(n) and abs(n) < 9007199254740992 then
    return char_length(trunc(n)::bigint::text);
  end if;
  -- 2^1024 - 2^970: from here on a double rounds to Infinity.
  if abs(n) >= 179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792 then
    return null;
  end if;
  if abs(n) <= 2.4703282292062328e-324 then
    return 1;
  end if;
  v_double := n::float8;
  e := floor(log(abs(v_double)))::integer + 1;
  for p in 1..17 loop
    v_candidate := round(n, p - e);
    if abs(v_candidate) <= 1.7976931348623157e308 then
      exit when v_candidate::float8 = v_double;
    end if;
  end loop;
  v_text := abs(v_candidate)::text;
  if split_part(v_text, '.', 1) <> '0' then
    e := char_length(split_part(v_text, '.', 1));
  else
    e := char_length(ltrim(split_part(v_text, '.', 2), '0')) - char_length(split_part(v_text, '.', 2));
  end if;
  -- e: the decimal exponent with value = 0.d1d2…dk × 10^e
  k := char_length(rtrim(ltrim(replace(v_text, '.', ''), '0'), '0'));
  return (n < 0)::integer + case
    when k <= e and e <= 21 then e
    when 0 < e and e <= 21 then k + 1
    when -6 < e and e <= 0 then 2 - e + k
    else (case when k = 1 then 1 else k + 1 end) + 2 + char_length(abs(e - 1)::text)
  end;
end
$$;

-- Why a meta value breaks the contract, or null. One walk over the tree, breadth first and without
-- recursion (a deeply nested value cannot exhaust the stack); it stops descending below level 33.
create function private.meta_problem(meta jsonb) returns text
language sql immutable parallel safe set search_path = '' as $$
  with recursive node (value, key, depth) as (
    select meta, null::text, 1
    union all
    select child.value, child.key, node.depth + 1
    from node
    cross join lateral (
      select o.value, o.key from jsonb_each(
        case when jsonb_typeof(node.value) = 'object' then node.value else '{}' end) o
      union all
      select a.value, null from jsonb_array_elements(
        case when jsonb_typeof(node.value) = 'array' then node.value else '[]' end) a
    ) child
    where node.depth <= 32
  ),
  sized as (
    select value, key, depth, jsonb_typeof(value) as type,
      case when jsonb_typeof(value) = 'number' then private.js_number_length(value::text::numeric) end as number_length
    from node
  ),
  measured as (
    select
      max(depth) filter (where type in ('object', 'array')) as depth,
      count(key) as keys,
      bool_or(type = 'number' and number_length is null) as bad_number,
      sum(
        case type
          when 'object' then 2 + greatest((select count(*) from jsonb_object_keys(value)) - 1, 0)
          when 'array' then 2 + greatest(jsonb_array_length(value) - 1, 0)
          when 'number' then coalesce(number_length, 0)
          else octet_length(value::text)
        end
        + case when key is null then 0 else octet_length(to_jsonb(key)::text) + 1 end
      ) as bytes
    from sized
  )
  select case
    when meta is null or jsonb_typeof(meta) <> 'object' then 'meta must be an object'
    when depth > 32 then 'meta is nested deeper than 32 levels'
    when keys > 256 then 'meta has more than 256 keys'
    when bad_number then 'meta numbers must be finite'
    when bytes > 8192 then 'meta is larger than 8192 bytes'
  end
  from measured
$$;

-- One message of a send, before anything is written (replaces the chat_rpcs version: same checks,
-- text and meta through the shared definitions above).
create or replace function private.check_message_item(item jsonb, from_service boolean) returns void
language plpgsql immutable set search_path = '' as $$
declare
  v_role text;
  v_problem text;
begin
  if jsonb_typeof(item) is distinct from 'object' then
    raise exception 'each message must be an object' using errcode = '22023';
  end if;
  if jsonb_typeof(item -> 'text') is distinct from 'string' then
    raise exception 'text must be a non-empty string' using errcode = '22023';
  end if;
  v_problem := private.text_problem(item ->> 'text');
  if v_problem is not null then
    raise exception '%', v_problem using errcode = case when v_problem like '%longer%' then '22001' else '22023' end;
  end if;
  v_role := coalesce(item ->> 'role', case when from_service then 'assistant' else 'user' end);
  if v_role not in ('user', 'assistant', 'system') then
    raise exception 'role must be user, assistant or system' using errcode = '22023';
  end if;
  if from_service and v_role = 'user' then
    raise exception 'user messages are sent with the user''s own token' using errcode = '22023';
  end if;
  if not from_service and v_role <> 'user' then
    raise exception '% messages can only be sent with the secret key', v_role using errcode = '42501';
  end if;
  if item ? 'client_msg_id' and jsonb_typeof(item -> 'client_msg_id') <> 'null' and (
    jsonb_typeof(item -> 'client_msg_id') <> 'string'
    or char_length(item ->> 'client_msg_id') not between 1 and 100
  ) then
    raise exception 'client_msg_id must be a string of 1 to 100 characters' using errcode = '22023';
  end if;
  if item ? 'meta' and jsonb_typeof(item -> 'meta') <> 'null' then
    v_problem := private.meta_problem(item -> 'meta');
    if v_problem is not null then
      raise exception '%', v_problem using errcode = '22023';
    end if;
  end if;
end
$$;

-- Every write to messages, whoever makes it (an RPC, or the secret key over REST), meets the
-- contract with a 4xx SQLSTATE before the CHECKs would answer 23514.
create function private.messages_enforce_contract() returns trigger
language plpgsql set search_path = '' as $$
declare
  v_problem text := private.text_problem(new.text);
begin
  if v_problem is not null then
    raise exception '%', v_problem using errcode = case when v_problem like '%longer%' then '22001' else '22023' end;
  end if;
  v_problem := private.meta_problem(new.meta);
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  return new;
end
$$;

create trigger messages_enforce_contract
  before insert or update of text, meta on public.messages
  for each row execute function private.messages_enforce_contract();

-- The old CHECKs measured meta::text (which adds a space after every ':' and ',') and trimmed only
-- ASCII whitespace. The trigger above is the rule for meta; the CHECK keeps only the type, so a send
-- measures meta twice (before the lock in check_message_item, at the insert), not three times.
-- NOT VALID keeps rows written under the old rules.
alter table public.messages drop constraint messages_text_check;
alter table public.messages drop constraint messages_meta_check;
alter table public.messages add constraint messages_text_check
  check (private.text_problem(text) is null) not valid;
alter table public.messages add constraint messages_meta_check
  check (jsonb_typeof(meta) = 'object') not valid;

revoke execute on function private.is_blank(text), private.text_problem(text),
  private.js_number_length(numeric), private.meta_problem(jsonb), private.messages_enforce_contract()
  from public, anon;
grant execute on function private.is_blank(text), private.text_problem(text),
  private.js_number_length(numeric), private.meta_problem(jsonb)
  to authenticated, service_role;
