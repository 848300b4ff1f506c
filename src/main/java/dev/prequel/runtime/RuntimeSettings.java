package dev.prequel.runtime;

/**
 * Which runtime runs the workspaces, and the operator's settings every runtime applies.
 *
 * @param kind the runtime, from {@code PREQUEL_RUNTIME} ({@code local})
 * @param limits the default limits of a workspace, and the most any challenge gets
 * @param outbound the network a workspace gets at most
 * @param requireSandbox refuse to start workspaces when this machine cannot sandbox them
 */
public record RuntimeSettings(
    String kind, WorkspaceLimits limits, Outbound outbound, boolean requireSandbox) {}
