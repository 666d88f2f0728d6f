package com.repricer.api;

import com.repricer.metrics.Endpoint;
import com.repricer.metrics.RepricerMetrics;
import com.repricer.storage.Ledger;
import com.repricer.storage.PriceRecord;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /api/product/{productId}/price}: the product's last durable price. The id may contain slashes, so
 * the route takes everything under {@code /api/product/} and {@link ProductPath} cuts the id out of the raw path.
 */
final class ProductService implements HttpService {

    private final Ledger ledger;
    private final ConcurrencyLimit limit;

    ProductService(Ledger ledger, int maxConcurrent, RepricerMetrics metrics) {
        this.ledger = ledger;
        this.limit = new ConcurrencyLimit(maxConcurrent, Endpoint.PRODUCT, metrics);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/*", limit.guard(this::latestPrice))
             .any("/*", (request, response) -> Responses.methodNotAllowed(response, "GET"));
    }

    private void latestPrice(ServerRequest request, ServerResponse response) {
        String productId = ProductPath.productId(request.path().absolute().rawPath());
        PriceRecord latest = ledger.latest(productId)
                                   .orElseThrow(() -> new ProductPath.NotFound("product " + productId
                                                                               + " has never been priced"));
        Responses.json(response, RecordJson.latest(latest));
    }
}
