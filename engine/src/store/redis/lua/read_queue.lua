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
-- Returns -1 when the lease is not held. Otherwise an array: first 'idle' when nothing
-- new was there (the caller waits for its doorbell), else ''; then id, execution, event JSON,
-- record for each entry ('' for a field that is missing: the caller dead-letters such an
-- entry). Pending entries whose data is gone (deleted) are acknowledged and skipped.
--
-- The record is the execution's record hash as `load.lua` answers it, read here so that a
-- worker whose actor for the execution is gone (it left while the execution waited) needs
-- no round trip of its own to load it: a callback, a timer or a start costs one fewer. It is
-- read for an execution's first entry of the claim and only when the hash has at most
-- ARGV[5] fields (a large record, e.g. a Map's, is loaded by the actor only when needed);
-- else it is false (nil). The key is built from ARGV[4] and is in the partition's slot (its
-- `{p<N>}` tag) like KEYS: Redis Cluster serves it on the same node.

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

local prefix, most = ARGV[4], tonumber(ARGV[5])
local seen = {}
local function record(x)
  if prefix == '' or x == '' or seen[x] then return false end
  seen[x] = true
  local key = prefix .. x
  if redis.call('TYPE', key)['ok'] ~= 'hash' or redis.call('HLEN', key) > most then return false end
  return redis.call('HGETALL', key)
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
      out[#out + 1] = record(x)
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
