#!lua flags=allow-oom
-- dead_letter: moves queue entries that cannot be read to the partition's dead letters,
-- with the reason (`Store::read_queue`). Allowed when Redis is out of memory: it frees as
-- much as it adds.
--
-- KEYS[1]  <prefix>:{p<N>}:lease  the partition lease (string: its token)
-- KEYS[2]  <prefix>:{p<N>}:q      the queue (stream, group `w`)
-- KEYS[3]  <prefix>:{p<N>}:d      dead letters (stream: s source, x execution, v data,
--                                 r reason, u 1 when the event is unknown to this version)
--
-- ARGV[1]  the lease token
-- then, per entry: id, execution ('' when unknown), data, reason, unknown (1/0)
--
-- Returns, per entry, 1 when it was moved and 0 when it was not pending any more (moved
-- already: the reader and the sweep may both find it); -1 when the lease is not held
-- (nothing moved).

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local moved = {}
for i = 2, #ARGV, 5 do
  local id, x, v, r, u = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  -- Once: the reader and the sweep (reading pending entries) may both find it.
  if redis.call('XACK', KEYS[2], 'w', id) == 1 then
    redis.call('XADD', KEYS[3], '*', 's', 'queue', 'x', x, 'v', v, 'r', r, 'u', u)
    moved[#moved + 1] = 1
  else
    moved[#moved + 1] = 0
  end
  redis.call('XDEL', KEYS[2], id)
end
return moved
