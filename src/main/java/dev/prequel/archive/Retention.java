package dev.prequel.archive;

import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes ended interviews and their archives once they are older than the retention period ({@code
 * PREQUEL_RETENTION_DAYS}; off when zero). Runs at start and then hourly.
 */
public final class Retention implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(Retention.class);

  private final Archive archive;
  private final Duration keep;
  private final Clock clock;

  /**
   * @param keep how long an ended interview is kept; zero keeps everything
   */
  public Retention(Archive archive, Duration keep, Clock clock) {
    this.archive = archive;
    this.keep = keep;
    this.clock = clock;
  }

  @Override
  public void run() {
    if (keep.isZero()) {
      return;
    }
    try {
      int deleted = archive.deleteEndedBefore(clock.instant().minus(keep));
      if (deleted > 0) {
        log.info("retention: deleted {} interviews ended more than {} ago", deleted, keep);
      }
    } catch (RuntimeException e) {
      log.warn("retention pass failed: {}", e.toString());
    }
  }
}
