package dev.prequel.testing;

/**
 * Names for {@code @ResourceLock}: test classes run in parallel (junit-platform.properties), except
 * those holding the same lock, which run one at a time.
 */
public final class TestLocks {

  /**
   * Real workspaces on this machine (code-server in the bubblewrap sandbox, its cgroups,
   * loop-mounted disk, workspace user and socket; code-server containers on the local Docker
   * engine; the Kubernetes fake kubelet's code-servers) or Chromium: each takes most of the two
   * cores and hundreds of MiB while it starts, and the limits tests measure CPU and memory, so such
   * classes run one at a time. Workspace ids are still unique per class: other runs on this machine
   * use the same machine-wide cgroup names ({@code prequel/{id}}).
   */
  public static final String LOCAL_WORKSPACES = "dev.prequel.local-workspaces";

  private TestLocks() {}
}
