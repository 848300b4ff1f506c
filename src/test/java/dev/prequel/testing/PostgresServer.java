package dev.prequel.testing;

import dev.prequel.store.DatabaseSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server (Debian's, 15) for the test run: started once per JVM in a temporary
 * folder on a free port, stopped and removed when the JVM exits. Each caller of {@link
 * #newDatabase()} gets an empty database of its own, owned by a role that is not a superuser and
 * signs in with a password, as Prequel would in production.
 *
 * <p>{@code initdb} refuses to run as root: as root the server's files and processes belong to the
 * {@code postgres} user ({@code runuser}). A JVM killed before its shutdown hook ran leaves its
 * server behind; the next run stops and removes those (each folder names the JVM that made it).
 */
public final class PostgresServer {

  /** The role the databases belong to; Prequel connects as this user. */
  public static final String USER = "prequel";

  private static final String PREFIX = "prequel-pg-";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static PostgresServer shared;

  private final Path bin;
  private final Path dir;
  private final int port;
  private final String adminPassword = secret();
  private final String userPassword = secret();
  private final AtomicInteger databases = new AtomicInteger();

  /** The server of this test run, started on first use. */
  public static synchronized PostgresServer shared() {
    if (shared == null) {
      try {
        shared = new PostgresServer();
      } catch (IOException | InterruptedException | SQLException e) {
        throw new IllegalStateException("cannot start PostgreSQL for the tests: " + e, e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "postgres-stop"));
    }
    return shared;
  }

  private PostgresServer() throws IOException, InterruptedException, SQLException {
    bin = binaries();
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    removeLeftovers(tmp);
    dir = Files.createTempDirectory(tmp, PREFIX); // 0700: nobody else reads the password file
    Files.writeString(dir.resolve("owner.pid"), Long.toString(ProcessHandle.current().pid()));
    Files.writeString(dir.resolve("pwfile"), adminPassword + "\n");
    Files.createDirectory(dir.resolve("data"));
    giveToPostgres(dir, dir.resolve("pwfile"), dir.resolve("data"));
    run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            dir.resolve("data").toString(),
            "-U",
            "postgres",
            "--pwfile=" + dir.resolve("pwfile"),
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync"));
    port = freePort();
    // fsync off: the tests' data need not survive a power cut, and every commit is then cheap.
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            dir.resolve("data").toString(),
            "-l",
            dir.resolve("server.log").toString(),
            "-w",
            "-t",
            "60",
            "-o",
            "-p "
                + port
                + " -k "
                + dir
                + " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                + " -c full_page_writes=off -c max_connections=300",
            "start"));
    try (Connection c = admin("postgres");
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + userPassword + "'");
    }
  }

  /** An empty database of its own, reached as {@link #USER} with a password. */
  public DatabaseSettings newDatabase() {
    String name = "prequel_" + databases.incrementAndGet();
    try (Connection c = admin("postgres");
        Statement s = c.createStatement()) {
      // FILE_COPY: a copy of the tiny template is faster than logging it page by page.
      s.execute("CREATE DATABASE " + name + " OWNER " + USER + " STRATEGY FILE_COPY");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
    }
    return new DatabaseSettings(url(name), USER, userPassword);
  }

  /** Settings whose password is wrong (the server must refuse them). */
  public DatabaseSettings withWrongPassword(DatabaseSettings settings) {
    return new DatabaseSettings(settings.url(), settings.user(), "not-" + userPassword);
  }

  public int port() {
    return port;
  }

  private String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  private Connection admin(String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", adminPassword);
    return DriverManager.getConnection(url(database), p);
  }

  private void stop() {
    try {
      run(
          List.of(
              bin.resolve("pg_ctl").toString(),
              "-D",
              dir.resolve("data").toString(),
              "-m",
              "immediate",
              "stop"));
    } catch (IOException | InterruptedException | RuntimeException e) {
      System.err.println("could not stop the tests' PostgreSQL in " + dir + ": " + e);
    }
    deleteTree(dir);
  }

  /** Stops and removes the servers of test runs whose JVM is gone. */
  private static void removeLeftovers(Path tmp) throws IOException {
    List<Path> left = new ArrayList<>();
    try (Stream<Path> all = Files.list(tmp)) {
      all.filter(p -> p.getFileName().toString().startsWith(PREFIX)).forEach(left::add);
    }
    for (Path old : left) {
      Path owner = old.resolve("owner.pid");
      try {
        long pid = Long.parseLong(Files.readString(owner).strip());
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          continue; // another test run, still going
        }
        Path pidFile = old.resolve("data").resolve("postmaster.pid");
        if (Files.exists(pidFile)) {
          long postmaster =
              Long.parseLong(Files.readAllLines(pidFile, StandardCharsets.UTF_8).get(0).strip());
          ProcessHandle.of(postmaster).ifPresent(ProcessHandle::destroyForcibly);
        }
        deleteTree(old);
      } catch (IOException | RuntimeException e) {
        // not ours, or half made: leave it alone
      }
    }
  }

  /** Debian's PostgreSQL 15, or the newest version installed. */
  private static Path binaries() {
    Path preferred = Path.of("/usr/lib/postgresql/15/bin");
    if (Files.isExecutable(preferred.resolve("initdb"))) {
      return preferred;
    }
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString())))
          .orElseThrow();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "PostgreSQL is not installed: apt-get install -y postgresql (./prequel test does)", e);
    }
  }

  private static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static void giveToPostgres(Path... paths) throws IOException {
    if (!root()) {
      return; // a plain user runs the server as itself
    }
    UserPrincipalLookupService users = Path.of("/").getFileSystem().getUserPrincipalLookupService();
    GroupPrincipal group = users.lookupPrincipalByGroupName("postgres");
    for (Path p : paths) {
      PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
      view.setOwner(users.lookupPrincipalByName("postgres"));
      view.setGroup(group);
    }
  }

  /** Runs a server command (as {@code postgres} when we are root); 60 s at most. */
  private static void run(List<String> command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (root()) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Path out = Files.createTempFile("pg-cmd", ".log");
    try {
      Process p =
          new ProcessBuilder(full)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .directory(Path.of("/").toFile())
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(command.get(0) + " did not finish in 60 s");
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            String.join(" ", command)
                + " failed ("
                + p.exitValue()
                + "): "
                + Files.readString(out));
      }
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String secret() {
    byte[] b = new byte[18];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("could not remove " + root + ": " + e);
    }
  }
}
