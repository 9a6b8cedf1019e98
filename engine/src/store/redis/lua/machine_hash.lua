#!lua
-- machine_hash: the values of a hash that belongs to a state machine (its versions or its
-- aliases: `Store::list_versions`, `Store::list_aliases`), or nothing when the machine
-- does not exist.
--
-- KEYS[1]  <prefix>:{sm}:m:<name>   latest revision (its existence is the machine's)
-- KEYS[2]  <prefix>:{sm}:vs:<name> or <prefix>:{sm}:al:<name>
--
-- Returns -1 when the machine does not exist, else the hash's values.

if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HVALS', KEYS[2])
