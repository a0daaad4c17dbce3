--[[
org-publish: makes a validated organisation the one every instance uses (src/store/org-channel.ts),
records it in the history and announces it, all at once: an instance that hears the announcement
finds the text it names, and no two publishes get the same version.

KEYS[1]  org:current (hash: yaml, hash, version, by, at, source)
KEYS[2]  org:history (stream)
ARGV[1]  the YAML    ARGV[2] its hash    ARGV[3] who (userid, "SIGHUP", "start-up")
ARGV[4]  when (ms)   ARGV[5] the source file    ARGV[6] the channel
ARGV[7]  "1": only when nothing is stored yet (start-up: never over a validated reload); "0": always (/reload, SIGHUP)
ARGV[8]  the history's length cap

Returns {published (1|0), version, the hash it replaced ("" for none) or, unpublished, the one in force}.
]]
local cur = redis.call('HMGET', KEYS[1], 'hash', 'version')
local previous = cur[1] or ''
if ARGV[7] == '1' and previous ~= '' then
  return {0, tonumber(cur[2] or '0'), previous}
end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'yaml', ARGV[1], 'hash', ARGV[2], 'by', ARGV[3], 'at', ARGV[4], 'source', ARGV[5])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[8], '*', 'version', version, 'hash', ARGV[2], 'previous', previous, 'by', ARGV[3], 'at', ARGV[4], 'source', ARGV[5])
redis.call('PUBLISH', ARGV[6], version .. ':' .. ARGV[2])
return {1, version, previous}
