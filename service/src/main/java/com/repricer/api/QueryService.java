package com.repricer.api;

import com.repricer.storage.HistoryPage;
import com.repricer.storage.HistoryQuery;
import com.repricer.storage.Ledger;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/** {@code GET /api/query}: a page of the history, with a {@code Link: <…>; rel="next"} when more follows. */
record QueryService(Ledger ledger) implements Handler {

    @Override
    public void handle(ServerRequest request, ServerResponse response) {
        Map<String, List<String>> parameters = QueryParameters.parse(request.query().rawValue());
        HistoryRequest history = HistoryRequest.parse(parameters);
        HistoryPage page = ledger.history(new HistoryQuery(history.productId(), history.fromNanos(),
                                                           history.toNanos(), history.offset(),
                                                           history.pageSize()));
        if (page.hasNext()) {
            response.header(HeaderNames.LINK, "<" + nextPage(parameters, history.pageNumber() + 1)
                                              + ">; rel=\"next\"");
        }
        Responses.json(response, RecordJson.history(page.records()));
    }

    /** The same query one page further, as a path-absolute reference. */
    private static String nextPage(Map<String, List<String>> parameters, long pageNumber) {
        StringJoiner query = new StringJoiner("&", "/api/query?", "");
        parameters.forEach((name, values) -> {
            if (!name.equals("pageNumber")) {
                values.forEach(value -> query.add(encode(name) + "=" + encode(value)));
            }
        });
        return query.add("pageNumber=" + pageNumber).toString();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
