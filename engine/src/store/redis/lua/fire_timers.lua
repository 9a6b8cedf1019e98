#!lua
-- fire_timers: moves due timers into the queue as `Timer` events (`Store::fire_timers`).
--
-- KEYS[1]  <prefix>:{p<N>}:lease  the partition lease (string: its token)
-- KEYS[2]  <prefix>:{p<N>}:t      timers (zset: member `<id>|<timer>`, score due ms)
-- KEYS[3]  <prefix>:{p<N>}:q      the queue (stream)
-- KEYS[4]  <prefix>:{p<N>}:d      dead letters (stream)
--
-- ARGV[1]  the lease token
-- ARGV[2]  now (ms): timers due at or before it fire
-- ARGV[3]  at most this many
--
-- Returns {fired, dead}: how many timers fired and how many were dead-lettered, or -1 when
-- the lease is not held.
-- A member that is not `<id>|<number>` is moved to the dead letters with the reason.

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
local dead = 0
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[2], member)
  local id, timer = string.match(member, '^(.+)|(%d+)$')
  if id then
    -- `QueuedEvent::Timer { timer }` as serde writes it.
    redis.call('XADD', KEYS[3], '*', 'x', id, 'e', '{"e":"timer","timer":' .. timer .. '}')
  else
    redis.call('XADD', KEYS[4], '*', 's', 'timer', 'v', member, 'r',
      'the timer member is not <execution id>|<timer id>', 'u', '0')
    dead = dead + 1
  end
end
return { #due - dead, dead }
