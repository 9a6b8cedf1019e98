#!lua flags=allow-oom
-- heartbeat_worker: records that a worker is alive and counts the live ones
-- (`Store::heartbeat_worker`). Time is the server's, so workers' clocks may differ.
--
-- KEYS[1]  <prefix>:workers  zset: worker -> alive until (ms)
--
-- ARGV[1]  worker name
-- ARGV[2]  time to live (ms)
--
-- Returns the number of live workers.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
