#!lua flags=allow-oom
-- renew: extends a held lease (`Store::renew`).
--
-- KEYS[1]  <prefix>:{p<N>}:lease  the partition lease (string: its token)
--
-- ARGV[1]  the lease token
-- ARGV[2]  the new time to live (ms)
--
-- Returns 1, or 0 when the lease is not held.

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
