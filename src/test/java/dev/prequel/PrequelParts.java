package dev.prequel;

import dev.prequel.interview.Interviews;
import dev.prequel.pool.WarmPool;
import dev.prequel.runtime.WorkspaceRuntime;

/**
 * What tests in other packages look at inside a running {@link Prequel}: its parts stay
 * package-private in the main code, where nothing outside the wiring needs them.
 */
public final class PrequelParts {
  private PrequelParts() {}

  public static WorkspaceRuntime runtime(Prequel prequel) {
    return prequel.runtime();
  }

  public static Interviews interviews(Prequel prequel) {
    return prequel.interviews();
  }

  public static WarmPool pool(Prequel prequel) {
    return prequel.pool();
  }
}
