package dev.prequel.metrics;

import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewEvents;
import dev.prequel.interview.InterviewStore;
import dev.prequel.interview.Status;
import dev.prequel.pool.WarmPool;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceRuntime;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * What operators watch, served at {@code /metrics} in the Prometheus format. Lifecycle figures are
 * taken from the recorded transitions (the same events the portal and the benchmark see), so the
 * lifecycle code carries no metrics code of its own.
 */
public final class Metrics {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer createToActive;
  private final Timer destroy;
  private final Timer expiryLateness;
  private final Timer provisionLateness;
  private final Counter proxyRequests;
  private final Counter proxyErrors;
  private final Duration provisionLead;
  private final Map<String, Instant> provisioningSince = new ConcurrentHashMap<>();
  private final Map<String, Instant> destroyingSince = new ConcurrentHashMap<>();

  private final WorkspaceRuntime runtime;

  public Metrics(
      InterviewStore store,
      InterviewEvents events,
      WorkspaceRuntime runtime,
      IntSupplier liveClients,
      Duration provisionLead) {
    this.provisionLead = provisionLead;
    this.runtime = runtime;
    createToActive =
        timer("prequel.create.to.active", "from provisioning start to code-server answering");
    destroy = timer("prequel.destroy", "from destroying to destroyed (final snapshot included)");
    expiryLateness = timer("prequel.scheduler.expiry.lateness", "how late destroying began");
    provisionLateness =
        timer("prequel.scheduler.provision.lateness", "how late a scheduled interview began");
    proxyRequests =
        Counter.builder("prequel.proxy.requests")
            .description("requests to workspace hosts")
            .register(registry);
    proxyErrors =
        Counter.builder("prequel.proxy.errors")
            .description("workspace-host requests answered 404 (unknown) or 5xx (unreachable)")
            .register(registry);
    for (Status status : Status.values()) {
      Gauge.builder(
              "prequel.interviews",
              store,
              s -> s.countByStatus().getOrDefault(status, 0).doubleValue())
          .tag("status", status.wireName())
          .description("interviews by status")
          .register(registry);
    }
    Gauge.builder("prequel.sse.clients", liveClients, c -> c.getAsInt())
        .description("connected live-status (SSE) clients")
        .register(registry);
    Gauge.builder("prequel.workspaces.memory", runtime, Metrics::workspaceMemory)
        .baseUnit("bytes")
        .description("resident memory of all running workspaces (interviews'; spares: pool.memory)")
        .register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    events.subscribeOwn(this::observe); // each replica measures its own steps
  }

  private Timer timer(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .register(registry);
  }

  private void observe(Interview i) {
    switch (i.status()) {
      case INITIALIZING -> {
        provisioningSince.put(i.id(), i.updatedAt());
        if (i.scheduledAt() != null) {
          record(provisionLateness, i.startsAt().minus(provisionLead), i.updatedAt());
        }
      }
      case ACTIVE -> {
        Instant since = provisioningSince.remove(i.id());
        if (since != null) {
          record(createToActive, since, i.updatedAt());
        }
      }
      case DESTROYING -> {
        destroyingSince.putIfAbsent(i.id(), i.updatedAt());
        if (!i.updatedAt().isBefore(i.expiresAt())) {
          record(expiryLateness, i.expiresAt(), i.updatedAt());
        }
      }
      case DESTROYED -> {
        Instant since = destroyingSince.remove(i.id());
        if (since != null) {
          record(destroy, since, i.updatedAt());
        }
      }
      case CANCELLED, ERROR -> {
        provisioningSince.remove(i.id());
        destroyingSince.remove(i.id());
      }
      default -> {}
    }
  }

  private static void record(Timer timer, Instant from, Instant to) {
    timer.record(
        Duration.between(from, to).isNegative() ? Duration.ZERO : Duration.between(from, to));
  }

  private static double workspaceMemory(WorkspaceRuntime runtime) {
    long total = 0;
    for (Workspace w : runtime.list()) {
      total += runtime.memoryBytes(w.interviewId()).orElse(0);
    }
    return total;
  }

  private static double spareMemory(WorkspaceRuntime runtime) {
    long total = 0;
    for (String spare : runtime.spares()) {
      total += runtime.memoryBytes(spare).orElse(0);
    }
    return total;
  }

  /** The warm pool's figures: its size, spares waiting and starting, and claims. */
  public void watch(WarmPool pool) {
    Gauge.builder("prequel.pool.size", pool, WarmPool::size)
        .description("spare workspaces the warm pool keeps (PREQUEL_POOL_SIZE)")
        .register(registry);
    Gauge.builder("prequel.pool.idle", pool, WarmPool::idle)
        .description("spare workspaces started and waiting for an interview")
        .register(registry);
    Gauge.builder("prequel.pool.starting", pool, WarmPool::starting)
        .description("spare workspaces being started")
        .register(registry);
    Gauge.builder("prequel.pool.memory", runtime, Metrics::spareMemory)
        .baseUnit("bytes")
        .description("resident memory of the warm pool's spare workspaces")
        .register(registry);
    FunctionCounter.builder("prequel.pool.claims", pool, WarmPool::taken)
        .tag("outcome", "warm")
        .description("interviews that took a spare (warm) or found the pool empty (cold)")
        .register(registry);
    FunctionCounter.builder("prequel.pool.claims", pool, WarmPool::missed)
        .tag("outcome", "cold")
        .description("interviews that took a spare (warm) or found the pool empty (cold)")
        .register(registry);
  }

  /** Counts one request to a workspace host and whether it failed. */
  public void proxied(int status) {
    proxyRequests.increment();
    if (status == 404 || status >= 500) {
      proxyErrors.increment();
    }
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }
}
