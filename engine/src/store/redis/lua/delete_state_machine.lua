#!lua
-- delete_state_machine: removes a state machine's latest record and its name, its tags,
-- versions and aliases (`Store::delete_state_machine`). Each revision (the latest, and
-- each a version pinned) stays while executions use it.
--
-- KEYS[1]  <prefix>:{sm}:m:<name>        latest revision (hash: `rev`, `rec`)
-- KEYS[2]  <prefix>:{sm}:names           names (zset)
-- KEYS[3]  <prefix>:{sm}:uses            executions and versions per `<name>|<rev>` (hash)
-- KEYS[4]  <prefix>:{sm}:v:<name>:<rev>  the latest revision
-- KEYS[5]  <prefix>:{sm}:t:<name>        its tags (deleted with it)
-- KEYS[6]  <prefix>:{sm}:vs:<name>       its versions (deleted with it)
-- KEYS[7]  <prefix>:{sm}:vr:<name>       the version of each published revision
-- KEYS[8]  <prefix>:{sm}:al:<name>       its aliases (deleted with it)
-- KEYS[9..] <prefix>:{sm}:v:<name>:<rev> the revision of each version, in ARGV's order
--
-- ARGV[1]  name
-- ARGV[2]  the latest revision, as read before
-- ARGV[3..] version, revision, version, revision, ... as read before
--
-- Returns 1 when deleted, 0 when absent, -1 when the latest revision or the versions
-- are no longer those read (read again).

local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return 0 end
if rev ~= ARGV[2] then return -1 end
if redis.call('HLEN', KEYS[6]) * 2 ~= #ARGV - 2 then return -1 end
for i = 3, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[6], ARGV[i]) == 0 then return -1 end
end
redis.call('DEL', KEYS[1], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
redis.call('ZREM', KEYS[2], ARGV[1])
local function release(revision, key, uses)
  local field = ARGV[1] .. '|' .. revision
  local n = tonumber(redis.call('HGET', KEYS[3], field) or '0') - uses
  if n <= 0 then
    redis.call('HDEL', KEYS[3], field)
    redis.call('DEL', key)
  else
    redis.call('HSET', KEYS[3], field, n)
  end
end
for i = 3, #ARGV, 2 do
  release(ARGV[i + 1], KEYS[9 + (i - 3) / 2], 1)
end
release(rev, KEYS[4], 0)
return 1
