package dev.prequel.runtime.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * What a workspace was given: its challenge's limits and network, held to the operator's policy
 * (each limit the lower of the two; egress only when both allow it). Kept in the workspace's folder
 * so that setup, checks and a restart after Prequel's own restart run under the same.
 */
record WorkspaceGrant(WorkspaceLimits limits, Outbound outbound) {

  private static final ObjectMapper JSON = new ObjectMapper();

  static WorkspaceGrant of(WorkspaceSpec spec, SandboxPolicy policy) {
    WorkspaceLimits limits =
        spec.limits() == null ? policy.limits() : spec.limits().within(policy.limits());
    Outbound outbound =
        spec.outbound() == null ? policy.outbound() : spec.outbound().and(policy.outbound());
    return new WorkspaceGrant(limits, outbound);
  }

  static WorkspaceGrant read(Path file, SandboxPolicy fallback) {
    try {
      return JSON.readValue(Files.readAllBytes(file), WorkspaceGrant.class);
    } catch (IOException e) {
      return new WorkspaceGrant(fallback.limits(), fallback.outbound());
    }
  }

  void write(Path file) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(temp, JSON.writeValueAsBytes(this));
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** What the operator's policy took away from what the challenge asked, for the log. */
  Optional<String> heldBack(WorkspaceSpec spec, SandboxPolicy policy) {
    StringBuilder why = new StringBuilder();
    if (spec.outbound() == Outbound.EGRESS && outbound == Outbound.NONE) {
      why.append("the challenge asks for egress, PREQUEL_WORKSPACE_OUTBOUND allows none");
    }
    if (spec.limits() != null && !spec.limits().equals(limits)) {
      why.append(why.isEmpty() ? "" : "; ")
          .append("the challenge asks for ")
          .append(spec.limits().describe())
          .append(", held to the configured ")
          .append(policy.limits().describe());
    }
    return why.isEmpty() ? Optional.empty() : Optional.of(why.toString());
  }
}
