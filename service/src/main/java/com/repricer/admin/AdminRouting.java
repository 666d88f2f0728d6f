package com.repricer.admin;

import com.repricer.metrics.RepricerMetrics;
import com.repricer.storage.Ledger;
import com.repricer.storage.StorageHealth;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.openapi.OpenApiFeature;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;

import java.util.List;
import java.util.Set;

/**
 * The admin port (9102, not exposed by the Service): health, Prometheus metrics and the OpenAPI document. The
 * results export is not here: it has its own loopback socket ({@link ExportRouting}).
 *
 * <p>Readiness is the storage's health: false while recovering and while writes fail. Liveness only says the
 * process answers: a full disk must take the pod out of the load balancer, not restart it in a loop.
 */
public record AdminRouting(Ledger ledger, RepricerMetrics metrics) {

    public static final String SOCKET = "admin";

    /** Health and metrics under {@code /observe}, on the admin socket only. */
    public ObserveFeature observeFeature() {
        HealthObserver health = HealthObserver.builder()
                                              .useSystemServices(false)
                                              .details(true)
                                              .addCheck(storageReadiness())
                                              .addCheck(() -> HealthCheckResponse.builder().status(true).build(),
                                                        HealthCheckType.LIVENESS, "process")
                                              .build();
        MetricsObserver metricsObserver = MetricsObserver.builder().meterRegistry(metrics.registry()).build();
        return ObserveFeature.builder()
                             .sockets(List.of(SOCKET))
                             .addObserver(health)
                             .addObserver(metricsObserver)
                             .build();
    }

    /** The API's OpenAPI document ({@code META-INF/openapi.yml}) at {@code /openapi}, on the admin socket only. */
    public static OpenApiFeature openApiFeature() {
        return OpenApiFeature.builder().sockets(Set.of(SOCKET)).servicesDiscoverServices(false).build();
    }

    private HealthCheck storageReadiness() {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return "storage";
            }

            @Override
            public HealthCheckResponse call() {
                StorageHealth health = ledger.health();
                return HealthCheckResponse.builder().status(health.ready()).detail("state", health.reason()).build();
            }
        };
    }
}
