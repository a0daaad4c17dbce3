--[[
read-page: one page of a merged ledger index and the page's issues, in one round trip
(src/store/ledger-pages.ts: /清单, /我的). Reads only.

Two kinds of index, as LedgerStore reads them one command at a time:
  'id'        sorted sets of issue ids scored by id (idx:unit:<u>:<state>, idx:assignee:<u>):
              newest first; the total is the sum of their ZCARDs; an id in two sets counts once
              on the page (as many times in the total).
  'deadline'  the per-unit running clocks scored by deadline (deadlines:<u>, members "YYYYMM:id"
              or "id"): only those past `now`, the most overdue first (deadline, then id); the
              total is the sum of their ZCOUNTs.

Cost: for k index keys and a page ending at e = offset + limit, each key gives an O(1) count
(ZCARD, or ZCOUNT's O(log N)) and at most e members (O(log N + e)); the merge sorts at most k·e
ids; the page reads `limit` issues. So O(k·(log N + e) + limit): it grows with the page and the
number of keys (the scope), never with the size of an index.

The issues' keys are built here from the id, so they cannot be in KEYS before the ids are known;
they carry the same `{ledger}` hash tag as the index keys (issue:<id>, issue:<id>:history), so
under Redis Cluster they live in the slot the declared keys already fix and the script stays on
one node (a script may touch keys of its own slot; src/store/keys.ts).

KEYS[1..k]   the index keys (at least one)
ARGV[1]      'id' or 'deadline'
ARGV[2]      offset (0-based)
ARGV[3]      limit
ARGV[4]      the issue key's prefix (issue key = prefix .. id)
ARGV[5]      the history key's suffix (history key = prefix .. id .. suffix)
ARGV[6]      now, ms ('deadline' only)

Returns { total, id, hash, history, id, hash, history, … }: per issue on the page, in page
order, its id (a string), its hash as scan-issues.lua joins one ("n\0field\0value…", '' when
the hash is gone) and its history string ('' when none).
]]
local mode = ARGV[1]
local offset = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local prefix = ARGV[4]
local suffix = ARGV[5]
local want = offset + limit
local total = 0
local ids = {}

if mode == 'id' then
  local seen = {}
  for i = 1, #KEYS do
    total = total + redis.call('ZCARD', KEYS[i])
    if want > 0 then
      for _, m in ipairs(redis.call('ZREVRANGE', KEYS[i], 0, want - 1)) do
        local id = tonumber(m)
        if not seen[id] then
          seen[id] = true
          ids[#ids + 1] = id
        end
      end
    end
  end
  table.sort(ids, function(a, b) return a > b end)
elseif mode == 'deadline' then
  local before = '(' .. ARGV[6]
  local items = {}
  for i = 1, #KEYS do
    total = total + redis.call('ZCOUNT', KEYS[i], '-inf', before)
    if want > 0 then
      local flat = redis.call('ZRANGEBYSCORE', KEYS[i], '-inf', before, 'WITHSCORES', 'LIMIT', 0, want)
      for j = 1, #flat, 2 do
        items[#items + 1] = { id = tonumber(string.match(flat[j], '([^:]*)$')), d = tonumber(flat[j + 1]) }
      end
    end
  end
  table.sort(items, function(a, b)
    if a.d ~= b.d then return a.d < b.d end
    return a.id < b.id
  end)
  for i = 1, #items do ids[i] = items[i].id end
else
  return redis.error_reply('read-page: unknown mode ' .. tostring(mode))
end

local out = { total }
for i = offset + 1, math.min(#ids, want) do
  local id = string.format('%d', ids[i])
  local key = prefix .. id
  local h = redis.call('HGETALL', key)
  out[#out + 1] = id
  if #h == 0 then
    out[#out + 1] = ''
    out[#out + 1] = ''
  else
    out[#out + 1] = #h .. '\0' .. table.concat(h, '\0')
    out[#out + 1] = redis.call('GET', key .. suffix) or ''
  end
end
return out
