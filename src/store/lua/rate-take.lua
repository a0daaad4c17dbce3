--[[
rate-take: a sliding-window rate limit per destination (the group robot allows 20 messages a
minute per webhook). Takes a slot if one is free.

KEYS[1]  sorted set of send times for one destination
ARGV[1]  now (ms)    ARGV[2] window (ms)    ARGV[3] limit    ARGV[4] a unique member for this send

Returns 0 when a slot was taken, else the milliseconds until the oldest send leaves the window.
]]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
