package com.repricer.monitoring;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression selects. Not a parser (Prometheus itself checks that an expression parses):
 * it removes what can hold other identifiers — strings, label matchers, ranges, label lists of {@code by},
 * {@code without}, {@code on}, {@code ignoring}, {@code group_left/right} — and keeps the identifiers that are
 * neither called (functions, aggregations) nor keywords.
 */
final class PromQlMetricNames {

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LIST =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern OFFSET = Pattern.compile("\\boffset\\s+-?\\w+");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:])[a-zA-Z_:][a-zA-Z0-9_:]*+(?!\\s*\\()");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "by", "without", "on",
                                                       "ignoring", "group_left", "group_right", "offset", "inf",
                                                       "nan", "atan2");

    private PromQlMetricNames() {
    }

    static Set<String> of(String expression) {
        String rest = expression;
        for (Pattern removed : new Pattern[] {STRING, MATCHERS, RANGE, LABEL_LIST, OFFSET}) {
            rest = removed.matcher(rest).replaceAll(" ");
        }
        Set<String> names = new TreeSet<>();
        Matcher identifier = IDENTIFIER.matcher(rest);
        while (identifier.find()) {
            String name = identifier.group();
            if (!KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) {
                names.add(name);
            }
        }
        return names;
    }
}
