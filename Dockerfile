# syntax=docker/dockerfile:1
# The repricer service on a distroless base: glibc, a jlinked Java runtime, the jar; no shell, no package manager,
# no tar. Results leave the container through GET /debug/results on the export socket, 127.0.0.1:9103 inside the
# container (in Kubernetes: kubectl port-forward; with docker run: see docs/deployment.md), not through kubectl cp.
#
#   docker build -t repricer .
#   docker run --rm -p 8080:8080 -p 127.0.0.1:9102:9102 -v repricer-data:/tmp/repricer repricer
#
# scripts/jlink-smoke runs this file's ENTRYPOINT on a runtime linked from the same module list, with an AOT cache
# trained on that runtime like the train stage below; scripts/container-smoke rebuilds the final stage FROM scratch
# (with the few libraries distroless/base provides) and runs it read-only and non-root. Both run in CI.

ARG JDK_IMAGE=maven:3.9-eclipse-temurin-25
ARG RUNTIME_IMAGE=gcr.io/distroless/base-debian12:nonroot

# --- build: the service jar and the libraries beside it ---------------------------------------------------------
FROM ${JDK_IMAGE} AS build
WORKDIR /src
ENV MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
# Dependencies and plugins in their own layer, rebuilt only when a pom changes. The other modules' poms are only
# there because the parent lists them; they are not built.
COPY pom.xml ./
COPY test-fixtures/pom.xml test-fixtures/
COPY service/pom.xml service/
COPY kube-contract/pom.xml kube-contract/
COPY debug-pod/pom.xml debug-pod/
COPY operator-tools/pom.xml operator-tools/
COPY delivery-tests/pom.xml delivery-tests/
RUN mvn -B -q -pl service -am -Dmaven.test.skip=true -Djacoco.skip=true dependency:go-offline
# The tests ran in the pipeline's Test stage; the image build only packages (and fetches what go-offline missed).
COPY service/src/main service/src/main
RUN mvn -B -q -pl service -am -Dmaven.test.skip=true -Djacoco.skip=true -Daot.skip=true package

# --- jre: a runtime holding only the modules the service needs (service/jlink-modules.txt, found with jdeps) -----
# Linked to /jre: this image's own JDK lives in /opt/java/openjdk, and jlink refuses an existing output directory.
FROM ${JDK_IMAGE} AS jre
WORKDIR /src
COPY service/jlink-modules.txt service/
RUN jlink --add-modules "$(sed 's/#.*//' service/jlink-modules.txt | xargs | tr ' ' ,)" \
          --strip-debug --no-man-pages --no-header-files --compress=zip-6 --output /jre \
 && mkdir /data-dir

# --- train: the AOT cache, from a few seconds of load on the image's runtime, jar and libraries -------------------
# A cache only serves the runtime that wrote it (the JVM checks its modules image) and the same class path: so the
# jlinked runtime runs the training, with the jar and libs at their /app paths and the ENTRYPOINT's JVM options.
# The load generator (scripts/AotTraining.java) runs on this stage's full JDK. docs/deployment.md "The AOT cache".
FROM ${JDK_IMAGE} AS train
COPY --from=jre /jre /jre
COPY --from=build /src/service/target/libs /app/libs
COPY --from=build /src/service/target/repricer.jar /app/repricer.jar
COPY scripts/aot-train scripts/AotTraining.java /src/scripts/
RUN /src/scripts/aot-train --java /jre/bin/java --jar /app/repricer.jar --output /app/repricer.aot \
        -- -XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData \
        -Djdk.httpclient.allowRestrictedHeaders=content-length

# --- runtime: distroless, non-root ------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="repricer" \
      org.opencontainers.image.description="Repricer service: last prices and durable, windowed price history"
COPY --from=jre /jre /opt/java
COPY --from=build /src/service/target/libs /app/libs
COPY --from=build /src/service/target/repricer.jar /app/repricer.jar
COPY --from=train /app/repricer.aot /app/repricer.aot
# The data directory, writable by the service user (Kubernetes mounts the ReadWriteOnce claim here).
COPY --from=jre --chown=65532:65532 /data-dir /tmp/repricer
ENV JAVA_HOME=/opt/java \
    REPRICER_DATA_DIR=/tmp/repricer
USER 65532:65532
WORKDIR /tmp/repricer
# 8080: API (the Service); 9102: admin (health, metrics). Not 9103: the results export listens on loopback only.
EXPOSE 8080 9102
# Heap sized from the container's memory limit; an OutOfMemoryError ends the process so Kubernetes restarts it
# (nothing acknowledged is lost: the log is fsync'ed before every 200). No perf data file in a read-only /tmp.
# The AOT cache: classes loaded, linked and profiled from the first second (the train stage's options must match
# these; DockerfileTest checks it). The Azure SDK sets Content-Length itself, which the JDK's HTTP client allows
# only with allowRestrictedHeaders (read once, at the client's first use: it must be on the command line).
ENTRYPOINT ["/opt/java/bin/java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData", "-Djdk.httpclient.allowRestrictedHeaders=content-length", "-XX:AOTCache=/app/repricer.aot", "-jar", "/app/repricer.jar"]
