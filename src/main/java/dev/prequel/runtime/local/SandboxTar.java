package dev.prequel.runtime.local;

import dev.prequel.runtime.FindListing;
import dev.prequel.runtime.NamedFiles;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.TerminalHistory;
import dev.prequel.runtime.WorkspaceFile;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * GNU tar as the workspace's own user inside its sandbox (the same bubblewrap and setpriv wrapping
 * as its code-server, a clean environment, no network), connected to Java streams. Root only writes
 * to tar's stdin or reads its stdout: it never walks, opens or writes a path the candidate can
 * change.
 *
 * <p>tar joins none of the workspace's cgroups: a fork bomb fills {@code pids.max}, and a snapshot
 * taken then must still work (and a candidate who burns the CPU quota would starve it). It is held
 * by {@link WorkspaceFiles.Bounds} instead: entries, bytes and time, after which it is killed.
 */
final class SandboxTar implements WorkspaceFiles {

  private static final int STDERR_LINES = 20;

  /** How long unpacking a trusted stream (the challenge, a cache) may take. */
  private static final long UNPACK_SECONDS = 600;

  private final Sandbox sandbox;
  private final Path codeServerDir;
  private final String tar;
  private final String find;

  SandboxTar(Sandbox sandbox, Path codeServerDir) {
    this.sandbox = sandbox;
    this.codeServerDir = codeServerDir;
    this.tar = Isolation.find("tar").orElse(Path.of("/usr/bin/tar")).toString();
    this.find = Isolation.find("find").orElse(Path.of("/usr/bin/find")).toString();
  }

