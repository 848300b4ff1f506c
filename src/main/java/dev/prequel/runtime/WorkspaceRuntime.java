package dev.prequel.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where candidates' workspaces run. The lifecycle code asks for these operations only; it knows
 * nothing about processes, containers or pods. Every operation is idempotent: a step interrupted by
 * a crash is simply called again.
 */
public interface WorkspaceRuntime {

  /** A short name for operators ("local", "docker", ...), as in {@code PREQUEL_RUNTIME}. */
  String name();

  /** How isolated its workspaces are and what this machine lacks, for health checks and doctor. */
  default RuntimeDescription describe() {
    return RuntimeDescription.unknown(name());
  }

  /**
   * Starts (or adopts, when already running) the workspace for this interview and returns where the
   * proxy reaches it. Returns once the workspace process has been started, not necessarily once it
   * answers.
   */
  Workspace provision(WorkspaceSpec spec, Consumer<String> log) throws Exception;

  /**
   * Puts the challenge's files into the workspace's folder. Files the candidate already changed are
   * kept.
   */
  void configure(String interviewId, Path challengeFiles, Consumer<String> log) throws Exception;

  /**
   * Runs the challenge's setup in the workspace folder after {@link #configure}, streaming its
   * output to {@code log}, and arranges for the files to open when the candidate arrives. Throws,
   * with the reason, when a command fails or the setup runs past its timeout. Running it again must
   * be harmless (setup commands are expected to be, like {@code npm ci}).
   */
  void runSetup(String interviewId, WorkspaceSetup setup, Consumer<String> log) throws Exception;

  /** The running workspace for this interview, if any. */
  Optional<Workspace> find(String interviewId);

  /**
   * Every workspace this runtime is running, including ones started before a restart of Prequel.
   */
  List<Workspace> list();

  /**
   * Why the workspace stopped without being asked to, when the runtime can tell (e.g. "killed: out
   * of memory (limit 2048 MiB)"). Empty while it runs or when the cause is unknown.
   */
  default Optional<String> whyStopped(String interviewId) {
    return Optional.empty();
  }

  /**
   * Stops every process of the workspace but keeps its files, for a last snapshot or a restart on
   * the same files ({@link #provision} starts it again). Safe when nothing runs.
   */
  void stop(String interviewId, Consumer<String> log) throws Exception;

  /**
   * Hands the workspace's files to {@code visitor}, running or stopped, in one pass (a container
   * runtime can serve this from a tar stream). Returns false when the workspace has no files: never
   * provisioned, or destroyed.
   */
  boolean readFiles(String interviewId, WorkspaceFileVisitor visitor) throws IOException;

  /**
   * Lists the workspace's regular files, running or stopped, without handing over their bytes: the
   * interviewer's seat asks for this every few seconds while someone watches, and reads only the
   * files whose version changed ({@link #readFiles(String, Set, WorkspaceFileVisitor)}). Folders
   * named in {@code excludedFolderNames} are not looked into, wherever they are; links are never
   * followed. A runtime that can list without reading (every one of Prequel's runs {@link
   * FindListing}'s {@code find} as the workspace's user while the workspace runs) should; this
   * default reads every file once through {@link #readFiles(String, WorkspaceFileVisitor)} and
   * versions it by its hash. Returns false when the workspace has no files.
   */
  default boolean listFiles(
      String interviewId, Set<String> excludedFolderNames, Consumer<WorkspaceFile> out)
      throws IOException {
    return readFiles(interviewId, new HashingLister(excludedFolderNames, out));
  }

  /**
   * Hands {@code visitor} only the named files (paths as {@link #listFiles} gives them); names that
   * are not regular files any more are left out. This default reads the whole workspace and drops
   * the rest; a runtime that can ask for single files should.
   */
  default boolean readFiles(String interviewId, Set<String> paths, WorkspaceFileVisitor visitor)
      throws IOException {
    return readFiles(interviewId, new OnlyThese(paths, visitor));
  }

  /**
   * The end (at most {@link TerminalHistory#MAX_BYTES}) of the file the workspace's terminals
   * append each command line to ({@link TerminalHistory#FILE}), read as the workspace's user, never
   * by Prequel's own rights. Empty when there is none (no command ended yet, the candidate turned
   * it off, the workspace does not run) or this runtime cannot read it.
   */
  default Optional<byte[]> terminalHistory(String interviewId) throws IOException {
    return Optional.empty();
  }

  /**
   * Whether the workspace's disk is full (its candidate's writes fail), as a line for the
   * interview's log; empty when it is not, or when this runtime cannot tell.
   */
  default Optional<String> diskFull(String interviewId) {
    return Optional.empty();
  }

  /**
   * Tells the workspace's IDE when the interview ends, for the clock the candidate sees: somewhere
   * the candidate can read but not change. Called again whenever the end moves. Runtimes that
   * cannot show a clock do nothing.
   */
  default void showClock(String interviewId, WorkspaceClock clock) throws IOException {}

  /**
   * Tells {@code listener} the id of an interview whose workspace may have just begun to answer
   * (its code-server listens), so that whoever waits for it looks at once rather than at its next
   * poll. Only a hint: ready is what the readiness probe sees. Runtimes without one are polled.
   */
  default void onListening(Consumer<String> listener) {}

  /** Resident memory of the workspace's processes, when the runtime can tell. */
  default java.util.OptionalLong memoryBytes(String interviewId) {
    return java.util.OptionalLong.empty();
  }

  /** Stops every process of the workspace and frees what it held. Safe when nothing runs. */
  void destroy(String interviewId, Consumer<String> log) throws Exception;

  // ---- spares, for a warm pool. A runtime without them leaves these as they are: every
  // interview's workspace then starts cold, through provision.

  /** Whether this runtime can start spare workspaces before any interview needs them. */
  default boolean hasSpares() {
    return false;
  }

  /**
   * Starts a spare: a workspace with the default limits that belongs to no interview yet, under the
   * given spare id (from {@link SpareIds#next}, never a valid interview id). {@link #find} and
   * {@link #destroy} accept spare ids; {@link #list} leaves spares out.
   */
  default Workspace startSpare(String spareId, Consumer<String> log) throws Exception {
    throw new UnsupportedOperationException("the " + name() + " runtime has no spare workspaces");
  }

  /** Starts a spare under a fresh id. */
  default Workspace startSpare(Consumer<String> log) throws Exception {
    return startSpare(SpareIds.next(), log);
  }

  /**
   * The ids of every spare not claimed yet, running or not, including ones from before a restart.
   */
  default List<String> spares() {
    return List.of();
  }

  /**
   * Hands a running spare to an interview, atomically and durably: from then on every operation
   * with the interview's id addresses that workspace (with the spec's limits), and the spare id
   * names nothing. Returns false, changing nothing, when the spare does not run or the interview
   * already has a workspace.
   */
  default boolean claim(String spareId, WorkspaceSpec spec, Consumer<String> log) throws Exception {
    return false;
  }
}
