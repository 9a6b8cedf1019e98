#!lua flags=no-writes
-- list_indexes: one partition's listing indexes of the statuses a listing asks for, read at
-- one instant (`store::listing`): a commit moves an execution from one of them to another
-- atomically, so a read here finds it in exactly one, at its place (its start ms and id).
-- The caller merges the replies (Lua would compare ids with the server's locale).
--
-- KEYS     <prefix>:{p<N>}:l:<sm>:<status>, one per status listed (zset: id by start ms)
--
-- ARGV[1]  the greatest start ms read (a number or `+inf`)
-- ARGV[2]  the least start ms read (a number or `-inf`)
-- ARGV[3]  how many entries of each index, newest first (ties by id, descending)
--
-- Returns, per key, its entries as `ZRANGE … WITHSCORES` answers them: id, start, id, ….

local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('ZRANGE', key, ARGV[1], ARGV[2], 'BYSCORE', 'REV', 'LIMIT', 0, ARGV[3], 'WITHSCORES')
end
return out
