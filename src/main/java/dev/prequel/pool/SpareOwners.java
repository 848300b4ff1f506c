package dev.prequel.pool;

/**
 * Which replica's pool each spare workspace belongs to, when replicas share one runtime (Docker,
 * Kubernetes): every replica sees every spare there, and without owners each would take back, hand
 * out and remove the others'. One Prequel owns every spare ({@link #sole}); replicas on PostgreSQL
 * record owners in the database ({@link DatabaseSpareOwners}).
 */
public interface SpareOwners {

  /**
   * Makes the spare this replica's: one it started, one it owns already, or one whose owner is no
   * longer seen (a dead replica's). False: another live replica's, to be left alone.
   */
  boolean take(String spareId);

  /**
   * Starts handing this replica's spare to an interview. True for one caller only: afterwards no
   * pool takes it, until {@link #handBack} or {@link #forget}.
   */
  boolean handOver(String spareId);

  /** The hand-over did not happen (the interview had a workspace already): the spare is kept. */
  void handBack(String spareId);

  /** The spare is no pool's any more (claimed by an interview, or removed). */
  void forget(String spareId);

  /** This replica still lives: its spares stay its own. Called at every pool check. */
  void stillHere();

  /** One Prequel: every spare on the runtime is its own. */
  static SpareOwners sole() {
    return new SpareOwners() {
      @Override
      public boolean take(String spareId) {
        return true;
      }

      @Override
      public boolean handOver(String spareId) {
        return true;
      }

      @Override
      public void handBack(String spareId) {}

      @Override
      public void forget(String spareId) {}

      @Override
      public void stillHere() {}
    };
  }
}
