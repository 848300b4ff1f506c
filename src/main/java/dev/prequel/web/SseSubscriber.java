package dev.prequel.web;

import io.javalin.http.sse.SseClient;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live-events client: a bounded queue of frames and a non-blocking writer (the servlet's {@link
 * WriteListener}). Whoever queues frames, the fan-out or Jetty saying the socket takes more, writes
 * as much as the socket takes right now and returns; nobody ever waits for a client's socket. A
 * client that stops reading keeps one write pending in Jetty and its queue fills up.
 *
 * <p>How a client ends. Javalin does not end the request: with {@link SseClient#keepAlive}, {@link
 * SseClient#close} resumed Javalin's request pipeline on the calling thread, and when Jetty had
 * already ended the request (the client went away, the server stopped) and recycled it, every
 * access to it threw, Javalin's exception handling threw in turn and queued itself again, forever
 * (millions of log lines). So Javalin is parked on a future that never completes ({@link Parked}),
 * and the request's {@link AsyncContext} is completed here, once ({@link #finish}), and only while
 * Jetty has not completed it: Jetty's own callbacks ({@link AsyncListener}) say when it has, and
 * from then on nothing touches the request, its response or its stream.
 */
final class SseSubscriber implements WriteListener {

  private static final Logger log = LoggerFactory.getLogger(SseSubscriber.class);

  /**
   * Bytes per write at most. Frames that queued up behind a slow write go out together in one write
   * (one system call, one TCP segment or a few), but a write pending for a stalled client holds no
   * more than this beside its queue.
   */
  static final int BATCH = 16 * 1024;

  /**
   * Forgets a client (the stream's job: it owns the set of clients), then ends its request with
   * {@link #finish}: on the calling thread when {@code now} (a Jetty callback, where the request is
   * sure to be alive), else off the fan-out.
   */
  interface Drop {
    void drop(SseSubscriber s, String why, boolean now);
  }

  final SseClient client;
  private final int queueSize;
  private final Drop drop;

  /** Set once, by whoever ends the client first: the stream, or Jetty's callbacks. */
  private final AtomicBoolean dropped = new AtomicBoolean();

  /** Jetty completed the request: it may be recycled, so nothing of it may be touched. */
  private volatile boolean completed;

  /** {@link #finish} ran: the request is completed once, whoever asks. */
  private final AtomicBoolean finished = new AtomicBoolean();

  // Set by listen(), before the client is written to: what ends the request and the connection.
  private volatile AsyncContext async;
  private volatile EndPoint endPoint;

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

  /**
   * Hears when Jetty ends the request, and switches the response to non-blocking writes; Jetty then
   * calls {@link #onWritePossible}. Called while the request is being handled (Javalin started it
   * asynchronously before handing over the client).
   *
   * @param connection the client's connection, closed when the client is dropped (that ends a write
   *     pending for a client that stopped reading); null when unknown
   */
  void listen(EndPoint connection) throws IOException {
    endPoint = connection;
    AsyncContext context = client.ctx().req().getAsyncContext();
    context.addListener(new Ends());
    async = context;
    if (dropped.get()) {
      finish(); // dropped before it listened: finish found nothing to complete then
      return;
    }
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
    drop.drop(this, "writing failed: " + t, false);
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
   * Ends the request of a {@link #markDropped dropped} client, once however often it is called:
   * completes its async context unless Jetty completed the request already, then closes the
   * connection (a write pending for a client that stopped reading would otherwise hold it until the
   * idle timeout). A race with Jetty ending it meanwhile costs a debug line, nothing more.
   */
  void finish() {
    AsyncContext context = async;
    if (context == null) {
      return; // not listening yet: listen() finishes a client dropped meanwhile
    }
    if (completed || !finished.compareAndSet(false, true)) {
      return; // Jetty is done with it (and closes the connection, as the response said), or we are
    }
    try {
      context.complete();
    } catch (RuntimeException e) {
      log.debug("completing a live-events request Jetty was ending: {}", e.toString());
    }
    EndPoint connection = endPoint;
    if (connection != null) {
      connection.close();
    }
  }

  /**
   * The future Javalin parks an event stream's request on, never completed. It runs {@code start}
   * once Javalin has chained its continuation to it, the last thing Javalin does with the request
   * (the stream can then end at any time without Javalin handling the request at the same moment).
   */
  static final class Parked extends CompletableFuture<Void> {
    private final AtomicBoolean started = new AtomicBoolean();
    private final Runnable start;

    Parked(Runnable start) {
      this.start = start;
    }

    @Override
    public <U> CompletableFuture<U> thenApply(Function<? super Void, ? extends U> fn) {
      CompletableFuture<U> next = super.thenApply(fn);
      if (started.compareAndSet(false, true)) {
        start.run();
      }
      return next;
    }
  }

  /**
   * Jetty's word on the request. An error or a timeout arrives while the request is still alive:
   * the client is dropped and its request completed right here, before Jetty would otherwise
   * dispatch the error. Completion means Jetty is done with it.
   */
  private final class Ends implements AsyncListener {
    @Override
    public void onComplete(AsyncEvent event) {
      completed = true;
      drop.drop(SseSubscriber.this, "its request ended", true);
    }

    @Override
    public void onError(AsyncEvent event) {
      drop.drop(SseSubscriber.this, "its connection failed: " + event.getThrowable(), true);
      finish(); // also when the stream had dropped it already but not finished it yet
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      drop.drop(SseSubscriber.this, "its request timed out", true);
      finish();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      // not restarted: the stream stays one asynchronous request
    }
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
      drop.drop(this, "writing failed: " + failed, false);
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
