#!lua
-- delete_state_machine: removes a state machine's latest record and its name
-- (`Store::delete_state_machine`). Its latest revision stays while executions use it.
--
-- KEYS[1]  <prefix>:{sm}:m:<name>        latest revision (hash: `rev`, `rec`)
-- KEYS[2]  <prefix>:{sm}:names           names (zset)
-- KEYS[3]  <prefix>:{sm}:uses            executions per `<name>|<rev>` (hash)
-- KEYS[4]  <prefix>:{sm}:v:<name>:<rev>  the latest revision
-- KEYS[5]  <prefix>:{sm}:t:<name>        its tags (deleted with it)
--
-- ARGV[1]  name
-- ARGV[2]  the latest revision, as read before
--
-- Returns 1 when deleted, 0 when absent, -1 when the latest revision is no longer ARGV[2].

local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return 0 end
if rev ~= ARGV[2] then return -1 end
redis.call('DEL', KEYS[1], KEYS[5])
redis.call('ZREM', KEYS[2], ARGV[1])
local field = ARGV[1] .. '|' .. rev
if tonumber(redis.call('HGET', KEYS[3], field) or '0') <= 0 then
  redis.call('HDEL', KEYS[3], field)
  redis.call('DEL', KEYS[4])
end
return 1
