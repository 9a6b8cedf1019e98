#!lua flags=no-writes
-- load: a record, read atomically (`Store::load_execution`).
--
-- KEYS[1]  <prefix>:{p<N>}:x:<id>  record (hash: `q` seq, `h` head JSON, parts)
--
-- Returns the hash as field, value, … (a packed record's fields the same way, packed.lua);
-- `{'legacy', <seq>|<JSON>}` for a record of an earlier version (a string); `{}` when there
-- is none.

local kind, value = packed_record(KEYS[1])
if kind == 'hash' then return redis.call('HGETALL', KEYS[1]) end
if kind == 'packed' then return value.fields end
if kind == 'legacy' then return { 'legacy', value } end
return {}
