#!lua
-- delete_version: deletes a published version (`Store::delete_version`) unless an alias
-- routes to it; its revision is deleted when no execution uses it and it is not the latest.
--
-- KEYS[1]  <prefix>:{sm}:vs:<name>        versions (hash: number -> record JSON)
-- KEYS[2]  <prefix>:{sm}:vr:<name>        the version of each published revision (hash)
-- KEYS[3]  <prefix>:{sm}:al:<name>        aliases (hash: name -> record JSON)
-- KEYS[4]  <prefix>:{sm}:uses             executions and versions per `<name>|<rev>` (hash)
-- KEYS[5]  <prefix>:{sm}:m:<name>         latest revision (hash: `rev`, `rec`)
-- KEYS[6]  <prefix>:{sm}:v:<name>:<rev>   the version's revision
--
-- ARGV[1]  name
-- ARGV[2]  the version
-- ARGV[3]  its revision, as read before (a version never changes)
--
-- Returns {0} deleted, {1} when there is no such version, {2, alias} when an alias
-- routes to it.

if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then return {1} end
local version = tonumber(ARGV[2])
for _, text in ipairs(redis.call('HVALS', KEYS[3])) do
  local alias = cjson.decode(text)
  for _, route in ipairs(alias.routes) do
    if route.version == version then return {2, alias.name} end
  end
end
redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[3])
local field = ARGV[1] .. '|' .. ARGV[3]
if redis.call('HINCRBY', KEYS[4], field, -1) <= 0 then
  redis.call('HDEL', KEYS[4], field)
  if redis.call('HGET', KEYS[5], 'rev') ~= ARGV[3] then redis.call('DEL', KEYS[6]) end
end
return {0}
