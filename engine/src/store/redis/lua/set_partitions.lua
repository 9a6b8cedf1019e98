#!lua
-- set_partitions: makes a larger partition count the one for new executions
-- (`RedisStore::set_partitions`; see layout.rs).
--
-- KEYS[1]  <prefix>:meta   hash: `partitions` (the current count), `layouts` (every count
--                          used, oldest first, comma-separated; absent: only `partitions`)
--
-- ARGV[1]  the new count
-- ARGV[2]  the largest count allowed
--
-- Returns 'ok', or 'refused: <why>' (nothing written).

local new = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local current = tonumber(redis.call('HGET', KEYS[1], 'partitions'))
if not current then return 'refused: no store has been opened on this prefix yet' end
if not new or new ~= math.floor(new) or new > max then
  return 'refused: the partition count must be a whole number up to ' .. max
end
if new <= current then
  return 'refused: the partition count can only grow (it is ' .. current .. ')'
end
local layouts = redis.call('HGET', KEYS[1], 'layouts') or tostring(current)
redis.call('HSET', KEYS[1], 'partitions', new, 'layouts', layouts .. ',' .. new)
return 'ok'
