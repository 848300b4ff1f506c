package dev.prequel.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@link WorkspaceRuntime#listFiles}'s default (and a runtime's, for a workspace it cannot run a
 * command in): a listing out of a full read, each file versioned by the SHA-256 of its bytes (a tar
 * header's whole-second modification time would miss a change made within the same second).
 */
public final class HashingLister implements WorkspaceFileVisitor {

  private final Set<String> excluded;
  private final Consumer<WorkspaceFile> out;

  public HashingLister(Set<String> excluded, Consumer<WorkspaceFile> out) {
    this.excluded = Set.copyOf(excluded);
    this.out = out;
  }

  @Override
  public boolean enterFolder(String path) {
    return !excluded.contains(path.substring(path.lastIndexOf('/') + 1));
  }

  @Override
  public Set<String> excludedFolderNames() {
    return excluded;
  }

  @Override
  public void file(String path, long size, boolean executable, Content content) throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    try (InputStream in = new DigestInputStream(content.open(), sha)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    out.accept(new WorkspaceFile(path, size, HexFormat.of().formatHex(sha.digest())));
  }
}
