-- start_execution: creates an execution unless one with its id exists
-- (`Store::start_execution`).
--
-- KEYS[1]  <prefix>:{p<N>}:x:<id>  record (string: `<seq>|<record JSON>`; a string, not a
--                                  hash, because a hash with a value over 64 bytes leaves the
--                                  compact listpack encoding and costs ~300 bytes more)
-- KEYS[2]  <prefix>:{p<N>}:h:<id>  history (list of event JSON)
-- KEYS[3]  <prefix>:{p<N>}:t       timers (zset)
-- KEYS[4]  <prefix>:{p<N>}:a       active execution ids (set)
-- KEYS[5]  <prefix>:{p<N>}:q       the queue (stream)
--
-- ARGV[1]  execution id
-- ARGV[2]  seq
-- ARGV[3]  the record (JSON)
-- ARGV[4]  the `Wake` event (JSON)
-- ARGV[5]  ch, then ch history event JSON
-- then     score, timer member, ... (the rest)
--
-- Returns the stored `<seq>|<record JSON>` when the execution exists (nothing written), else nil.

local existing = redis.call('GET', KEYS[1])
if existing then return existing end

local id = ARGV[1]
redis.call('SET', KEYS[1], ARGV[2] .. '|' .. ARGV[3])
local ch = tonumber(ARGV[5])
local from = 6
while from < 6 + ch do
  local to = math.min(from + 999, 5 + ch)
  redis.call('RPUSH', KEYS[2], unpack(ARGV, from, to))
  from = to + 1
end
while from <= #ARGV do
  local to = math.min(from + 999, #ARGV)
  redis.call('ZADD', KEYS[3], unpack(ARGV, from, to))
  from = to + 1
end
redis.call('SADD', KEYS[4], id)
redis.call('XADD', KEYS[5], '*', 'x', id, 'e', ARGV[4])
return false
