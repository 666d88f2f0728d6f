package com.repricer.metrics;

/** The API endpoints, as named in metrics. */
public enum Endpoint {
    REPRICE("reprice"),
    PRODUCT("product"),
    QUERY("query"),
    /** Anything else on the API port (404s, 405s). */
    OTHER("other");

    private final String label;

    Endpoint(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Which endpoint a request path belongs to. */
    public static Endpoint of(String path) {
        if (path.equals("/api/reprice")) {
            return REPRICE;
        }
        if (path.startsWith("/api/product/")) {
            return PRODUCT;
        }
        if (path.equals("/api/query")) {
            return QUERY;
        }
        return OTHER;
    }
}
