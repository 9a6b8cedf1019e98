#!lua
-- put_alias: creates or replaces an alias of a state machine (`Store::put_alias`); every
-- version it routes to must exist, so a version cannot be deleted while routed to
-- (`delete_version.lua` checks the other way).
--
-- KEYS[1]  <prefix>:{sm}:m:<name>    latest revision (its existence is the machine's)
-- KEYS[2]  <prefix>:{sm}:vs:<name>   versions (hash: number -> record JSON)
-- KEYS[3]  <prefix>:{sm}:al:<name>   aliases (hash: name -> record JSON)
--
-- ARGV[1]  `create` or `update`
-- ARGV[2]  the alias name
-- ARGV[3]  the alias record (JSON)
-- ARGV[4]  the most aliases a machine may have
-- ARGV[5..] the versions it routes to
--
-- Returns {0} stored, {1, record} when creating a name that is taken, {2} when updating
-- an alias that does not exist, {3, version} when a version does not exist, {4} when
-- there are too many aliases, {5} when the machine does not exist. Nothing is written
-- but on {0}.

if redis.call('EXISTS', KEYS[1]) == 0 then return {5} end
for i = 5, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then return {3, ARGV[i]} end
end
local existing = redis.call('HGET', KEYS[3], ARGV[2])
if ARGV[1] == 'create' then
  if existing then return {1, existing} end
  if redis.call('HLEN', KEYS[3]) >= tonumber(ARGV[4]) then return {4} end
elseif not existing then
  return {2}
end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
return {0}
