-- Appended to a packed.lua by packed_lua.sh: times its three steps on one parked
-- execution, ARGV[1] times over. KEYS: the execution's record, history and tokens keys
-- (packed). Answers µs per call of packed_read (decode), packed_unpack (given the decoded
-- record: the writes) and packed_pack, and the packed string's length.
local x, h, k = KEYS[1], KEYS[2], KEYS[3]
local n = tonumber(ARGV[1])
local function now()
  local t = redis.call('TIME')
  return t[1] * 1e6 + t[2]
end
local blob = redis.call('GET', x)
local read, written, packed = 0, 0, 0
for _ = 1, n do
  local t0 = now()
  local p = packed_read(x, blob)
  local t1 = now()
  packed_unpack(x, h, k, nil, p)
  local t2 = now()
  if not packed_pack(x, h, k) then error('not packed again') end
  local t3 = now()
  read, written, packed = read + t1 - t0, written + t2 - t1, packed + t3 - t2
  blob = redis.call('GET', x)
end
return { tostring(read / n), tostring(written / n), tostring(packed / n), #blob }
