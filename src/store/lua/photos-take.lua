--[[
photos-take: take every photo the sender holds in the chat (read and delete at once, so two
/整改 at the same moment never both get one), and, after a fix was done, note its issue for the
photos that follow — in the same step, so a photo held a moment before the note is taken here
and one held after it sees the note (photos-hold.lua).

KEYS[1]  held photos (hash)
KEYS[2]  the sender's recent fix in the chat
ARGV[1]  the issue of the fix just done, or '' (before the fix: take only)
ARGV[2]  the note's TTL (ms)

Returns the hash's field, value pairs as HGETALL gives them.
]]
if ARGV[1] ~= '' then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) end
local all = redis.call('HGETALL', KEYS[1])
if #all > 0 then redis.call('DEL', KEYS[1]) end
return all
