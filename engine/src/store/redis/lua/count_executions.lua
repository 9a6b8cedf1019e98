#!lua flags=no-writes
-- count_executions: a state machine's executions of one partition by status
-- (`Store::count_executions`): the sizes of its listing indexes, less the executions past
-- their retention that the sweep has not deleted yet (the first ARGV[3] of the partition's
-- expiry index; beyond them, they are counted).
--
-- KEYS[1]  <prefix>:{p<N>}:l:<sm>:RUNNING    listing indexes (zset: id by start ms)
-- KEYS[2]  <prefix>:{p<N>}:l:<sm>:SUCCEEDED
-- KEYS[3]  <prefix>:{p<N>}:l:<sm>:FAILED
-- KEYS[4]  <prefix>:{p<N>}:l:<sm>:TIMED_OUT
-- KEYS[5]  <prefix>:{p<N>}:l:<sm>:ABORTED
-- KEYS[6]  <prefix>:{p<N>}:e                 expiry (zset: member `<rev>|<status>|<id>`, score ms)
--
-- ARGV[1]  now (ms)
-- ARGV[2]  `<sm>:`, the start of the state machine's execution ids
-- ARGV[3]  how many expired entries to look at, at most
--
-- Returns the five counts, in KEYS order.

local slot = {RUNNING = 1, SUCCEEDED = 2, FAILED = 3, TIMED_OUT = 4, ABORTED = 5}
local counts = {}
for i = 1, 5 do counts[i] = redis.call('ZCARD', KEYS[i]) end
local ids = ARGV[2]
local expired = redis.call('ZRANGE', KEYS[6], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[3])
for _, member in ipairs(expired) do
  local _, status, id = string.match(member, '^(%d+)|(%u[%u_]*)|(.+)$')
  local i = status and slot[status]
  if i and string.sub(id, 1, #ids) == ids and redis.call('ZSCORE', KEYS[i], id) then
    counts[i] = counts[i] - 1
  end
end
return counts
