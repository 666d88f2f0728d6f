package com.repricer.metrics;

/**
 * The API endpoints: the route each is served under (the API routing registers these paths) and its name in
 * metrics.
 */
public enum Endpoint {
    REPRICE("reprice", "/api/reprice", false),
    PRODUCT("product", "/api/product", true),
    QUERY("query", "/api/query", false),
    /** Anything else on the API port (404s, 405s). */
    OTHER("other", null, false);

    private final String label;
    private final String path;
    private final boolean hasSubPaths;

    Endpoint(String label, String path, boolean hasSubPaths) {
        this.label = label;
        this.path = path;
        this.hasSubPaths = hasSubPaths;
    }

    public String label() {
        return label;
    }

    /** The path the endpoint's service is registered under ({@code /api/product} serves what lies below it). */
    public String path() {
        if (path == null) {
            throw new IllegalStateException(this + " has no route");
        }
        return path;
    }

    /** Which endpoint a request path belongs to. */
    public static Endpoint of(String requestPath) {
        for (Endpoint endpoint : values()) {
            if (endpoint.path != null && endpoint.matches(requestPath)) {
                return endpoint;
            }
        }
        return OTHER;
    }

    private boolean matches(String requestPath) {
        return hasSubPaths ? requestPath.startsWith(path + "/") : requestPath.equals(path);
    }
}
