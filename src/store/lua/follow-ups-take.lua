--[[
follow-ups-take: lease the follow-ups left behind (a process died between a reply and the work
after it), oldest first, so that one sweeper handles each: their score moves to the lease's end,
and another sweeper sees them again only if this one dies too.

KEYS[1]  the follow-ups due (sorted set, member "<issue>:<version>", score = when it was due)
KEYS[2]  their data (hash, same member → JSON)
ARGV[1]  take those due at or before this (ms)   ARGV[2] the lease's end (ms)   ARGV[3] at most this many

Returns a flat list: member, data ('' when none), member, data, …
]]
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, m in ipairs(members) do
  redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[2]), m)
  out[#out + 1] = m
  out[#out + 1] = redis.call('HGET', KEYS[2], m) or ''
end
return out
