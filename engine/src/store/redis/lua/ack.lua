#!lua flags=allow-oom
-- ack: acknowledges and deletes queue entries that needed no commit (`Store::ack`).
--
-- KEYS[1]  <prefix>:{p<N>}:lease  the partition lease (string: its token)
-- KEYS[2]  <prefix>:{p<N>}:q      the queue (stream, consumer group `w`)
--
-- ARGV[1]  the lease token
-- ARGV[2…] entry ids
--
-- Returns 1, or 0 when the lease is not held (nothing acknowledged).

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local from = 2
while from <= #ARGV do
  local to = math.min(from + 999, #ARGV)
  redis.call('XACK', KEYS[2], 'w', unpack(ARGV, from, to))
  redis.call('XDEL', KEYS[2], unpack(ARGV, from, to))
  from = to + 1
end
return 1
