package dev.prequel.testing;

import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceRuntimeContract;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The tests' in-memory runtime keeps the contract, so that lifecycle tests run on it say something
 * about the real runtimes. It runs no commands and enforces no limits: those tests are skipped, and
 * the limits it reports are the ones it was given.
 */
class FakeRuntimeContractTest extends WorkspaceRuntimeContract {

  private FakeRuntime fake;

  @Override
  protected WorkspaceRuntime newRuntime() {
    fake = fake == null ? new FakeRuntime(Clock.systemUTC()) : fake.restarted();
    fake.offersSpares = true;
    return fake;
  }

  @Override
  protected void candidateWrites(String interviewId, String path, String content) {
    fake.write(interviewId, path, content);
  }

  @Override
  protected boolean answers(Workspace workspace) {
    return fake.answers(workspace.interviewId());
  }

  @Override
  protected void killForMemory(String interviewId) {
    fake.killForMemory(interviewId);
  }

  @Override
  protected SeenLimits limitsInside(String interviewId) {
    WorkspaceLimits limits = fake.limitsOf(interviewId).orElseThrow();
    return new SeenLimits(limits.memoryMb(), limits.maxProcesses());
  }

  @Override
  protected List<String> leftovers(String interviewId) {
    List<String> left = new ArrayList<>();
    if (fake.running.containsKey(interviewId)) {
      left.add("a running workspace");
    }
    if (fake.files.containsKey(interviewId)) {
      left.add("files");
    }
    if (fake.limitsOf(interviewId).isPresent()) {
      left.add("limits");
    }
    return left;
  }

  @Override
  protected Duration patience() {
    return Duration.ofSeconds(5);
  }
}
