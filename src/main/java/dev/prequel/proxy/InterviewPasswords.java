package dev.prequel.proxy;

import java.util.Optional;

/**
 * The password a candidate gives to reach an interview's workspace. Wired in {@code Prequel}: the
 * proxy does not know how passwords are stored.
 */
@FunctionalInterface
public interface InterviewPasswords {

  /** The interview's password; empty when there is no such interview. */
  Optional<String> passwordOf(String interviewId);
}
