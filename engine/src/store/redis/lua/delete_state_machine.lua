-- delete_state_machine: removes a state machine's latest record and its name; its
-- revisions stay readable for running executions (`Store::delete_state_machine`).
--
-- KEYS[1]  <prefix>:{sm}:m:<name>  latest revision (hash: `rev`, `rec`)
-- KEYS[2]  <prefix>:{sm}:names     names (zset)
--
-- ARGV[1]  name
--
-- Returns 1 when deleted, 0 when absent.

if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
