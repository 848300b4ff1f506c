package dev.prequel.challenge;

import java.nio.file.Path;

/**
 * A task a candidate works on.
 *
 * @param files the folder whose content is copied into the candidate's workspace
 */
public record Challenge(String id, String title, String description, Path files) {}
