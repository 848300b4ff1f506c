package dev.prequel.runtime;

/**
 * How much of the machine one workspace may use. A runtime enforces what it can (the local runtime
 * through cgroups, a container runtime through its own flags).
 *
 * @param milliCpus CPU time, in thousandths of a core (1000 = one full core)
 * @param memoryMb memory, in MiB; a workspace that needs more has processes killed by the kernel
 * @param maxProcesses processes and threads together
 */
public record WorkspaceLimits(int milliCpus, int memoryMb, int maxProcesses) {

  /** One core, 2 GiB, 512 processes: enough for a language server, a test run and a browser tab. */
  public static final WorkspaceLimits DEFAULT = new WorkspaceLimits(1000, 2048, 512);

  public WorkspaceLimits {
    if (milliCpus < 10 || memoryMb < 32 || maxProcesses < 16) {
      throw new IllegalArgumentException(
          "workspace limits too small to run code-server: "
              + milliCpus
              + " mCPU, "
              + memoryMb
              + " MiB, "
              + maxProcesses
              + " processes");
    }
  }

  /** Each limit no higher than the ceiling's: what a challenge asks for, held to the operator's. */
  public WorkspaceLimits within(WorkspaceLimits ceiling) {
    return new WorkspaceLimits(
        Math.min(milliCpus, ceiling.milliCpus),
        Math.min(memoryMb, ceiling.memoryMb),
        Math.min(maxProcesses, ceiling.maxProcesses));
  }

  /** {@code 0.5 CPU, 512 MiB, 256 processes}. */
  public String describe() {
    return new java.math.BigDecimal(milliCpus).movePointLeft(3).stripTrailingZeros().toPlainString()
        + " CPU, "
        + memoryMb
        + " MiB, "
        + maxProcesses
        + " processes";
  }
}
