#!lua flags=no-writes
-- history: a page of history events (`Store::history`). Event ids are 1-based positions.
--
-- KEYS[1]  <prefix>:{p<N>}:h:<id>  history (list of event JSON)
-- KEYS[2]  <prefix>:{p<N>}:x:<id>  record: when packed (packed.lua), the events are in it
--
-- ARGV[1]  from_id: forward the first event of the page, reverse the newest (clamped to
--          the last event)
-- ARGV[2]  at most this many
-- ARGV[3]  `f` forward or `r` reverse
--
-- Returns the page's events oldest first (a reverse page too: the caller reverses it).

local from, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local events = nil
local total = redis.call('LLEN', KEYS[1])
if total == 0 and redis.call('TYPE', KEYS[2])['ok'] == 'string' then
  local packed = packed_read(KEYS[2], redis.call('GET', KEYS[2]))
  if packed then
    events = packed.events
    total = #events
  end
end
local first, last
if ARGV[3] == 'r' then
  last = math.min(from, total)
  first = math.max(1, last - limit + 1)
else
  first = math.max(from, 1)
  last = math.min(total, first + limit - 1)
end
if limit < 1 or first > last then return {} end
if not events then return redis.call('LRANGE', KEYS[1], first - 1, last - 1) end
local out = {}
for j = first, last do out[#out + 1] = events[j] end
return out
