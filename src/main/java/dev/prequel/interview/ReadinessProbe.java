package dev.prequel.interview;

/** Answers whether a candidate reaching the interview's address now would get their IDE. */
@FunctionalInterface
public interface ReadinessProbe {
  boolean isReady(String interviewId);
}
