package dev.prequel.web;

import io.javalin.http.sse.SseClient;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee10.servlet.HttpOutput;

/**
 * One live-events client: a bounded queue of frames and a non-blocking writer (the servlet's {@link
 * WriteListener}). Whoever queues frames, the fan-out or Jetty saying the socket takes more, writes
 * as much as the socket takes right now and returns; nobody ever waits for a client's socket. A
 * client that stops reading keeps one write pending in Jetty and its queue fills up.
 */
final class SseSubscriber implements WriteListener {

  /**
   * Bytes per write at most. Frames that queued up behind a slow write go out together in one write
   * (one system call, one TCP segment or a few), but a write pending for a stalled client holds no
   * more than this beside its queue.
   */
  static final int BATCH = 16 * 1024;

  /** Forgets a client and closes its connection (the stream's job: it owns the set of clients). */
  interface Drop {
    void drop(SseSubscriber s, String why);
  }

  final SseClient client;
  private final int queueSize;
  private final Drop drop;
  private final AtomicBoolean dropped = new AtomicBoolean();

  // Guarded by this: the queue, the stream, the last id written, whether catching up or writing.
  private final ArrayDeque<SseFrame> queue = new ArrayDeque<>();
  private ServletOutputStream out;
  private long sent;
  private boolean catchingUp;
  private boolean writing;
  private boolean unflushed;

  /**
   * @param lastSeen the {@code Last-Event-ID} the client sent, -1 for none: with one, nothing is
   *     written until {@link #catchUp} put the missed events first
   */
  SseSubscriber(SseClient client, int queueSize, long lastSeen, Drop drop) {
    this.client = client;
    this.queueSize = queueSize;
    this.drop = drop;
    this.sent = lastSeen;
    this.catchingUp = lastSeen >= 0;
  }

  /** Switches the response to non-blocking writes; Jetty then calls {@link #onWritePossible}. */
  void listen() throws IOException {
    ServletOutputStream stream = client.ctx().res().getOutputStream();
    synchronized (this) {
      out = stream;
    }
    stream.setWriteListener(this);
  }

  /** Queues frames and writes what the socket takes; false when the queue would overflow. */
  boolean deliver(List<SseFrame> frames) {
    synchronized (this) {
      if (dropped.get()) {
        return true;
      }
      if (queue.size() + frames.size() > queueSize) {
        return false;
      }
      queue.addAll(frames);
    }
    write();
    return true;
  }

  /**
   * The events missed while away go first, then what was queued meanwhile; ids already written (a
   * live event the catch-up also found) are skipped as the frames are written.
   */
  void catchUp(List<SseFrame> missed) {
    synchronized (this) {
      ArrayDeque<SseFrame> live = new ArrayDeque<>(queue);
      queue.clear();
      queue.addAll(missed);
      queue.addAll(live);
      catchingUp = false;
    }
    write();
  }

  @Override
  public void onWritePossible() {
    write();
  }

  @Override
  public void onError(Throwable t) {
    drop.drop(this, "writing failed: " + t);
  }

  /** Marks the client dropped; true for the first caller only. */
  boolean markDropped() {
    if (!dropped.compareAndSet(false, true)) {
      return false;
    }
    synchronized (this) {
      queue.clear();
    }
    return true;
  }

  /**
   * Writes while the socket takes it. {@code isReady()} false means Jetty calls {@link
   * #onWritePossible} once the pending write is done, so a frame left queued is never forgotten.
   */
  private void write() {
    Exception failed = null;
    synchronized (this) {
      if (writing || out == null || catchingUp || dropped.get()) {
        return; // a write loop already runs (Jetty may call back within a write), or not yet
      }
      writing = true;
      try {
        while ((unflushed || !queue.isEmpty()) && out.isReady()) {
          if (unflushed) {
            out.flush();
            unflushed = false;
          } else {
            ByteBuffer batch = nextBatch();
            if (batch != null) {
              send(batch);
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        failed = e;
      } finally {
        writing = false;
      }
    }
    if (failed != null) {
      drop.drop(this, "writing failed: " + failed);
    }
  }

  /**
   * Jetty's own stream writes a buffer at once, without copying it into its aggregate buffer (one
   * more buffer per client, held while a write is pending). Another stream aggregates small writes
   * until flushed, so a flush follows once the stream is ready again.
   */
  private void send(ByteBuffer batch) throws IOException {
    if (out instanceof HttpOutput jetty) {
      jetty.write(batch);
    } else {
      out.write(batch.array(), batch.arrayOffset() + batch.position(), batch.remaining());
      unflushed = true;
    }
  }

  /** The next frames not written yet, up to {@link #BATCH} bytes (one at least); null: none. */
  private ByteBuffer nextBatch() {
    List<SseFrame> frames = new java.util.ArrayList<>();
    int bytes = 0;
    while (!queue.isEmpty() && (frames.isEmpty() || bytes + queue.peek().size() <= BATCH)) {
      SseFrame f = queue.poll();
      if (f.isComment() || f.id > sent) {
        frames.add(f);
        bytes += f.size();
        sent = Math.max(sent, f.id);
      }
    }
    if (frames.size() <= 1) {
      return frames.isEmpty() ? null : frames.get(0).buffer();
    }
    ByteBuffer batch = ByteBuffer.allocate(bytes);
    frames.forEach(f -> f.copyTo(batch));
    return batch.flip();
  }
}
