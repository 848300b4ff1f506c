package dev.prequel.web;

/** The addresses people use from their browsers, which may differ from where Prequel listens. */
public record PublicUrls(String scheme, String baseDomain, int port) {

  /** The candidate's address: a host of the workspace's own, never the portal's origin. */
  public String workspace(String interviewId) {
    return scheme + "://" + interviewId + "." + baseDomain + portSuffix() + "/";
  }

  public String portal() {
    return scheme + "://" + baseDomain + portSuffix() + "/";
  }

  private String portSuffix() {
    boolean defaultPort =
        (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
    return defaultPort ? "" : ":" + port;
  }
}
