package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.MemoryStatsConfig;
import com.github.dockerjava.api.model.Statistics;
import java.io.IOException;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** A container's memory in use, from one sample of the Engine's stats, as {@code docker stats}. */
final class ContainerMemory {

  private ContainerMemory() {}

  static OptionalLong of(DockerClient docker, String container) {
    AtomicReference<Statistics> sample = new AtomicReference<>();
    try (ResultCallback.Adapter<Statistics> callback =
        docker
            .statsCmd(container)
            .withNoStream(true)
            .exec(
                new ResultCallback.Adapter<>() {
                  @Override
                  public void onNext(Statistics statistics) {
                    sample.compareAndSet(null, statistics);
                  }
                })) {
      callback.awaitCompletion(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalLong.empty();
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
    Statistics statistics = sample.get();
    MemoryStatsConfig memory = statistics == null ? null : statistics.getMemoryStats();
    if (memory == null || memory.getUsage() == null) {
      return OptionalLong.empty();
    }
    // The page cache is counted in usage but given back under pressure (cgroup v1: "cache").
    long cache =
        memory.getStats() == null || memory.getStats().getCache() == null
            ? 0
            : memory.getStats().getCache();
    return OptionalLong.of(Math.max(0, memory.getUsage() - cache));
  }
}
