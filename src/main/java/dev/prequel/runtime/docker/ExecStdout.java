package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a command in a workspace container as the candidate (uid 1000, in {@code /workspace}) and
 * streams its stdout to the caller's thread as it comes, never held whole: the seat's listing, its
 * reads of named files and of the terminal history all go through here.
 *
 * <p>Two things of docker-java's and the engine's make this more than a callback:
 *
 * <ul>
 *   <li>docker-java (3.7) hands a full frame over in the very buffer it reads the next one into
 *       ({@code FramedInputStreamConsumer}): a payload kept past {@code onNext} is overwritten.
 *       Each payload is copied before it is queued; without that, long outputs lost bytes in the
 *       middle and a tar or a listing read as cut short.
 *   <li>The engine ends the stream when the command's output closes, and records its exit status a
 *       moment later, from another event: the status is waited for, briefly, before it is read.
 * </ul>
 */
final class ExecStdout {

  /** Frames in flight between the engine's stream and the reader (each at most 1 KiB). */
  private static final int FRAMES = 256;

  /** What a reader may leave unread and still see the exit status: a tar's last record. */
  private static final int TRAILER = 64 * 1024;

  /** How long the engine may take to record the exit status once the stream has ended. */
  private static final Duration EXIT_RECORDED = Duration.ofSeconds(5);

  /** Reads stdout on the caller's thread, as it comes. */
  @FunctionalInterface
  interface Reader {
    void read(InputStream stdout) throws IOException;
  }

  private final DockerClient docker;

  ExecStdout(DockerClient docker) {
    this.docker = docker;
  }

  /**
   * Runs {@code argv} in {@code container} under a deadline of its own (coreutils' {@code timeout}:
   * the engine cannot kill an exec), handing its stdout to {@code reader}; stderr is not attached,
   * so the engine drops it. Returns the exit status, or -1 when the reader stopped well before the
   * end (a bound reached: closing the stream lets the engine's side go, the deadline ends the
   * command).
   *
   * @throws IOException when the command cannot start or its stream broke: what came may be part
   */
  int run(String container, List<String> argv, Duration deadline, Reader reader)
      throws IOException {
    List<String> command =
        new ArrayList<>(List.of("timeout", "-k", "2", deadline.toSeconds() + "s"));
    command.addAll(argv);
    String exec;
    try {
      exec =
          docker
              .execCreateCmd(container)
              .withUser(WorkspaceContainer.USER)
              .withWorkingDir(WorkspaceContainer.WORKSPACE)
              .withAttachStdout(true)
              .withCmd(command.toArray(String[]::new))
              .exec()
              .getId();
    } catch (DockerException e) {
      // stopped or removed since it was inspected: the caller's next look says so
      throw new IOException("cannot run a command in the workspace: " + e.getMessage(), e);
    }
    FrameStream frames = new FrameStream(deadline.plusSeconds(10));
    docker.execStartCmd(exec).exec(frames);
    try {
      InputStream stdout = frames.stdout();
      reader.read(stdout);
      // a tar's reader stops at its end-of-archive blocks, before the rest of its last record:
      // that much is read past, to the end of the stream and so to the exit status
      var unused = stdout.readNBytes(TRAILER);
      if (!frames.ended()) {
        return -1;
      }
    } finally {
      frames.leave();
    }
    return exitStatus(exec);
  }

  /** The exec's exit status, once the engine has recorded it; -1 if it never does. */
  private int exitStatus(String exec) throws IOException {
    long giveUp = System.nanoTime() + EXIT_RECORDED.toNanos();
    while (true) {
      InspectExecResponse r = docker.inspectExecCmd(exec).exec();
      if (!Boolean.TRUE.equals(r.isRunning()) && r.getExitCodeLong() != null) {
        return r.getExitCodeLong().intValue();
      }
      if (System.nanoTime() > giveUp) {
        return -1;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // pacing a poll of the engine
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for an exec's exit status");
      }
    }
  }

  /**
   * The exec's stdout frames as an input stream, through a bounded queue: the engine's thread waits
   * while the reader is behind, and is let go (the stream closed) once the reader leaves.
   */
  private static final class FrameStream extends ResultCallback.Adapter<Frame> {
    private static final byte[] END = new byte[0];
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(FRAMES);
    private final long giveUp;
    private volatile boolean readerGone;
    private volatile Throwable broken;
    private byte[] current = new byte[0];
    private int at;
    private boolean ended;

    FrameStream(Duration patience) {
      this.giveUp = System.nanoTime() + patience.toNanos();
    }

    @Override
    public void onNext(Frame frame) {
      if (frame.getStreamType() == StreamType.STDOUT || frame.getStreamType() == StreamType.RAW) {
        // docker-java reads the next frame into this very buffer: keep a copy
        put(frame.getPayload().clone());
      }
    }

    @Override
    public void onComplete() {
      put(END);
      super.onComplete();
    }

    @Override
    public void onError(Throwable throwable) {
      if (!readerGone) {
        broken = throwable; // before END: the reader must not take a broken stream for whole
      }
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
            next();
          }
          int n = Math.min(len, current.length - at);
          System.arraycopy(current, at, b, off, n);
          at += n;
          return n;
        }
      };
    }

    private void next() throws IOException {
      byte[] taken;
      try {
        // the command ends itself by then; a stream that still says nothing is given up
        taken = queue.poll(giveUp - System.nanoTime(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading an exec's output");
      }
      if (taken == null) {
        throw new IOException("the workspace's command said nothing past its deadline");
      }
      if (taken == END && broken != null) {
        throw new IOException("the workspace's output broke off: " + broken.getMessage(), broken);
      }
      current = taken;
      at = 0;
      ended = taken == END;
    }
  }
}
