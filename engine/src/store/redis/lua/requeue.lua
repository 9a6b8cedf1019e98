#!lua
-- requeue: puts dead letters of events this version can read back into the queue
-- (`Store::requeue_dead_letters`).
--
-- KEYS[1]  <prefix>:{p<N>}:lease  the partition lease (string: its token)
-- KEYS[2]  <prefix>:{p<N>}:q      the queue (stream)
-- KEYS[3]  <prefix>:{p<N>}:d      dead letters (stream)
--
-- ARGV[1]  the lease token
-- then, per dead letter: its id, the execution, the event JSON
--
-- Returns how many were moved, or -1 when the lease is not held.

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local moved = 0
for i = 2, #ARGV, 3 do
  if redis.call('XDEL', KEYS[3], ARGV[i]) == 1 then
    redis.call('XADD', KEYS[2], '*', 'x', ARGV[i + 1], 'e', ARGV[i + 2])
    moved = moved + 1
  end
end
return moved
