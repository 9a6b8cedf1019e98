#!lua flags=allow-oom
-- release: gives a lease up, if it is still held (`Store::release`).
--
-- KEYS[1]  <prefix>:{p<N>}:lease  the partition lease (string: its token)
--
-- ARGV[1]  the lease token
--
-- Returns 1 when released, 0 when it was not held.

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
