#!lua
-- update_state_machine: stores a new revision when the latest stored one is the one before
-- it (`Store::update_state_machine`); of two updates from the same revision, one wins. The
-- previous revision is deleted when no execution uses it.
--
-- KEYS[1]  <prefix>:{sm}:m:<name>             latest revision (hash: `rev`, `rec`)
-- KEYS[2]  <prefix>:{sm}:v:<name>:<rev>       the new revision (string: record JSON)
-- KEYS[3]  <prefix>:{sm}:last                 the last revision given per name (hash)
-- KEYS[4]  <prefix>:{sm}:uses                 executions per `<name>|<rev>` (hash)
-- KEYS[5]  <prefix>:{sm}:v:<name>:<rev - 1>   the previous revision
--
-- ARGV[1]  the revision the store must hold (the new one - 1)
-- ARGV[2]  the new revision
-- ARGV[3]  the record (JSON)
-- ARGV[4]  name
--
-- Returns 1 when stored, 0 when the state machine is absent or at another revision.

if redis.call('HGET', KEYS[1], 'rev') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'rec', ARGV[3])
redis.call('SET', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[4], ARGV[2])
local field = ARGV[4] .. '|' .. ARGV[1]
if tonumber(redis.call('HGET', KEYS[4], field) or '0') <= 0 then
  redis.call('HDEL', KEYS[4], field)
  redis.call('DEL', KEYS[5])
end
return 1
