package dev.prequel.interview;

/**
 * One recorded change of an interview as the live stream carries it.
 *
 * @param id increases with every event, over all replicas: SSE sends it as {@code id:}, and a
 *     client that reconnects with {@code Last-Event-ID} gets the events after it
 * @param local raised on this replica (false: arrived from another one)
 */
public record InterviewEvent(long id, Interview interview, boolean local) {}
