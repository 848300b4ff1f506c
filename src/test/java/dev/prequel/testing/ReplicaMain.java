package dev.prequel.testing;

import dev.prequel.Config;
import dev.prequel.Prequel;
import java.net.URI;
import java.time.Clock;

/**
 * One Prequel replica in a process of its own, on the runtime the test shares between replicas
 * ({@link RemoteFakeRuntime}, at {@code PREQUEL_TEST_FAKE_RUNTIME}); configured like Prequel
 * itself, from {@code PREQUEL_*}. Started by {@link ReplicaProcess}, so that a test can kill it
 * with SIGKILL.
 */
public final class ReplicaMain {

  private ReplicaMain() {}

  public static void main(String[] args) throws Exception {
    Prequel prequel =
        Prequel.start(
            Config.fromEnv(System.getenv()),
            Clock.systemUTC(),
            new RemoteFakeRuntime(URI.create(System.getenv(RemoteFakeRuntime.ENV))));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> prequel.stop(false), "replica-stop"));
    Thread.currentThread().join(); // serves until killed
  }
}
