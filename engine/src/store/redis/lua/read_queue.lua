#!lua flags=allow-oom
-- read_queue: claims queue entries for the lease holder (`Store::read_queue`). The group
-- `w` has one consumer, `c`: only the lease holder reads, and a new holder gets the
-- entries its predecessor left unacknowledged by reading pending ones. Allowed when Redis
-- is out of memory (it only moves entries to the pending list).
--
-- KEYS[1]  <prefix>:{p<N>}:lease  the partition lease (string: its token)
-- KEYS[2]  <prefix>:{p<N>}:q      the queue (stream; the group is created here, lazily)
--
-- ARGV[1]  the lease token
-- ARGV[2]  `>` (new entries) or an entry id: pending entries after it (`0`: all)
-- ARGV[3]  at most this many
-- ARGV[4]  the partition's record key prefix, `<prefix>:{p<N>}:x:` ('' to read no records)
-- ARGV[5]  the most fields a record may have to be read here
--
-- Returns -1 when the lease is not held, else what `claim` (claim.lua) answers.

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
return claim(KEYS[2], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
