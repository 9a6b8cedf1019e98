#!lua flags=no-writes
-- history_reverse: history events from `from_id` down (`Store::history` with `reverse`).
-- Event ids are 1-based list positions. (Forward pages are a plain LRANGE.)
--
-- KEYS[1]  <prefix>:{p<N>}:h:<id>  history (list of event JSON)
--
-- ARGV[1]  from_id: the newest event of the page (clamped to the last event)
-- ARGV[2]  at most this many
--
-- Returns the events oldest first (the caller reverses them).

local last = math.min(tonumber(ARGV[1]), redis.call('LLEN', KEYS[1]))
local limit = tonumber(ARGV[2])
if last < 1 or limit < 1 then return {} end
local first = math.max(1, last - limit + 1)
return redis.call('LRANGE', KEYS[1], first - 1, last - 1)
