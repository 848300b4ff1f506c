package dev.prequel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Debian's nginx as a reverse proxy in front of one backend port, for comparison. */
final class Nginx implements AutoCloseable {

  private final Process process;

  private Nginx(Process process) {
    this.process = process;
  }

  /**
   * Proxies {@code 127.0.0.1:listen} to {@code upstream} ({@code 127.0.0.1:PORT} or {@code
   * unix:/path}), HTTP and WebSockets.
   */
  static Nginx start(Path dir, int listen, String upstream)
      throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("logs"));
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(
        conf,
        """
        %4$s
        worker_processes 1;
        pid %1$s/nginx.pid;
        error_log %1$s/logs/error.log warn;
        events { worker_connections 1024; }
        http {
          access_log off;
          client_body_temp_path %1$s/body;
          proxy_temp_path %1$s/proxy;
          upstream backend { server %3$s; keepalive 32; }
          map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
          server {
            listen 127.0.0.1:%2$d;
            location / {
              proxy_pass http://backend;
              proxy_http_version 1.1;
              proxy_set_header Host $http_host;
              proxy_set_header Upgrade $http_upgrade;
              proxy_set_header Connection $connection_upgrade;
              proxy_read_timeout 1h;
            }
          }
        }
        """
            .formatted(
                dir.toAbsolutePath(),
                listen,
                upstream,
                // As root, nginx's workers would be "nobody", who may not open a sandbox's socket.
                "root".equals(System.getProperty("user.name")) ? "user root;" : ""));
    Process p =
        new ProcessBuilder(
                "nginx",
                "-p",
                dir.toAbsolutePath() + "/",
                "-c",
                conf.toAbsolutePath().toString(),
                "-g",
                "daemon off;")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("logs/stdout.log").toFile())
            .start();
    // nginx has no readiness signal of its own; wait for its port.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (var s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), listen)) {
        return new Nginx(p);
      } catch (IOException e) {
        if (!p.isAlive()) {
          throw new IllegalStateException("nginx did not start; see " + dir.resolve("logs"), e);
        }
        Thread.sleep(20); // benchmark pacing
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("nginx did not open port " + listen);
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor(5, TimeUnit.SECONDS);
  }
}
