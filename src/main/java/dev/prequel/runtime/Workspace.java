package dev.prequel.runtime;

import java.net.URI;
import java.time.Instant;

/**
 * A running workspace as seen from outside.
 *
 * @param interviewId the interview that owns it
 * @param endpoint where the proxy connects: {@code http://127.0.0.1:41234} over TCP, or {@code
 *     unix:///path/to/code-server.sock} for a Unix-domain socket (HTTP over it)
 * @param startedAt when its process started
 */
public record Workspace(String interviewId, URI endpoint, Instant startedAt) {}
