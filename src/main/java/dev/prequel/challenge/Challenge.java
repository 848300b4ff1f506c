package dev.prequel.challenge;

import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.runtime.WorkspaceSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A task a candidate works on, as the library knows it.
 *
 * @param addedAt when it came into the library (first seen, for challenges put in by hand)
 * @param deleted soft-deleted: no longer offered, but interviews already using it keep working
 * @param useCount how many interviews were created with it
 * @param lastUsedAt when the last one was created; null when never
 * @param missingTools what this host lacks to run it; empty when it can run here
 */
public record Challenge(
    String id,
    Manifest manifest,
    Instant addedAt,
    boolean deleted,
    int useCount,
    Instant lastUsedAt,
    List<HostTools.Missing> missingTools) {

  public Challenge {
    missingTools = List.copyOf(missingTools);
  }

  /** The criteria interviewers score this challenge's candidates on. */
  public java.util.List<String> scorecard() {
    return manifest.scorecard();
  }

  public String title() {
    return manifest.title();
  }

  /** Markdown. */
  public String description() {
    return manifest.description();
  }

  public boolean runnable() {
    return missingTools.isEmpty();
  }

  /** The workspace this challenge asks for: its resources and outbound network. */
  public WorkspaceSpec workspaceSpec(String interviewId) {
    return new WorkspaceSpec(interviewId, manifest.resources().limits(), manifest.network());
  }

  /**
   * What the runtime does once the files are in the workspace.
   *
   * @param files the challenge's files, as given to the runtime; their content names the version
   */
  public WorkspaceSetup workspaceSetup(Path files) throws IOException {
    return new WorkspaceSetup(
        manifest.setup(),
        manifest.setupTimeout(),
        manifest.open(),
        manifest.reuse(),
        id + "-" + contentHash(files));
  }

  /** A short hash of every file's path and content under a folder. */
  static String contentHash(Path folder) throws IOException {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      List<Path> files;
      try (Stream<Path> walk = Files.walk(folder)) {
        files =
            walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
      }
      for (Path f : files) {
        sha.update(folder.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(Files.readAllBytes(f));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
