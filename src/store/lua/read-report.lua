--[[
read-report: everything a scope report reads for a group of units, in one round trip
(src/store/ledger-report.ts: /status, the 通报, the summaries, the exports). Reads only.

What LedgerStore's unitCounts, overdue and taskOverdue read one command at a time, and what
getMany then read for the most overdue issues, in one script, because three of those reads
depend on an earlier answer: the task counters (only units that have task issues), the tasks'
running clocks (only units with task issues found in the period) and the oldest issues' hashes
(only once the merge of the clocks named them).

Per unit u, in KEYS order: its counters hash, then its m running-clock sets (the unit's one set,
or one per discovery month), then the m task-clock sets of the same months:
  KEYS[(u-1)·(1+2m) + 1]            stats:<u>
  KEYS[… + 2 .. … + 1 + m]          deadlines:<u>[:<month>]      (members "YYYYMM:id" or "id")
  KEYS[… + 2 + m .. … + 1 + 2m]     task:deadlines:<u>[:<month>]
ARGV[1]   m
ARGV[2]   C, the number of counters; the fields below are bucket-major (bucket 1's C counters, …)
ARGV[3]   the 1-based index among the C counters of 'found' (a unit's task clocks are read only
          when it has task issues found in the period, as LedgerStore.taskOverdue is called)
ARGV[4]   now, ms: a clock is overdue when its deadline is before it
ARGV[5]   how many of the most overdue issues to return (0: none)
ARGV[6]   the issue key's prefix (issue key = prefix .. id), ARGV[7] the history key's suffix
ARGV[8 .. 7+F]       the problem counters' fields (F = buckets · C)
ARGV[8+F .. 7+2F]    the task counters' fields, in the same order

Returns, per unit in order, 2C + 2 integers: its problem counters summed over the buckets, its
task counters likewise, its overdue clocks (tasks included, as LedgerStore.overdue counts them)
and its overdue task clocks; then, per most overdue issue (deadline, then id; at most ARGV[5]),
its id (a string), its deadline (the clock's score), its hash joined as read-page.lua joins one
("n\0field\0value…", '' when gone) and its history string ('' when none).

Cost: per unit one HMGET of 2F fields, up to 2m ZCOUNTs (O(log N)) and m ZRANGEBYSCOREs of at
most ARGV[5] members; then a sort of at most units · m · ARGV[5] items and ARGV[5] hashes. It
grows with the scope and the period's months, never with the number of issues. The caller splits
a large scope over several calls sent together (one round trip), so no call blocks Redis long.

The issues' keys are built from the ids; they carry the `{ledger}` hash tag of the declared keys,
so under Redis Cluster the script stays on one node (as read-page.lua; src/store/keys.ts).
]]
local m = tonumber(ARGV[1])
local C = tonumber(ARGV[2])
local foundAt = tonumber(ARGV[3])
local before = '(' .. ARGV[4]
local want = tonumber(ARGV[5])
local prefix = ARGV[6]
local suffix = ARGV[7]
local F = (#ARGV - 7) / 2
local fields = {}
for i = 1, 2 * F do fields[i] = ARGV[7 + i] end

local stride = 1 + 2 * m
local out = {}
local items = {}
for base = 0, #KEYS - stride, stride do
  local values = F > 0 and redis.call('HMGET', KEYS[base + 1], unpack(fields)) or {}
  local sums = {}
  for i = 1, 2 * C do sums[i] = 0 end
  for i = 1, 2 * F do
    local v = values[i]
    if v then
      -- Problem fields first, then task fields; each bucket-major over the C counters.
      local k = ((i - 1) % C) + 1 + (i > F and C or 0)
      sums[k] = sums[k] + tonumber(v)
    end
  end
  local overdue = 0
  for j = 1, m do
    local key = KEYS[base + 1 + j]
    overdue = overdue + redis.call('ZCOUNT', key, '-inf', before)
    if want > 0 then
      local flat = redis.call('ZRANGEBYSCORE', key, '-inf', before, 'WITHSCORES', 'LIMIT', 0, want)
      for n = 1, #flat, 2 do
        items[#items + 1] = { id = tonumber(string.match(flat[n], '([^:]*)$')), d = tonumber(flat[n + 1]) }
      end
    end
  end
  local taskOverdue = 0
  if sums[C + foundAt] > 0 then
    for j = 1, m do taskOverdue = taskOverdue + redis.call('ZCOUNT', KEYS[base + 1 + m + j], '-inf', before) end
  end
  for i = 1, 2 * C do out[#out + 1] = sums[i] end
  out[#out + 1] = overdue
  out[#out + 1] = taskOverdue
end

table.sort(items, function(a, b)
  if a.d ~= b.d then return a.d < b.d end
  return a.id < b.id
end)
for i = 1, math.min(#items, want) do
  local id = string.format('%d', items[i].id)
  local key = prefix .. id
  local h = redis.call('HGETALL', key)
  out[#out + 1] = id
  out[#out + 1] = string.format('%d', items[i].d)
  if #h == 0 then
    out[#out + 1] = ''
    out[#out + 1] = ''
  else
    out[#out + 1] = #h .. '\0' .. table.concat(h, '\0')
    out[#out + 1] = redis.call('GET', key .. suffix) or ''
  end
end
return out
