-- GET /api/product/{id}/price over PRODUCTS products (all priced beforehand).
-- The requests are built once in init(): building each in Lua costs the load generator CPU that, on the same two
-- cores, the server would otherwise get.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local products = tonumber(os.getenv("PRODUCTS") or "1000")
local requests = {}
local next_request = 0
function init(args)
  for id = 0, products - 1 do
    requests[id + 1] = wrk.format("GET", "/api/product/p" .. id .. "/price")
  end
end
function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
