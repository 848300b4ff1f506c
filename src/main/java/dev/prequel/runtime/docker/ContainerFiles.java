package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.prequel.runtime.FindListing;
import dev.prequel.runtime.TerminalHistory;
import dev.prequel.runtime.WorkspaceFileVisitor;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The docker runtime's reads of a workspace's files: the full tar through the Engine's archive API
 * ({@link WorkspaceArchive}), which the seat's listing and named reads also use (hashing each
 * file), and {@code tail} of the terminal history by exec as the candidate (uid 1000) while the
 * container runs, its output streamed, never held whole. A cheap listing by exec of {@code find}
 * and {@code tar} (as on the other runtimes) lost the end of long outputs in docker-java's exec
 * stream and is not used until that is understood.
 */
final class ContainerFiles {

  /** Frames in flight between the engine's stream and the reader (each at most a few KiB). */
  private static final int FRAMES = 256;

  private final DockerClient docker;
  private final WorkspaceArchive archive;
  private final Function<String, Optional<InspectContainerResponse>> inspect;
  private final Reattach reattach;

  /** Mounts a container's disk again after a reboot, before its files are read. */
  @FunctionalInterface
  interface Reattach {
    void to(InspectContainerResponse container) throws IOException;
  }

  /**
   * @param inspect the container of an interview id, if any
   */
  ContainerFiles(
      DockerClient docker,
      WorkspaceArchive archive,
      Function<String, Optional<InspectContainerResponse>> inspect,
      Reattach reattach) {
    this.docker = docker;
    this.archive = archive;
    this.inspect = inspect;
    this.reattach = reattach;
  }

  /** Every file, from the archive API (running or stopped); false when there is no container. */
  boolean all(String id, WorkspaceFileVisitor visitor) throws IOException {
    Optional<InspectContainerResponse> container = inspect.apply(id);
    if (container.isEmpty()) {
      return false;
    }
    reattach.to(container.get());
    try {
      archive.visit(WorkspaceContainer.name(id), visitor);
      return true;
    } catch (NotFoundException e) {
      return false; // removed meanwhile
    }
  }

  /** The end of the terminal history while the container runs; empty otherwise. */
  Optional<byte[]> history(String id) throws IOException {
    if (!running(id)) {
      return Optional.empty();
    }
    byte[][] tail = {null};
    int exit =
        run(
            id,
            TerminalHistory.tailCommand(),
            stdout -> {
              tail[0] = stdout.readNBytes(TerminalHistory.MAX_BYTES);
              stdout.transferTo(OutputStream.nullOutputStream()); // to its end: tail ends there
            });
    return exit == 0 ? Optional.ofNullable(tail[0]) : Optional.empty();
  }

  private boolean running(String id) {
    return inspect.apply(id).filter(WorkspaceContainer::running).isPresent();
  }

  /** Reads stdout on the caller's thread, as it comes. */
  @FunctionalInterface
  private interface Stdout {
    void read(InputStream stdout) throws IOException;
  }

  /**
   * Runs {@code argv} in the container as the candidate, in {@code /workspace}, under a deadline of
   * its own ({@link FindListing#MAX_TIME}: the engine cannot kill an exec), handing its stdout to
   * {@code reader}. Returns the exit status, or -1 when the reader stopped before the end.
   */
  private int run(String id, List<String> argv, Stdout reader) throws IOException {
    Duration deadline = FindListing.MAX_TIME;
    List<String> command =
        new ArrayList<>(List.of("timeout", "-k", "2", deadline.toSeconds() + "s"));
    command.addAll(argv);
    String exec;
    try {
      exec =
          docker
              .execCreateCmd(WorkspaceContainer.name(id))
              .withUser(WorkspaceContainer.USER)
              .withWorkingDir(WorkspaceContainer.WORKSPACE)
              .withAttachStdout(true) // stderr is not attached: the engine drops it
              .withCmd(command.toArray(String[]::new))
              .exec()
              .getId();
    } catch (DockerException e) {
      // stopped or removed since it was inspected: the next look falls back or says so
      throw new IOException("cannot run a command in the workspace: " + e.getMessage(), e);
    }
    FrameStream frames = new FrameStream();
    docker.execStartCmd(exec).exec(frames);
    try {
      reader.read(frames.stdout());
      // a reader that stopped early (a bound reached) gets no exit status: closing the stream
      // lets the engine's side go, and the command's own deadline ends it
      if (!frames.ended() || !frames.awaitCompletion(deadline.toSeconds() + 5, TimeUnit.SECONDS)) {
        return -1;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading the workspace of " + id);
    } finally {
      frames.leave();
    }
    Long code = docker.inspectExecCmd(exec).exec().getExitCodeLong();
    return code == null ? -1 : code.intValue();
  }

  /**
   * The exec's stdout frames as an input stream, through a bounded queue: the engine's thread waits
   * while the reader is behind, and is let go (the stream closed) once the reader closes.
   */
  private static final class FrameStream extends ResultCallback.Adapter<Frame> {
    private static final byte[] END = new byte[0];
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(FRAMES);
    private volatile boolean readerGone;
    private final long giveUp = System.nanoTime() + FindListing.MAX_TIME.plusSeconds(10).toNanos();
    private byte[] current = new byte[0];
    private int at;
    private boolean ended;

    @Override
    public void onNext(Frame frame) {
      if (frame.getStreamType() == StreamType.STDOUT || frame.getStreamType() == StreamType.RAW) {
        put(frame.getPayload());
      }
    }

    @Override
    public void onComplete() {
      put(END);
      super.onComplete();
    }

    @Override
    public void onError(Throwable throwable) {
      put(END);
      super.onError(throwable);
    }

    private void put(byte[] bytes) {
      try {
        while (!readerGone && !queue.offer(bytes, 100, TimeUnit.MILLISECONDS)) {
          // the reader is behind: wait for it, unless it went away
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Whether the reader read to the end of stdout. */
    boolean ended() {
      return ended;
    }

    /**
     * The reader is done: the engine's thread is let go and the stream closed. (The callback's own
     * {@code close}, which the engine's thread calls at the end, must keep what is queued.)
     */
    void leave() throws IOException {
      readerGone = true;
      queue.clear();
      close();
    }

    InputStream stdout() {
      return new InputStream() {
        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (len == 0) {
            return 0;
          }
          while (at == current.length) {
            if (ended) {
              return -1;
            }
            try {
              // the command ends itself by then; a stream that still says nothing is given up
              current = queue.poll(giveUp - System.nanoTime(), TimeUnit.NANOSECONDS);
              if (current == null) {
                current = new byte[0];
                at = 0;
                throw new IOException("the workspace's command said nothing past its deadline");
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new InterruptedIOException("interrupted while reading an exec's output");
            }
            at = 0;
            ended = current == END;
          }
          int n = Math.min(len, current.length - at);
          System.arraycopy(current, at, b, off, n);
          at += n;
          return n;
        }
      };
    }
  }
}
