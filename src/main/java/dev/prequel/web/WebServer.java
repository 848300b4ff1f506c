package dev.prequel.web;

import dev.prequel.auth.Accounts;
import dev.prequel.challenge.ChallengeLibrary;
import dev.prequel.error.ProblemException;
import dev.prequel.interview.InterviewEvents;
import dev.prequel.interview.Interviews;
import dev.prequel.interview.Lifecycle;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The HTTP server: portal pages, JSON API, live events, and the workspace proxy in front of them
 * all.
 */
public final class WebServer {

  private static final Logger log = LoggerFactory.getLogger(WebServer.class);
  private static final long MAX_BODY_BYTES = 1024 * 1024;

  /**
   * Marks a response whose error a handler already wrote, so the generic error pages leave it
   * alone.
   */
  private static final String EXPLAINED = "prequel.explained";

  private static final Pattern INTERVIEW_PATH =
      Pattern.compile("/(?:api/v1/)?interviews/([a-z0-9]{1,32})");

  private final Javalin app;
  private final LiveStream live;
  private final dev.prequel.seat.Seat seat;

  /**
   * @param proxy the handler that takes workspace hosts; everything else passes through it to the
   *     portal
   * @param health what {@code /healthz} reports besides "ok"
   * @param isolationWarning shown on the portal when workspaces are not isolated; null when they
   *     are
   */
  public WebServer(
      String bindHost,
      int port,
      Interviews interviews,
      ChallengeLibrary challenges,
      java.nio.file.Path uploadScratch,
      InterviewEvents events,
      PublicUrls urls,
      Handler.Wrapper proxy,
      Supplier<Map<String, Object>> health,
      String isolationWarning,
      dev.prequel.archive.Archive archive,
      dev.prequel.metrics.Metrics metrics,
      Accounts accounts,
      ClientAddress clientAddress,
      dev.prequel.interview.TakeHomes takeHomes,
      dev.prequel.review.Review review,
      dev.prequel.webhook.Webhooks webhooks,
      dev.prequel.seat.Seat seat) {
    this.seat = seat;
    this.live = new LiveStream(urls, events::since);
    events.subscribeStream(live::publish);
    Pages templates = new Pages(TemplateEngine.createPrecompiled(ContentType.Html));
    ApiRoutes api = new ApiRoutes(interviews, urls);
    PortalPages pages = new PortalPages(interviews, challenges, urls, templates, isolationWarning);
    Gate gate = new Gate(accounts, "https".equals(urls.scheme()));

    this.app =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              // ctx.ip(), which throttling and the audit log count, sees through trusted proxies
              cfg.contextResolver.ip =
                  ctx -> clientAddress.of(ctx.req().getRemoteAddr(), ctx.header("X-Forwarded-For"));
              cfg.http.maxRequestSize = MAX_BODY_BYTES;
              cfg.jetty.host = bindHost;
              cfg.jetty.port = port;
              // challenge uploads (the library's own limits are checked while unpacking)
              cfg.jetty.multipartConfig.maxTotalRequestSize(110, io.javalin.config.SizeUnit.MB);
              cfg.staticFiles.enableWebjars();
              cfg.staticFiles.add(
                  s -> {
                    s.hostedPath = "/static";
                    s.directory = "/static";
                    s.location = io.javalin.http.staticfiles.Location.CLASSPATH;
                  });
              cfg.jetty.modifyServer(
                  server -> {
                    server.insertHandler(proxy);
                    server.setErrorHandler(new JsonErrorHandler());
                  });
              // Log lines written while handling a request about one interview carry its id.
              cfg.routes.before(
                  ctx -> {
                    // No other site may frame the portal (a click on a hidden "Delete" button),
                    // and no answer is sniffed into another type than the one it names.
                    ctx.header("X-Frame-Options", "DENY");
                    ctx.header("Content-Security-Policy", "frame-ancestors 'none'");
                    ctx.header("X-Content-Type-Options", "nosniff");
                    ctx.header("Referrer-Policy", "same-origin");
                    Matcher m = INTERVIEW_PATH.matcher(ctx.path());
                    if (m.lookingAt()) {
                      MDC.put(Lifecycle.LOG_KEY, m.group(1));
                    }
                    gate.check(ctx);
                  });
              cfg.routes.after(
                  ctx -> {
                    MDC.remove(Lifecycle.LOG_KEY);
                    gate.after();
                  });
              cfg.routes.get(
                  "/metrics",
                  ctx ->
                      ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                          .result(metrics.scrape()));
              cfg.routes.get(
                  "/healthz",
                  ctx -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("status", "ok");
                    body.putAll(health.get());
                    body.put("liveClients", live.clientCount());
                    body.put("seatsWatched", seat.watchedSeats());
                    ApiRoutes.json(ctx, 200, body);
                  });
              cfg.routes.sse("/api/v1/events", live::connect);
              cfg.routes.get(
                  "/api/v1/openapi.yaml",
                  ctx -> ctx.contentType("application/yaml; charset=utf-8").result(openApi()));
              api.register(cfg.routes);
              new SecretRoutes(interviews).register(cfg.routes);
              pages.register(cfg.routes);
              new AccountRoutes(accounts, gate, templates).register(cfg.routes);
              new ChallengeRoutes(challenges, uploadScratch).register(cfg.routes);
              new LibraryPages(challenges, templates, uploadScratch).register(cfg.routes);
              new SnapshotRoutes(interviews, archive, urls, templates, review).register(cfg.routes);
              new ReviewRoutes(review, interviews, templates).register(cfg.routes);
              new WebhookRoutes(webhooks, templates).register(cfg.routes);
              new TakeHomeRoutes(takeHomes, challenges, urls, templates).register(cfg.routes);
              new SeatRoutes(seat, interviews, templates).register(cfg.routes);

