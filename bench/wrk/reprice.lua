-- POST /api/reprice over PRODUCTS distinct products (env), prices cycling with two decimals.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local products = tonumber(os.getenv("PRODUCTS") or "1000")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
function init(args)
  counter = (thread_number or 0) * 1000003
end
function request()
  counter = counter + 1
  local body = string.format('{"productId":"p%d","price":%d.%02d}', counter % products, (counter % 997) + 1,
                             counter % 100)
  return wrk.format("POST", "/api/reprice", {["Content-Type"] = "application/json"}, body)
end
