#!lua
-- publish_version: publishes the latest revision of a state machine as its next version
-- number (`Store::publish_version`), unless that revision already has a version. The
-- version counts as a use of its revision (`uses`), which keeps the revision stored.
-- Version numbers are never reused for a name (`lastver` outlives the machine).
--
-- KEYS[1]  <prefix>:{sm}:m:<name>    latest revision (hash: `rev`, `rec`)
-- KEYS[2]  <prefix>:{sm}:vs:<name>   versions (hash: number -> record JSON)
-- KEYS[3]  <prefix>:{sm}:vr:<name>   the version of each published revision (hash)
-- KEYS[4]  <prefix>:{sm}:lastver     the last version number given per name (hash)
-- KEYS[5]  <prefix>:{sm}:uses        executions and versions per `<name>|<rev>` (hash)
--
-- ARGV[1]  name
-- ARGV[2]  the revision the latest must be, or '' for any
-- ARGV[3]  creation time (ms)
-- ARGV[4]  the description as a JSON string, or ''
-- ARGV[5]  the most versions a machine may have
--
-- Returns {0, record} published, {1, record} already published, {2, latest revision} when
-- the latest is not ARGV[2], {3} when there are too many versions, {4} when the machine
-- does not exist.

local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return {4} end
if ARGV[2] ~= '' and ARGV[2] ~= rev then return {2, rev} end
local existing = redis.call('HGET', KEYS[3], rev)
if existing then return {1, redis.call('HGET', KEYS[2], existing)} end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[5]) then return {3} end
local n = redis.call('HINCRBY', KEYS[4], ARGV[1], 1)
local record = '{"version":' .. n .. ',"revision":' .. rev .. ',"created_ms":' .. ARGV[3]
if ARGV[4] ~= '' then record = record .. ',"description":' .. ARGV[4] end
record = record .. '}'
redis.call('HSET', KEYS[2], n, record)
redis.call('HSET', KEYS[3], rev, n)
redis.call('HINCRBY', KEYS[5], ARGV[1] .. '|' .. rev, 1)
return {0, record}
