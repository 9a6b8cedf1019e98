#!lua flags=allow-oom
-- expire: deletes finished executions whose retention ran out (`Store::expire`). Allowed
-- when Redis is out of memory: it only deletes.
--
-- KEYS[1]  <prefix>:{p<N>}:lease  the partition lease (string: its token)
-- KEYS[2]  <prefix>:{p<N>}:e      expiry (zset: member `<rev>|<status>|<id>`, score ms)
-- KEYS[3]  <prefix>:{p<N>}:n      counts (hash: status -> executions)
-- KEYS[4]  <prefix>:{p<N>}:a      active execution ids (set)
-- then, per execution: x:<id> (record), h:<id> (history), k:<id> (tokens),
-- l:<sm>:<status> (its listing index)
--
-- ARGV[1]  the lease token
-- ARGV[2]  now (ms)
-- then, per execution: its expiry member
--
-- Returns the members deleted (those still due), or -1 when the lease is not held.

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local now = tonumber(ARGV[2])
local deleted = {}
for i = 3, #ARGV do
  local member = ARGV[i]
  local score = redis.call('ZSCORE', KEYS[2], member)
  if score and tonumber(score) <= now then
    local _, status, id = string.match(member, '^(%d+)|(%u[%u_]*)|(.+)$')
    local k = 5 + (i - 3) * 4
    redis.call('ZREM', KEYS[2], member)
    redis.call('DEL', KEYS[k], KEYS[k + 1], KEYS[k + 2])
    if id then
      redis.call('ZREM', KEYS[k + 3], id)
      redis.call('SREM', KEYS[4], id)
      redis.call('HINCRBY', KEYS[3], status, -1)
    end
    deleted[#deleted + 1] = member
  end
end
return deleted
