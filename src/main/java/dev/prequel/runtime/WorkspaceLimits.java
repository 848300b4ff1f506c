package dev.prequel.runtime;

/**
 * How much of the machine one workspace may use. A runtime enforces what it can (the local runtime
 * through cgroups, a container runtime through its own flags).
 *
 * @param milliCpus CPU time, in thousandths of a core (1000 = one full core)
 * @param memoryMb memory, in MiB; a workspace that needs more has processes killed by the kernel
 * @param maxProcesses processes and threads together
 * @param diskMb the disk the workspace's files (and everything else its user can write) may fill,
 *     in MiB; writes past it fail with "No space left on device"
 */
public record WorkspaceLimits(int milliCpus, int memoryMb, int maxProcesses, int diskMb) {

  public static final int DEFAULT_DISK_MB = 5 * 1024;

  /**
   * One core, 2 GiB, 512 processes, 5 GiB of disk: enough for a language server, a test run, a
   * browser tab and a node_modules or two.
   */
  public static final WorkspaceLimits DEFAULT = new WorkspaceLimits(1000, 2048, 512);

  /** With the default disk. */
  public WorkspaceLimits(int milliCpus, int memoryMb, int maxProcesses) {
    this(milliCpus, memoryMb, maxProcesses, DEFAULT_DISK_MB);
  }

  public WorkspaceLimits {
    if (milliCpus < 10 || memoryMb < 32 || maxProcesses < 16 || diskMb < 64) {
      throw new IllegalArgumentException(
          "workspace limits too small to run code-server: "
              + milliCpus
              + " mCPU, "
              + memoryMb
              + " MiB, "
              + maxProcesses
              + " processes, "
              + diskMb
              + " MiB of disk");
    }
  }

  /** Each limit no higher than the ceiling's: what a challenge asks for, held to the operator's. */
  public WorkspaceLimits within(WorkspaceLimits ceiling) {
    return new WorkspaceLimits(
        Math.min(milliCpus, ceiling.milliCpus),
        Math.min(memoryMb, ceiling.memoryMb),
        Math.min(maxProcesses, ceiling.maxProcesses),
        Math.min(diskMb, ceiling.diskMb));
  }

  /** {@code 0.5 CPU, 512 MiB, 256 processes, 5 GiB disk}. */
  public String describe() {
    return new java.math.BigDecimal(milliCpus).movePointLeft(3).stripTrailingZeros().toPlainString()
        + " CPU, "
        + memoryMb
        + " MiB, "
        + maxProcesses
        + " processes, "
        + describeDisk(diskMb)
        + " disk";
  }

  /** {@code 5 GiB}, {@code 1.5 GiB}, {@code 700 MiB}. */
  public static String describeDisk(int mb) {
    return mb % 512 == 0 && mb >= 1024
        ? new java.math.BigDecimal(mb)
                .divide(java.math.BigDecimal.valueOf(1024))
                .stripTrailingZeros()
                .toPlainString()
            + " GiB"
        : mb + " MiB";
  }
}