  @Override
  public int unpack(InterviewFolder folder, Place place, TarSource source)
      throws IOException, InterruptedException {
    List<String> command =
        List.of(
            tar,
            "-x",
            "-f",
            "-",
            "-C",
            inside(place),
            "--skip-old-files", // what is there may be the candidate's: never replaced
            "--no-same-owner",
            "--warning=existing-file"); // to count what was kept
    Process process = start(folder, command);
    Stderr stderr = Stderr.of(process, "tar-in-" + folder.interviewId());
    Set<String> files = new HashSet<>();
    try (TarArchiveOutputStream out =
        new TarArchiveOutputStream(new BufferedOutputStream(process.getOutputStream())) {
          @Override
          public void putArchiveEntry(TarArchiveEntry entry) throws IOException {
            if (entry.isFile()) {
              files.add(entry.getName());
            }
            super.putArchiveEntry(entry);
          }
        }) {
      source.writeTar(out);
    } catch (IOException e) {
      // tar ended early (its reason is on stderr, below) or the source failed
      kill(process);
      if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() == 0) {
        throw e;
      }
    }
    if (!process.waitFor(UNPACK_SECONDS, TimeUnit.SECONDS)) {
      kill(process);
      throw new IOException("unpacking into the workspace took over " + UNPACK_SECONDS + " s");
    }
    List<String> messages = stderr.lines();
    if (process.exitValue() != 0) {
      throw new IOException(
          "tar could not unpack into the workspace (exit "
              + process.exitValue()
              + "): "
              + String.join("; ", messages));
    }
    int kept = 0;
    for (String name : stderr.skipped()) {
      if (files.contains(name) || files.contains(name.replaceFirst("^\\./", ""))) {
        kept++;
      }
    }
    return kept;
  }

  @Override
  public Optional<String> pack(
      InterviewFolder folder,
      List<String> paths,
      Set<String> excludedNames,
      Bounds bounds,
      TarSink sink)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            tar,
            "-c",
            "-f",
            "-",
            "--format=gnu",
            "--hard-dereference", // a hard link's content, not a link to a name
            "--one-file-system",
            "--ignore-failed-read", // a file the candidate made unreadable: left out, not fatal
            "--no-unquote", // names as they are: a backslash in one is no escape
            "--warning=no-file-changed",
            "--warning=no-file-removed",
            "-C",
            Sandbox.WORKSPACE));
    for (String name : excludedNames) {
      // "name/*": the folder itself comes (readers see it was skipped), nothing below it is read
      command.add("--exclude=" + escapeWildcards(name) + "/*");
    }
    command.add("--");
    if (paths.isEmpty()) {
      command.add(".");
    } else {
      paths.forEach(p -> command.add(NamedFiles.name(p))); // a backslash is part of a name
    }
    Process process = start(folder, command);
    process.getOutputStream().close();
    Stderr stderr = Stderr.of(process, "tar-out-" + folder.interviewId());
    try {
      sink.readFrom(new TarEntries(process.getInputStream(), bounds));
    } catch (TarEntries.LimitReached e) {
      kill(process);
      return Optional.of(e.getMessage());
    } catch (IOException | RuntimeException e) {
      kill(process);
      throw e;
    }
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      kill(process);
      throw new IOException("tar did not end after the end of its archive");
    }
    // 1: "some files differ" (changed while read); 2 and more: tar failed, and what came may be
    // only part of the workspace (an empty stream must never pass for an empty workspace).
    if (process.exitValue() > 1) {
      throw new IOException(
          "tar could not read the workspace (exit "
              + process.exitValue()
              + "): "
              + String.join("; ", stderr.lines()));
    }
    return Optional.empty();
  }

  @Override
  public Optional<String> list(
      InterviewFolder folder, Set<String> excludedNames, Bounds bounds, Consumer<WorkspaceFile> out)
      throws IOException, InterruptedException {
    List<String> command = FindListing.command(find, Sandbox.WORKSPACE, excludedNames);
    Process process = start(folder, command);
    process.getOutputStream().close();
    Stderr stderr = Stderr.of(process, "find-" + folder.interviewId());
    Thread watchdog =
        new Thread(
            () -> {
              try {
                if (!process.waitFor(bounds.maxTime().toMillis(), TimeUnit.MILLISECONDS)) {
                  kill(process);
                }
              } catch (InterruptedException e) {
                // the listing ended first
              }
            },
            "find-watchdog-" + folder.interviewId());
    watchdog.setDaemon(true);
    watchdog.start();
    try {
      Optional<String> cut =
          FindListing.read(process.getInputStream(), bounds.maxEntries(), bounds.maxBytes(), out);
      if (cut.isPresent()) {
        kill(process);
        return cut;
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        kill(process);
        throw new IOException("find did not end after its listing");
      }
    } finally {
      watchdog.interrupt();
    }
    // 1: some folders could not be read (a candidate's chmod 000); what could be read came.
    if (process.exitValue() > 1 || process.exitValue() < 0) {
      throw new IOException(
          "find could not list the workspace (exit "
              + process.exitValue()
              + "): "
              + String.join("; ", stderr.lines()));
    }
    return Optional.empty();
  }

  @Override
  public Optional<byte[]> terminalHistory(InterviewFolder folder)
      throws IOException, InterruptedException {
    Process process = start(folder, TerminalHistory.tailCommand());
    process.getOutputStream().close();
    Stderr.of(process, "history-" + folder.interviewId()); // "no such file": read and dropped
    byte[] tail;
    try {
      tail = process.getInputStream().readNBytes(TerminalHistory.MAX_BYTES);
    } finally {
      // tail carries its own deadline (a FIFO put in the file's place never ends)
      if (!process.waitFor(TerminalHistory.MAX_SECONDS + 5L, TimeUnit.SECONDS)) {
        kill(process);
      }
    }
    return process.isAlive() || process.exitValue() != 0 ? Optional.empty() : Optional.of(tail);
  }

  private Process start(InterviewFolder folder, List<String> program) throws IOException {
    WorkspaceUsers.User user = WorkspaceUsers.provisioned(folder);
    CodeServerInstall install = CodeServerInstall.at(codeServerDir);
    List<String> command = sandbox.wrap(folder, user, install, Outbound.NONE, program);
    // Started in the interview's own folder (root's), not in a folder the candidate can change.
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(folder.root().toFile())
            .redirectOutput(ProcessBuilder.Redirect.PIPE);
    Map<String, String> env = Sandbox.environment(builder, user, install.node());
    env.put("LC_ALL", "C"); // messages as counted above; names pass as bytes either way
    env.put(ProcessTree.MARKER, folder.root().toString());
    return builder.start();
  }

  private static String inside(Place place) {
    return switch (place) {
      case WORKSPACE -> Sandbox.WORKSPACE;
      case HOME -> Sandbox.HOME;
    };
  }

  /** tar's exclude patterns are wildcards; a folder name is matched as it is. */
  static String escapeWildcards(String name) {
    return FindListing.escapeWildcards(name);
  }

  /** Kills tar and its sandbox (bubblewrap's pid namespace keeps them all descendants). */
  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /**
   * tar's first few messages, and the names it kept ("skipping existing file"); the rest is read
   * and dropped so that tar never blocks on a full pipe.
   */
  private static final class Stderr {
    private static final String SKIPPED = ": skipping existing file";
    private static final int MAX_SKIPPED = 1_000_000;
    private final List<String> lines = new ArrayList<>();
    private final Set<String> skipped = new HashSet<>();
    private final Thread reader;

    private Stderr(Thread reader) {
      this.reader = reader;
    }

    static Stderr of(Process process, String name) {
      Stderr[] self = new Stderr[1];
      Thread t =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = in.readLine()) != null; ) {
                    synchronized (self[0].lines) {
                      if (line.startsWith("tar: ")
                          && line.endsWith(SKIPPED)
                          && self[0].skipped.size() < MAX_SKIPPED) {
                        self[0].skipped.add(line.substring(5, line.length() - SKIPPED.length()));
                      } else if (self[0].lines.size() < STDERR_LINES) {
                        self[0].lines.add(line.length() > 300 ? line.substring(0, 300) : line);
                      }
                    }
                  }
                } catch (IOException e) {
                  // tar ended
                }
              },
              name);
      self[0] = new Stderr(t);
      t.setDaemon(true);
      t.start();
      return self[0];
    }

    List<String> lines() {
      try {
        reader.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (lines) {
        return List.copyOf(lines);
      }
    }

    Set<String> skipped() {
      lines(); // waits for the end
      synchronized (lines) {
        return Set.copyOf(skipped);
      }
    }
  }
}
