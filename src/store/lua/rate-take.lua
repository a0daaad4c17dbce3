--[[
rate-take: a sliding-window rate limit per destination (the group robot allows 20 messages a
minute per webhook). Takes a slot if one is free.

A share: some sends (ad-hoc /催办 pushes) may use only part of the window, so that scheduled
reminders, digests and bulletins always find room. Their members start with ARGV[6], and at
most ARGV[5] of them may be in the window at once. Without ARGV[5] every send counts alike.

KEYS[1]  sorted set of send times for one destination
ARGV[1]  now (ms)    ARGV[2] window (ms)    ARGV[3] limit    ARGV[4] a unique member for this send
ARGV[5]  (optional) the most members starting with ARGV[6] the window may hold
ARGV[6]  (optional) that prefix; ARGV[4] must start with it

Returns 0 when a slot was taken, else the milliseconds until a slot this send may use is free.
]]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local wait = 0
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  wait = tonumber(oldest[2]) + window - now
elseif ARGV[5] then
  -- The window holds at most `limit` members (20): reading them all is cheap.
  local share, prefix = tonumber(ARGV[5]), ARGV[6]
  local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  local count, first = 0, nil
  for i = 1, #members, 2 do
    if string.sub(members[i], 1, #prefix) == prefix then
      count = count + 1
      first = first or tonumber(members[i + 1])
    end
  end
  if count >= share then wait = first + window - now end
end
if wait > 0 then return math.max(1, wait) end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 0
