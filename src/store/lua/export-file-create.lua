--[[
export-file-create: records a file a job is about to make, once. A second request with the same
id (a re-sent command) leaves the first record, whatever its status, untouched.

KEYS[1]  the file's metadata hash
ARGV[1]  how long the record lasts, in ms (a little past the file's expiry; relative, so the
         app's clock, not Redis's, decides when a link expires)
ARGV[2…] field, value, field, value … (status pending among them)

Returns 1 when recorded, 0 when the id was already known.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
