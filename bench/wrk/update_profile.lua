-- wrk script: updateProfile, each thread (run with -t N -c N: one connection each) its own user.
-- BENCH_USERS_FILE holds one "token version" line per user; the first line goes to thread 1, and so on.
-- Each answer's new profile version is the next request's expectedVersion.
--   BENCH_USERS_FILE=users.txt wrk -t 8 -c 8 -s bench/wrk/update_profile.lua URL
local threads = {}
local users = nil
local document = "mutation UpdateProfile($input: UpdateProfileInput!) { "
  .. "updateProfile(input: $input) { profile { version } errors { code } } }"

function setup(thread)
  if users == nil then
    users = {}
    for line in io.lines(os.getenv("BENCH_USERS_FILE")) do
      local token, version = line:match("^(%S+)%s+(%d+)$")
      table.insert(users, { token = token, version = tonumber(version) })
    end
  end
  local user = users[#threads + 1]
  thread:set("token", user.token)
  thread:set("version", user.version)
  thread:set("failed", 0)
  thread:set("failure", "")
  table.insert(threads, thread)
end

local count = 0

function request()
  count = count + 1
  local body = '{"query":"' .. document .. '","variables":{"input":{"expectedVersion":' .. version
    .. ',"jobTitle":"Bench writer ' .. count .. '"}}}'
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end

function response(status, headers, body)
  local found = body:match('"version":(%d+)')
  if status == 200 and found then
    version = tonumber(found)
  else
    failed = failed + 1
    if failure == "" then
      failure = status .. " " .. body:sub(1, 300)
    end
  end
end

function done(summary, latency, requests)
  local failed_total = 0
  for _, thread in ipairs(threads) do
    failed_total = failed_total + thread:get("failed")
    if thread:get("failure") ~= "" then
      io.write("WRK_FAILURE ", thread:get("failure"), "\n")
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"failed":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes, failed_total, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
