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
--
-- Returns -1 when the lease is not held. Otherwise an array: first 'idle' when nothing
-- new was there (the caller waits for its doorbell), else ''; then id, execution, event JSON for
-- each entry ('' for a field that is missing: the caller dead-letters such an entry).
-- Pending entries whose data is gone (deleted) are acknowledged and skipped.

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end

local function read()
  return redis.pcall('XREADGROUP', 'GROUP', 'w', 'c', 'COUNT', ARGV[3], 'STREAMS', KEYS[2], ARGV[2])
end
local reply = read()
if type(reply) == 'table' and reply.err then
  if not string.find(reply.err, 'NOGROUP', 1, true) then return redis.error_reply(reply.err) end
  redis.call('XGROUP', 'CREATE', KEYS[2], 'w', '0', 'MKSTREAM')
  reply = read()
  if type(reply) == 'table' and reply.err then return redis.error_reply(reply.err) end
end

local out = { '' }
if reply and reply[1] then
  for _, entry in ipairs(reply[1][2]) do
    local id, fields, x, e = entry[1], entry[2], '', ''
    if fields then
      for f = 1, #fields, 2 do
        if fields[f] == 'x' then x = fields[f + 1] elseif fields[f] == 'e' then e = fields[f + 1] end
      end
      out[#out + 1] = id
      out[#out + 1] = x
      out[#out + 1] = e
    else
      redis.call('XACK', KEYS[2], 'w', id)
      redis.call('XDEL', KEYS[2], id)
    end
  end
end
if #out == 1 and ARGV[2] == '>' then
  -- Everything in the stream was delivered: the caller waits for the doorbell.
  out[1] = 'idle'
end
return out
