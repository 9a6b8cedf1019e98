#!lua
-- use_revision: counts an execution of a revision, or releases executions of it
-- (`Store::start_execution`, `Store::release_revisions`). A revision that no execution uses
-- and that is not the latest of its machine is deleted.
--
-- KEYS[1]  <prefix>:{sm}:uses            executions per `<name>|<rev>` (hash)
-- KEYS[2]  <prefix>:{sm}:m:<name>        latest revision (hash: `rev`, `rec`)
-- KEYS[3]  <prefix>:{sm}:v:<name>:<rev>  the revision
--
-- ARGV[1]  name
-- ARGV[2]  revision
-- ARGV[3]  the change: 1 for a new execution, -n for n deleted ones
--
-- Returns 1, or 0 when a new execution asks for a revision that no longer exists.

local field = ARGV[1] .. '|' .. ARGV[2]
local delta = tonumber(ARGV[3])
if delta > 0 and redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
local n = redis.call('HINCRBY', KEYS[1], field, delta)
if n <= 0 then
  redis.call('HDEL', KEYS[1], field)
  if redis.call('HGET', KEYS[2], 'rev') ~= ARGV[2] then redis.call('DEL', KEYS[3]) end
end
return 1