              cfg.routes.exception(
                  ProblemException.class,
                  (e, ctx) -> {
                    ctx.attribute(EXPLAINED, true);
                    drainBody(ctx);
                    if (isApi(ctx)) {
                      ApiRoutes.problem(ctx, e);
                    } else if (e.kind() == ProblemException.Kind.NOT_FOUND) {
                      pages.renderNotFound(ctx, e.getMessage());
                    } else {
                      ctx.status(e.kind().httpStatus)
                          .contentType("text/plain; charset=utf-8")
                          .result(e.getMessage());
                    }
                  });
              cfg.routes.exception(
                  Exception.class,
                  (e, ctx) -> {
                    org.eclipse.jetty.http.HttpException bad = badMessage(e);
                    if (bad != null) { // e.g. a malformed multipart body: the client's fault
                      ApiRoutes.json(
                          ctx,
                          bad.getCode(),
                          Map.of(
                              "error",
                              "bad_input",
                              "message",
                              "the request body cannot be read: " + bad.getReason()));
                      return;
                    }
                    log.error("{} {} failed", ctx.method(), ctx.path(), e);
                    ProblemException internal =
                        ProblemException.unavailable("internal error; the server log has details");
                    ctx.status(500);
                    if (isApi(ctx)) {
                      ApiRoutes.json(
                          ctx, 500, Map.of("error", "internal", "message", internal.getMessage()));
                    } else {
                      ctx.result(internal.getMessage());
                    }
                  });
              cfg.routes.error(
                  404,
                  ctx -> {
                    if (ctx.attribute(EXPLAINED) != null) {
                      return; // a handler already explained what was not found
                    }
                    if (isApi(ctx)) {
                      ApiRoutes.json(
                          ctx,
                          404,
                          Map.of(
                              "error",
                              "not_found",
                              "message",
                              "no API endpoint " + ctx.method() + " " + ctx.path()));
                    } else {
                      pages.renderNotFound(ctx, "There is no page at " + ctx.path() + ".");
                    }
                  });
              cfg.routes.error(
                  413,
                  ctx -> {
                    if (isApi(ctx)) {
                      ApiRoutes.json(
                          ctx,
                          413,
                          Map.of(
                              "error",
                              "too_large",
                              "message",
                              "the request body is larger than " + MAX_BODY_BYTES + " bytes"));
                    }
                  });
            });
  }

  private static org.eclipse.jetty.http.HttpException badMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.eclipse.jetty.http.HttpException bad) {
        return bad;
      }
    }
    return null;
  }

  /** The API's description, kept beside the code in {@code api/openapi.yaml}. */
  private static byte[] openApi() throws java.io.IOException {
    try (var in = WebServer.class.getResourceAsStream("/api/openapi.yaml")) {
      if (in == null) {
        throw new java.io.FileNotFoundException("api/openapi.yaml is missing from the classpath");
      }
      return in.readAllBytes();
    }
  }

  /** Answer in JSON: API paths, and any client that does not ask for HTML (curl, scrapers). */
  private static boolean isApi(Context ctx) {
    String accept = ctx.header("Accept");
    return ctx.path().startsWith("/api/") || accept == null || !accept.contains("text/html");
  }

  public WebServer start() {
    app.start();
    if (app.jettyServer().server().getInvocationType() != InvocationType.NON_BLOCKING) {
      // WorkspaceProxy runs what may block on pool threads itself; a handler above it that says
      // it blocks makes Jetty hand every request, proxied ones too, to another thread.
      log.warn("a blocking handler sits above the workspace proxy: proxied requests are slower");
    }
    return this;
  }

  public int port() {
    return app.port();
  }

  /** How many live-status (SSE) clients are connected. */
  public int liveClients() {
    return live.clientCount();
  }

  /** Tells live clients we are still here; called periodically. */
  public void heartbeat() {
    live.heartbeat();
  }

  public void stop() {
    app.stop();
    live.stop();
    seat.close();
  }

  /**
   * A refusal (415, 401, 403…) is often answered before the body was read. Jetty then closes the
   * connection while the client may still be sending, and the client sees no answer at all (an
   * {@code ApiFuzzTest} run in CI did, for a text/plain body refused with 415). Reading what is
   * left of a body within the API's cap lets the client get the message.
   */
  private static void drainBody(io.javalin.http.Context ctx) {
    long length = ctx.req().getContentLengthLong();
    if (length <= 0 || length > MAX_BODY_BYTES) {
      return;
    }
    try {
      ctx.req().getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    } catch (java.io.IOException | RuntimeException e) {
      // read already, or the client went away: the answer goes out all the same
    }
  }
}
