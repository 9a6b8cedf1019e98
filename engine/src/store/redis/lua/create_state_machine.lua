-- create_state_machine: stores revision 1 of a new state machine, unless the name is taken
-- (`Store::create_state_machine`).
--
-- KEYS[1]  <prefix>:{sm}:m:<name>        latest revision (hash: `rev`, `rec`)
-- KEYS[2]  <prefix>:{sm}:v:<name>:<rev>  this revision (string: record JSON)
-- KEYS[3]  <prefix>:{sm}:names           names (zset, all scores 0: lexical order)
--
-- ARGV[1]  name
-- ARGV[2]  revision
-- ARGV[3]  the record (JSON)
--
-- Returns the latest record JSON when the name is taken (nothing written), else nil.

local existing = redis.call('HGET', KEYS[1], 'rec')
if existing then return existing end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'rec', ARGV[3])
redis.call('SET', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
return false
