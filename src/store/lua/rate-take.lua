--[[
rate-take: a sliding-window rate limit per destination, with one or more windows that all must
have room: the group robot allows 20 messages a minute per webhook; the long connection 30 a
minute AND 1 000 an hour per chat (docs/wecom-protocol.md §3.5, §4.4). Takes a slot if every
window has one free. One sorted set of send times serves every window.

A share: some sends (ad-hoc /催办 pushes) may use only part of the first window, so that
scheduled reminders, digests and bulletins always find room. Their members start with the
share's prefix, and at most the share's limit of them may be in the first window at once.

KEYS[1]  sorted set of send times for one destination
ARGV[1]  now (ms)    ARGV[2] a unique member for this send    ARGV[3] n, the number of windows
ARGV[4 .. 3+2n]  each window as its length (ms) and its limit
ARGV[4+2n]  (optional) the most members starting with ARGV[5+2n] the first window may hold
ARGV[5+2n]  (optional) that prefix; ARGV[2] must start with it

Returns 0 when a slot was taken, else the milliseconds until a slot this send may use is free.
]]
local now = tonumber(ARGV[1])
local member = ARGV[2]
local n = tonumber(ARGV[3])
local windows = {}
local longest = 0
for i = 1, n do
  local length, limit = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  windows[i] = { length, limit }
  if length > longest then longest = length end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
local wait = 0
for i = 1, n do
  local length, limit = windows[i][1], windows[i][2]
  local count = redis.call('ZCOUNT', KEYS[1], '(' .. (now - length), '+inf')
  if count >= limit then
    -- A slot frees when the send that puts the window one over its limit leaves it.
    local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - length), '+inf', 'WITHSCORES', 'LIMIT', count - limit, 1)
    local free = tonumber(oldest[2]) + length - now
    if free > wait then wait = free end
  end
end
local shareLimit = ARGV[4 + 2 * n]
if wait == 0 and shareLimit then
  -- The first window holds at most its limit of members (20, 30): reading them all is cheap.
  local share, prefix, length = tonumber(shareLimit), ARGV[5 + 2 * n], windows[1][1]
  local members = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - length), '+inf', 'WITHSCORES')
  local count, first = 0, nil
  for i = 1, #members, 2 do
    if string.sub(members[i], 1, #prefix) == prefix then
      count = count + 1
      first = first or tonumber(members[i + 1])
    end
  end
  if count >= share then wait = first + length - now end
end
if wait > 0 then return math.max(1, wait) end
redis.call('ZADD', KEYS[1], now, member)
redis.call('PEXPIRE', KEYS[1], longest)
return 0
