#!lua
-- tags: a state machine's tags (`Store::tag_state_machine`, `untag_state_machine`,
-- `state_machine_tags`), kept beside its records and deleted with it.
--
-- KEYS[1]  <prefix>:{sm}:m:<name>   the latest revision (its existence is the machine's)
-- KEYS[2]  <prefix>:{sm}:t:<name>   tags (hash: key -> value)
--
-- ARGV[1]  `set`, `unset` or `get`
-- set:   ARGV[2] the most tags a machine may have, then key, value, key, value, ...
-- unset: ARGV[2..] keys
--
-- Returns -1 when the machine does not exist; for `set`, -2 when the tags would be more
-- than allowed (nothing changed), else 0; for `unset`, 0; for `get`, the flat key/value list.

if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local mode = ARGV[1]
if mode == 'get' then
  return redis.call('HGETALL', KEYS[2])
elseif mode == 'unset' then
  for i = 2, #ARGV do redis.call('HDEL', KEYS[2], ARGV[i]) end
  return 0
end
local most = tonumber(ARGV[2])
local new = 0
for i = 3, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then new = new + 1 end
end
if redis.call('HLEN', KEYS[2]) + new > most then return -2 end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 0
