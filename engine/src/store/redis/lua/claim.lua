-- claim (put in front of read_queue.lua and deliver_callback.lua when they are loaded: see
-- `with_claim` in mod.rs): claims entries of the queue stream `queue` for the group `w`'s
-- one consumer `c`. The caller has checked the lease.
--
-- from    `>` (new entries) or an entry id: pending entries after it (`0`: all)
-- count   at most this many
-- prefix  the partition's record key prefix, `<prefix>:{p<N>}:x:` ('' to read no records)
-- most    the most fields a record may have to be read here
-- known   (optional) record key -> its fields, for a record the caller has just written
--
-- Returns an array: first 'idle' when nothing new was there (the caller waits for its
-- doorbell), else ''; then id, execution, event JSON, record for each entry ('' for a
-- field that is missing: the caller dead-letters such an entry). Pending entries whose
-- data is gone (deleted) are acknowledged and skipped.
--
-- The record is the execution's record hash (or packed record) as `load.lua` answers it, read here so that a
-- worker whose actor for the execution is gone (it left while the execution waited) needs
-- no round trip of its own to load it: a callback, a timer or a start costs one fewer. It is
-- read for an execution's first entry of the claim and only when the hash has at most
-- `most` fields (a large record, e.g. a Map's, is loaded by the actor only when needed);
-- else it is false (nil). The key is built from `prefix` and is in the partition's slot
-- (its `{p<N>}` tag) like the caller's KEYS: Redis Cluster serves it on the same node.
local function claim(queue, from, count, prefix, most, known)
  local function read()
    return redis.pcall('XREADGROUP', 'GROUP', 'w', 'c', 'COUNT', count, 'STREAMS', queue, from)
  end
  local reply = read()
  if type(reply) == 'table' and reply.err then
    if not string.find(reply.err, 'NOGROUP', 1, true) then return redis.error_reply(reply.err) end
    redis.call('XGROUP', 'CREATE', queue, 'w', '0', 'MKSTREAM')
    reply = read()
    if type(reply) == 'table' and reply.err then return redis.error_reply(reply.err) end
  end

  most = tonumber(most)
  local seen = {}
  local function record(x)
    if prefix == '' or x == '' or seen[x] then return false end
    seen[x] = true
    local key = prefix .. x
    local fields = known and known[key]
    if not fields then
      local kind, value = packed_record(key)
      if kind == 'hash' then
        return redis.call('HLEN', key) <= most and redis.call('HGETALL', key)
      end
      if kind ~= 'packed' then return false end
      fields = value.fields
    end
    return #fields <= 2 * most and fields
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
        redis.call('XACK', queue, 'w', id)
        redis.call('XDEL', queue, id)
      end
    end
  end
  if #out == 1 and from == '>' then
    -- Everything in the stream was delivered: the caller waits for the doorbell.
    out[1] = 'idle'
  end
  return out
end
