package dev.prequel.interview;

/**
 * What an interviewer asks for when creating a take-home. Validated by {@link TakeHomes#invite}.
 *
 * @param startWindowDays how many days the candidate has to press Start (default 7)
 */
public record NewTakeHome(
    String candidateName, String challengeId, Integer durationMinutes, Integer startWindowDays) {}
