package dev.prequel.proxy;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.runtime.Workspace;
import io.javalin.Javalin;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A candidate's requests to an open workspace go out from the thread that read them, so a portal
 * whose every thread is stuck (a database that stopped answering, a flood of slow pages) does not
 * freeze an IDE that is already open; what is not on that path still works once threads are free.
 */
class ProxyFastPathTest {

  private static final WorkspaceCookies COOKIES =
      new WorkspaceCookies(new byte[32], Clock.systemUTC());

  private final CountDownLatch portalStuck = new CountDownLatch(1);
  private final QueuedThreadPool threads = new QueuedThreadPool(12, 4);
  private FakeWorkspace workspace;
  private Javalin portal;
  private HttpClient http;
  private HttpClient candidateBrowser;

  @BeforeEach
  void start() throws Exception {
    // No spare threads held back: Jetty would otherwise run a request that may block on the
    // selector thread while a reserved one takes over selecting, for as long as reserved ones last.
    threads.setReservedThreads(0);
    workspace = new FakeWorkspace();
    Workspace open = new Workspace("abc", workspace.endpoint(), Instant.EPOCH, Workspace.ANY_PEER);
    WorkspaceResolver cachedLikeLiveWorkspaces =
        new WorkspaceResolver() {
          @Override
          public Optional<Workspace> workspaceOf(String interviewId) {
            return "abc".equals(interviewId) ? Optional.of(open) : Optional.empty();
          }

          @Override
          public Optional<Workspace> knownOpen(String interviewId) {
            return workspaceOf(interviewId);
          }
        };
    WorkspaceProxy proxy =
        new WorkspaceProxy(
            "localhost",
            cachedLikeLiveWorkspaces,
            new CandidateLogin(COOKIES, id -> Optional.of("pw-" + id), false, Clock.systemUTC()));
    portal =
        Javalin.create(
                cfg -> {
                  cfg.startup.showJavalinBanner = false;
                  cfg.jetty.threadPool = threads;
                  cfg.jetty.modifyServer(server -> server.insertHandler(proxy));
                  cfg.routes.get(
                      "/slow",
                      ctx -> {
                        portalStuck.await();
                        ctx.result("slow page");
                      });
                })
            .start(0);
    http = new HttpClient();
    http.start();
    candidateBrowser = new HttpClient();
    candidateBrowser.start();
  }

  @AfterEach
  void stop() throws Exception {
    portalStuck.countDown();
    http.stop();
    candidateBrowser.stop();
    portal.stop();
    workspace.stop();
  }

  @Test
  void anOpenIdeIsServedWhileEveryPortalThreadIsStuck() throws Exception {
    // The IDE is open: its connection to Prequel, and Prequel's to the workspace, exist already
    // (a new connection is set up on a pool thread, by Jetty).
    assertThat(candidateGet().getStatus()).isEqualTo(200);
    List<CompletableFuture<Result>> slow = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              slow.add(send(http.newRequest("http://127.0.0.1:" + portal.port() + "/slow")));
              return threads.getIdleThreads() == 0
                  && threads.getThreads() == threads.getMaxThreads()
                  && threads.getQueueSize() > 0;
            });

    // Not signed in: not on that path, so it waits for a thread like the portal's pages.
    CompletableFuture<Result> signIn =
        send(
            http.newRequest("http://127.0.0.1:" + portal.port() + "/echo")
                .headers(h -> h.put("Host", "abc.localhost:" + portal.port())));

    ContentResponse candidate = candidateGet();
    assertThat(candidate.getStatus()).isEqualTo(200);
    assertThat(candidate.getContentAsString()).contains("Host: abc.localhost:" + portal.port());
    assertThat(signIn).isNotDone();

    portalStuck.countDown();
    assertThat(signIn.get(20, SECONDS).getResponse().getStatus()).isEqualTo(401);
    for (CompletableFuture<Result> page : slow) {
      assertThat(page.get(20, SECONDS).getResponse().getStatus()).isEqualTo(200);
    }
  }

  private ContentResponse candidateGet() throws Exception {
    return candidateBrowser
        .newRequest("http://127.0.0.1:" + portal.port() + "/echo")
        .headers(h -> h.put("Host", "abc.localhost:" + portal.port()))
        .headers(h -> h.put("Cookie", WorkspaceCookies.NAME + "=" + COOKIES.mint("abc")))
        .timeout(10, SECONDS)
        .send();
  }

  private static CompletableFuture<Result> send(Request request) {
    CompletableFuture<Result> done = new CompletableFuture<>();
    request
        .timeout(60, SECONDS)
        .send(
            new Response.Listener() {
              @Override
              public void onComplete(Result result) {
                done.complete(result);
              }
            });
    return done;
  }
}
