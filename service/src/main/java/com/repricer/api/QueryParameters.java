package com.repricer.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a request's raw query string, read as the contract reads them (SPEC §1 GET /api/query):
 * {@code +} is a literal plus (as in the path), and a parameter without {@code =} is given, with the empty value
 * ({@code ?foo} is the unknown parameter {@code foo}; {@code ?pagesize=1&pagesize} gives {@code pagesize} twice).
 * Empty fields ({@code a=1&&b=2}, a trailing {@code &}) name nothing and are skipped.
 */
final class QueryParameters {

    private QueryParameters() {
    }

    /**
     * @param rawQuery the query as received, still percent-encoded, without the {@code ?}; empty or {@code null}
     *                 for none
     * @return each parameter's values in request order, names in the order first given
     * @throws BadRequestException naming the parameter whose name or value is badly encoded
     */
    static Map<String, List<String>> parse(String rawQuery) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String field : rawQuery.split("&", -1)) {
            if (field.isEmpty()) {
                continue;
            }
            int equals = field.indexOf('=');
            String rawName = equals < 0 ? field : field.substring(0, equals);
            String name = PercentDecoding.decode(rawName, rawName);
            String value = equals < 0 ? "" : PercentDecoding.decode(name, field.substring(equals + 1));
            parameters.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return parameters;
    }
}
