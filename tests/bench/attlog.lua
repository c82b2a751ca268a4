-- wrk script: every request POSTs 100 ATTLOG punches, unique across requests, threads and runs, to
-- /iclock/cdata?table=ATTLOG (the cross-check of `zkbio bench push --phases attlog`).
--   wrk -t2 -c50 -d10s -s tests/bench/attlog.lua --latency http://127.0.0.1:8081
-- Environment: ATTLOG_DEVICES (serial numbers WRK0001..., default 100). Punch times advance one
-- second per record from a per-run start; the PIN carries the thread number, so no two requests of
-- a run repeat a (SN, PIN, time) and nothing is de-duplicated away.
local devices = tonumber(os.getenv("ATTLOG_DEVICES") or "100")
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  base = os.time() + tid * 100000000
  seq = 0
  math.randomseed(os.time() + tid)
end

function request()
  local lines = {}
  local t0 = base + seq * 100
  for j = 1, 100 do
    lines[j] = string.format("%d\t%s\t0\t1\t0\t0\t0", tid * 1000 + j, os.date("!%Y-%m-%d %H:%M:%S", t0 + j))
  end
  local sn = string.format("WRK%04d", seq % devices + 1)
  seq = seq + 1
  return wrk.format("POST", "/iclock/cdata?SN=" .. sn .. "&table=ATTLOG&Stamp=1",
    {["Content-Type"] = "text/plain"}, table.concat(lines, "\n") .. "\n")
end

function response(status, headers, body)
  if status ~= 200 or string.sub(body, 1, 6) ~= "OK: 10" then
    counter = counter + 1
    if counter <= 3 then print("unexpected reply: " .. status .. " " .. body) end
  end
end
