#!lua
-- redrive_execution: a finished execution runs again (`Store::redrive_execution`), fenced
-- by its record's version like a commit.
--
-- KEYS[1]  <prefix>:{p<N>}:x:<id>            record (hash: `q` seq, `h` head JSON, parts)
-- KEYS[2]  <prefix>:{p<N>}:h:<id>            history (list of event JSON)
-- KEYS[3]  <prefix>:{p<N>}:t                 timers (zset)
-- KEYS[4]  <prefix>:{p<N>}:a                 active execution ids (set)
-- KEYS[5]  <prefix>:{p<N>}:q                 the queue (stream)
-- KEYS[6]  <prefix>:{p<N>}:l:<sm>:<status>   the listing index of its finished status
-- KEYS[7]  <prefix>:{p<N>}:l:<sm>:RUNNING    the listing index of running executions
-- KEYS[8]  <prefix>:{p<N>}:n                 counts (hash: status -> executions)
-- KEYS[9]  <prefix>:{p<N>}:e                 expiry (zset: member `<rev>|<status>|<id>`)
-- KEYS[10] <prefix>:{p<N>}:lease             the partition lease (its holder is told)
--
-- ARGV[1]  execution id
-- ARGV[2]  the expected seq (of the finished record)
-- ARGV[3]  the new seq
-- ARGV[4]  the new head (JSON)
-- ARGV[5]  start ms
-- ARGV[6]  the finished status
-- ARGV[7]  its expiry member ('' when none)
-- ARGV[8]  the `Wake` event (JSON)
-- ARGV[9]  np, then np arguments: part field, part value, …
-- then     nd, then nd part fields to delete
-- then     nh, then nh history event JSON
-- then     score, timer member, … (the rest)
--
-- Returns 0 when the record is not at the expected seq (nothing written); otherwise the
-- lease token of the partition's holder ('' when none: its doorbell is rung).

if redis.call('TYPE', KEYS[1])['ok'] ~= 'hash' then return 0 end
if redis.call('HGET', KEYS[1], 'q') ~= ARGV[2] then return 0 end
local id = ARGV[1]
local function push(cmd, key, from, to)
  while from <= to do
    local last = math.min(from + 999, to)
    redis.call(cmd, key, unpack(ARGV, from, last))
    from = last + 1
  end
end
redis.call('HSET', KEYS[1], 'q', ARGV[3], 'h', ARGV[4])
local np = tonumber(ARGV[9])
push('HSET', KEYS[1], 10, 9 + np)
local at = 10 + np
local nd = tonumber(ARGV[at])
push('HDEL', KEYS[1], at + 1, at + nd)
at = at + nd + 1
local nh = tonumber(ARGV[at])
push('RPUSH', KEYS[2], at + 1, at + nh)
push('ZADD', KEYS[3], at + nh + 1, #ARGV)
if ARGV[7] ~= '' then redis.call('ZREM', KEYS[9], ARGV[7]) end
redis.call('ZREM', KEYS[6], id)
redis.call('ZADD', KEYS[7], ARGV[5], id)
redis.call('HINCRBY', KEYS[8], ARGV[6], -1)
redis.call('HINCRBY', KEYS[8], 'RUNNING', 1)
redis.call('SADD', KEYS[4], id)
redis.call('XADD', KEYS[5], '*', 'x', id, 'e', ARGV[8])
return redis.call('GET', KEYS[10]) or ''
