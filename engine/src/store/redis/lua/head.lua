#!lua flags=no-writes
-- head: the head JSON of an execution's record (listings, `store/redis/listing.rs`).
--
-- KEYS[1]  <prefix>:{p<N>}:x:<id>  record (hash field `h`, or packed: packed.lua)
--
-- Returns the head, nil when there is no record, or `{'legacy', <seq>|<JSON>}` for a record
-- of an earlier version.

local kind, value = packed_record(KEYS[1])
if kind == 'hash' then return redis.call('HGET', KEYS[1], 'h') end
if kind == 'packed' then return packed_field(value.fields, 'h') end
if kind == 'legacy' then return { 'legacy', value } end
return false
