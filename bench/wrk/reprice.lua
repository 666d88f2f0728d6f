-- POST /api/reprice over PRODUCTS distinct products (env), prices cycling with two decimals.
-- Built once in init() (at least 10 000, so that prices vary), each thread starting elsewhere.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local products = tonumber(os.getenv("PRODUCTS") or "1000")
local threads = 0
local requests = {}
request = in_turn(requests)
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
function init(args)
  local counter = (thread_number or 0) * 1000003
  for i = 1, math.max(products, 10000) do
    counter = counter + 1
    local body = string.format('{"productId":"p%d","price":%d.%02d}', counter % products, (counter % 997) + 1,
                               counter % 100)
    requests[i] = wrk.format("POST", "/api/reprice", {["Content-Type"] = "application/json"}, body)
  end
end
