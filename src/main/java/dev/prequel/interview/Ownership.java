package dev.prequel.interview;

import java.util.Set;

/**
 * Which replica may work on an interview's lifecycle: exactly one at a time. {@link Lifecycle} asks
 * before every reconcile; a replica that does not own an interview leaves it to its owner and tells
 * the owner to look ({@link #nudgeOwner}). Embedded H2 means one Prequel: it owns everything
 * ({@link #single}); on PostgreSQL, {@link Leases} hands out a lease per interview.
 *
 * <p>Ownership makes double work rare, not impossible (a paused owner may act on a lease that has
 * just passed to another replica): what keeps a transition from happening twice is that each is a
 * compare-and-set on the interview's status ({@link InterviewStore#compareAndSetStatus}), and every
 * step between transitions is safe to run twice.
 */
public interface Ownership {

  /**
   * Whether this replica may work on the interview now: it owns it, or it just took it because
   * nobody did (or its owner's lease expired).
   */
  boolean acquire(String interviewId);

  /** Gives the interview up (it has ended and waits for nothing): another replica may take it. */
  void release(String interviewId);

  /** Asks the interview's owner, wherever it runs, to look at it again soon. */
  void nudgeOwner(String interviewId);

  /** Interviews another replica owns right now: not this replica's to look at. */
  Set<String> ownedElsewhere();

  /** This replica stops: every interview it owns is given up, for the others to take at once. */
  default void close() {}

  /** One Prequel on its own database: it owns every interview. */
  static Ownership single() {
    return Single.INSTANCE;
  }

  /** See {@link #single()}. */
  enum Single implements Ownership {
    INSTANCE;

    @Override
    public boolean acquire(String interviewId) {
      return true;
    }

    @Override
    public void release(String interviewId) {}

    @Override
    public void nudgeOwner(String interviewId) {}

    @Override
    public Set<String> ownedElsewhere() {
      return Set.of();
    }
  }
}
