#!lua
-- create_state_machine: stores the first revision of a new state machine, unless the name
-- is taken (`Store::create_state_machine`). Revision numbers are never reused for a name:
-- a name deleted and created again continues after its last revision, so executions of
-- the deleted machine keep their definition.
--
-- KEYS[1]  <prefix>:{sm}:m:<name>        latest revision (hash: `rev`, `rec`)
-- KEYS[2]  <prefix>:{sm}:v:<name>:<rev>  this revision (string: record JSON)
-- KEYS[3]  <prefix>:{sm}:names           names (zset, all scores 0: lexical order)
-- KEYS[4]  <prefix>:{sm}:last            the last revision given per name (hash)
--
-- ARGV[1]  name
-- ARGV[2]  the revision (the last one given + 1)
-- ARGV[3]  the record (JSON)
--
-- Returns the latest record JSON when the name is taken (nothing written), 1 when the
-- revision is not the next one (read `last` again), else 0.

local existing = redis.call('HGET', KEYS[1], 'rec')
if existing then return existing end
if tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or '0') + 1 ~= tonumber(ARGV[2]) then
  return 1
end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'rec', ARGV[3])
redis.call('SET', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
return 0
