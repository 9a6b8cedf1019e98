-- commit: applies a batch of transitions of one partition, each on its own, in order
-- (`Store::commit`). The lease is checked once: a script runs atomically, so it cannot
-- change between the requests of a batch.
--
-- KEYS[1]        <prefix>:{p<N>}:lease   the partition lease (string: its token)
-- KEYS[2]        <prefix>:{p<N>}:q       the queue (stream, consumer group `w`)
-- KEYS[3]        <prefix>:{p<N>}:t       timers (zset: member `<id>|<timer>`, score due ms)
-- KEYS[4]        <prefix>:{p<N>}:a       active execution ids (set)
-- for the r-th request (r = 1..n), j = 2 + 3r:
-- KEYS[j]        <prefix>:{p<N>}:x:<id>  record (string: `<seq>|<record JSON>`)
-- KEYS[j + 1]    <prefix>:{p<N>}:h:<id>  history (list of event JSON)
-- KEYS[j + 2]    <prefix>:{p<N>}:k:<id>  tokens (hash: `<state>/<attempt>` -> `o|<hb timer>|<hb s>`, `d`, `t`)
--
-- ARGV[1]        the lease token
-- ARGV[2]        n, the number of requests
-- then one segment per request; each `c*` counts the arguments that follow it:
--   len          arguments in this segment, itself included (to skip it on a conflict)
--   id           execution id
--   expected     the `seq` the store must hold
--   seq          the new `seq`
--   rec          the new record (JSON)
--   active       `1` active, `0` parked or finished
--   final        `1` when the record's status is final: the token hash is dropped
--   ch  history event JSON ...             RPUSH
--   cr  timer member ...                   ZREM  (cleared before those set, as MemoryStore)
--   cz  score, timer member, ...           ZADD
--   cs  token field, state, ...            HSET  (opened, done, timed out)
--   cd  token field ...                    HDEL  (gone)
--   ca  queue entry id ...                 XACK + XDEL
--
-- Returns one code per request: 0 committed, 1 version conflict, 2 lease lost.

-- `cmd key [group] ARGV[from .. from + count - 1]`, in chunks (Lua's unpack limit).
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

local n = tonumber(ARGV[2])
local codes = {}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  for r = 1, n do codes[r] = 2 end
  return codes
end

local queue, timers, active = KEYS[2], KEYS[3], KEYS[4]
local i = 3
for r = 1, n do
  local j = 2 + 3 * r
  local current = redis.call('GET', KEYS[j])
  if not current or string.match(current, '^(%d+)|') ~= ARGV[i + 2] then
    codes[r] = 1
  else
    local id, tokens = ARGV[i + 1], KEYS[j + 2]
    redis.call('SET', KEYS[j], ARGV[i + 3] .. '|' .. ARGV[i + 4])
    local final = ARGV[i + 6] == '1'
    local p = i + 7
    local c = tonumber(ARGV[p])
    if c > 0 then call('RPUSH', KEYS[j + 1], nil, p + 1, c) end
    p = p + 1 + c
    c = tonumber(ARGV[p])
    if c > 0 then call('ZREM', timers, nil, p + 1, c) end
    p = p + 1 + c
    c = tonumber(ARGV[p])
    if c > 0 then call('ZADD', timers, nil, p + 1, c) end
    p = p + 1 + c
    c = tonumber(ARGV[p])
    if c > 0 and not final then call('HSET', tokens, nil, p + 1, c) end
    p = p + 1 + c
    c = tonumber(ARGV[p])
    if c > 0 and not final then call('HDEL', tokens, nil, p + 1, c) end
    p = p + 1 + c
    if final then redis.call('DEL', tokens) end
    c = tonumber(ARGV[p])
    if c > 0 then
      call('XACK', queue, 'w', p + 1, c)
      call('XDEL', queue, nil, p + 1, c)
    end
    if ARGV[i + 5] == '1' then
      redis.call('SADD', active, id)
    else
      redis.call('SREM', active, id)
    end
    codes[r] = 0
  end
  i = i + tonumber(ARGV[i])
end
return codes
