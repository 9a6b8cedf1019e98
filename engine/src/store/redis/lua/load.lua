#!lua flags=no-writes
-- load: a record, read atomically (`Store::load_execution`).
--
-- KEYS[1]  <prefix>:{p<N>}:x:<id>  record (hash: `q` seq, `h` head JSON, parts)
--
-- Returns the hash as field, value, … (a packed record's fields the same way, packed.lua);
-- `{'legacy', <seq>|<JSON>}` for a record of an earlier version (a string); `{}` when there
-- is none.

local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'hash' then return redis.call('HGETALL', KEYS[1]) end
if t == 'string' then
  local text = redis.call('GET', KEYS[1])
  local packed = packed_read(KEYS[1], text)
  if packed then return packed.fields end
  return { 'legacy', text }
end
return {}
