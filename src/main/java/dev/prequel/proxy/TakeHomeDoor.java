package dev.prequel.proxy;

import dev.prequel.interview.TakeHomes;
import java.util.Optional;

/** What the candidate's host does for take-homes (start, submit); wired in {@code Prequel}. */
public interface TakeHomeDoor {

  /** No take-homes: the proxy then serves interviews only. */
  TakeHomeDoor NONE =
      new TakeHomeDoor() {
        @Override
        public Optional<TakeHomes.Invitation> invitation(String id) {
          return Optional.empty();
        }

        @Override
        public void start(String id) {
          throw new IllegalStateException("take-homes are not served here");
        }

        @Override
        public boolean isTakeHome(String id) {
          return false;
        }

        @Override
        public void submit(String id) {
          throw new IllegalStateException("take-homes are not served here");
        }
      };

  /** What the start page shows, while the take-home waits for its candidate. */
  Optional<TakeHomes.Invitation> invitation(String id);

  /** Starts the clock; a {@code ProblemException} says why not. */
  void start(String id);

  boolean isTakeHome(String id);

  /** Ends the attempt now; a {@code ProblemException} says why not. */
  void submit(String id);

  static TakeHomeDoor of(TakeHomes takeHomes) {
    return new TakeHomeDoor() {
      @Override
      public Optional<TakeHomes.Invitation> invitation(String id) {
        return takeHomes.invitation(id);
      }

      @Override
      public void start(String id) {
        takeHomes.start(id);
      }

      @Override
      public boolean isTakeHome(String id) {
        return takeHomes.find(id).isPresent();
      }

      @Override
      public void submit(String id) {
        takeHomes.submit(id);
      }
    };
  }
}
