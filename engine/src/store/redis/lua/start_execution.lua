#!lua
-- start_execution: creates an execution unless one with its id exists
-- (`Store::start_execution`).
--
-- KEYS[1]  <prefix>:{p<N>}:x:<id>         record (hash: `q` seq, `h` head JSON, parts)
-- KEYS[2]  <prefix>:{p<N>}:h:<id>         history (list of event JSON)
-- KEYS[3]  <prefix>:{p<N>}:t              timers (zset)
-- KEYS[4]  <prefix>:{p<N>}:a              active execution ids (set)
-- KEYS[5]  <prefix>:{p<N>}:q              the queue (stream)
-- KEYS[6]  <prefix>:{p<N>}:l:<sm>:RUNNING the listing index (zset: id by start ms)
-- KEYS[7]  <prefix>:{p<N>}:n              counts (hash: status -> executions)
-- KEYS[8]  <prefix>:{p<N>}:lease          the partition lease (its holder is told)
-- KEYS[9]  <prefix>:{p<N>}:layout         the fence: the largest partition count used here
--
-- ARGV[1]  execution id
-- ARGV[2]  seq
-- ARGV[3]  the head (JSON)
-- ARGV[4]  start ms
-- ARGV[5]  the `Wake` event (JSON)
-- ARGV[6]  the partition count the caller starts under (layout.rs)
-- ARGV[7]  cp, then cp arguments: part field, part value, …
-- then     ch, then ch history event JSON
-- then     score, timer member, … (the rest)
--
-- Returns the fence (an integer, nothing written) when it is larger than ARGV[6]: the
-- caller's layout is out of date. Otherwise, when created, the lease token of the partition's holder ('' when none: its
-- doorbell is rung); when the execution exists (nothing written), its head and input:
-- `{head JSON, input JSON}` (also for a packed record, packed.lua; or `{'legacy', <seq>|<record JSON>}` for a record of an
-- earlier version).

local count = tonumber(ARGV[6])
local fence = tonumber(redis.call('GET', KEYS[9]) or '0')
if fence > count then return fence end
local existing = packed_existing(KEYS[1])
if existing then return existing end

local id = ARGV[1]
if fence < count then redis.call('SET', KEYS[9], count) end
redis.call('HSET', KEYS[1], 'q', ARGV[2], 'h', ARGV[3])
local function push(cmd, key, from, to)
  while from <= to do
    local last = math.min(from + 999, to)
    redis.call(cmd, key, unpack(ARGV, from, last))
    from = last + 1
  end
end
local cp = tonumber(ARGV[7])
push('HSET', KEYS[1], 8, 7 + cp)
local at = 8 + cp
local ch = tonumber(ARGV[at])
push('RPUSH', KEYS[2], at + 1, at + ch)
push('ZADD', KEYS[3], at + ch + 1, #ARGV)
redis.call('SADD', KEYS[4], id)
redis.call('XADD', KEYS[5], '*', 'x', id, 'e', ARGV[5])
redis.call('ZADD', KEYS[6], ARGV[4], id)
redis.call('HINCRBY', KEYS[7], 'RUNNING', 1)
return redis.call('GET', KEYS[8]) or ''

