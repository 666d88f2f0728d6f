-- 80 % product reads, 20 % reprices, over PRODUCTS products.
-- The requests are built once in init() (see reprice.lua for why).
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local products = tonumber(os.getenv("PRODUCTS") or "1000")
local requests = {}
local next_request = 0
function init(args)
  for counter = 1, 5 * math.max(products, 2000) do
    local id = counter % products
    if counter % 5 == 0 then
      local body = string.format('{"productId":"p%d","price":%d.%02d}', id, (counter % 997) + 1, counter % 100)
      requests[counter] = wrk.format("POST", "/api/reprice", {["Content-Type"] = "application/json"}, body)
    else
      requests[counter] = wrk.format("GET", "/api/product/p" .. id .. "/price")
    end
  end
end
function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
