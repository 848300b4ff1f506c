package dev.prequel.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first admin's one-time setup link goes to the console only, not through the logger (log files
 * are shipped and kept; the link signs in whoever opens it first).
 */
public final class SetupLink {

  private static final Logger log = LoggerFactory.getLogger(SetupLink.class);

  private SetupLink() {}

  @SuppressWarnings("SystemOut")
  public static void print(PublicUrls urls, String token) {
    log.warn("No user exists yet: open the one-time setup link printed on the console");
    System.out.println();
    System.out.println("  Create Prequel's first admin (one-time link, valid until restart):");
    System.out.println("  " + urls.portal() + "setup?token=" + token);
    System.out.println();
  }
}
