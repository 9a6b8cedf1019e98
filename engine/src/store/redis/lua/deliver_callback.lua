#!lua
-- deliver_callback: a success, failure or heartbeat for the task `<state>/<attempt>`
-- (`Store::deliver_callback`).
--
-- KEYS[1]  <prefix>:{p<N>}:k:<id>  tokens (hash: field -> `o|<hb timer>|<hb s>` open, `c`
--                                  answered (its callback queued, not applied yet), `d`
--                                  done, `t` timed out)
-- KEYS[2]  <prefix>:{p<N>}:t       timers (zset: member `<id>|<timer>`, score due ms)
-- KEYS[3]  <prefix>:{p<N>}:q       the queue (stream)
-- KEYS[4]  <prefix>:{p<N>}:lease   the partition lease (its holder is told)
-- KEYS[5]  <prefix>:{p<N>}:x:<id>  record: when packed (packed.lua) it holds the tokens, and a
--                                  finish unpacks it
-- KEYS[6]  <prefix>:{p<N>}:h:<id>  history (written when a finish unpacks)
--
-- ARGV[1]  token field `<state>/<attempt>`
-- ARGV[2]  execution id
-- ARGV[3]  `f` (finish: success or failure) or `h` (heartbeat)
-- ARGV[4]  finish: the event to queue (JSON); heartbeat: now (ms)
-- ARGV[5]  a finish: the lease token of a holder in the caller's process ('' when none),
--          which the new entries are claimed for when it still holds the lease
-- ARGV[6..8]  `claim`'s count, record prefix and most fields (claim.lua)
--
-- Returns, when a finish was queued, the lease token of the partition's holder (a
-- string, '' when none), or `{holder, claimed}` when the entries were claimed for that
-- holder (`claimed` as `claim` answers it: the caller hands them to its reader, with no
-- ring and no claim of its own); otherwise 0 (a heartbeat delivered), 1 gone (no such
-- token), 2 closed (answered, done, timed out, or its heartbeat timer already fired), 3
-- the token's state is corrupt.

local state = redis.call('HGET', KEYS[1], ARGV[1])
local packed, at = nil, nil
if not state then
  -- No tokens hash: the execution may be packed (a record hash answers WRONGTYPE here).
  packed = packed_read(KEYS[5], redis.pcall('GET', KEYS[5]))
  if not packed then return 1 end
  at = packed_find(packed.tokens, ARGV[1])
  if not at then return 1 end
  state = packed.tokens[at]
end
if state == 'c' or state == 'd' or state == 't' then return 2 end
local timer, seconds = string.match(state, '^o|(%d*)|(%d*)$')
if not timer then return 3 end

if ARGV[3] == 'f' then
  -- The actor that applies the callback writes the execution: unpack it now (a heartbeat
  -- leaves it packed), with the token answered.
  local known = nil
  if packed then
    packed.tokens[at] = 'c'
    packed_unpack(KEYS[5], KEYS[6], KEYS[1], nil, packed)
    known = { [KEYS[5]] = packed.fields }
  else
    redis.call('HSET', KEYS[1], ARGV[1], 'c')
  end
  redis.call('XADD', KEYS[3], '*', 'x', ARGV[2], 'e', ARGV[4])
  local holder = redis.call('GET', KEYS[4]) or ''
  if ARGV[5] ~= '' and holder == ARGV[5] then
    local claimed = claim(KEYS[3], '>', ARGV[6], ARGV[7], ARGV[8], known)
    if not claimed.err then return { holder, claimed } end
  end
  return holder
end

if timer == '' or seconds == '' then return 0 end
local member = ARGV[2] .. '|' .. timer
if not redis.call('ZSCORE', KEYS[2], member) then return 2 end
redis.call('ZADD', KEYS[2], tonumber(ARGV[4]) + tonumber(seconds) * 1000, member)
return 0
