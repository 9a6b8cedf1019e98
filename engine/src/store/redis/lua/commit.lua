#!lua
-- commit: applies a batch of transitions of one partition, each on its own, in order
-- (`Store::commit`). The lease is checked once: a script runs atomically, so it cannot
-- change between the requests of a batch. The layout of ARGV is built and read by
-- `segment.rs` (`Segment`, and `decode` in its tests).
--
-- KEYS[1..6]  <prefix>:{p<N>}: lease, q (queue stream, group `w`), t (timers zset), a
--             (active set), e (expiry zset: member `<rev>|<status>|<id>`), n (counts hash:
--             status -> executions)
-- then, per request, its keys: x:<id> (record hash), h:<id> (history list), k:<id>
-- (tokens hash), and for a final commit l:<sm>:RUNNING and l:<sm>:<status> (index zsets)
--
-- ARGV[1]     the lease token
-- ARGV[2]     n, the number of segments
-- then one segment per request, or per run of one execution's requests merged into one
-- (`coalesce.rs`):
--   len id expected flags nparts seq head   (len counts the segment's arguments)
--   flags: one letter per position: active (`a` SADD, `i` SREM, `-` already right),
--          final (`f`: 5 keys, else 3), full (`w`: replace the record, DEL it first),
--          guarded (`g`), park (`p`: the execution waits, not active and not final:
--          pack its keys into one string when it is small, packed.lua)
--   then nparts arguments: record parts, field value …; one HSET writes `q` seq, `h` head
--   and them
--   then operations, each `code count args…`:
--     G  token fields that must not hold an answered callback (`c`): else code 3
--     R  record parts: field …                  HDEL
--     X  dropped Children: id size …            HDEL c<id>.n c<id>.i c<id>.s c<id>.0 …
--     H  history event JSON …                   RPUSH
--     C  timer members …                        ZREM (cleared before those set)
--     Z  score member …                         ZADD
--     T  token field state …                    HSET (skipped when final)
--     K  token field …                          HDEL (skipped when final)
--     A  queue entry ids …                      XACK + XDEL
--     F  start_ms status expires rev            final: move the index entry, count, expiry
--
-- A record is a hash: `q` its seq, `h` its head JSON, then its parts. A parked execution's
-- record may be packed (one string, packed.lua): it is unpacked before its version is read.
-- A record stored by an earlier version is a string `<seq>|<JSON>`: only a full segment
-- may replace it.
--
-- Redis's time here goes mostly to the calls themselves (each `redis.call` costs several
-- times the command it runs), so a transition makes as few as it can: one HSET for the
-- version, head and parts, one RPUSH, and the version read once per record and batch.
--
-- Returns one code per segment: 0 committed, 1 version conflict, 2 lease lost, 3 a
-- callback waits to be applied.

local function call(cmd, key, group, from, count)
  local last = from + count - 1
  while from <= last do
    local to = math.min(from + 999, last)
    if group then
      redis.call(cmd, key, group, unpack(ARGV, from, to))
    else
      redis.call(cmd, key, unpack(ARGV, from, to))
    end
    from = to + 1
  end
end

local ADD, REMOVE, FINAL, FULL, GUARDED, PARK = string.byte('aifwgp', 1, 6)
local n = tonumber(ARGV[2])
local codes = {}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  for r = 1, n do codes[r] = 2 end
  return codes
end
local queue, timers, active, expiry, counts = KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
-- record key -> its version as committed earlier in this batch
local versions = {}

local i, k = 3, 7
for r = 1, n do
  local len, id, expected = tonumber(ARGV[i]), ARGV[i + 1], ARGV[i + 2]
  local is_active, final, full, guarded, park = string.byte(ARGV[i + 3], 1, 5)
  final, full = final == FINAL, full == FULL
  local nkeys = final and 5 or 3
  local nparts, seq = tonumber(ARGV[i + 4]), ARGV[i + 5]
  local rec, hist, tok = KEYS[k], KEYS[k + 1], KEYS[k + 2]
  local parts = i + 7
  local first, stop = parts + nparts, i + len

  local current = versions[rec]
  if current == nil then
    current = redis.pcall('HGET', rec, 'q')
    if type(current) == 'table' then
      local text = redis.call('GET', rec)
      if packed_unpack(rec, hist, tok, text) then
        current = redis.call('HGET', rec, 'q')
      else
        current = full and text and string.match(text, '^(%d+)|') or nil
      end
    end
  end
  local code = 0
  if current ~= expected then
    code = 1
  elseif guarded == GUARDED then
    local p = first
    while p < stop and code == 0 do
      local c = tonumber(ARGV[p + 1])
      if ARGV[p] == 'G' then
        for j = p + 2, p + 1 + c do
          if redis.call('HGET', tok, ARGV[j]) == 'c' then code = 3 end
        end
      end
      p = p + 2 + c
    end
  end

  if code == 0 then
    if full then redis.call('DEL', rec) end
    if nparts <= 998 then
      redis.call('HSET', rec, 'q', seq, 'h', ARGV[i + 6], unpack(ARGV, parts, first - 1))
    else
      redis.call('HSET', rec, 'q', seq, 'h', ARGV[i + 6])
      call('HSET', rec, nil, parts, nparts)
    end
    versions[rec] = seq
    local p = first
    while p < stop do
      local op, c = ARGV[p], tonumber(ARGV[p + 1])
      local a = p + 2
      if c > 0 then
        if op == 'H' then call('RPUSH', hist, nil, a, c)
        elseif op == 'R' then call('HDEL', rec, nil, a, c)
        elseif op == 'X' then
          for j = a, a + c - 1, 2 do
            local cid, size = ARGV[j], tonumber(ARGV[j + 1])
            local pre = 'c' .. cid .. '.'
            redis.call('HDEL', rec, pre .. 'n', pre .. 'i', pre .. 's')
            local from = 0
            while from < size do
              local fields = {}
              for idx = from, math.min(from + 999, size - 1) do fields[#fields + 1] = pre .. idx end
              redis.call('HDEL', rec, unpack(fields))
              from = from + 1000
            end
          end
        elseif op == 'C' then call('ZREM', timers, nil, a, c)
        elseif op == 'Z' then call('ZADD', timers, nil, a, c)
        elseif op == 'T' then if not final then call('HSET', tok, nil, a, c) end
        elseif op == 'K' then if not final then call('HDEL', tok, nil, a, c) end
        elseif op == 'A' then
          call('XACK', queue, 'w', a, c)
          call('XDEL', queue, nil, a, c)
        elseif op == 'F' then
          local start, status, expires, rev = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
          redis.call('ZREM', KEYS[k + 3], id)
          redis.call('ZADD', KEYS[k + 4], start, id)
          redis.call('HINCRBY', counts, 'RUNNING', -1)
          redis.call('HINCRBY', counts, status, 1)
          if expires ~= '' then redis.call('ZADD', expiry, expires, rev .. '|' .. status .. '|' .. id) end
        end
      end
      p = a + c
    end
    if final then
      redis.call('DEL', tok)
    elseif park == PARK and packed_pack(rec, hist, tok) then
      -- A later segment of this execution in the batch reads (and unpacks) it again.
      versions[rec] = nil
    end
    if is_active == ADD then
      redis.call('SADD', active, id)
    elseif is_active == REMOVE then
      redis.call('SREM', active, id)
    end
  end
  codes[r] = code
  i = i + len
  k = k + nkeys
end
return codes
