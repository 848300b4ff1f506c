package dev.prequel.runtime.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What this machine offers to keep workspaces apart: a bubblewrap sandbox run as a user of its own
 * (needs bwrap, setpriv, useradd and root), and cgroup v1 limits (memory, pids, cpu). Detected once
 * at start; where something is missing, workspaces run without it and {@link #missing} says what
 * and how to get it.
 *
 * @param bwrap the bubblewrap binary, when the sandbox is available
 * @param setpriv drops to the workspace's user inside the sandbox
 * @param cgroups the cgroup v1 root holding memory, pids and cpu, when limits are available
 * @param missing one line per missing part, with what to do about it
 */
public record Isolation(Path bwrap, Path setpriv, Path cgroups, List<String> missing) {

  public static final String INSTALL_BUBBLEWRAP = "apt-get install -y bubblewrap";
  private static final Path CGROUP_V1 = Path.of("/sys/fs/cgroup");
  private static final String SYSTEM_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  public Isolation {
    missing = List.copyOf(missing);
  }

  /** No sandbox and no limits (tests of the unsandboxed path, and machines without either). */
  public static Isolation none(String why) {
    return new Isolation(null, null, null, List.of(why));
  }

  /** Looks at this machine: binaries, the current user, and writable cgroup v1 controllers. */
  public static Isolation detect() {
    List<String> missing = new ArrayList<>();
    Path bwrap = find("bwrap").filter(Isolation::bwrapWorks).orElse(null);
    if (bwrap == null) {
      missing.add("bubblewrap (" + INSTALL_BUBBLEWRAP + ")");
    }
    Path setpriv = find("setpriv").orElse(null);
    if (setpriv == null) {
      missing.add("setpriv (apt-get install -y util-linux)");
    }
    if (find("useradd").isEmpty()) {
      missing.add("useradd (apt-get install -y passwd)");
    }
    boolean root = isRoot();
    if (!root) {
      missing.add("root: Prequel creates one system user per workspace, so run it as root");
    }
    Path cgroups = cgroupsWritable(CGROUP_V1) ? CGROUP_V1 : null;
    if (cgroups == null) {
      missing.add(
          "cgroup v1 memory, pids and cpu controllers writable under /sys/fs/cgroup (no limits)");
    }
    boolean sandbox = bwrap != null && setpriv != null && root && find("useradd").isPresent();
    return new Isolation(sandbox ? bwrap : null, sandbox ? setpriv : null, cgroups, missing);
  }

  /** Workspaces run in bubblewrap as users of their own. */
  public boolean sandboxed() {
    return bwrap != null;
  }

  /** Workspaces get cgroup limits. */
  public boolean limited() {
    return cgroups != null;
  }

  /** "sandbox" or "none", for /healthz and the portal. */
  public String level() {
    return sandboxed() ? "sandbox" : "none";
  }

  /** What an interviewer should know when workspaces are less isolated than they should be. */
  public Optional<String> warning() {
    if (!sandboxed()) {
      return Optional.of(
          "Workspaces are not sandboxed on this machine: a candidate's terminal can read and run"
              + " whatever Prequel's own user can. Missing: "
              + String.join("; ", missing)
              + ".");
    }
    if (!limited()) {
      return Optional.of(
          "Workspaces run without CPU, memory or process limits. Missing: "
              + String.join("; ", missing)
              + ".");
    }
    return Optional.empty();
  }

  static Optional<Path> find(String program) {
    String path = System.getenv("PATH");
    return CodeServerInstall.findOnPath(program, (path == null ? "" : path + ":") + SYSTEM_PATH);
  }

  private static boolean bwrapWorks(Path bwrap) {
    try {
      Process p =
          new ProcessBuilder(
                  bwrap.toString(), "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "true")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+", -1)[2].equals("0"); // the effective uid
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  private static boolean cgroupsWritable(Path root) {
    for (String controller : Cgroups.CONTROLLERS) {
      Path dir = root.resolve(controller);
      if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
        return false;
      }
    }
    return Files.exists(root.resolve("memory/memory.limit_in_bytes"))
        && Files.exists(root.resolve("pids/cgroup.procs"))
        && Files.exists(root.resolve("cpu/cpu.cfs_quota_us"));
  }
}
