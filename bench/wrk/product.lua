-- GET /api/product/{id}/price over PRODUCTS products (all priced beforehand).
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local products = tonumber(os.getenv("PRODUCTS") or "1000")
local requests = {}
request = in_turn(requests)
function init(args)
  for id = 0, products - 1 do
    requests[id + 1] = wrk.format("GET", "/api/product/p" .. id .. "/price")
  end
end
