-- 80 % product reads, 20 % reprices, over PRODUCTS products.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local products = tonumber(os.getenv("PRODUCTS") or "1000")
local requests = {}
request = in_turn(requests)
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
