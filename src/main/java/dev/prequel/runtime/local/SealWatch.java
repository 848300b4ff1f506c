package dev.prequel.runtime.local;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals each start's socket folder ({@link SocketSeal}) as soon as code-server has bound its socket
 * there, and says so: in the interview's log, and to a listener that wakes whoever waits for the
 * workspace to answer (the lifecycle's readiness probe), so that neither waits for a poll.
 *
 * <p>The kernel tells: an inotify watch ({@link WatchService}) on the socket folder reports the
 * socket's creation. A watch only observes; it opens nothing for writing, and the folder's path is
 * Prequel's own down to the folder itself (a fresh entry of the root-owned {@code sockets/}), so
 * the candidate cannot point it elsewhere. Each event is only a reason to look: the seal checks the
 * entry through descriptors as before, so events the candidate could cause change nothing. A try
 * every {@link #POLL} stays as the fallback (a watch that could not be made, or lost events).
 */
final class SealWatch {

  static final Duration POLL = Duration.ofMillis(100);

  /** Long past any start: a code-server that has not bound its socket by then never will. */
  static final Duration GIVE_UP = Duration.ofMinutes(10);

  private static final Logger LOG = LoggerFactory.getLogger(SealWatch.class);

  private final SocketSeal seals;
  private volatile Consumer<String> listening = id -> {};

  /** All attempts run here, one at a time: a watch's event and a poll never seal side by side. */
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "prequel-socket-seal");
            t.setDaemon(true);
            return t;
          });

  /**
   * One inotify instance and thread for the whole JVM (a user has 128 instances machine-wide, and
   * tests make many runtimes); each key leads to its own runtime's attempt.
   */
  private static final Map<WatchKey, Attempt> WATCHED = new ConcurrentHashMap<>();

  private static final WatchService WATCHER = newWatcher();

  SealWatch(SocketSeal seals) {
    this.seals = seals;
  }

  /** Who to tell an interview's (or spare's) id once its code-server listens. */
  void onListening(Consumer<String> listener) {
    this.listening = listener;
  }

  /**
   * Seals this start's socket once code-server has bound it, the process has ended or {@link
   * #GIVE_UP} has passed. Never blocks the caller.
   */
  void watch(InterviewFolder folder, int uid, ProcessHandle process, Consumer<String> log) {
    Attempt attempt = new Attempt(folder, uid, process, log);
    Optional<Path> dir = SocketSeal.current(folder);
    if (WATCHER != null && dir.isPresent()) {
      try {
        attempt.key = dir.get().register(WATCHER, StandardWatchEventKinds.ENTRY_CREATE);
        WATCHED.put(attempt.key, attempt);
      } catch (IOException e) {
        LOG.debug("{}: no watch on the socket folder, polling: {}", folder.root(), e.toString());
      }
    }
    poller.execute(attempt); // at once: the socket may be there before the watch
  }

  private final class Attempt implements Runnable {
    private final InterviewFolder folder;
    private final int uid;
    private final ProcessHandle process;
    private final Consumer<String> log;
    private final long started = System.nanoTime();
    private final AtomicBoolean over = new AtomicBoolean();
    private volatile WatchKey key;

    Attempt(InterviewFolder folder, int uid, ProcessHandle process, Consumer<String> log) {
      this.folder = folder;
      this.uid = uid;
      this.process = process;
      this.log = log;
    }

    /** A poll: tries, and tries again later unless it is over. */
    @Override
    public void run() {
      if (tryNow()) {
        return;
      }
      if (process.isAlive() && System.nanoTime() - started < GIVE_UP.toNanos()) {
        later(this);
      } else {
        if (process.isAlive()) {
          LOG.warn("{}: code-server bound no socket of its own; not served", folder.root());
        }
        end();
      }
    }

    /** A try on the runtime's own thread, now (a watch's event). */
    void soon() {
      poller.execute(this::tryNow);
    }

    /** One try (from a poll or a watch's event); true once it is over. */
    boolean tryNow() {
      if (over.get()) {
        return true;
      }
      try {
        if (seals.sealIfReady(folder, uid) && over.compareAndSet(false, true)) {
          end();
          // For the interview's log: where a start's time goes (the bench reads it).
          log.accept(
              "code-server listens (socket sealed "
                  + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
                  + " ms after its start)");
          if (!WorkspaceFolders.isSpare(folder.interviewId())) {
            listening.accept(folder.interviewId()); // a spare's: nobody waits on it
          }
          return true;
        }
      } catch (RuntimeException e) {
        LOG.warn("{}: sealing the socket folder failed", folder.root(), e);
      }
      return over.get();
    }

    private void end() {
      over.set(true);
      WatchKey k = key;
      if (k != null) {
        k.cancel();
        WATCHED.remove(k);
      }
    }
  }

  /** The watch's thread: each event on a socket folder is a reason to try sealing it now. */
  private static void events(WatchService watcher) {
    while (true) {
      WatchKey key;
      try {
        key = watcher.take();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
      key.pollEvents(); // what happened does not matter: the seal looks for itself
      Attempt attempt = WATCHED.get(key);
      if (attempt != null) {
        attempt.soon();
      }
      key.reset();
    }
  }

  // Each attempt logs its own failures and schedules the next: nothing waits on the future.
  @SuppressWarnings("FutureReturnValueIgnored")
  private void later(Runnable attempt) {
    poller.schedule(attempt, POLL.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static WatchService newWatcher() {
    try {
      WatchService watcher = FileSystems.getDefault().newWatchService();
      Thread t = new Thread(() -> events(watcher), "prequel-socket-watch");
      t.setDaemon(true);
      t.start();
      return watcher;
    } catch (IOException | UnsupportedOperationException e) {
      LOG.info("no inotify watch for code-server's sockets ({}); polling", e.toString());
      return null;
    }
  }
}
