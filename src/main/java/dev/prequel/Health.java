package dev.prequel;

import dev.prequel.pool.WarmPool;
import dev.prequel.runtime.RuntimeDescription;
import dev.prequel.runtime.WorkspaceRuntime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code /healthz} reports: the runtime as it describes itself (isolation, limits, network,
 * what is missing), the warm pool, the JVM's heap, and what would keep other replicas from serving
 * this one's interviews ({@link ReplicaCheck}). An operator reads it to learn whether workspaces
 * run sandboxed; a monitor, whether Prequel answers at all.
 */
final class Health {

  private Health() {}

  static Map<String, Object> of(
      WorkspaceRuntime runtime, WarmPool pool, List<String> replicaProblems) {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("runtime", runtime.name());
    h.put("pool", Map.of("size", pool.size(), "idle", pool.idle(), "starting", pool.starting()));
    RuntimeDescription d = runtime.describe();
    h.put("isolation", d.isolation());
    h.put(
        "limits",
        d.limited()
            ? Map.of(
                "cpus", d.limits().milliCpus() / 1000.0,
                "memoryMb", d.limits().memoryMb(),
                "processes", d.limits().maxProcesses())
            : "none");
    h.put("outbound", d.outbound());
    if (!d.missing().isEmpty()) {
      h.put("isolationMissing", d.missing());
    }
    if (!replicaProblems.isEmpty()) {
      h.put("replicas", replicaProblems);
    }
    Runtime jvm = Runtime.getRuntime();
    h.put("heapUsedBytes", jvm.totalMemory() - jvm.freeMemory());
    return h;
  }
}
