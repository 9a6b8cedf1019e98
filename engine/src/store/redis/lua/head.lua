#!lua flags=no-writes
-- head: the head JSON of an execution's record (listings, `store/redis/listing.rs`).
--
-- KEYS[1]  <prefix>:{p<N>}:x:<id>  record (hash field `h`, or packed: packed.lua)
--
-- Returns the head, nil when there is no record, or `{'legacy', <seq>|<JSON>}` for a record
-- of an earlier version.

local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'hash' then return redis.call('HGET', KEYS[1], 'h') end
if t == 'string' then
  local text = redis.call('GET', KEYS[1])
  local packed = packed_read(KEYS[1], text)
  if packed then return packed_field(packed.fields, 'h') end
  return { 'legacy', text }
end
return false
