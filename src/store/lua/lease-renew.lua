--[[
lease-renew: extends the lease only while this owner still holds it: one that lapsed and was
taken by another instance stays theirs (this owner must then disconnect).

KEYS[1]  the lease
ARGV[1]  this owner's token    ARGV[2] the term (ms)

Returns 1 when renewed, 0 when another owner holds it or nobody does.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0
