--[[
export-file-mark: moves a file's status on (pending → ready, pending → failed) only from the
status the caller expects, so a late retry can never turn a ready file into a failed one, nor a
failed one into ready. The record keeps its expiry.

KEYS[1]  the file's metadata hash
ARGV[1]  the status expected now
ARGV[2…] field, value, field, value … (the new status among them)

Returns 1 when changed, 0 when the record is gone or in another status.
]]
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
