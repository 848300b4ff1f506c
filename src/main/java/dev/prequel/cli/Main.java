package dev.prequel.cli;

import dev.prequel.Config;
import dev.prequel.Prequel;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code prequel run | doctor}. The shell script {@code ./prequel} builds the jar and calls this.
 */
@Command(
    name = "prequel",
    mixinStandardHelpOptions = true,
    description = "Self-hosted live coding interviews in browser VS Code.",
    subcommands = {Main.Run.class, Doctor.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    System.exit(
        new CommandLine(new Main())
            .setExecutionExceptionHandler(
                (e, cmd, parsed) -> {
                  cmd.getErr().println("prequel: " + e.getMessage());
                  return 2;
                })
            .execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  @Command(
      name = "run",
      description =
          "Start the portal, the proxy and the lifecycle (configured by PREQUEL_* variables).")
  static final class Run implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      Config config;
      try {
        config = Config.fromEnv(System.getenv());
      } catch (Config.ConfigException e) {
        System.err.println("prequel: " + e.getMessage());
        return 2;
      }
      Prequel prequel = Prequel.start(config, Clock.systemUTC());
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    prequel.stop(false);
                    stopped.countDown();
                  },
                  "prequel-shutdown"));
      System.out.println(
          "Prequel is running: http://"
              + config.baseDomain()
              + ":"
              + prequel.port()
              + "/ (Ctrl-C stops it; workspaces keep running and are adopted at the next start)");
      stopped.await();
      return 0;
    }
  }
}
