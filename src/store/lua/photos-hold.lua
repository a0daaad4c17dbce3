--[[
photos-hold: hold a lone photo's media for the sender's next /整改 in the chat — unless they
reported a fix there in the last minutes, which the photo then joins instead. One script, so a
/整改 that takes the held photos and notes itself (photos-take.lua) cannot slip between the
check and the hold: either the fix's take sees the photo, or the photo sees the fix.

KEYS[1]  held photos (hash: field msgid#index → JSON {kind, url, aesKey?, at})
KEYS[2]  the sender's recent fix in the chat (string: issue id)
ARGV[1]  the window (ms): the hash's TTL, and the age past which a held photo is dropped
ARGV[2]  now (ms)
ARGV[3…] field, value pairs to hold

Returns {'fix', id} when a recent fix takes the photo (nothing held), else {'held', count} with
the photos held now (expired ones dropped).
]]
local fix = redis.call('GET', KEYS[2])
if fix then return {'fix', fix} end
local window = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
-- Decode before the first write: Redis does not undo a script's writes when it fails halfway.
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
local old = redis.call('HGETALL', KEYS[1])
local stale = {}
for i = 1, #old, 2 do
  local ok, v = pcall(cjson.decode, old[i + 1])
  if not ok or type(v) ~= 'table' or type(v.at) ~= 'number' or v.at < now - window then stale[#stale + 1] = old[i] end
end
if #stale > 0 then redis.call('HDEL', KEYS[1], unpack(stale)) end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], window)
return {'held', redis.call('HLEN', KEYS[1])}
