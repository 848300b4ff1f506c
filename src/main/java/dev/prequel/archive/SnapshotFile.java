package dev.prequel.archive;

/** A file in a snapshot: its path ('/'-separated) and size in bytes. */
public record SnapshotFile(String path, long size) {}
