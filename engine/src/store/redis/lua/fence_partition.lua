#!lua
-- fence_partition: before a start under a larger partition count, raises the fence of
-- the id's partition under an older count, and answers the execution if it is there
-- (layout.rs explains why this keeps names unique while processes disagree on the count).
--
-- KEYS[1]  <prefix>:{p<N>}:x:<id>    record
-- KEYS[2]  <prefix>:{p<N>}:layout    the fence: the largest partition count used here
--
-- ARGV[1]  the partition count of the start
--
-- Returns 0 when the execution is not here; else what start_execution.lua answers for an
-- existing execution.

local count = tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') < count then
  redis.call('SET', KEYS[2], count)
end
return packed_existing(KEYS[1]) or 0
