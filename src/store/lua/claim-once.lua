--[[
claim-once: the first caller within a period holds a claim; later callers in the period learn
when the holder claimed, in the same atomic step, so the answer cannot describe a claim that
ran out in between. Used for "one /催办 push per issue per hour". The period is measured on the
callers' clock (ARGV[1]), like the rate windows; the key's own expiry only clears it away.

KEYS[1]  the claim, holding "<claimed at ms>|<caller>"
ARGV[1]  now (ms)    ARGV[2] the period (ms)    ARGV[3] this caller (a unique name)

Returns {1, now} when this caller took the claim, else {0, when the holder claimed}.
]]
local now = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local held = redis.call('GET', KEYS[1])
if held then
  local since = tonumber(string.match(held, '^(%d+)|'))
  if since and now < since + period then return {0, since} end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[3], 'PX', period)
return {1, now}
