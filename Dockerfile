# Prequel itself, as a container: the jar that `mvn -DskipTests package` builds (target/prequel.jar)
# on Debian's Java 17 runtime. `./prequel image` builds the jar and this image (prequel:latest);
# by hand: mvn -DskipTests package && docker build -t prequel .
# It runs workspaces with PREQUEL_RUNTIME=docker on the engine whose socket it is given, which
# makes it root on that host: see "Run with Docker" in the README and deploy/compose/.
FROM debian:bookworm-slim

# iptables: the rule that keeps workspaces off the host's own services (HostFirewall); it needs
# the host's network namespace (network_mode: host) and CAP_NET_ADMIN to be set from here.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      openjdk-17-jre-headless iptables ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY target/prequel.jar /opt/prequel/prequel.jar
COPY challenges /opt/prequel/challenges

ENV PREQUEL_RUNTIME=docker \
    PREQUEL_DATA_DIR=/data \
    PREQUEL_CHALLENGES_DIR=/opt/prequel/challenges \
    PREQUEL_PORT=8080
VOLUME /data
EXPOSE 8080
WORKDIR /opt/prequel

# /healthz answers without signing in; bash's /dev/tcp spares the image an HTTP client.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PREQUEL_PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-jar", "/opt/prequel/prequel.jar"]
CMD ["run"]
